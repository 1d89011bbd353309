// The wasmtrace side of the benchmark: the same feature set as the
// OpenTelemetry JS adapter, by the same names. Features wasmtrace does not
// have yet are looked up at run time and listed in `missing`, so the report
// can say "n/a (not implemented yet)" instead of the harness failing.
import init, * as wt from "wasmtrace";

export const name = "wasmtrace";

export async function setup({ url, bsp = {}, instrument = {} }) {
  const exports = await init();
  const missing = [];
  const exporter = new wt.OTLPTraceExporter({ url });
  const provider = new wt.WebTracerProvider({
    resource: wt.resourceFromAttributes({ "service.name": "bench" }),
    idGenerator: new wt.AWSXRayIdGenerator(),
    spanProcessors: [new wt.BatchSpanProcessor(exporter, bsp)],
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
  const want = [
    [instrument.fetch, "FetchInstrumentation"],
    [instrument.xhr, "XMLHttpRequestInstrumentation"],
    [instrument.documentLoad, "DocumentLoadInstrumentation"],
  ];
  for (const [wanted, cls] of want) {
    if (!wanted) continue;
    if (typeof wt[cls] === "function") instrumentations.push(new wt[cls]());
    else missing.push(cls);
  }
  if (instrumentations.length) {
    if (typeof wt.registerInstrumentations === "function") {
      wt.registerInstrumentations({ instrumentations, tracerProvider: provider });
    } else {
      missing.push("registerInstrumentations");
    }
  }
  const memory = exports?.memory;
  return {
    tracer: provider.getTracer("bench", "1.0.0"),
    flush: () => provider.forceFlush(),
    wasmMemoryBytes: () => memory?.buffer?.byteLength ?? 0,
    missing,
    // wasmtrace encodes each span as it ends; there is no separate step to time.
    encodeOnly: undefined,
  };
}
