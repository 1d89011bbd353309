// wasmtrace set-up, as the README tells users to write it.
import init, { WebTracerProvider, BatchSpanProcessor, OTLPTraceExporter, resourceFromAttributes } from "wasmtrace";

export async function startTracing(): Promise<WebTracerProvider> {
  await init();
  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({ "service.name": "task-web" }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: import.meta.env.VITE_OTLP_URL ?? "http://localhost:4318/v1/traces" }),
        { scheduledDelayMillis: 1000 },
      ),
    ],
  });
  provider.register();
  return provider;
}
