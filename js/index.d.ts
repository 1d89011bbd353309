// Types of wasmtrace's public API: OpenTelemetry JS's names and shapes.

export default function init(moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<unknown>;

export declare const SpanKind: { readonly INTERNAL: 0; readonly SERVER: 1; readonly CLIENT: 2; readonly PRODUCER: 3; readonly CONSUMER: 4 };
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];
export declare const SpanStatusCode: { readonly UNSET: 0; readonly OK: 1; readonly ERROR: 2 };
export type SpanStatusCode = (typeof SpanStatusCode)[keyof typeof SpanStatusCode];
export declare const TraceFlags: { readonly NONE: 0; readonly SAMPLED: 1 };

export type AttributeValue =
  | string | number | boolean
  | Array<null | undefined | string> | Array<null | undefined | number> | Array<null | undefined | boolean>;
export interface Attributes { [key: string]: AttributeValue | undefined }
export type HrTime = [number, number];
export type TimeInput = HrTime | number | Date;

export interface SpanContext { traceId: string; spanId: string; traceFlags: number; isRemote?: boolean }
export interface SpanStatus { code: SpanStatusCode; message?: string }
export interface SpanOptions { kind?: SpanKind; attributes?: Attributes; startTime?: TimeInput; root?: boolean }

export interface Context {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): Context;
  deleteValue(key: symbol): Context;
}
export declare const ROOT_CONTEXT: Context;
export declare function createContextKey(description: string): symbol;
export declare const context: {
  active(): Context;
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F>;
  bind<T>(ctx: Context, target: T): T;
};

export interface Span {
  spanContext(): SpanContext;
  setAttribute(key: string, value: AttributeValue): this;
  setAttributes(attributes: Attributes): this;
  setStatus(status: SpanStatus): this;
  updateName(name: string): this;
  end(endTime?: TimeInput): void;
  isRecording(): boolean;
}

export declare class Tracer {
  private constructor();
  startSpan(name: string, options?: SpanOptions, context?: Context): Span;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, context: Context, fn: F): ReturnType<F>;
}

export declare const trace: {
  getTracer(name: string, version?: string): Tracer | undefined;
  getTracerProvider(): WebTracerProvider | null;
  setSpan(context: Context, span: Span): Context;
  getSpan(context: Context): Span | undefined;
  getActiveSpan(): Span | undefined;
  deleteSpan(context: Context): Context;
};

export declare const DiagLogLevel: { readonly NONE: 0; readonly ERROR: 30; readonly WARN: 50; readonly INFO: 60; readonly DEBUG: 70; readonly VERBOSE: 80; readonly ALL: 9999 };
export interface DiagLogger {
  error(...args: unknown[]): void; warn(...args: unknown[]): void; info(...args: unknown[]): void;
  debug(...args: unknown[]): void; verbose(...args: unknown[]): void;
}
export declare class DiagConsoleLogger implements DiagLogger {
  error(...args: unknown[]): void; warn(...args: unknown[]): void; info(...args: unknown[]): void;
  debug(...args: unknown[]): void; verbose(...args: unknown[]): void;
}
export declare const diag: { setLogger(logger: DiagLogger, level?: number): boolean; disable(): void };

export declare class Resource {
  constructor(attributes: Attributes);
  readonly attributes: Attributes;
  merge(other?: Resource | null): Resource;
}
export declare function resourceFromAttributes(attributes: Attributes): Resource;
export declare function defaultResource(): Resource;

export declare class AWSXRayIdGenerator {}
export declare class RandomIdGenerator {}

export interface OTLPExporterConfig { url?: string; headers?: Record<string, string>; timeoutMillis?: number }
export declare class OTLPTraceExporter {
  constructor(config?: OTLPExporterConfig);
  readonly url: string;
}

export interface BufferConfig { maxQueueSize?: number; maxExportBatchSize?: number; scheduledDelayMillis?: number; exportTimeoutMillis?: number }
export declare class BatchSpanProcessor {
  constructor(exporter: OTLPTraceExporter, config?: BufferConfig);
}

export interface TracerConfig {
  resource?: Resource;
  idGenerator?: AWSXRayIdGenerator | RandomIdGenerator;
  spanProcessors?: BatchSpanProcessor[];
}
export declare class WebTracerProvider {
  constructor(config?: TracerConfig);
  getTracer(name: string, version?: string): Tracer;
  register(config?: object): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
