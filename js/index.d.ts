// Types of wasmtrace's public API: OpenTelemetry JS's names and shapes.

/** Loads the WebAssembly module; await it once before creating anything. */
export default function init(moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<unknown>;

export declare const SpanKind: { readonly INTERNAL: 0; readonly SERVER: 1; readonly CLIENT: 2; readonly PRODUCER: 3; readonly CONSUMER: 4 };
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];
export declare const SpanStatusCode: { readonly UNSET: 0; readonly OK: 1; readonly ERROR: 2 };
export type SpanStatusCode = (typeof SpanStatusCode)[keyof typeof SpanStatusCode];
export declare const TraceFlags: { readonly NONE: 0; readonly SAMPLED: 1 };
export declare const INVALID_TRACE_ID: string;
export declare const INVALID_SPAN_ID: string;

export type AttributeValue =
  | string | number | boolean
  | Array<null | undefined | string> | Array<null | undefined | number> | Array<null | undefined | boolean>;
export interface Attributes { [key: string]: AttributeValue | undefined }
export type HrTime = [number, number];
export type TimeInput = HrTime | number | Date;
export type Exception = string | { code?: string | number; name?: string; message?: string; stack?: string };

export declare class TraceState {
  constructor(raw?: string);
  get(key: string): string | undefined;
  set(key: string, value: string): TraceState;
  unset(key: string): TraceState;
  serialize(): string;
}

export interface SpanContext { traceId: string; spanId: string; traceFlags: number; isRemote?: boolean; traceState?: TraceState }
export interface SpanStatus { code: SpanStatusCode; message?: string }
export interface Link { context: SpanContext; attributes?: Attributes }
export interface SpanOptions { kind?: SpanKind; attributes?: Attributes; links?: Link[]; startTime?: TimeInput; root?: boolean }
export declare const INVALID_SPAN_CONTEXT: SpanContext;
export declare function isSpanContextValid(spanContext: SpanContext): boolean;

export interface Context {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): Context;
  deleteValue(key: symbol): Context;
}
export declare const ROOT_CONTEXT: Context;
export declare function createContextKey(description: string): symbol;
export declare function suppressTracing(context: Context): Context;
export declare function isTracingSuppressed(context: Context): boolean;
/**
 * The active context follows synchronous code only (there is no zone.js):
 * inside `with`'s callback until it returns; not across `await`, timers or
 * event listeners (use `bind` for those).
 */
export declare const context: {
  active(): Context;
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F>;
  bind<T>(ctx: Context, target: T): T;
};

export interface Span {
  spanContext(): SpanContext;
  setAttribute(key: string, value: AttributeValue): this;
  setAttributes(attributes: Attributes): this;
  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this;
  addLink(link: Link): this;
  addLinks(links: Link[]): this;
  setStatus(status: SpanStatus): this;
  updateName(name: string): this;
  end(endTime?: TimeInput): void;
  isRecording(): boolean;
  recordException(exception: Exception, time?: TimeInput): void;
}

export declare class Tracer {
  private constructor();
  startSpan(name: string, options?: SpanOptions, context?: Context): Span;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, context: Context, fn: F): ReturnType<F>;
}

export declare const trace: {
  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer | undefined;
  getTracerProvider(): WebTracerProvider | null;
  setGlobalTracerProvider(provider: WebTracerProvider): boolean;
  disable(): void;
  getSpan(context: Context): Span | undefined;
  getActiveSpan(): Span | undefined;
  setSpan(context: Context, span: Span): Context;
  deleteSpan(context: Context): Context;
  setSpanContext(context: Context, spanContext: SpanContext): Context;
  getSpanContext(context: Context): SpanContext | undefined;
  wrapSpanContext(spanContext: SpanContext): Span;
  isSpanContextValid(spanContext: SpanContext): boolean;
};

export interface TextMapGetter<Carrier = unknown> { get(carrier: Carrier, key: string): undefined | string | string[]; keys(carrier: Carrier): string[] }
export interface TextMapSetter<Carrier = unknown> { set(carrier: Carrier, key: string, value: string): void }
export declare const defaultTextMapGetter: TextMapGetter;
export declare const defaultTextMapSetter: TextMapSetter;
export interface TextMapPropagator<Carrier = unknown> {
  inject(context: Context, carrier: Carrier, setter: TextMapSetter<Carrier>): void;
  extract(context: Context, carrier: Carrier, getter: TextMapGetter<Carrier>): Context;
  fields(): string[];
}
export interface BaggageEntry { value: string; metadata?: { toString(): string } }
export interface Baggage {
  getEntry(key: string): BaggageEntry | undefined;
  getAllEntries(): [string, BaggageEntry][];
  setEntry(key: string, entry: BaggageEntry): Baggage;
  removeEntry(key: string): Baggage;
  removeEntries(...keys: string[]): Baggage;
  clear(): Baggage;
}
export declare const propagation: {
  setGlobalPropagator(propagator: TextMapPropagator): boolean;
  inject<Carrier>(context: Context, carrier: Carrier, setter?: TextMapSetter<Carrier>): void;
  extract<Carrier>(context: Context, carrier: Carrier, getter?: TextMapGetter<Carrier>): Context;
  fields(): string[];
  disable(): void;
  createBaggage(entries?: Record<string, BaggageEntry>): Baggage;
  getBaggage(context: Context): Baggage | undefined;
  getActiveBaggage(): Baggage | undefined;
  setBaggage(context: Context, baggage: Baggage): Context;
  deleteBaggage(context: Context): Context;
};
export declare class W3CTraceContextPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void;
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context;
  fields(): string[];
}
export declare class W3CBaggagePropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void;
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context;
  fields(): string[];
}
/** X-Ray `X-Amzn-Trace-Id`; keeps unknown fields (`Self`, `Lineage`) and accepts a deferred `Sampled`. */
export declare class AWSXRayPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void;
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context;
  fields(): string[];
}
export declare class CompositePropagator implements TextMapPropagator {
  constructor(config?: { propagators?: TextMapPropagator[] });
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void;
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context;
  fields(): string[];
}

export declare const DiagLogLevel: { readonly NONE: 0; readonly ERROR: 30; readonly WARN: 50; readonly INFO: 60; readonly DEBUG: 70; readonly VERBOSE: 80; readonly ALL: 9999 };
export interface DiagLogger {
  error(...args: unknown[]): void; warn(...args: unknown[]): void; info(...args: unknown[]): void;
  debug(...args: unknown[]): void; verbose(...args: unknown[]): void;
}
export declare class DiagConsoleLogger implements DiagLogger {
  error(...args: unknown[]): void; warn(...args: unknown[]): void; info(...args: unknown[]): void;
  debug(...args: unknown[]): void; verbose(...args: unknown[]): void;
}
export declare const diag: DiagLogger & { setLogger(logger: DiagLogger, options?: number | { logLevel?: number }): boolean; disable(): void };

export declare class Resource {
  constructor(attributes?: Attributes);
  readonly attributes: Attributes;
  merge(other?: Resource | null): Resource;
}
export declare function resourceFromAttributes(attributes: Attributes): Resource;
export declare function defaultResource(): Resource;
export declare function emptyResource(): Resource;

export declare const SamplingDecision: { readonly NOT_RECORD: 0; readonly RECORD: 1; readonly RECORD_AND_SAMPLED: 2 };
export type SamplingDecision = 0 | 1 | 2;
/** `RECORD` is taken as `NOT_RECORD`: a span that is not sampled is never exported. */
export interface SamplingResult { decision: SamplingDecision; attributes?: Attributes; traceState?: TraceState }
/** OpenTelemetry JS's sampler interface: any object with it can be a provider's `sampler`. */
export interface Sampler {
  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult;
  toString(): string;
}
export declare class AlwaysOnSampler implements Sampler { shouldSample(): SamplingResult }
export declare class AlwaysOffSampler implements Sampler { shouldSample(): SamplingResult }
export declare class TraceIdRatioBasedSampler implements Sampler { constructor(ratio?: number); shouldSample(context: Context, traceId: string): SamplingResult }
export declare class ParentBasedSampler implements Sampler {
  constructor(config: { root: Sampler; remoteParentSampled?: Sampler; remoteParentNotSampled?: Sampler; localParentSampled?: Sampler; localParentNotSampled?: Sampler });
  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult;
}
/** X-Ray's default rule: `reservoirPerSecond` (1) traces each second, then `fixedRate` (0.05) of the rest. */
export declare class RateLimitedSampler implements Sampler { constructor(config?: { reservoirPerSecond?: number; fixedRate?: number }); shouldSample(context: Context, traceId: string): SamplingResult }

export interface IdGenerator { generateTraceId(): string; generateSpanId(): string }
export declare class AWSXRayIdGenerator implements IdGenerator { generateTraceId(): string; generateSpanId(): string }
export declare class RandomIdGenerator implements IdGenerator { generateTraceId(): string; generateSpanId(): string }

export interface OTLPExporterConfig {
  url?: string;
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  timeoutMillis?: number;
  /** "gzip" (the default where the browser has CompressionStream) or "none". */
  compression?: "gzip" | "none";
  concurrencyLimit?: number;
  /** "http/json" (the default) or "http/protobuf", as OTEL_EXPORTER_OTLP_PROTOCOL names them; protobuf needs init from "wasmtrace/protobuf". */
  protocol?: "http/json" | "http/protobuf";
}
export declare class OTLPTraceExporter {
  constructor(config?: OTLPExporterConfig);
  readonly url: string;
  shutdown(): Promise<void>;
}

export interface BufferConfig {
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
  /** Do not flush on `pagehide` / `visibilitychange` to hidden (spans may then be lost). */
  disableAutoFlushOnDocumentHide?: boolean;
}
export interface SpanProcessor { forceFlush(): Promise<void>; shutdown(): Promise<void> }
export declare class BatchSpanProcessor implements SpanProcessor {
  constructor(exporter: OTLPTraceExporter, config?: BufferConfig);
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
export declare class SimpleSpanProcessor extends BatchSpanProcessor {
  constructor(exporter: OTLPTraceExporter);
}

export interface SpanLimits {
  attributeCountLimit?: number;
  attributeValueLengthLimit?: number;
  eventCountLimit?: number;
  linkCountLimit?: number;
  attributePerEventCountLimit?: number;
  attributePerLinkCountLimit?: number;
}
export interface TracerConfig {
  resource?: Resource;
  idGenerator?: IdGenerator;
  generalLimits?: { attributeCountLimit?: number; attributeValueLengthLimit?: number };
  sampler?: Sampler;
  spanLimits?: SpanLimits;
  spanProcessors?: SpanProcessor[];
}
export declare class WebTracerProvider {
  constructor(config?: TracerConfig);
  readonly resource: Resource;
  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer;
  register(config?: { propagator?: TextMapPropagator | null; contextManager?: unknown }): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

// ---- instrumentations -------------------------------------------------------

export interface InstrumentationConfig { enabled?: boolean }
export declare abstract class InstrumentationBase<C extends InstrumentationConfig = InstrumentationConfig> {
  readonly instrumentationName: string;
  readonly instrumentationVersion: string;
  getConfig(): C;
  setConfig(config: C): void;
  setTracerProvider(tracerProvider: WebTracerProvider): void;
  /** Patches again; idempotent. */
  enable(): void;
  /** Puts the original functions back exactly (when nothing has wrapped ours since). */
  disable(): void;
}
/** Enables each instrumentation with `tracerProvider` (or the global one); returns a function that disables them all. */
export declare function registerInstrumentations(options: { instrumentations?: (InstrumentationBase | InstrumentationBase[])[]; tracerProvider?: WebTracerProvider }): () => void;

export type PropagateTraceHeaderCorsUrls = string | RegExp | Array<string | RegExp>;
export interface HttpInstrumentationConfig extends InstrumentationConfig {
  /** Other origins that get trace headers (same-origin requests always do): a string matches the URL exactly, a RegExp anywhere. */
  propagateTraceHeaderCorsUrls?: PropagateTraceHeaderCorsUrls;
  /** No span and no headers for these URLs (string: exact, RegExp: anywhere). The exporters' URLs are always skipped. */
  ignoreUrls?: Array<string | RegExp>;
  /** Calls performance.clearResourceTimings() whenever no traced request is pending. */
  clearTimingResources?: boolean;
  /** Leaves out the resource-timing span events (fetchStart … responseEnd). */
  ignoreNetworkEvents?: boolean;
}
export interface FetchInstrumentationConfig extends HttpInstrumentationConfig {
  /** Called when the response headers arrive (or the request fails): the body is never held for it. `request` is the init actually sent. */
  applyCustomAttributesOnSpan?: (span: Span, request: RequestInit, result: Response | Error) => void;
  /** Called before the request is sent; may add headers to `request.headers`. */
  requestHook?: (span: Span, request: RequestInit & { headers: Headers }) => void;
}
export interface XMLHttpRequestInstrumentationConfig extends HttpInstrumentationConfig {
  applyCustomAttributesOnSpan?: (span: Span, xhr: XMLHttpRequest) => void;
}
export declare class FetchInstrumentation extends InstrumentationBase<FetchInstrumentationConfig> {
  constructor(config?: FetchInstrumentationConfig);
}
export declare class XMLHttpRequestInstrumentation extends InstrumentationBase<XMLHttpRequestInstrumentationConfig> {
  constructor(config?: XMLHttpRequestInstrumentationConfig);
}
export interface DocumentLoadInstrumentationConfig extends InstrumentationConfig {
  applyCustomAttributesOnSpan?: {
    documentLoad?: (span: Span) => void;
    documentFetch?: (span: Span, entry: PerformanceNavigationTiming) => void;
    resourceFetch?: (span: Span, entry: PerformanceResourceTiming) => void;
  };
  ignoreNetworkEvents?: boolean;
  ignorePerformancePaintEvents?: boolean;
}
export declare class DocumentLoadInstrumentation extends InstrumentationBase<DocumentLoadInstrumentationConfig> {
  constructor(config?: DocumentLoadInstrumentationConfig);
}
export interface UserInteractionInstrumentationConfig extends InstrumentationConfig {
  /** Event types that get a span (default ["click"]). */
  eventNames?: string[];
  /** Return true to drop the span of this event. */
  shouldPreventSpanCreation?: (eventType: string, element: Element, span: Span) => boolean | void;
}
export declare class UserInteractionInstrumentation extends InstrumentationBase<UserInteractionInstrumentationConfig> {
  constructor(config?: UserInteractionInstrumentationConfig);
}
