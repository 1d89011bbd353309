// An endless response through the fetch instrumentation: the page's memory
// stays flat whether the app reads it fast or slowly, because we never clone,
// buffer or read a body; the span ends when the app cancels the stream. A
// clone-and-drain wrapper (what OpenTelemetry JS does, issue #4888) run the
// same way shows the measurement would catch a leak.
import { test, before, after } from "node:test";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { launchBrowser, startSink } from "./harness.mjs";
import { startServers } from "./fixtures/instrumentation/server.mjs";

const PAGE = `<!doctype html><meta charset="utf-8"><title>memory</title>
<script type="module">
  import * as wt from "/pkg/index.js";
  await wt.default();
  window.wt = wt;
  window.ready = true;
</script>`;

let servers, browser, browserCdp;
const sinks = new Set();
before(async () => {
  servers = await startServers();
  servers.pages["/memory.html"] = PAGE;
  browser = await launchBrowser();
  browserCdp = await browser.newBrowserCDPSession();
});
after(async () => {
  for (const sink of sinks) await sink.stop();
  await browser?.close();
  await servers?.stop();
});

/**
 * The resident memory of the browser's renderer processes, after a full GC
 * of the page: a body buffered by Blink (a clone's tee) is not in the JS heap.
 */
async function memory(cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  const { processInfo } = await browserCdp.send("SystemInfo.getProcessInfo");
  let rss = 0;
  for (const p of processInfo) {
    if (p.type !== "renderer") continue;
    try { rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.id}/status`, "utf8"))[1]) * 1024; } catch { /* gone */ }
  }
  return rss;
}

/**
 * Streams /api/endless (40 MB/s offered) in a fresh page set up by `setup`,
 * the app reading for `seconds` with `pause` ms between reads; returns the
 * bytes read and the memory growth from the first second to the end.
 */
async function stream(setup, { seconds, pause }) {
  const sink = await startSink();
  sinks.add(sink);
  const page = await browser.newPage();
  await page.goto(servers.A + "/memory.html");
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
  const cdp = await page.context().newCDPSession(page);
  await page.evaluate(setup, sink.url);
  await page.evaluate(() => {
    window.state = { bytes: 0, stop: false };
    window.reading = (async () => {
      const response = await fetch("/api/endless?mbps=40");
      const reader = response.body.getReader();
      window.state.status = response.status;
      while (!window.state.stop) {
        const { value } = await reader.read();
        window.state.bytes += value.length;
        if (window.pause) await new Promise((r) => setTimeout(r, window.pause));
      }
      window.state.cancelledAt = performance.now();
      await reader.cancel();
    })();
  });
  await page.evaluate((p) => (window.pause = p), pause);
  await new Promise((r) => setTimeout(r, 1000));
  const start = await memory(cdp);
  const samples = [];
  for (let i = 0; i < seconds - 1; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    samples.push(await memory(cdp));
  }
  const { bytes, status } = await page.evaluate(async () => {
    window.state.stop = true;
    await window.reading;
    await new Promise((r) => setTimeout(r, 300));
    await window.provider?.forceFlush();
    return window.state;
  });
  await page.close();
  await sink.stop();
  sinks.delete(sink);
  return { bytes, status, growth: Math.max(...samples) - start, spans: sink.spans() };
}

function ours(sinkUrl) {
  const wt = window.wt;
  const provider = new wt.WebTracerProvider({ spanProcessors: [new wt.BatchSpanProcessor(new wt.OTLPTraceExporter({ url: sinkUrl }))] });
  provider.register();
  wt.registerInstrumentations({ tracerProvider: provider, instrumentations: [new wt.FetchInstrumentation()] });
  window.provider = provider;
}

function cloneAndDrain() {
  const original = window.fetch;
  window.fetch = async function () {
    const response = await original.apply(this, arguments);
    const reader = response.clone().body.getReader();
    (async () => { while (!(await reader.read()).done); })().catch(() => {});
    return response;
  };
}

const MB = 1 << 20;

const mb = (n) => (n / MB).toFixed(1) + " MB";

test("an endless response read fast: memory stays flat and the span ends when the app cancels", async (t) => {
  const run = await stream(ours, { seconds: 5, pause: 0 });
  t.diagnostic(`read ${mb(run.bytes)}, renderer memory grew ${mb(run.growth)}`);
  assert.equal(run.status, 200);
  assert.ok(run.bytes > 60 * MB, `read ${(run.bytes / MB).toFixed(0)} MB`);
  assert.ok(run.growth < 15 * MB, `memory grew ${(run.growth / MB).toFixed(1)} MB`);
  const span = run.spans.find((s) => String(s.attrs["url.full"]).includes("/api/endless"));
  assert.ok(span, "the span ended and was exported");
  assert.equal(span.attrs["http.response.status_code"], 200);
  const seconds = Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e9;
  assert.ok(seconds > 4 && seconds < 8, `the span lasted until the cancel: ${seconds} s`);
});

test("an endless response read slowly: memory stays flat with ours, grows with a clone-and-drain wrapper", async (t) => {
  const flat = await stream(ours, { seconds: 4, pause: 100 });
  t.diagnostic(`ours: read ${mb(flat.bytes)}, renderer memory grew ${mb(flat.growth)}`);
  assert.ok(flat.growth < 15 * MB, `memory grew ${(flat.growth / MB).toFixed(1)} MB with ours`);
  const leaky = await stream(cloneAndDrain, { seconds: 4, pause: 100 });
  t.diagnostic(`clone-and-drain: read ${mb(leaky.bytes)}, renderer memory grew ${mb(leaky.growth)}`);
  assert.ok(leaky.growth > 50 * MB, `the clone-and-drain control grew only ${(leaky.growth / MB).toFixed(1)} MB`);
});
