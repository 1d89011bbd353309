// wasmtrace's public JavaScript API: OpenTelemetry JS's class and option
// names over the WebAssembly core. Spans live here until they end, then cross
// into WebAssembly once, as one compact record (see src/core/record.rs).
import initWasm, * as core from "./wasmtrace_core.js";

const VERSION = "0.1.0";
let initialized = null;
let ready = false;

/** Loads the WebAssembly module; call and await once before anything else. */
export default function init(moduleOrPath) {
  initialized ??= initWasm(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath }).then(
    (exports) => {
      ready = true;
      return exports;
    },
  );
  return initialized;
}

function requireReady(what) {
  if (!ready) throw new Error(`wasmtrace: await init() before creating ${what}`);
}

export const SpanKind = Object.freeze({ INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 });
export const SpanStatusCode = Object.freeze({ UNSET: 0, OK: 1, ERROR: 2 });
export const TraceFlags = Object.freeze({ NONE: 0, SAMPLED: 1 });

// ---- diagnostics -----------------------------------------------------------

export const DiagLogLevel = Object.freeze({ NONE: 0, ERROR: 30, WARN: 50, INFO: 60, DEBUG: 70, VERBOSE: 80, ALL: 9999 });
export class DiagConsoleLogger {
  error(...args) { console.error(...args); }
  warn(...args) { console.warn(...args); }
  info(...args) { console.info(...args); }
  debug(...args) { console.debug(...args); }
  verbose(...args) { console.debug(...args); }
}
let diagLogger = null;
let diagLevel = DiagLogLevel.NONE;
/** OpenTelemetry's `diag`: off until a logger is set. */
export const diag = {
  setLogger(logger, level = DiagLogLevel.INFO) {
    diagLogger = logger ?? null;
    diagLevel = typeof level === "number" ? level : level?.logLevel ?? DiagLogLevel.INFO;
    return true;
  },
  disable() { diagLogger = null; diagLevel = DiagLogLevel.NONE; },
  error(...a) { if (diagLogger && diagLevel >= DiagLogLevel.ERROR) diagLogger.error("wasmtrace:", ...a); },
  warn(...a) { if (diagLogger && diagLevel >= DiagLogLevel.WARN) diagLogger.warn("wasmtrace:", ...a); },
  info(...a) { if (diagLogger && diagLevel >= DiagLogLevel.INFO) diagLogger.info("wasmtrace:", ...a); },
  debug(...a) { if (diagLogger && diagLevel >= DiagLogLevel.DEBUG) diagLogger.debug("wasmtrace:", ...a); },
};

// ---- the record format -----------------------------------------------------

const str = (s) => s.length + ":" + s;

/** Packs a valid attribute value, or returns "" for an invalid one (ignored, as OpenTelemetry JS does). */
function packValue(value, nested) {
  switch (typeof value) {
    case "string":
      return "s" + str(value);
    case "boolean":
      return value ? "b1" : "b0";
    case "number":
      return Number.isSafeInteger(value) ? "i" + str(String(value)) : "d" + str(String(value));
    case "object":
      if (!nested && Array.isArray(value)) {
        let items = "";
        let count = 0;
        for (const item of value) {
          const packed = item == null ? "" : packValue(item, true);
          if (packed) {
            items += packed;
            count++;
          }
        }
        return "a" + count + ":" + items;
      }
  }
  return "";
}

function packAttributes(attributes) {
  let out = "";
  for (const key in attributes) {
    const packed = packValue(attributes[key], false);
    if (packed) out += "A" + str(key) + packed;
  }
  return out;
}

/** Milliseconds relative to `performance.timeOrigin`, from any OpenTelemetry TimeInput. */
function relativeMillis(time) {
  if (time === undefined) return performance.now();
  if (typeof time === "number") return time < performance.timeOrigin ? time : time - performance.timeOrigin;
  if (time instanceof Date) return time.getTime() - performance.timeOrigin;
  if (Array.isArray(time)) return time[0] * 1e3 + time[1] / 1e6 - performance.timeOrigin;
  return performance.now();
}

// ---- context ---------------------------------------------------------------

class BaseContext {
  constructor(values) { this._values = values; }
  getValue(key) { return this._values.get(key); }
  setValue(key, value) { const next = new Map(this._values); next.set(key, value); return new BaseContext(next); }
  deleteValue(key) { const next = new Map(this._values); next.delete(key); return new BaseContext(next); }
}
export const ROOT_CONTEXT = new BaseContext(new Map());
export function createContextKey(description) { return Symbol.for(description); }
const SPAN_KEY = createContextKey("OpenTelemetry Context Key SPAN");

let activeContext = ROOT_CONTEXT;
/**
 * The active context follows synchronous code only (no zone.js): inside
 * `context.with(ctx, fn)` and `startActiveSpan`'s callback, until they return.
 */
export const context = {
  active() { return activeContext; },
  with(ctx, fn, thisArg, ...args) {
    const previous = activeContext;
    activeContext = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      activeContext = previous;
    }
  },
  bind(ctx, target) {
    if (typeof target !== "function") return target;
    return (...args) => context.with(ctx, target, undefined, ...args);
  },
};

// ---- spans -----------------------------------------------------------------

class NonRecordingSpan {
  constructor(spanContext) { this._context = spanContext; }
  spanContext() { return this._context; }
  setAttribute() { return this; }
  setAttributes() { return this; }
  addEvent() { return this; }
  addLink() { return this; }
  addLinks() { return this; }
  setStatus() { return this; }
  updateName() { return this; }
  end() {}
  isRecording() { return false; }
  recordException() {}
}

export class Span {
  constructor(tracer, name, kind, traceId, spanId, parentSpanId, startMs, attributes) {
    this._tracer = tracer;
    this._name = name;
    this._kind = kind;
    this._context = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false };
    this._parentSpanId = parentSpanId;
    this._start = startMs;
    this._attributes = attributes ?? {};
    this._status = "";
    this._ended = false;
  }
  spanContext() { return this._context; }
  isRecording() { return !this._ended; }
  setAttribute(key, value) {
    if (!this._ended && value != null) this._attributes[key] = value;
    return this;
  }
  setAttributes(attributes) {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }
  setStatus(status) {
    if (!this._ended) this._status = "!" + (status.code | 0) + str(status.message ?? "");
    return this;
  }
  updateName(name) {
    if (!this._ended) this._name = name;
    return this;
  }
  end(endTime) {
    if (this._ended) {
      diag.warn(`span "${this._name}" ended twice; the second end is ignored`);
      return;
    }
    this._ended = true;
    const record =
      this._context.traceId + this._context.spanId + (this._parentSpanId || "0000000000000000") +
      this._kind + str(this._name) + packAttributes(this._attributes) + this._status;
    try {
      core.span_end(this._tracer._provider._id, this._tracer._scope, record, this._start, relativeMillis(endTime));
    } catch (error) {
      diag.error("a span could not be recorded:", error);
    }
  }
}

export class Tracer {
  constructor(provider, name, version) {
    this._provider = provider;
    this._scope = core.scope_new(provider._id, name, version ?? "");
  }
  startSpan(name, options = {}, ctx = context.active()) {
    const parent = options.root ? undefined : ctx.getValue(SPAN_KEY)?.spanContext();
    if (parent && !(parent.traceFlags & TraceFlags.SAMPLED)) {
      return new NonRecordingSpan({ traceId: parent.traceId, spanId: core.ids_new(this._provider._id, false), traceFlags: 0, isRemote: false });
    }
    let traceId, spanId;
    if (parent) {
      traceId = parent.traceId;
      spanId = core.ids_new(this._provider._id, false);
    } else {
      const ids = core.ids_new(this._provider._id, true);
      traceId = ids.slice(0, 32);
      spanId = ids.slice(32);
    }
    const attributes = options.attributes ? { ...options.attributes } : {};
    return new Span(this, name, options.kind ?? SpanKind.INTERNAL, traceId, spanId, parent?.spanId, relativeMillis(options.startTime), attributes);
  }
  startActiveSpan(name, ...rest) {
    const fn = rest.pop();
    const [options, ctx = context.active()] = rest;
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), fn, undefined, span);
  }
}

// ---- the global API --------------------------------------------------------

let globalProvider = null;
export const trace = {
  getTracer(name, version) { return globalProvider?.getTracer(name, version); },
  getTracerProvider() { return globalProvider; },
  setSpan(ctx, span) { return ctx.setValue(SPAN_KEY, span); },
  getSpan(ctx) { return ctx.getValue(SPAN_KEY); },
  getActiveSpan() { return activeContext.getValue(SPAN_KEY); },
  deleteSpan(ctx) { return ctx.deleteValue(SPAN_KEY); },
};

// ---- SDK classes -----------------------------------------------------------

export class Resource {
  constructor(attributes) { this.attributes = { ...attributes }; }
  merge(other) { return new Resource({ ...this.attributes, ...(other?.attributes ?? {}) }); }
}
export function resourceFromAttributes(attributes) { return new Resource(attributes); }
export function defaultResource() {
  return new Resource({
    "service.name": "unknown_service",
    "telemetry.sdk.language": "webjs",
    "telemetry.sdk.name": "wasmtrace",
    "telemetry.sdk.version": VERSION,
  });
}

export class AWSXRayIdGenerator {}
export class RandomIdGenerator {}

export class OTLPTraceExporter {
  constructor(config = {}) {
    requireReady("an OTLPTraceExporter");
    this.url = config.url ?? "http://localhost:4318/v1/traces";
    const headers = {};
    for (const key in config.headers ?? {}) headers[key] = String(config.headers[key]);
    this._id = core.exporter_new(this.url, packAttributes(headers), config.timeoutMillis ?? 10000);
  }
}

export class BatchSpanProcessor {
  constructor(exporter, config = {}) {
    requireReady("a BatchSpanProcessor");
    this._id = core.processor_new(
      exporter._id,
      config.maxQueueSize ?? 2048,
      config.maxExportBatchSize ?? 512,
      config.scheduledDelayMillis ?? 5000,
      config.exportTimeoutMillis ?? 30000,
    );
  }
}

export class WebTracerProvider {
  constructor(config = {}) {
    requireReady("a WebTracerProvider");
    const resource = defaultResource().merge(config.resource);
    const processors = Uint32Array.from((config.spanProcessors ?? []).map((p) => p._id));
    const xray = !(config.idGenerator instanceof RandomIdGenerator);
    this._id = core.provider_new(packAttributes(resource.attributes), processors, xray);
    this._tracers = new Map();
  }
  getTracer(name, version) {
    const key = name + "@" + (version ?? "");
    let tracer = this._tracers.get(key);
    if (!tracer) this._tracers.set(key, (tracer = new Tracer(this, name, version)));
    return tracer;
  }
  register() { globalProvider = this; }
  forceFlush() { return core.force_flush(this._id); }
  shutdown() { return this.forceFlush(); }
}
