// The parts of `@opentelemetry/api` an app uses with a provider: context,
// `trace`, `propagation`, and the enums. No zone.js: the active context is
// whatever `context.with` (or `startActiveSpan`) set, for the synchronous
// extent of its callback.
import { INVALID_SPAN_ID, INVALID_TRACE_ID, isValidSpanId, isValidTraceId } from "./core.js";

export const SpanKind = Object.freeze({ INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 });
export const SpanStatusCode = Object.freeze({ UNSET: 0, OK: 1, ERROR: 2 });
export const TraceFlags = Object.freeze({ NONE: 0, SAMPLED: 1 });
export const SamplingDecision = Object.freeze({ NOT_RECORD: 0, RECORD: 1, RECORD_AND_SAMPLED: 2 });

// A context's values as a flat [key, value, …] array: contexts hold a few
// values, and a copy of a short array costs less than a copy of a Map.
class BaseContext {
  constructor(values = []) { this._values = values; }
  _find(key) {
    const values = this._values;
    for (let i = 0; i < values.length; i += 2) if (values[i] === key) return i;
    return -1;
  }
  getValue(key) {
    const i = this._find(key);
    return i < 0 ? undefined : this._values[i + 1];
  }
  setValue(key, value) {
    const i = this._find(key);
    const values = this._values.slice();
    i < 0 ? values.push(key, value) : (values[i + 1] = value);
    return new BaseContext(values);
  }
  deleteValue(key) {
    const i = this._find(key);
    const values = this._values.slice();
    if (i >= 0) values.splice(i, 2);
    return new BaseContext(values);
  }
}

export const ROOT_CONTEXT = new BaseContext();
export const createContextKey = (description) => Symbol.for(description);
const SPAN_KEY = createContextKey("OpenTelemetry Context Key SPAN");
const BAGGAGE_KEY = createContextKey("OpenTelemetry Baggage Key");
const SUPPRESS_KEY = createContextKey("OpenTelemetry SDK Context Key SUPPRESS_TRACING");

let active = ROOT_CONTEXT;

export const context = {
  active: () => active,
  with(ctx, fn, thisArg, ...args) {
    const previous = active;
    active = ctx ?? ROOT_CONTEXT;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      active = previous;
    }
  },
  /** Binds a function (or an EventTarget's listeners are not patched: functions only). */
  bind(ctx, target) {
    if (typeof target !== "function") return target;
    return function bound(...args) {
      return context.with(ctx, target, this, ...args);
    };
  },
};

export const suppressTracing = (ctx) => ctx.setValue(SUPPRESS_KEY, true);
export const isTracingSuppressed = (ctx) => ctx.getValue(SUPPRESS_KEY) === true;

export const INVALID_SPAN_CONTEXT = Object.freeze({ traceId: INVALID_TRACE_ID, spanId: INVALID_SPAN_ID, traceFlags: TraceFlags.NONE });

export const isSpanContextValid = (sc) => !!sc && isValidTraceId(sc.traceId) && isValidSpanId(sc.spanId);

/** A span that records nothing: a remote parent, or a span the sampler dropped. */
export class NonRecordingSpan {
  constructor(spanContext = INVALID_SPAN_CONTEXT) { this._spanContext = spanContext; }
  spanContext() { return this._spanContext; }
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

let globalProvider = null;
export function setGlobalTracerProvider(provider) { globalProvider = provider; }

export const trace = {
  getTracer: (name, version, options) => globalProvider?.getTracer(name, version, options),
  getTracerProvider: () => globalProvider,
  setGlobalTracerProvider(provider) { globalProvider = provider; return true; },
  disable() { globalProvider = null; },
  getSpan: (ctx) => ctx.getValue(SPAN_KEY),
  getActiveSpan: () => active.getValue(SPAN_KEY),
  setSpan: (ctx, span) => ctx.setValue(SPAN_KEY, span),
  deleteSpan: (ctx) => ctx.deleteValue(SPAN_KEY),
  setSpanContext: (ctx, sc) => ctx.setValue(SPAN_KEY, new NonRecordingSpan(sc)),
  getSpanContext: (ctx) => ctx.getValue(SPAN_KEY)?.spanContext(),
  wrapSpanContext: (sc) => new NonRecordingSpan(sc),
  isSpanContextValid,
};

// ---- baggage ---------------------------------------------------------------

class Baggage {
  constructor(entries) { this._entries = new Map(entries); }
  getEntry(key) { return this._entries.get(key); }
  getAllEntries() { return [...this._entries.entries()]; }
  setEntry(key, entry) {
    const next = new Baggage(this._entries);
    next._entries.set(key, entry);
    return next;
  }
  removeEntry(key) {
    const next = new Baggage(this._entries);
    next._entries.delete(key);
    return next;
  }
  removeEntries(...keys) {
    const next = new Baggage(this._entries);
    for (const key of keys) next._entries.delete(key);
    return next;
  }
  clear() { return new Baggage(); }
}

// ---- propagation -----------------------------------------------------------

export const defaultTextMapGetter = {
  get(carrier, key) {
    if (carrier == null) return undefined;
    if (typeof carrier.get === "function") return carrier.get(key) ?? undefined;
    const found = Object.keys(carrier).find((k) => k.toLowerCase() === key);
    return found === undefined ? undefined : carrier[found];
  },
  keys: (carrier) => (carrier == null ? [] : typeof carrier.keys === "function" ? [...carrier.keys()] : Object.keys(carrier)),
};

export const defaultTextMapSetter = {
  set(carrier, key, value) {
    if (carrier == null) return;
    if (typeof carrier.set === "function") carrier.set(key, value);
    else carrier[key] = value;
  },
};

let globalPropagator = null;
export function setGlobalPropagator(propagator) { globalPropagator = propagator; }

export const propagation = {
  setGlobalPropagator(propagator) { globalPropagator = propagator; return true; },
  inject(ctx, carrier, setter = defaultTextMapSetter) { globalPropagator?.inject(ctx, carrier, setter); },
  extract(ctx, carrier, getter = defaultTextMapGetter) { return globalPropagator ? globalPropagator.extract(ctx, carrier, getter) : ctx; },
  fields: () => globalPropagator?.fields() ?? [],
  disable() { globalPropagator = null; },
  createBaggage: (entries = {}) => new Baggage(Object.entries(entries)),
  getBaggage: (ctx) => ctx.getValue(BAGGAGE_KEY),
  getActiveBaggage: () => active.getValue(BAGGAGE_KEY),
  setBaggage: (ctx, baggage) => ctx.setValue(BAGGAGE_KEY, baggage),
  deleteBaggage: (ctx) => ctx.deleteValue(BAGGAGE_KEY),
};
