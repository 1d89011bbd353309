// The walking skeleton, end to end: a page on one origin loads pkg/, ends a
// span and flushes it across origins to a real collector, which must accept
// it through CORS; a page on an origin the collector does not allow must be
// refused by the browser, and its span must not arrive.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startCollector, serveStatic, launchBrowser, waitFor } from "./harness.mjs";

// How the page loads the SDK: OTLP/JSON from "wasmtrace"; OTLP/protobuf
// from "wasmtrace/protobuf", as a user moving from
// @opentelemetry/exporter-trace-otlp-proto writes it; or the protobuf
// option with "wasmtrace"'s init, whose module has no protobuf encoder.
const IMPORTS = {
  json: `import init, { OTLPTraceExporter } from "/pkg/index.js"; const protocol = undefined;`,
  protobuf: `import init, { OTLPTraceExporter } from "/pkg/protobuf.js"; const protocol = undefined;`,
  "protobuf-option-json-module": `import init, { OTLPTraceExporter } from "/pkg/index.js"; const protocol = "http/protobuf";`,
};

const page = (collectorUrl, marker, variant = "json") => `<!doctype html><meta charset="utf-8"><title>e2e</title>
<script type="module">
  import { WebTracerProvider, BatchSpanProcessor, resourceFromAttributes } from "/pkg/index.js";
  ${IMPORTS[variant]}
  try {
    await init();
    const provider = new WebTracerProvider({
      resource: resourceFromAttributes({ "service.name": "e2e-web" }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: ${JSON.stringify(collectorUrl)}, protocol }))],
    });
    const span = provider.getTracer("e2e", "1.0").startSpan("checkout");
    span.setAttribute("marker", ${JSON.stringify(marker)});
    span.setAttribute("items", 3);
    span.setAttribute("paid", true);
    span.setAttribute("ratio", 0.5);
    span.end();
    window.traceId = span.spanContext().traceId;
    await provider.forceFlush();
    window.result = "flushed";
  } catch (error) {
    window.result = "error: " + error;
  }
</script>`;

let allowed, refused, collector, browser;

before(async () => {
  allowed = await serveStatic({});
  refused = await serveStatic({});
  collector = await startCollector({ allowedOrigins: [allowed.origin] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
  await allowed?.stop();
  await refused?.stop();
});

async function runPage(server, marker, variant) {
  const tab = await browser.newPage();
  const errors = [];
  tab.on("pageerror", (e) => errors.push(String(e)));
  server.pages["/e2e.html"] = page(collector.url, marker, variant);
  await tab.goto(`${server.origin}/e2e.html`);
  await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 15000 });
  const result = await tab.evaluate(() => ({ result: window.result, traceId: window.traceId }));
  await tab.close();
  return { ...result, errors };
}

test("a span from an allowed origin arrives with its resource, attributes and an X-Ray trace id", async () => {
  const { result, traceId, errors } = await runPage(allowed, "allowed-origin");
  assert.equal(result, "flushed", `page said ${result}; errors ${errors}; collector log:\n${collector.log()}`);
  const span = await waitFor(() => collector.spans().find((s) => s.attrs.marker === "allowed-origin"));
  assert.ok(span, "the span reached the file exporter");
  assert.equal(span.name, "checkout");
  assert.equal(span.resource["service.name"], "e2e-web");
  assert.equal(span.resource["telemetry.sdk.language"], "webjs");
  assert.deepEqual(span.attrs, { marker: "allowed-origin", items: 3, paid: true, ratio: 0.5 });
  assert.equal(span.scope.name, "e2e");
  assert.equal(span.traceId, traceId);
  assert.match(span.traceId, /^[0-9a-f]{32}$/);
  assert.match(span.spanId, /^[0-9a-f]{16}$/);
  const epochSecs = parseInt(span.traceId.slice(0, 8), 16);
  assert.ok(Math.abs(epochSecs - Date.now() / 1000) < 60, `trace id time ${epochSecs} is not within a minute of now`);
  const startMs = Number(BigInt(span.startTimeUnixNano) / 1000000n);
  assert.ok(Math.abs(startMs - Date.now()) < 60000, "start time is the browser's wall clock");
  assert.ok(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano));
});

test("a page from an origin the collector does not allow is refused, and its span does not arrive", async () => {
  const { result } = await runPage(refused, "refused-origin");
  assert.match(result, /^error: /, "the browser must refuse the cross-origin export");
  // Give a wrongly accepted request time to land before asserting absence.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(collector.spans().filter((s) => s.attrs.marker === "refused-origin").length, 0);
  assert.ok(collector.spans().some((s) => s.attrs.marker === "allowed-origin"), "the allowed span is still there");
});

test("OTLP/protobuf from the browser (wasmtrace/protobuf) arrives intact too", async () => {
  const { result, traceId } = await runPage(allowed, "protobuf", "protobuf");
  assert.equal(result, "flushed");
  const span = await waitFor(() => collector.spans().find((s) => s.attrs.marker === "protobuf"));
  assert.ok(span, "the protobuf span reached the file exporter");
  assert.equal(span.traceId, traceId);
  assert.deepEqual(span.attrs, { marker: "protobuf", items: 3, paid: true, ratio: 0.5 });
  assert.equal(span.resource["service.name"], "e2e-web");
});

test("asking for OTLP/protobuf with the OTLP/JSON module fails at once, saying which init to call", async () => {
  const { result } = await runPage(allowed, "protobuf-json-module", "protobuf-option-json-module");
  assert.match(result, /^error: .*OTLP\/protobuf.*"wasmtrace\/protobuf"/);
});
