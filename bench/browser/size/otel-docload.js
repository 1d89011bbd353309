// Shipped-size entry, OpenTelemetry JS: the core set (otel-core.js) plus
// document-load instrumentation.
// (Start-up page too.)
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
import { DocumentLoadInstrumentation } from "@opentelemetry/instrumentation-document-load";

const provider = new WebTracerProvider({
  resource: resourceFromAttributes({ "service.name": "bench-app" }),
  idGenerator: new AWSXRayIdGenerator(),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: location.origin + "/v1/traces?run=startup" }))],
});
provider.register({
  propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()] }),
});
registerInstrumentations({
  instrumentations: [new FetchInstrumentation(), new XMLHttpRequestInstrumentation(), new DocumentLoadInstrumentation()],
  tracerProvider: provider,
});
window.__benchMissing = [];
window.__benchReady = performance.now();
