// Shipped-size entry, OpenTelemetry JS: provider, batch processor, OTLP/HTTP
// exporter, fetch + XHR instrumentation, X-Ray ids, W3C + X-Ray propagation.
// Also the start-up page: it records when tracing is ready.
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

const provider = new WebTracerProvider({
  resource: resourceFromAttributes({ "service.name": "bench-app" }),
  idGenerator: new AWSXRayIdGenerator(),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: location.origin + "/v1/traces?run=startup" }))],
});
provider.register({
  propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()] }),
});
registerInstrumentations({
  instrumentations: [new FetchInstrumentation(), new XMLHttpRequestInstrumentation()],
  tracerProvider: provider,
});
window.__benchMissing = [];
window.__benchReady = performance.now();
