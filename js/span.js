// Spans and tracers. A span keeps its data in plain JavaScript while it is
// open and, once ended, in its processors' queues; it is written into the
// record format (core.js) only when its batch leaves.
import { wasm, diag, relativeMillis, spanId, xrayTraceId, randomHex, isValidSpanId, isValidTraceId, EMPTY } from "./core.js";
import { context, trace, SpanKind, SpanStatusCode, TraceFlags, SamplingDecision, NonRecordingSpan, isTracingSuppressed } from "./api.js";

const NONE = Object.freeze([]); // no events or links yet: no array per span

function fromList(list) {
  const attributes = {};
  for (let i = 0; i < list.length; i += 2) attributes[list[i]] = list[i + 1];
  return attributes;
}

export class Span {
  constructor(tracer, name, kind, spanContext, parentSpanId, startMs, attributes) {
    this._tracer = tracer;
    this._limits = tracer._provider._limits;
    this._name = name;
    this._kind = kind;
    this._spanContext = spanContext;
    this._parentSpanId = parentSpanId;
    this._start = startMs;
    this._attributes = []; // key, value, key, value…: no dictionary object a span
    this._events = NONE; // [name, nanoseconds from start, attributes]
    this._times = null; // [names, times]: timing events not yet made (see _addTimes)
    this._links = NONE; // [link, trace state]
    this._dropped = null; // [attributes, events, links], made on the first drop
    this._status = SpanStatusCode.UNSET;
    this._statusMessage = "";
    this._ended = false;
    this._end = 0;
    if (attributes) this.setAttributes(attributes);
  }
  /** Attributes as a ready [key, value, …] list, taken as it is when within the limits. */
  _setList(list) {
    const limits = this._limits;
    if (list.length > limits.attributeCountLimit * 2 || limits.attributeValueLengthLimit < Infinity) this.setAttributes(fromList(list));
    else this._attributes = list;
  }
  spanContext() { return this._spanContext; }
  isRecording() { return !this._ended; }

  setAttribute(key, value) {
    if (this._ended || value == null) return this;
    if (typeof key !== "string") key = String(key);
    const limits = this._limits;
    if (typeof value === "string" && value.length > limits.attributeValueLengthLimit) value = value.slice(0, limits.attributeValueLengthLimit);
    const attributes = this._attributes;
    for (let i = 0; i < attributes.length; i += 2) {
      if (attributes[i] === key) {
        attributes[i + 1] = value;
        return this;
      }
    }
    if (attributes.length >= limits.attributeCountLimit * 2) {
      (this._dropped ??= [0, 0, 0])[0]++;
      return this;
    }
    attributes.push(key, value);
    return this;
  }
  setAttributes(attributes) {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name, attributesOrTime, time) {
    if (this._ended) return this;
    if (this._times) this._expandTimes();
    if (this._events.length >= this._limits.eventCountLimit) {
      (this._dropped ??= [0, 0, 0])[1]++;
      return this;
    }
    let attributes = attributesOrTime;
    if (typeof attributesOrTime === "number" || attributesOrTime instanceof Date || Array.isArray(attributesOrTime)) {
      time = attributesOrTime;
      attributes = undefined;
    }
    const offsetNs = Math.round((relativeMillis(time) - this._start) * 1e6);
    // A copy: the app may change its object after the call.
    if (this._events === NONE) this._events = [];
    this._events.push([String(name), offsetNs, attributes ? { ...attributes } : EMPTY]);
    return this;
  }

  /**
   * Timing events (a name and a time each; zero times are left out), kept as
   * the two arrays until the span's record is written: a request's nine
   * network events cost no array each, nor the garbage collector's time.
   */
  _addTimes(names, times) {
    if (this._ended) return;
    if (this._times) this._expandTimes();
    this._times = [names, times];
  }
  _expandTimes() {
    const [names, times] = this._times;
    this._times = null;
    for (let i = 0; i < names.length; i++) if (times[i] > 0) this.addEvent(names[i], times[i]);
  }

  addLink(link) {
    if (this._ended || !link?.context) return this;
    const sc = link.context;
    if (!isValidTraceId(sc.traceId) || !isValidSpanId(sc.spanId)) return this;
    if (this._links.length >= this._limits.linkCountLimit) {
      (this._dropped ??= [0, 0, 0])[2]++;
      return this;
    }
    if (this._links === NONE) this._links = [];
    this._links.push([{ context: sc, attributes: link.attributes ? { ...link.attributes } : undefined }, sc.traceState?.serialize?.() ?? ""]);
    return this;
  }
  addLinks(links) {
    for (const link of links) this.addLink(link);
    return this;
  }

  /** OK is final; UNSET is ignored; a message goes with ERROR only. */
  setStatus(status) {
    if (this._ended || this._status === SpanStatusCode.OK || !status || status.code === SpanStatusCode.UNSET) return this;
    this._status = status.code;
    this._statusMessage = status.code === SpanStatusCode.ERROR ? String(status.message ?? "") : "";
    return this;
  }

  updateName(name) {
    if (!this._ended) this._name = name;
    return this;
  }

  recordException(exception, time) {
    const attributes = {};
    if (typeof exception === "string") {
      attributes["exception.message"] = exception;
    } else if (exception) {
      if (exception.code != null) attributes["exception.type"] = String(exception.code);
      else if (exception.name) attributes["exception.type"] = exception.name;
      if (exception.message) attributes["exception.message"] = exception.message;
      if (exception.stack) attributes["exception.stacktrace"] = exception.stack;
    }
    this.addEvent("exception", attributes, time);
  }

  end(endTime) {
    if (this._ended) {
      diag.warn(`span "${this._name}" ended more than once; later ends are ignored`);
      return;
    }
    this._ended = true;
    this._end = endTime === undefined ? performance.now() : relativeMillis(endTime);
    // The span itself waits in the queues; its record is packed when its
    // batch leaves, so ending costs next to nothing.
    this._tracer._provider._onEnd(this);
  }
}

export class Tracer {
  constructor(provider, name, version) {
    this._provider = provider;
    this._scope = wasm.scope_new(provider._id, name, version ?? "");
  }

  startSpan(name, options = EMPTY, ctx = context.active()) {
    const provider = this._provider;
    if (provider._shutdown || isTracingSuppressed(ctx)) return new NonRecordingSpan();
    const parentSpan = options.root ? undefined : trace.getSpan(ctx);
    const parent = parentSpan?.spanContext();
    // Our own spans' ids are valid by construction; only foreign ones are checked.
    const hasParent = parent !== undefined && (parentSpan instanceof Span || (isValidTraceId(parent.traceId) && isValidSpanId(parent.spanId)));
    const ids = provider._idGenerator;
    const startMs = options.startTime === undefined ? performance.now() : relativeMillis(options.startTime);
    const traceId = hasParent ? parent.traceId : ids ? ids.generateTraceId() : provider._xrayIds ? xrayTraceId(options.startTime === undefined ? startMs : undefined) : randomHex(32);
    const sampler = provider._sampler;
    const kind = options.kind ?? SpanKind.INTERNAL;
    let sampled;
    let result;
    if (sampler === undefined) {
      // The default, ParentBased(AlwaysOn), decided inline.
      sampled = !hasParent || parent.deferred || (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    } else {
      result = sampler.shouldSample(options.root ? trace.deleteSpan(ctx) : ctx, traceId, name, kind, options.attributes ?? (options._list ? fromList(options._list) : EMPTY), options.links ?? NONE);
      // RECORD (recording, not sampled) is taken as NOT_RECORD: unsampled spans are never exported.
      sampled = result?.decision === SamplingDecision.RECORD_AND_SAMPLED;
    }
    const spanContext = { traceId, spanId: ids ? ids.generateSpanId() : spanId(), traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: false };
    if (hasParent) {
      if (parent.traceState) spanContext.traceState = parent.traceState;
      if (parent.xrayExtra) spanContext.xrayExtra = parent.xrayExtra;
    }
    if (result?.traceState) spanContext.traceState = result.traceState;
    if (!sampled) return new NonRecordingSpan(spanContext);
    const span = new Span(this, name, kind, spanContext, hasParent ? parent.spanId : "", startMs, options.attributes);
    if (options._list) span._setList(options._list);
    if (result?.attributes) span.setAttributes(result.attributes);
    if (options.links) span.addLinks(options.links);
    return span;
  }

  startActiveSpan(name, ...rest) {
    const fn = rest.pop();
    const [options, ctx = context.active()] = rest;
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), fn, undefined, span);
  }
}

