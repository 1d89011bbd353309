// One local HTTP server for the browser benchmarks, on a real port (Chromium
// refuses loopback requests from pages served by request interception):
//   /page/NAME?...   an HTML page that loads the bundle NAME (start-up time
//                    is taken from an inline script that runs before it)
//   /dist/...        the Vite bundles
//   /v1/traces?run=ID  the OTLP sink both SDKs export to: answers 200 at once
//                    and counts spans and bytes per run id
//   /echo            the target of the fetch/XHR workloads (a small body)
// Everything is same-origin, so neither SDK pays for CORS preflights.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { gunzip } from "node:zlib";
import { join, normalize, extname } from "node:path";

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
const ECHO_BODY = JSON.stringify({ ok: true, items: [1, 2, 3], note: "wasmtrace benchmark echo" });

/** Spans in an OTLP/JSON body: every span object carries one `"spanId":` key. */
function countSpans(text) {
  let n = 0;
  for (let i = text.indexOf('"spanId"'); i !== -1; i = text.indexOf('"spanId"', i + 8)) n++;
  return n;
}

export async function startServer({ distDir, verifyJson = false }) {
  const runs = new Map();
  const run = (id) => {
    if (!runs.has(id)) runs.set(id, { requests: 0, spans: 0, bytes: 0, gzip: 0, errors: [] });
    return runs.get(id);
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const path = url.pathname;
    if (path === "/v1/traces" && req.method === "POST") {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const stats = run(url.searchParams.get("run") ?? "default");
        const body = Buffer.concat(chunks);
        stats.requests++;
        stats.bytes += body.length;
        const count = (error, plain) => {
          try {
            if (error) throw error;
            const text = plain.toString("utf8");
            const n = countSpans(text);
            if (verifyJson) {
              const parsed = JSON.parse(text);
              let m = 0;
              for (const rs of parsed.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) m += (ss.spans ?? []).length;
              if (m !== n) stats.errors.push(`span count mismatch: ${m} parsed, ${n} counted`);
            }
            stats.spans += n;
          } catch (e) {
            stats.errors.push(String(e.message ?? e));
          }
          res.writeHead(200, { "content-type": "application/json" });
          res.end("{}");
        };
        if (req.headers["content-encoding"] === "gzip") {
          stats.gzip++;
          // Off the event loop: this one server also answers the fetch/XHR
          // workloads' /echo, which a collector, a server of its own, would
          // not hold up while it inflates an export.
          gunzip(body, count);
        } else count(null, body);
      });
      return;
    }
    if (path === "/echo") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      return res.end(ECHO_BODY);
    }
    if (path.startsWith("/page/")) {
      const name = path.slice("/page/".length).replace(/[^a-z0-9-]/gi, "");
      res.writeHead(200, { "content-type": "text/html", "cache-control": "no-store" });
      return res.end(
        `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title>` +
          `<script>window.__benchT0 = performance.now();</script>` +
          `<script type="module" src="/dist/${name}/${name}.js"></script></head><body><p>${name}</p></body></html>`,
      );
    }
    if (path.startsWith("/dist/")) {
      const file = normalize(join(distDir, path.slice("/dist/".length)));
      if (!file.startsWith(distDir)) return res.writeHead(403).end();
      readFile(file).then(
        (body) => {
          res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
          res.end(body);
        },
        () => res.writeHead(404).end(),
      );
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60000;
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    run: (id) => run(id),
    stop: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}
