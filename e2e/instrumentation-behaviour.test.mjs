// The instrumentations are invisible to the app: every case of
// fixtures/instrumentation/cases.js runs in headless Chromium with the
// instrumentations off and on, and must give the same result; again with
// another library's fetch/XHR wrapper installed before ours and after ours.
// In the "on" runs all four instrumentations are registered, trace headers
// also go to the second origin, and diag must report no fault of ours.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, startSink } from "./harness.mjs";
import { startServers } from "./fixtures/instrumentation/server.mjs";
import { cases } from "./fixtures/instrumentation/cases.js";

const PAGE = `<!doctype html><meta charset="utf-8"><title>behaviour</title><body>
<script type="module">
  import * as wt from "/pkg/index.js";
  import { cases } from "/e2e/fixtures/instrumentation/cases.js";
  await wt.default();
  window.wt = wt;
  window.runCase = async (name, env) => {
    try { return { result: await cases[name](env) }; } catch (e) { return { threw: String(e) }; }
  };
  window.ready = true;
</script>`;

/** Runs in the page: another library's wrappers (before or after ours), then ours when `on`. */
function setup([sinkUrl, on, lib]) {
  const wt = window.wt;
  window.libCalls = 0;
  const installLib = () => {
    const fetch = window.fetch;
    window.fetch = function (input, init) {
      window.libCalls++;
      return fetch.apply(this, arguments).then((r) => r);
    };
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function () {
      window.libCalls++;
      return send.apply(this, arguments);
    };
  };
  if (lib === "before") installLib();
  window.faults = [];
  if (on) {
    const record = (...a) => window.faults.push(a.map(String).join(" "));
    wt.diag.setLogger({ error: record, warn: record, info() {}, debug() {}, verbose() {} }, wt.DiagLogLevel.WARN);
    const provider = new wt.WebTracerProvider({ spanProcessors: [new wt.BatchSpanProcessor(new wt.OTLPTraceExporter({ url: sinkUrl }))] });
    provider.register({ propagator: new wt.CompositePropagator({ propagators: [new wt.W3CTraceContextPropagator(), new wt.AWSXRayPropagator()] }) });
    wt.registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [
        new wt.FetchInstrumentation({ propagateTraceHeaderCorsUrls: [/localhost/] }),
        new wt.XMLHttpRequestInstrumentation({ propagateTraceHeaderCorsUrls: /localhost/ }),
        new wt.UserInteractionInstrumentation(),
        new wt.DocumentLoadInstrumentation(),
      ],
    });
    window.provider = provider;
  }
  if (lib === "after") installLib();
}

const RUNS = { off: [false, "none"], on: [true, "none"], libOnly: [false, "before"], libBefore: [true, "before"], libAfter: [true, "after"] };
const results = {};
const runInfo = {};
let servers, sink, browser;

before(async () => {
  servers = await startServers();
  servers.pages["/behaviour.html"] = PAGE;
  sink = await startSink();
  browser = await launchBrowser();
  const env = { A: servers.A, B: servers.B, closed: servers.closed };
  for (const [run, [on, lib]] of Object.entries(RUNS)) {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${servers.A}/behaviour.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
    await page.evaluate(setup, [sink.url, on, lib]);
    results[run] = {};
    for (const name of Object.keys(cases)) results[run][name] = await page.evaluate(([n, e]) => window.runCase(n, e), [name, env]);
    if (on) await page.evaluate(() => window.provider.forceFlush());
    runInfo[run] = { ...(await page.evaluate(() => ({ faults: window.faults, libCalls: window.libCalls }))), errors };
    await page.close();
  }
});

after(async () => {
  await browser?.close();
  await sink?.stop();
  await servers?.stop();
});

for (const name of Object.keys(cases)) {
  test(`same behaviour: ${name}`, () => {
    assert.ok(!("threw" in results.off[name]), `the case itself failed: ${results.off[name].threw}`);
    assert.deepEqual(results.on[name], results.off[name], "instrumentation on");
    assert.deepEqual(results.libBefore[name], results.libOnly[name], "another library's wrapper installed before ours");
    assert.deepEqual(results.libAfter[name], results.libOnly[name], "another library's wrapper installed after ours");
  });
}

test("the suite has at least 40 cases", () => assert.ok(Object.keys(cases).length >= 40));

test("the instrumentations were on: a span for each traced request, none of our faults reported", () => {
  for (const run of ["on", "libBefore", "libAfter"]) assert.deepEqual(runInfo[run].faults, [], `${run}: diag reported`);
  const spans = sink.spans();
  const fetches = spans.filter((s) => s.scope.name === "@opentelemetry/instrumentation-fetch");
  const xhrs = spans.filter((s) => s.scope.name === "@opentelemetry/instrumentation-xml-http-request");
  // Three "on" runs; each makes over 60 fetches and 25 XHRs.
  assert.ok(fetches.length >= 3 * 60, `${fetches.length} fetch spans`);
  assert.ok(xhrs.length >= 3 * 25, `${xhrs.length} XHR spans`);
  assert.ok(spans.some((s) => s.name === "click"), "click spans");
  assert.ok(spans.every((s) => BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)));
});

test("another library's wrapper is called as often with ours as without", () => {
  assert.ok(runInfo.libOnly.libCalls > 50);
  assert.equal(runInfo.libBefore.libCalls, runInfo.libOnly.libCalls);
  assert.equal(runInfo.libAfter.libCalls, runInfo.libOnly.libCalls);
});
