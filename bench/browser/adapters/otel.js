// The OpenTelemetry JS side of the benchmark: the same feature set as the
// wasmtrace adapter, set up the way OpenTelemetry's documentation shows.
import { WebTracerProvider } from "@opentelemetry/sdk-trace-web";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { CompositePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { AWSXRayIdGenerator } from "@opentelemetry/id-generator-aws-xray";
import { AWSXRayPropagator } from "@opentelemetry/propagator-aws-xray";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { FetchInstrumentation } from "@opentelemetry/instrumentation-fetch";
import { XMLHttpRequestInstrumentation } from "@opentelemetry/instrumentation-xml-http-request";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";

export const name = "otel";

/**
 * Sets up a provider with a batch processor and an OTLP/HTTP exporter to
 * `url`, X-Ray ids, W3C + X-Ray propagation, and the instrumentations asked
 * for. Returns what the workloads use.
 */
export async function setup({ url, bsp = {}, instrument = {} }) {
  const exporter = new OTLPTraceExporter({ url });
  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({ "service.name": "bench" }),
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [new BatchSpanProcessor(exporter, bsp)],
  });
  provider.register({
    propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()] }),
  });
  const instrumentations = [];
  if (instrument.fetch) instrumentations.push(new FetchInstrumentation());
  if (instrument.xhr) instrumentations.push(new XMLHttpRequestInstrumentation());
  if (instrumentations.length) registerInstrumentations({ instrumentations, tracerProvider: provider });
  return {
    tracer: provider.getTracer("bench", "1.0.0"),
    flush: () => provider.forceFlush(),
    wasmMemoryBytes: () => 0,
    missing: [],
    /** Time to turn `n` ended spans into the exporter's JSON body, alone. */
    encodeOnly(n, makeSpan) {
      const ended = [];
      const capture = new WebTracerProvider({
        resource: resourceFromAttributes({ "service.name": "bench" }),
        idGenerator: new AWSXRayIdGenerator(),
        spanProcessors: [{ onStart() {}, onEnd(span) { ended.push(span); }, forceFlush: async () => {}, shutdown: async () => {} }],
      });
      const tracer = capture.getTracer("bench", "1.0.0");
      for (let i = 0; i < n; i++) makeSpan(tracer, i).end();
      const t0 = performance.now();
      const body = JsonTraceSerializer.serializeRequest(ended);
      return { ms: performance.now() - t0, bytes: body.byteLength };
    },
  };
}
