// The browser benchmarks: wasmtrace against OpenTelemetry JS in one headless
// Chromium (Debian's, through playwright-core), a fresh page (and browser
// context, so a cold cache) per workload run, the two SDKs alternating.
//
//   node browser/run.mjs --out FILE [--quick] [--only workload,workload]
//
// Writes the raw samples as JSON; report.mjs turns them into the tables.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { readFileSync as readProc } from "node:fs";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { buildEntry, SIZE_ENTRIES, APP_ENTRIES, OUT } from "./build.mjs";
import { startServer } from "./server.mjs";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const outFile = args[args.indexOf("--out") + 1];
// --only: the named workloads (sizes, startup, hotpath, throughput, encoding,
// fetch, xhr, memory, longtasks) and nothing else, for working on one figure.
const only = args.includes("--only") ? new Set(args[args.indexOf("--only") + 1].split(",")) : null;
const wanted = (workload) => !only || only.has(workload);
if (!args.includes("--out") || !outFile) throw new Error("usage: node browser/run.mjs --out FILE [--quick]");

// Sizes of the workloads; the quick mode only proves the harness runs.
const P = quick
  ? { reps: 1, startupReps: 1, hotPath: 500, hotPathRounds: 1, throughput: 2000, encoding: 500, calls: 50, httpReps: 1, memory: 2000, longTaskSeconds: 1, longTaskReps: 1 }
  : { reps: Number(process.env.BENCH_REPS ?? 5), startupReps: 10, hotPath: 20000, hotPathRounds: 5, throughput: 100000, encoding: 10000, calls: 2000, httpReps: Number(process.env.BENCH_HTTP_REPS ?? 31), memory: 100000, longTaskSeconds: 10, longTaskReps: 3 };
const LONG_TASK_RATE = 2000; // spans per second in the steady stream
const SDKS = ["wasmtrace", "otel"];
// Throughput and memory: a queue as long as the run, so no span can be dropped,
// and batches of 4,096 so that forceFlush of what is left at the end stays under
// both exporters' limit of 30 concurrent requests (with OpenTelemetry JS's default
// 512, a 100,000-span backlog makes forceFlush fail and lose spans).
const THROUGHPUT_BSP = (spans) => ({ maxQueueSize: spans, maxExportBatchSize: Math.min(4096, spans) });
const log = (...a) => console.error("[bench:browser]", ...a);
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/**
 * CPU seconds (utime + stime from /proc) of every Chromium process: the
 * browser, renderers, network service, GPU. Unlike wall time, this barely
 * moves when other work shares the machine.
 */
let browserCdp = null;
async function browserCpuSeconds() {
  const { processInfo } = await browserCdp.send("SystemInfo.getProcessInfo");
  let total = 0;
  for (const { id } of processInfo) {
    try {
      const stat = readProc(`/proc/${id}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(f[11]) + Number(f[12])) / CLK_TCK;
    } catch {}
  }
  return total;
}
/** Runs `fn` and returns [its result, the browser's CPU seconds meanwhile]. */
async function withCpu(fn) {
  const before = await browserCpuSeconds();
  const result = await fn();
  return [result, (await browserCpuSeconds()) - before];
}

/** Alternates the order of the SDKs from one repetition to the next. */
const order = (rep) => (rep % 2 === 0 ? SDKS : [...SDKS].reverse());
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

function compressed(path) {
  const gzip = execFileSync("gzip", ["-9", "-c", path], { maxBuffer: 1 << 28 }).length;
  const brotli = execFileSync("brotli", ["-q", "11", "-c", path], { maxBuffer: 1 << 28 }).length;
  return { gzip, brotli };
}

async function measureSizes() {
  const rows = [];
  for (const e of SIZE_ENTRIES) {
    const files = (await buildEntry(e.entry)).map((f) => ({ name: f.name, raw: f.raw, ...compressed(f.path) }));
    const sum = (k) => files.reduce((a, f) => a + f[k], 0);
    rows.push({ ...e, files, raw: sum("raw"), gzip: sum("gzip"), brotli: sum("brotli") });
    log(`size ${e.entry}: ${sum("raw")} B raw, ${sum("gzip")} B gzip, ${sum("brotli")} B brotli`);
  }
  return rows;
}

const results = { params: { ...P, longTaskRate: LONG_TASK_RATE }, sizes: [], workloads: {}, errors: [], missing: {} };
function record(workload, sdk, key, value) {
  const w = (results.workloads[workload] ??= {});
  const s = (w[sdk] ??= {});
  (s[key] ??= []).push(value);
}
function recordMissing(sdk, missing) {
  for (const m of missing ?? []) (results.missing[sdk] ??= new Set()).add(m);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`${what}: no answer in ${ms / 1000} s`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** Opens a fresh context and page on `name`, runs `fn(page, cdp)`, closes it. */
async function withPage(browser, server, name, fn) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  try {
    await page.goto(`${server.origin}/page/${name}`, { waitUntil: "load" });
    const cdp = await context.newCDPSession(page);
    return await fn(page, cdp);
  } catch (e) {
    throw new Error(`${name}: ${e.message}${problems.length ? ` (${problems.join("; ")})` : ""}`);
  } finally {
    await context.close();
  }
}

/** Loads the workload page of `sdk`, sets the SDK up, runs `fn`. */
async function withSdk(browser, server, sdk, options, fn) {
  return withPage(browser, server, `app-${sdk}`, async (page, cdp) => {
    await page.waitForFunction(() => window.__benchLoaded === true, null, { timeout: 30000 });
    const setup = await page.evaluate((o) => window.bench.setup(o), options);
    recordMissing(sdk, setup.missing);
    return fn(page, cdp, setup);
  });
}

async function attempt(what, fn) {
  try {
    await fn();
  } catch (e) {
    log(`ERROR in ${what}: ${e.message}`);
    results.errors.push(`${what}: ${e.message}`);
  }
}

async function main() {
  const started = Date.now();
  mkdirSync(OUT, { recursive: true });
  log("bundling with Vite (production mode)");
  if (wanted("sizes")) results.sizes = await measureSizes();
  for (const app of APP_ENTRIES) await buildEntry(app);
  results.versions = {
    vite: JSON.parse(readFileSync(new URL("../node_modules/vite/package.json", import.meta.url))).version,
    "playwright-core": JSON.parse(readFileSync(new URL("../node_modules/playwright-core/package.json", import.meta.url))).version,
  };

  const server = await startServer({ distDir: OUT, verifyJson: quick });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  results.versions.chromium = browser.version();
  browserCdp = await browser.newBrowserCDPSession();
  const sink = (id) => `${server.origin}/v1/traces?run=${id}`;
  try {
    // Start-up: script start to provider registered and instrumentation active,
    // on the shipped-size bundle of the core set (downloads from loopback included).
    for (let rep = 0; rep < (wanted("startup") ? P.startupReps : 0); rep++) {
      for (const sdk of order(rep)) {
        await attempt(`startup ${sdk}`, () =>
          withPage(browser, server, `${sdk}-core`, async (page) => {
            await page.waitForFunction(() => typeof window.__benchReady === "number", null, { timeout: 30000 });
            const r = await page.evaluate(() => ({ t0: window.__benchT0, ready: window.__benchReady, missing: window.__benchMissing }));
            recordMissing(sdk, r.missing);
            record("startup", sdk, "ms", r.ready - r.t0);
            record("startup", sdk, "sinceNavigationMs", r.ready);
          }),
        );
      }
    }
    log("start-up done");

    // The span hot path: queue and batch hold a whole round, so nothing is
    // encoded or sent inside the timed loop (each round is flushed after).
    for (let rep = 0; rep < (wanted("hotpath") ? P.reps : 0); rep++) {
      for (const sdk of order(rep)) {
        const id = `hotpath-${sdk}-${rep}`;
        const bsp = { maxQueueSize: P.hotPath + 1, maxExportBatchSize: P.hotPath + 1, scheduledDelayMillis: 600000 };
        await attempt(id, () =>
          withSdk(browser, server, sdk, { url: sink(id), bsp }, async (page) => {
            const r = await withTimeout(page.evaluate((p) => window.bench.hotPath(p), { spans: P.hotPath, rounds: P.hotPathRounds }), 180000, id);
            record("hotpath", sdk, "spansPerSecond", median(r.perSecond));
            const got = server.run(id);
            record("hotpath", sdk, "dropped", r.spans - got.spans);
            if (got.errors.length) throw new Error(got.errors.join("; "));
          }),
        );
      }
    }
    log("hot path done");

    // Span throughput, no span dropped.
    for (let rep = 0; rep < (wanted("throughput") ? P.reps : 0); rep++) {
      for (const sdk of order(rep)) {
        const id = `throughput-${sdk}-${rep}`;
        await attempt(id, () =>
          withSdk(browser, server, sdk, { url: sink(id), bsp: THROUGHPUT_BSP(P.throughput) }, async (page) => {
            const [r, cpuS] = await withCpu(() => withTimeout(page.evaluate((p) => window.bench.throughput(p), { spans: P.throughput, chunk: 1000 }), 180000, id));
            const got = server.run(id);
            record("throughput", sdk, "spansPerSecond", r.spansPerSecond);
            record("throughput", sdk, "spansPerCpuSecond", r.spans / cpuS);
            record("throughput", sdk, "loopMs", r.loopMs);
            record("throughput", sdk, "dropped", r.spans - got.spans);
            record("throughput", sdk, "requests", got.requests);
            if (got.errors.length) throw new Error(got.errors.join("; "));
          }),
        );
      }
    }
    log("throughput done");

    // Export encoding: N ended spans to the one body each SDK posts.
    for (let rep = 0; rep < (wanted("encoding") ? P.reps : 0); rep++) {
      for (const sdk of order(rep)) {
        const id = `encoding-${sdk}-${rep}`;
        const big = 2 * P.encoding;
        await attempt(id, () =>
          withSdk(browser, server, sdk, { url: sink(id), bsp: { maxQueueSize: big, maxExportBatchSize: big, scheduledDelayMillis: 600000 } }, async (page) => {
            const [r, cpuS] = await withCpu(() => withTimeout(page.evaluate((p) => window.bench.encoding(p), { spans: P.encoding }), 180000, id));
            record("encoding", sdk, "cpuMs", cpuS * 1000);
            const got = server.run(id);
            for (const k of ["endMs", "flushMs", "totalMs", "encodeOnlyMs", "encodeColdMs"]) if (r[k] != null) record("encoding", sdk, k, r[k]);
            record("encoding", sdk, "requests", got.requests);
            record("encoding", sdk, "bodyBytes", got.bytes);
            record("encoding", sdk, "gzip", got.gzip > 0 ? 1 : 0);
            record("encoding", sdk, "received", got.spans);
            if (got.spans !== P.encoding) throw new Error(`the sink received ${got.spans} spans of ${P.encoding}`);
            if (got.errors.length) throw new Error(got.errors.join("; "));
          }),
        );
      }
    }
    log("encoding done");

    // Instrumented fetch and XHR: instrumentation off and on, same SDK loaded.
    // More repetitions than elsewhere: a per-call difference of ~100 µs on
    // ~1.8 ms calls moves by as much from one page to the next.
    for (const kind of ["fetch", "xhr"].filter(wanted)) {
      for (let rep = 0; rep < P.httpReps; rep++) {
        for (const sdk of order(rep)) {
          for (const on of rep % 2 ? [true, false] : [false, true]) {
            const id = `${kind}-${on ? "on" : "off"}-${sdk}-${rep}`;
            const instrument = on ? { fetch: true, xhr: true } : {};
            await attempt(id, () =>
              withSdk(browser, server, sdk, { url: sink(id), instrument }, async (page, cdp, setup) => {
                const missing = setup.missing.filter((m) => /Fetch|XMLHttpRequest|registerInstrumentations/.test(m));
                if (on && missing.length) return;
                const [r, cpuS] = await withCpu(() => withTimeout(page.evaluate((p) => window.bench.http(p), { kind, calls: P.calls, url: `${server.origin}/echo` }), 180000, id));
                record(kind, sdk, on ? "onUs" : "offUs", r.perCallUs);
                record(kind, sdk, on ? "onCpuUs" : "offCpuUs", (cpuS * 1e6) / P.calls);
                if (on) record(kind, sdk, "spansExported", server.run(id).spans);
              }),
            );
          }
        }
      }
      log(`${kind} done`);
    }

    // Memory: JS heap + wasm memory after N spans (exported) and a GC.
    for (let rep = 0; rep < (wanted("memory") ? P.reps : 0); rep++) {
      for (const sdk of order(rep)) {
        const id = `memory-${sdk}-${rep}`;
        await attempt(id, () =>
          withSdk(browser, server, sdk, { url: sink(id), bsp: THROUGHPUT_BSP(P.memory) }, async (page, cdp) => {
            const measure = async () => {
              await cdp.send("HeapProfiler.collectGarbage");
              const { usedSize } = await cdp.send("Runtime.getHeapUsage");
              const wasm = await page.evaluate(() => window.bench.wasmMemoryBytes());
              return { js: usedSize, wasm, total: usedSize + wasm };
            };
            const before = await measure();
            await withTimeout(page.evaluate((p) => window.bench.throughput(p), { spans: P.memory, chunk: 1000 }), 180000, id);
            const after = await measure();
            record("memory", sdk, "afterBytes", after.total);
            record("memory", sdk, "afterJsBytes", after.js);
            record("memory", sdk, "afterWasmBytes", after.wasm);
            record("memory", sdk, "idleBytes", before.total);
            record("memory", sdk, "growthBytes", after.total - before.total);
          }),
        );
      }
    }
    log("memory done");

    // Long tasks during a steady stream, default batch settings.
    for (let rep = 0; rep < (wanted("longtasks") ? P.longTaskReps : 0); rep++) {
      for (const sdk of order(rep)) {
        const id = `longtasks-${sdk}-${rep}`;
        await attempt(id, () =>
          withSdk(browser, server, sdk, { url: sink(id) }, async (page) => {
            const [r, cpuS] = await withCpu(() => withTimeout(page.evaluate((p) => window.bench.longTasks(p), { seconds: P.longTaskSeconds, rate: LONG_TASK_RATE }), 180000, id));
            record("longtasks", sdk, "cpuShare", cpuS / r.seconds);
            record("longtasks", sdk, "count", r.longTasks);
            record("longtasks", sdk, "totalMs", r.longTaskMs);
            record("longtasks", sdk, "maxMs", r.maxLongTaskMs);
            record("longtasks", sdk, "spans", r.spans);
            record("longtasks", sdk, "dropped", r.spans - server.run(id).spans);
          }),
        );
      }
    }
    log("long tasks done");
  } finally {
    await browser.close();
    await server.stop();
  }
  results.missing = Object.fromEntries(Object.entries(results.missing).map(([k, v]) => [k, [...v]]));
  results.elapsedS = (Date.now() - started) / 1000;
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(results, null, 2) + "\n");
  for (const [w, bySdk] of Object.entries(results.workloads)) {
    for (const [sdk, figures] of Object.entries(bySdk)) {
      log(`${w} ${sdk}: ` + Object.entries(figures).map(([k, v]) => `${k}=${Number(median(v)).toFixed(1)}`).join(" "));
    }
  }
  log(`done in ${results.elapsedS.toFixed(0)} s; ${results.errors.length} error(s)`);
  if (results.errors.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
