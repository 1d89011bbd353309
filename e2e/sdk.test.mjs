// The SDK in real Chromium: what reaches the wire, sampling, propagation,
// delivery (retries, gzip, page hide) and the exporter's own requests.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launchBrowser, startSink, openSdkPage, waitFor } from "./harness.mjs";

let server, browser;
before(async () => {
  server = await serveStatic({});
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens a fresh page with a provider exporting to `sink`; runs `scenario(wt, provider)` in it. */
async function inPage(sink, scenario, { providerOptions = "{}", exporterOptions = "{}", processorOptions = "{}" } = {}) {
  const page = await openSdkPage(browser, server);
  const result = await page.evaluate(
    async ([url, scenarioSource, providerOptions, exporterOptions, processorOptions]) => {
      const wt = window.wt;
      const exporter = new wt.OTLPTraceExporter({ url, ...eval(`(${exporterOptions})`) });
      const processor = new wt.BatchSpanProcessor(exporter, eval(`(${processorOptions})`));
      const provider = new wt.WebTracerProvider({
        resource: wt.resourceFromAttributes({ "service.name": "sdk-test" }),
        spanProcessors: [processor],
        ...eval(`(${providerOptions})`),
      });
      window.provider = provider;
      const scenario = eval(`(${scenarioSource})`);
      return await scenario(wt, provider);
    },
    [sink.url, scenario.toString(), providerOptions, exporterOptions, processorOptions],
  );
  return { page, result };
}

test("X-Ray ids from many refills of the id pools: well formed, distinct, each with the second its span started in", async () => {
  // 3,000 spans in a burst take the X-Ray pool through refills of 16, 32, …
  // 512 ids, and the span-id pool through several; a pause starts a new
  // second, which restarts at 16.
  const sink = await startSink();
  const { page, result } = await inPage(sink, async (wt, provider) => {
    const tracer = provider.getTracer("ids");
    const seen = [];
    const burst = (n) => {
      const second = () => Math.floor((performance.timeOrigin + performance.now()) / 1000);
      for (let i = 0; i < n; i++) {
        const before = second();
        const span = tracer.startSpan("s");
        const { traceId, spanId } = span.spanContext();
        seen.push([traceId, spanId, before, second()]);
        span.end();
      }
    };
    burst(3000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    burst(40);
    return seen;
  }, { providerOptions: "{ idGenerator: new wt.AWSXRayIdGenerator() }", processorOptions: "{ maxQueueSize: 4000, maxExportBatchSize: 4000 }" });
  await page.close();
  await sink.stop();
  assert.equal(result.length, 3040);
  for (const [traceId, spanId, before, after] of result) {
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.match(spanId, /^[0-9a-f]{16}$/);
    const idSecond = parseInt(traceId.slice(0, 8), 16);
    assert.ok(idSecond >= before && idSecond <= after, `${traceId} made between seconds ${before} and ${after}`);
  }
  assert.equal(new Set(result.map(([t]) => t)).size, 3040, "trace ids repeat");
  assert.equal(new Set(result.map(([, s]) => s)).size, 3040, "span ids repeat");
  // Every hex digit turns up in both halves of a byte.
  const digits = (pick) => new Set(result.flatMap(([t]) => [...t.slice(8)].filter((_, i) => i % 2 === pick)));
  assert.equal(digits(0).size, 16);
  assert.equal(digits(1).size, 16);
});

test("a batch of one tracer's spans and a batch of several tracers' spans both group by scope, in order", async () => {
  // Scopes in order of first appearance, each with its spans in order.
  const sink = await startSink();
  const { page } = await inPage(sink, async (wt, provider) => {
    const [a, b] = [provider.getTracer("a", "1"), provider.getTracer("b")];
    for (const name of ["a1", "a2", "a3"]) a.startSpan(name).end();
    await provider.forceFlush();
    for (const [tracer, name] of [[a, "a4"], [b, "b1"], [a, "a5"], [b, "b2"]]) tracer.startSpan(name).end();
    await provider.forceFlush();
  });
  await page.close();
  await sink.stop();
  const shapes = sink.requests.map((r) =>
    r.json.resourceSpans.map((rs) => rs.scopeSpans.map((ss) => [ss.scope.name, ss.scope.version ?? "", ss.spans.map((s) => s.name)])),
  );
  assert.deepEqual(shapes, [
    [[["a", "1", ["a1", "a2", "a3"]]]],
    [[["a", "1", ["a4", "a5"]], ["b", "", ["b1", "b2"]]]],
  ]);
  assert.deepEqual(
    sink.spans().map((s) => s.resource["service.name"]),
    Array(7).fill("sdk-test"),
  );
});

test("every attribute type, kind, event, link and status reaches the wire", async () => {
  const sink = await startSink();
  const { page, result } = await inPage(sink, async (wt, provider) => {
    const tracer = provider.getTracer("suite", "2.0");
    const linked = tracer.startSpan("linked");
    linked.end();
    const span = tracer.startSpan("everything", { kind: wt.SpanKind.SERVER, attributes: { initial: "yes" }, links: [{ context: linked.spanContext(), attributes: { why: "batch" } }] });
    span.setAttributes({ str: "héllo \"quoted\"\n", int: 42, neg: -7, dbl: 0.25, bool: false, strs: ["a", "b"], ints: [1, 2], mixedNulls: [1, null, 3] });
    span.setAttribute("ignored", undefined);
    span.addEvent("checkpoint", { step: 1 });
    span.recordException(new TypeError("bad thing"));
    span.setStatus({ code: wt.SpanStatusCode.ERROR, message: "it failed" });
    span.setStatus({ code: wt.SpanStatusCode.UNSET });
    span.updateName("everything renamed");
    span.end();
    const recordingAfterEnd = span.isRecording();
    await provider.forceFlush();
    return { linked: linked.spanContext(), recordingAfterEnd };
  });
  await page.close();
  const spans = sink.spans();
  const span = spans.find((s) => s.name === "everything renamed");
  assert.ok(span, `spans: ${spans.map((s) => s.name)}`);
  assert.equal(result.recordingAfterEnd, false);
  assert.equal(span.kind, 2, "SERVER is 2 on the wire");
  assert.deepEqual(span.attrs, { initial: "yes", str: "héllo \"quoted\"\n", int: 42, neg: -7, dbl: 0.25, bool: false, strs: ["a", "b"], ints: [1, 2], mixedNulls: [1, 3] });
  assert.equal(span.attributes.find((a) => a.key === "int").value.intValue, "42");
  assert.equal(span.attributes.find((a) => a.key === "dbl").value.doubleValue, 0.25);
  assert.deepEqual(span.status, { code: 2, message: "it failed" });
  assert.equal(span.events[0].name, "checkpoint");
  assert.equal(span.events[1].name, "exception");
  const exception = Object.fromEntries(span.events[1].attributes.map((a) => [a.key, a.value.stringValue]));
  assert.equal(exception["exception.type"], "TypeError");
  assert.equal(exception["exception.message"], "bad thing");
  assert.match(exception["exception.stacktrace"], /TypeError: bad thing/);
  assert.ok(BigInt(span.events[0].timeUnixNano) >= BigInt(span.startTimeUnixNano));
  assert.equal(span.links[0].traceId, result.linked.traceId);
  assert.equal(span.links[0].spanId, result.linked.spanId);
  assert.equal(span.scope.name, "suite");
  assert.equal(span.scope.version, "2.0");
  assert.equal(span.resource["service.name"], "sdk-test");
  await sink.stop();
});

test("active context: startActiveSpan and context.with make children; async gaps do not leak", async () => {
  const sink = await startSink();
  const { page, result } = await inPage(sink, async (wt, provider) => {
    const tracer = provider.getTracer("ctx");
    const ids = {};
    tracer.startActiveSpan("parent", (parent) => {
      ids.parent = parent.spanContext();
      ids.activeInside = wt.trace.getActiveSpan() === parent;
      const child = tracer.startSpan("child");
      ids.child = child.spanContext();
      child.end();
      parent.end();
    });
    ids.activeAfter = wt.trace.getActiveSpan() === undefined;
    const outer = tracer.startSpan("outer");
    wt.context.with(wt.trace.setSpan(wt.context.active(), outer), () => {
      const inner = tracer.startSpan("inner");
      inner.end();
    });
    outer.end();
    const root = tracer.startSpan("root-option", { root: true }, wt.trace.setSpan(wt.context.active(), outer));
    root.end();
    await provider.forceFlush();
    return ids;
  });
  await page.close();
  const byName = Object.fromEntries(sink.spans().map((s) => [s.name, s]));
  assert.equal(result.activeInside, true);
  assert.equal(result.activeAfter, true);
  assert.equal(byName.child.parentSpanId, result.parent.spanId);
  assert.equal(byName.child.traceId, result.parent.traceId);
  assert.equal(byName.parent.parentSpanId, undefined);
  assert.equal(byName.inner.parentSpanId, byName.outer.spanId);
  assert.equal(byName["root-option"].parentSpanId, undefined);
  assert.notEqual(byName["root-option"].traceId, byName.outer.traceId);
  await sink.stop();
});

test("samplers: ParentBased sends each kind of parent to its own sampler, in WebAssembly", async () => {
  // Root off; a remote parent that did not sample is overruled (on); a local
  // parent that sampled is overruled (off); the rest keep OpenTelemetry's
  // defaults. Swapped slots show as the wrong spans recorded.
  const sink = await startSink();
  const { page, result } = await inPage(sink, async (wt, provider) => {
    const tracer = provider.getTracer("pb");
    const remote = (flags) => wt.trace.setSpanContext(wt.ROOT_CONTEXT, { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: flags, isRemote: true });
    const seen = {};
    const start = (name, ctx) => {
      const span = tracer.startSpan(name, {}, ctx);
      seen[name] = span.isRecording();
      return span;
    };
    start("root").end();
    start("remote-not-sampled", remote(0)).end();
    const parent = start("remote-sampled", remote(1));
    start("local-sampled", wt.trace.setSpan(wt.ROOT_CONTEXT, parent)).end();
    parent.end();
    const unsampledLocal = wt.trace.setSpanContext(wt.ROOT_CONTEXT, { ...parent.spanContext(), traceFlags: 0, isRemote: false });
    start("local-not-sampled", unsampledLocal).end();
    await provider.forceFlush();
    return seen;
  }, { providerOptions: "{ sampler: new wt.ParentBasedSampler({ root: new wt.AlwaysOffSampler(), remoteParentNotSampled: new wt.AlwaysOnSampler(), localParentSampled: new wt.AlwaysOffSampler() }) }" });
  await page.close();
  await sink.stop();
  assert.deepEqual(result, { root: false, "remote-not-sampled": true, "remote-sampled": true, "local-sampled": false, "local-not-sampled": false });
  assert.deepEqual(sink.spans().map((s) => s.name).sort(), ["remote-not-sampled", "remote-sampled"]);
});

test("samplers: AlwaysOff, ratio 0 and a not-sampled parent record nothing; ids still propagate", async () => {
  const sink = await startSink();
  for (const [sampler, expected] of [["new wt.AlwaysOffSampler()", 0], ["new wt.TraceIdRatioBasedSampler(0)", 0], ["new wt.TraceIdRatioBasedSampler(1)", 5], ["new wt.RateLimitedSampler({ reservoirPerSecond: 2, fixedRate: 0 })", 2]]) {
    const before = sink.spans().length;
    const { page, result } = await inPage(sink, async (wt, provider) => {
      const tracer = provider.getTracer("s");
      const spans = [];
      for (let i = 0; i < 5; i++) {
        const span = tracer.startSpan("sampled?");
        spans.push({ recording: span.isRecording(), flags: span.spanContext().traceFlags, valid: wt.isSpanContextValid(span.spanContext()) });
        span.end();
      }
      await provider.forceFlush();
      return spans;
    }, { providerOptions: `{ sampler: ${sampler} }` });
    await page.close();
    assert.equal(sink.spans().length - before, expected, sampler);
    assert.ok(result.every((s) => s.valid), "unsampled spans still have valid ids");
    assert.equal(result.filter((s) => s.recording).length, expected);
  }
  const { page } = await inPage(sink, async (wt, provider) => {
    const notSampled = wt.trace.setSpanContext(wt.ROOT_CONTEXT, { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 0, isRemote: true });
    provider.getTracer("s").startSpan("child-of-unsampled", {}, notSampled).end();
    await provider.forceFlush();
  });
  await page.close();
  assert.equal(sink.spans().filter((s) => s.name === "child-of-unsampled").length, 0);
  await sink.stop();
});

test("a sampler without shouldSample is refused when the provider is made, saying why", async () => {
  const page = await openSdkPage(browser, server);
  const error = await page.evaluate(() => {
    try {
      new window.wt.WebTracerProvider({ sampler: { toString: () => "NotASampler" } });
      return null;
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  });
  await page.close();
  assert.equal(error, "TypeError: wasmtrace: the sampler has no shouldSample method");
});

test("a custom sampler (an object with shouldSample) decides, with the arguments OpenTelemetry JS gives, and its attributes and trace state reach the span", async () => {
  const sink = await startSink();
  const { page, result } = await inPage(sink, async (wt, provider) => {
    const tracer = provider.getTracer("custom");
    const parent = tracer.startSpan("parent");
    const ctx = wt.trace.setSpan(wt.ROOT_CONTEXT, parent);
    const kept = [];
    for (const name of ["keep-1", "drop", "keep-2"]) {
      const span = tracer.startSpan(name, { kind: wt.SpanKind.CLIENT, attributes: { asked: true } }, ctx);
      kept.push(span.isRecording());
      span.end();
    }
    tracer.startSpan("keep-root", { root: true }, ctx).end();
    parent.end();
    await provider.forceFlush();
    return { kept, calls: window.samplerCalls, parentSpanId: parent.spanContext().spanId, parentTraceId: parent.spanContext().traceId };
  }, {
    providerOptions: `{ sampler: {
      shouldSample(ctx, traceId, name, kind, attributes, links) {
        (window.samplerCalls ??= []).push({ name, kind, traceId, parent: wt.trace.getSpanContext(ctx)?.spanId ?? null, attributes, links: links.length });
        return name.startsWith("keep") || name === "parent"
          ? { decision: wt.SamplingDecision.RECORD_AND_SAMPLED, attributes: { "sampler.rule": "keep" }, traceState: new wt.TraceState("vendor=kept") }
          : { decision: wt.SamplingDecision.NOT_RECORD };
      },
      toString: () => "Custom",
    } }`,
  });
  await page.close();
  await sink.stop();
  assert.deepEqual(result.kept, [true, false, true]);
  const calls = Object.fromEntries(result.calls.map((c) => [c.name, c]));
  assert.deepEqual(calls["keep-1"], { name: "keep-1", kind: 2, traceId: result.parentTraceId, parent: result.parentSpanId, attributes: { asked: true }, links: 0 });
  assert.equal(calls["keep-root"].parent, null, "a root span's sampler sees no parent");
  const spans = sink.spans();
  assert.deepEqual(spans.map((s) => s.name).sort(), ["keep-1", "keep-2", "keep-root", "parent"]);
  for (const span of spans) {
    assert.deepEqual(span.attributes.find((a) => a.key === "sampler.rule")?.value, { stringValue: "keep" }, span.name);
    assert.equal(span.traceState, "vendor=kept", span.name);
  }
});

test("propagators: traceparent, baggage and X-Ray round-trip, keeping X-Ray's unknown fields", async () => {
  const sink = await startSink();
  const { page, result } = await inPage(sink, async (wt, provider) => {
    provider.register({ propagator: new wt.CompositePropagator({ propagators: [new wt.W3CTraceContextPropagator(), new wt.W3CBaggagePropagator(), new wt.AWSXRayPropagator()] }) });
    const incoming = {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      tracestate: "rojo=00f067aa0ba902b7",
      baggage: "userId=alice,note=a%20b;prop=1,q=%22caf%C3%A9%5C%0A",
    };
    const ctx = wt.propagation.extract(wt.ROOT_CONTEXT, incoming);
    const span = provider.getTracer("p").startSpan("server-side", {}, ctx);
    const out = {};
    wt.propagation.inject(wt.trace.setSpan(ctx, span), out);
    span.end();
    const q = wt.propagation.getBaggage(ctx)?.getEntry("q")?.value;
    const xrayIn = { "X-Amzn-Trace-Id": "Self=1-67891234-abcdef012345678912345678;Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?;Lineage=a87bd80c:1" };
    const xctx = wt.propagation.extract(wt.ROOT_CONTEXT, xrayIn);
    const xspan = provider.getTracer("p").startSpan("xray-child", {}, xctx);
    const xout = {};
    wt.propagation.inject(wt.trace.setSpan(xctx, xspan), xout);
    xspan.end();
    const unsampledCtx = wt.propagation.extract(wt.ROOT_CONTEXT, { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00" });
    const unsampled = provider.getTracer("p").startSpan("not-sampled", {}, unsampledCtx);
    const uout = {};
    wt.propagation.inject(wt.trace.setSpan(unsampledCtx, unsampled), uout);
    const garbage = wt.propagation.extract(wt.ROOT_CONTEXT, { traceparent: "zz", "x-amzn-trace-id": "Root=nope", baggage: "%%%" });
    const invalidOut = {};
    wt.propagation.inject(wt.trace.setSpanContext(wt.ROOT_CONTEXT, { traceId: "not-hex", spanId: "0000000000000000", traceFlags: 1, isRemote: true }), invalidOut);
    await provider.forceFlush();
    return { q, invalidOut, out, xout, uout, unsampled: unsampled.spanContext(), span: span.spanContext(), xspan: xspan.spanContext(), garbageSpan: wt.trace.getSpan(garbage) === undefined, fields: wt.propagation.fields() };
  });
  await page.close();
  assert.equal(result.out.traceparent, `00-4bf92f3577b34da6a3ce929d0e0e4736-${result.span.spanId}-01`);
  assert.equal(result.out.tracestate, "rojo=00f067aa0ba902b7");
  assert.equal(result.q, '"caf\u00e9\\\n', "percent-decoded, quotes, escapes and UTF-8 kept");
  assert.equal(result.out.baggage, "userId=alice,note=a%20b;prop=1,q=%22caf%C3%A9%5C%0A");
  assert.equal(result.out["x-amzn-trace-id"], `Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=${result.span.spanId};Sampled=1`);
  assert.equal(result.xspan.traceId, "5759e988bd862e3fe1be46a994272793");
  assert.equal(result.xout["x-amzn-trace-id"], `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${result.xspan.spanId};Sampled=1;Self=1-67891234-abcdef012345678912345678;Lineage=a87bd80c:1`);
  assert.equal(result.uout.traceparent, `00-4bf92f3577b34da6a3ce929d0e0e4736-${result.unsampled.spanId}-00`);
  assert.equal(result.uout["x-amzn-trace-id"], `Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=${result.unsampled.spanId};Sampled=0`);
  assert.equal(result.garbageSpan, true, "malformed headers are ignored");
  assert.deepEqual(result.invalidOut, {}, "an invalid span context is not injected");
  assert.deepEqual(result.fields.sort(), ["baggage", "traceparent", "tracestate", "x-amzn-trace-id"]);
  const server = sink.spans().find((s) => s.name === "server-side");
  assert.equal(server.parentSpanId, "00f067aa0ba902b7");
  assert.equal(server.traceState, "rojo=00f067aa0ba902b7");
  await sink.stop();
});

test("retries 503 with backoff honouring Retry-After, sends gzip, and uses the page's original fetch", async () => {
  const sink = await startSink((n) => (n <= 2 ? 503 : 200));
  const { page, result } = await inPage(sink, async (wt, provider) => {
    let patchedCalls = 0;
    const original = window.fetch;
    window.fetch = (...args) => { patchedCalls++; return original(...args); };
    provider.getTracer("r").startSpan("retried").end();
    await provider.forceFlush();
    window.fetch = original;
    return { patchedCalls };
  });
  await page.close();
  assert.equal(result.patchedCalls, 0, "the exporter must not call a wrapped fetch");
  assert.deepEqual(sink.requests.map((r) => r.status), [503, 503, 200]);
  assert.ok(sink.requests.every((r) => r.headers["content-encoding"] === "gzip"), "gzip by default");
  assert.equal(sink.spans().filter((s) => s.name === "retried").length, 1);
  await sink.stop();
});

test("a 400 is not retried and forceFlush rejects, naming the status", async () => {
  const sink = await startSink(() => 400);
  const { page, result } = await inPage(sink, async (wt, provider) => {
    provider.getTracer("r").startSpan("refused").end();
    return provider.forceFlush().then(() => "resolved", (e) => String(e));
  });
  await page.close();
  assert.match(result, /HTTP 400/);
  assert.equal(sink.requests.length, 1);
  await sink.stop();
});

test("exports go on after a forceFlush that found nothing queued, and after a full batch", async () => {
  const sink = await startSink();
  const { page, result } = await inPage(sink, async (wt, provider) => {
    const tracer = provider.getTracer("again");
    await provider.forceFlush(); // nothing queued
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) tracer.startSpan(`r${round}-${i}`).end(); // the 5th fills the batch
      await provider.forceFlush();
      await provider.forceFlush(); // nothing queued again
    }
    tracer.startSpan("by-timer").end();
    await new Promise((resolve) => setTimeout(resolve, 300));
    return "done";
  }, { processorOptions: "{ maxQueueSize: 5, maxExportBatchSize: 5, scheduledDelayMillis: 50 }" });
  await waitFor(() => sink.spans().length >= 16, 5000);
  await page.close();
  assert.equal(result, "done");
  assert.deepEqual(sink.spans().map((s) => s.name).sort(), ["by-timer", ...[0, 1, 2].flatMap((r) => [0, 1, 2, 3, 4].map((i) => `r${r}-${i}`))].sort());
  await sink.stop();
});

test("a full queue drops the excess and says so through diag", async () => {
  const sink = await startSink();
  const { page, result } = await inPage(sink, async (wt, provider) => {
    const warnings = [];
    wt.diag.setLogger({ error: (...a) => warnings.push(a.join(" ")), warn: (...a) => warnings.push(a.join(" ")), info() {}, debug() {}, verbose() {} }, wt.DiagLogLevel.WARN);
    const tracer = provider.getTracer("q");
    for (let i = 0; i < 25; i++) tracer.startSpan("q" + i).end();
    await provider.forceFlush();
    wt.diag.disable();
    return warnings;
  }, { processorOptions: "{ maxQueueSize: 10, maxExportBatchSize: 10, scheduledDelayMillis: 60000 }" });
  await page.close();
  // One request at a time: spans 1-10 go out at once, 11-20 wait in the
  // queue while they do, 21-25 find it full.
  assert.equal(sink.spans().length, 20);
  assert.ok(result.some((w) => /dropped 5 span/.test(w)), `warnings: ${result}`);
  await sink.stop();
});

test("spans ended right before navigating away all arrive (page hide, keepalive, split under 64 KiB)", async () => {
  const sink = await startSink();
  const { page } = await inPage(sink, async (wt, provider) => {
    const tracer = provider.getTracer("nav");
    // ~300 bytes of attributes each: about 150 KB of JSON, more than one keepalive budget.
    for (let i = 0; i < 400; i++) tracer.startSpan("before-navigation").setAttribute("i", i).setAttribute("pad", "x".repeat(300)).end();
    return true;
  }, { processorOptions: "{ scheduledDelayMillis: 60000 }" });
  await page.goto("about:blank");
  await waitFor(() => sink.spans().filter((s) => s.name === "before-navigation").length >= 400, 10000);
  await page.close();
  const indexes = new Set(sink.spans().filter((s) => s.name === "before-navigation").map((s) => s.attrs.i));
  assert.equal(indexes.size, 400, `only ${indexes.size} of 400 spans arrived`);
  // About 150 KB of JSON: only compressed does it fit the 64 KiB keepalive budget.
  assert.ok(sink.requests.every((r) => r.headers["content-encoding"] === "gzip"));
  await sink.stop();
});

test("span limits and a custom IdGenerator apply as in OpenTelemetry JS", async () => {
  const sink = await startSink();
  const { page, result } = await inPage(sink, async (wt, provider) => {
    const span = provider.getTracer("l").startSpan("limited");
    for (let i = 0; i < 5; i++) span.setAttribute("k" + i, "x".repeat(20));
    for (let i = 0; i < 4; i++) span.addEvent("e" + i);
    span.end();
    await provider.forceFlush();
    return span.spanContext();
  }, {
    providerOptions: `{
      generalLimits: { attributeValueLengthLimit: 5 },
      spanLimits: { attributeCountLimit: 3, eventCountLimit: 2 },
      idGenerator: { generateTraceId: () => "0af7651916cd43dd8448eb211c80319c", generateSpanId: () => "b7ad6b7169203331" },
    }`,
  });
  await page.close();
  const span = sink.spans().find((s) => s.name === "limited");
  assert.equal(result.traceId, "0af7651916cd43dd8448eb211c80319c");
  assert.equal(span.spanId, "b7ad6b7169203331");
  assert.deepEqual(span.attrs, { k0: "xxxxx", k1: "xxxxx", k2: "xxxxx" });
  assert.equal(span.droppedAttributesCount, 2);
  assert.deepEqual(span.events.map((e) => e.name), ["e0", "e1"]);
  assert.equal(span.droppedEventsCount, 2);
  await sink.stop();
});

test("disableAutoFlushOnDocumentHide keeps spans queued when the page is hidden", async () => {
  const sink = await startSink();
  const { page } = await inPage(sink, async (wt, provider) => {
    provider.getTracer("h").startSpan("kept").end();
    window.dispatchEvent(new Event("pagehide"));
    await new Promise((r) => setTimeout(r, 300));
    return true;
  }, { processorOptions: "{ scheduledDelayMillis: 60000, disableAutoFlushOnDocumentHide: true }" });
  assert.equal(sink.requests.length, 0, "nothing was sent on pagehide");
  await page.evaluate(() => window.provider.forceFlush());
  await page.close();
  assert.equal(sink.spans().filter((s) => s.name === "kept").length, 1);
  await sink.stop();
});
