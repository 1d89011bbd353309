import { createApp } from "vue";
import init, {
  WebTracerProvider,
  BatchSpanProcessor,
  OTLPTraceExporter,
  resourceFromAttributes,
  AWSXRayIdGenerator,
  AWSXRayPropagator,
  CompositePropagator,
  W3CTraceContextPropagator,
  W3CBaggagePropagator,
  registerInstrumentations,
  FetchInstrumentation,
  XMLHttpRequestInstrumentation,
  DocumentLoadInstrumentation,
  UserInteractionInstrumentation,
} from "wasmtrace";
import App from "./App.vue";
import { API_URL, OTLP_URL, TRACING } from "./config";

// Tracing, as the README's quick start sets it up. With `?tracing=off` the
// app runs without wasmtrace at all.
if (TRACING) {
  await init(); // loads the WebAssembly module, once

  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({ "service.name": "task-web" }),
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: OTLP_URL }))],
  });
  provider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new AWSXRayPropagator()],
    }),
  });

  // Trace headers go to the API's origin only (it allows them in CORS).
  const propagateTraceHeaderCorsUrls = [new RegExp("^" + API_URL.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "/")];
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new DocumentLoadInstrumentation(),
      new UserInteractionInstrumentation(),
      new FetchInstrumentation({ propagateTraceHeaderCorsUrls }),
      new XMLHttpRequestInstrumentation({ propagateTraceHeaderCorsUrls }),
    ],
  });
}

createApp(App).mount("#app");
