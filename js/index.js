// wasmtrace's public API: OpenTelemetry JS's names over a WebAssembly core.
export { init as default, diag, DiagConsoleLogger, DiagLogLevel, INVALID_SPAN_ID, INVALID_TRACE_ID } from "./core.js";
export {
  context, trace, propagation, ROOT_CONTEXT, createContextKey, SpanKind, SpanStatusCode, TraceFlags, SamplingDecision,
  INVALID_SPAN_CONTEXT, isSpanContextValid, suppressTracing, isTracingSuppressed, defaultTextMapGetter, defaultTextMapSetter,
} from "./api.js";
export { W3CTraceContextPropagator, W3CBaggagePropagator, AWSXRayPropagator, CompositePropagator, TraceState } from "./propagators.js";
export { Span, Tracer } from "./span.js";
export { OTLPTraceExporter, BatchSpanProcessor, SimpleSpanProcessor } from "./export.js";
export {
  WebTracerProvider, AWSXRayIdGenerator, RandomIdGenerator, Resource, resourceFromAttributes, emptyResource, defaultResource,
} from "./provider.js";
export { AlwaysOnSampler, AlwaysOffSampler, TraceIdRatioBasedSampler, ParentBasedSampler, RateLimitedSampler } from "./samplers.js";
export { registerInstrumentations, InstrumentationBase } from "./instrumentation.js";
export { FetchInstrumentation } from "./fetch.js";
export { XMLHttpRequestInstrumentation } from "./xhr.js";
export { DocumentLoadInstrumentation } from "./document-load.js";
export { UserInteractionInstrumentation } from "./user-interaction.js";
