// W3C Trace Context, W3C Baggage and AWS X-Ray propagators. The X-Ray
// header's parser is Rust's (src/core/propagation), shared with Rust
// servers; the W3C headers, which only this facade reads, are parsed here.
// Injecting only fills the fixed templates of traceparent and X-Ray with ids
// already checked valid: crossings into WebAssembly per traced request cost
// more than that. A malformed header is ignored, never thrown.
import { wasm, INVALID_TRACE_ID, INVALID_SPAN_ID } from "./core.js";
import { trace, propagation, isSpanContextValid, isTracingSuppressed, TraceFlags } from "./api.js";
import { Span } from "./span.js";

function activeSpanContext(ctx) {
  const span = trace.getSpan(ctx);
  const sc = span?.spanContext();
  // Our own spans' ids are valid by construction (as in startSpan); only
  // foreign span contexts are checked.
  if (!sc || (!(span instanceof Span) && !isSpanContextValid(sc))) return undefined;
  return isTracingSuppressed(ctx) ? undefined : sc;
}

function remoteContext(ctx, traceId, spanId, sampled, extra) {
  return trace.setSpanContext(ctx, { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true, ...extra });
}

const first = (value) => (Array.isArray(value) ? value[0] : value);

// W3C trace context's two headers are read here, not in WebAssembly: no Rust
// code reads them, and a regular expression is smaller than a crossing.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-|$)/;
const OWS = /^[ \t]+|[ \t]+$/g;
const trimOws = (text) => text.replace(OWS, "");

/**
 * `traceparent` → [trace id, parent id, sampled], or undefined when invalid:
 * version 00 is exactly 55 characters, a later one may add fields after a
 * `-`; version ff, upper-case hex and all-zero ids are invalid.
 */
export function parseTraceparent(header) {
  const h = trimOws(header);
  const m = TRACEPARENT.exec(h);
  if (!m || m[1] === "ff" || (m[1] === "00" && h.length !== 55)) return undefined;
  if (m[2] === INVALID_TRACE_ID || m[3] === INVALID_SPAN_ID) return undefined;
  return [m[2], m[3], (parseInt(m[4], 16) & 1) === 1];
}

const TRACESTATE_KEY = /^(?:[a-z][a-z0-9_*/-]{0,255}|[a-z0-9][a-z0-9_*/-]{0,240}@[a-z0-9][a-z0-9_*/-]{0,13})$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * A valid `tracestate`, normalized (members trimmed, empty ones removed), or
 * undefined: a header with any invalid member, a repeated key or more than
 * 32 members is dropped whole, as OpenTelemetry does.
 */
export function parseTracestate(header) {
  const keys = new Set();
  const members = [];
  for (const raw of header.split(",")) {
    const member = trimOws(raw);
    if (!member) continue;
    const equals = member.indexOf("=");
    const key = member.slice(0, equals);
    if (equals < 0 || !TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(member.slice(equals + 1)) || keys.has(key) || keys.size === 32) return undefined;
    keys.add(key);
    members.push(member);
  }
  return members.join(",");
}

export class W3CTraceContextPropagator {
  inject(ctx, carrier, setter) {
    const sc = activeSpanContext(ctx);
    if (!sc) return;
    setter.set(carrier, "traceparent", `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`);
    const state = sc.traceState?.serialize?.() ?? (typeof sc.traceState === "string" ? sc.traceState : "");
    if (state) setter.set(carrier, "tracestate", state);
  }
  extract(ctx, carrier, getter) {
    const header = first(getter.get(carrier, "traceparent"));
    if (typeof header !== "string") return ctx;
    const parsed = parseTraceparent(header);
    if (!parsed) return ctx;
    const state = first(getter.get(carrier, "tracestate"));
    const traceState = typeof state === "string" ? parseTracestate(state) : undefined;
    return remoteContext(ctx, parsed[0], parsed[1], parsed[2], traceState ? { traceState: new TraceState(traceState) } : {});
  }
  fields() { return ["traceparent", "tracestate"]; }
}

/** The W3C `tracestate` list, immutable as OpenTelemetry's. */
export class TraceState {
  constructor(raw = "") {
    this._entries = new Map();
    for (const member of raw.split(",")) {
      const i = member.indexOf("=");
      if (i > 0) this._entries.set(member.slice(0, i).trim(), member.slice(i + 1).trim());
    }
  }
  get(key) { return this._entries.get(key); }
  set(key, value) {
    const next = new TraceState();
    next._entries = new Map([[key, value], ...[...this._entries].filter(([k]) => k !== key)]);
    return next;
  }
  unset(key) {
    const next = new TraceState();
    next._entries = new Map([...this._entries].filter(([k]) => k !== key));
    return next;
  }
  serialize() { return [...this._entries].map(([k, v]) => `${k}=${v}`).join(","); }
}

// W3C baggage lives here, not in WebAssembly: only this propagator reads or
// writes it, and an app that never imports it ships none of it.
const BAGGAGE_MAX_ENTRIES = 180;
const BAGGAGE_MAX_BYTES = 8192;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const baggageMetadata = (text) => ({ toString: () => text });

/** `key=value;metadata,…` → [key, value, metadata] triples; malformed members are skipped. */
export function parseBaggage(header) {
  const entries = [];
  if (header.length > BAGGAGE_MAX_BYTES) return entries;
  for (const member of header.split(",")) {
    if (entries.length === BAGGAGE_MAX_ENTRIES) break;
    const semicolon = member.indexOf(";");
    const pair = semicolon < 0 ? member : member.slice(0, semicolon);
    const equals = pair.indexOf("=");
    const key = trimOws(pair.slice(0, equals));
    if (equals < 0 || !TOKEN.test(key)) continue;
    let value;
    try {
      // Throws on a stray "%" and on bytes that are not UTF-8.
      value = decodeURIComponent(trimOws(pair.slice(equals + 1)));
    } catch {
      continue;
    }
    entries.push([key, value, semicolon < 0 ? "" : trimOws(member.slice(semicolon + 1))]);
  }
  return entries;
}

/** The inverse, within the specification's limits (180 members, 8192 bytes). */
export function formatBaggage(entries) {
  let header = "";
  for (const [key, value, metadata] of entries.slice(0, BAGGAGE_MAX_ENTRIES)) {
    if (!TOKEN.test(key)) continue;
    let member;
    try {
      // Throws on a lone surrogate, which has no UTF-8 form.
      member = `${key}=${encodeURIComponent(value)}${metadata ? ";" + metadata : ""}`;
    } catch {
      continue;
    }
    if (header.length + member.length + 1 > BAGGAGE_MAX_BYTES) break;
    header += (header ? "," : "") + member;
  }
  return header;
}

export class W3CBaggagePropagator {
  inject(ctx, carrier, setter) {
    const baggage = propagation.getBaggage(ctx);
    if (!baggage || isTracingSuppressed(ctx)) return;
    const header = formatBaggage(baggage.getAllEntries().map(([key, entry]) => [key, String(entry.value), entry.metadata?.toString?.() ?? ""]));
    if (header) setter.set(carrier, "baggage", header);
  }
  extract(ctx, carrier, getter) {
    const raw = getter.get(carrier, "baggage");
    const header = Array.isArray(raw) ? raw.join(",") : raw;
    if (typeof header !== "string" || !header) return ctx;
    const parsed = parseBaggage(header);
    if (parsed.length === 0) return ctx;
    const entries = {};
    for (const [key, value, metadata] of parsed) entries[key] = metadata ? { value, metadata: baggageMetadata(metadata) } : { value };
    return propagation.setBaggage(ctx, propagation.createBaggage(entries));
  }
  fields() { return ["baggage"]; }
}

/**
 * AWS X-Ray `X-Amzn-Trace-Id`. Unlike OpenTelemetry JS's, it accepts a
 * deferred or missing `Sampled` and keeps unknown fields (`Self`, `Lineage`,
 * …) to write them back on inject.
 */
export class AWSXRayPropagator {
  inject(ctx, carrier, setter) {
    const sc = activeSpanContext(ctx);
    if (!sc) return;
    const id = sc.traceId;
    const extra = sc.xrayExtra ? ";" + sc.xrayExtra : "";
    setter.set(carrier, "x-amzn-trace-id", `Root=1-${id.slice(0, 8)}-${id.slice(8)};Parent=${sc.spanId};Sampled=${sc.traceFlags & 1}${extra}`);
  }
  extract(ctx, carrier, getter) {
    const header = first(getter.get(carrier, "x-amzn-trace-id"));
    if (typeof header !== "string") return ctx;
    const parsed = wasm.xray_parse(header);
    if (!parsed) return ctx;
    const decision = parsed[48];
    const extra = { xrayExtra: parsed.slice(49) };
    // A deferred decision leaves it to our sampler, as for a root span.
    if (decision === "?") extra.deferred = true;
    return remoteContext(ctx, parsed.slice(0, 32), parsed.slice(32, 48), decision === "1", extra);
  }
  fields() { return ["x-amzn-trace-id"]; }
}

export class CompositePropagator {
  constructor(config = {}) { this._propagators = config.propagators ?? []; }
  inject(ctx, carrier, setter) {
    for (const p of this._propagators) {
      try { p.inject(ctx, carrier, setter); } catch { /* one propagator's fault must not stop the others */ }
    }
  }
  extract(ctx, carrier, getter) {
    return this._propagators.reduce((acc, p) => {
      try { return p.extract(acc, carrier, getter); } catch { return acc; }
    }, ctx);
  }
  fields() { return [...new Set(this._propagators.flatMap((p) => p.fields()))]; }
}
