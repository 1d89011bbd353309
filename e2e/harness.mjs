// Shared pieces of the end-to-end tests: a real collector process, static
// servers on their own origins, and headless Chromium (Debian's, never a
// downloaded one).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createServer as createNetServer, connect } from "node:net";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, extname, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";

export const ROOT = resolve(new URL("..", import.meta.url).pathname);

export function collectorBinary() {
  const candidates = [
    process.env.WASMTRACE_COLLECTOR_BIN,
    join(ROOT, "target/release/wasmtrace-collector"),
    join(ROOT, "target/debug/wasmtrace-collector"),
  ].filter(Boolean);
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`no collector binary; build it first (looked at ${candidates.join(", ")})`);
  return found;
}

// Ports handed out in this process: the OS may offer a just-closed port
// again, and two services given the same one collide when they start.
const handedOut = new Set();

/** A loopback port nothing listens on, never the same one twice in a run. */
export async function freePort() {
  for (;;) {
    const port = await new Promise((ok, fail) => {
      const server = createNetServer();
      server.once("error", fail);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address();
        server.close(() => ok(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

async function waitForPort(port, child, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode}`);
    const open = await new Promise((ok) => {
      const socket = connect(port, "127.0.0.1", () => { socket.end(); ok(true); });
      socket.once("error", () => ok(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`collector did not listen on ${port}`);
}

/** Starts the collector with a file exporter; `allowedOrigins` go into CORS. */
export async function startCollector({ allowedOrigins, allowedHeaders = [] }) {
  const dir = mkdtempSync(join(tmpdir(), "wasmtrace-e2e-"));
  const port = await freePort();
  const output = join(dir, "traces.jsonl");
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    [
      "receivers:",
      "  otlp:",
      "    protocols:",
      "      http:",
      `        endpoint: 127.0.0.1:${port}`,
      "        cors:",
      `          allowed_origins: ${JSON.stringify(allowedOrigins)}`,
      `          allowed_headers: ${JSON.stringify(allowedHeaders)}`,
      "          max_age: 60",
      "exporters:",
      "  file:",
      `    path: ${JSON.stringify(output)}`,
      "service:",
      "  pipelines:",
      "    traces:",
      "      receivers: [otlp]",
      "      exporters: [file]",
      "",
    ].join("\n"),
  );
  const child = spawn(collectorBinary(), ["--config", config], { stdio: ["ignore", "inherit", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  await waitForPort(port, child);
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    log: () => log,
    /** Every span the file exporter wrote, with its resource attributes. */
    spans() {
      if (!existsSync(output)) return [];
      const spans = [];
      for (const line of readFileSync(output, "utf8").split("\n").filter(Boolean)) {
        for (const rs of JSON.parse(line).resourceSpans ?? []) {
          const resource = attributesOf(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? []) {
            for (const span of ss.spans ?? []) spans.push({ ...span, resource, scope: ss.scope, attrs: attributesOf(span.attributes) });
          }
        }
      }
      return spans;
    },
    stop: () => new Promise((ok) => { child.once("exit", ok); child.kill("SIGTERM"); }),
  };
}

/** OTLP key/value list → plain object of plain values. */
export function attributesOf(list = []) {
  const out = {};
  for (const { key, value } of list) out[key] = plainValue(value);
  return out;
}
function plainValue(value = {}) {
  if ("stringValue" in value) return value.stringValue;
  if ("boolValue" in value) return value.boolValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return Number(value.doubleValue);
  if ("arrayValue" in value) return (value.arrayValue.values ?? []).map(plainValue);
  return undefined;
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".css": "text/css" };

/**
 * Serves files under ROOT, plus `pages` (path → HTML, may be added to later)
 * on its own origin. Pages come from a real server rather than from request
 * interception: Chromium counts an intercepted page as public, and then
 * refuses its requests to loopback (Local Network Access).
 */
export async function serveStatic(pages = {}) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (pages[path]) {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(pages[path]);
    }
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(ROOT)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { origin: `http://127.0.0.1:${server.address().port}`, pages, stop: () => new Promise((ok) => server.close(ok)) };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

export async function waitFor(predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A stand-in OTLP endpoint that records every request (headers and the
 * decompressed JSON body) and answers with `respond(n)`'s status for the
 * n-th POST (200 by default). It allows every origin and header, so what it
 * sees is what the SDK sent, whatever a collector's CORS would refuse.
 */
export async function startSink(respond = () => 200) {
  const { gunzipSync } = await import("node:zlib");
  const requests = [];
  let posts = 0;
  const server = createServer((req, res) => {
    const cors = {
      "access-control-allow-origin": req.headers.origin ?? "*",
      "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "*",
      "access-control-allow-methods": "POST",
      "access-control-expose-headers": "retry-after",
    };
    if (req.method === "OPTIONS") return res.writeHead(204, cors).end();
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const status = respond(++posts);
      requests.push({ headers: req.headers, raw: body.length, json: JSON.parse(body.toString("utf8")), status });
      res.writeHead(status, { ...cors, "content-type": "application/json", ...(status === 503 ? { "retry-after": "0" } : {}) }).end("{}");
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/traces`,
    requests,
    spans() {
      return requests.filter((r) => r.status === 200).flatMap((r) =>
        (r.json.resourceSpans ?? []).flatMap((rs) =>
          (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((s) => ({ ...s, resource: attributesOf(rs.resource?.attributes), scope: ss.scope, attrs: attributesOf(s.attributes) }))),
        ),
      );
    },
    stop: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}

/** A page that loads pkg/ and exposes the module as `window.wt`. */
export const SDK_PAGE = `<!doctype html><meta charset="utf-8"><title>sdk</title>
<script type="module">
  import * as wt from "/pkg/index.js";
  await wt.default();
  window.wt = wt;
  window.ready = true;
</script>`;

export async function openSdkPage(browser, server, path = "/sdk.html") {
  server.pages[path] = SDK_PAGE;
  const page = await browser.newPage();
  page.consoleMessages = [];
  page.on("console", (m) => page.consoleMessages.push(m.text()));
  page.on("pageerror", (e) => page.consoleMessages.push("pageerror: " + e));
  await page.goto(server.origin + path);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 15000 });
  return page;
}
