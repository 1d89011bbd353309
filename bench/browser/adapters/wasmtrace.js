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
  const makeProvider = (processor) =>
    new wt.WebTracerProvider({
      resource: wt.resourceFromAttributes({ "service.name": "bench" }),
      idGenerator: new wt.AWSXRayIdGenerator(),
      spanProcessors: [processor],
    });
  const provider = makeProvider(new wt.BatchSpanProcessor(exporter, bsp));
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
    // The batch processor's encode step alone (ended spans → the OTLP/JSON
    // request body), as OpenTelemetry JS's is JsonTraceSerializer alone.
    encodeOnly(n, makeSpan) {
      const processor = new wt.BatchSpanProcessor(new wt.OTLPTraceExporter({ url }), { maxQueueSize: n + 1, maxExportBatchSize: n + 1, scheduledDelayMillis: 600000 });
      const tracer = makeProvider(processor).getTracer("bench", "1.0.0");
      for (let i = 0; i < n; i++) makeSpan(tracer, i).end();
      const t0 = performance.now();
      const { body, spans } = processor._take(n);
      const ms = performance.now() - t0;
      if (spans !== n) throw new Error(`encodeOnly: ${spans} of ${n} spans encoded`);
      return { ms, bytes: body.byteLength };
    },
  };
}
