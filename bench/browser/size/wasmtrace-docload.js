// Shipped-size entry, wasmtrace: the core set (wasmtrace-core.js) plus
// document-load instrumentation. Provider, batch processor, OTLP/HTTP
// exporter, fetch + XHR instrumentation, X-Ray ids, W3C + X-Ray propagation,
// by OpenTelemetry JS's names. Also the start-up page: it records when
// tracing is ready. Names wasmtrace does not export yet are listed in
// window.__benchMissing (the row is then incomplete, and says so).
import init, * as wt from "wasmtrace";


await init();
const missing = [];
const provider = new wt.WebTracerProvider({
  resource: wt.resourceFromAttributes({ "service.name": "bench-app" }),
  idGenerator: new wt.AWSXRayIdGenerator(),
  spanProcessors: [new wt.BatchSpanProcessor(new wt.OTLPTraceExporter({ url: location.origin + "/v1/traces?run=startup" }))],
});
if (wt.CompositePropagator && wt.W3CTraceContextPropagator && wt.AWSXRayPropagator) {
  provider.register({
    propagator: new wt.CompositePropagator({ propagators: [new wt.W3CTraceContextPropagator(), new wt.AWSXRayPropagator()] }),
  });
} else {
  missing.push("AWSXRayPropagator");
  provider.register();
}
const instrumentations = [];
if (wt.FetchInstrumentation) instrumentations.push(new wt.FetchInstrumentation());
else missing.push("FetchInstrumentation");
if (wt.XMLHttpRequestInstrumentation) instrumentations.push(new wt.XMLHttpRequestInstrumentation());
else missing.push("XMLHttpRequestInstrumentation");
if (wt.DocumentLoadInstrumentation) instrumentations.push(new wt.DocumentLoadInstrumentation());
else missing.push("DocumentLoadInstrumentation");
if (wt.registerInstrumentations) wt.registerInstrumentations({ instrumentations, tracerProvider: provider });
else missing.push("registerInstrumentations");
window.__benchMissing = missing;
window.__benchReady = performance.now();
