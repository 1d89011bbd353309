// W3C Trace Context, W3C Baggage and AWS X-Ray propagators. Parsing of
// traceparent, tracestate and X-Ray lives in Rust (src/core/propagation);
// these move headers between carriers and contexts. Injecting only fills the fixed templates of traceparent and
// X-Ray with ids already checked valid, here: two crossings into
// WebAssembly per traced request cost more than that. A malformed header is
// ignored, never thrown.
import { wasm } from "./core.js";
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
    const parsed = wasm.traceparent_parse(header);
    if (!parsed) return ctx;
    const state = first(getter.get(carrier, "tracestate"));
    const traceState = typeof state === "string" ? wasm.tracestate_parse(state) : undefined;
    return remoteContext(ctx, parsed.slice(0, 32), parsed.slice(32, 48), parsed.endsWith("1"), traceState ? { traceState: new TraceState(traceState) } : {});
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
const trimOws = (text) => text.replace(/^[ \t]+|[ \t]+$/g, "");
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
