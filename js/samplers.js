// Samplers, with OpenTelemetry JS's interface (`shouldSample(context,
// traceId, name, kind, attributes, links)` → `{ decision }`), so an app's own
// sampler works as well as these. TraceIdRatioBased decides as
// `core::sampler` does for the Rust API, from the id's last 8 bytes; both are
// checked against tests/vectors/ratio-sampling.json.
import { trace, isSpanContextValid, SamplingDecision } from "./api.js";

const SAMPLED = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const DROPPED = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

export class AlwaysOnSampler {
  shouldSample() { return SAMPLED; }
  toString() { return "AlwaysOnSampler"; }
}
export class AlwaysOffSampler {
  shouldSample() { return DROPPED; }
  toString() { return "AlwaysOffSampler"; }
}

const TWO_32 = 2 ** 32;

/**
 * Samples when the trace id's last 8 bytes, shifted right by one, are below
 * ratio × 2^63, so every service sampling at the same ratio agrees (an X-Ray
 * id's first 4 bytes are its time, not random). In two 32-bit halves: a
 * double holds 53 bits.
 */
export class TraceIdRatioBasedSampler {
  constructor(ratio = 0) {
    this._ratio = Number.isFinite(ratio) ? Math.min(Math.max(ratio, 0), 1) : 0;
    const bound = Math.floor(this._ratio * 2 ** 63);
    this._high = Math.floor(bound / TWO_32);
    this._low = bound % TWO_32;
  }
  shouldSample(ctx, traceId) {
    const a = parseInt(traceId.slice(16, 24), 16);
    const b = parseInt(traceId.slice(24, 32), 16);
    const high = a >>> 1;
    const low = (a & 1) * 2 ** 31 + (b >>> 1);
    return high < this._high || (high === this._high && low < this._low) ? SAMPLED : DROPPED;
  }
  toString() { return `TraceIdRatioBased{${this._ratio}}`; }
}

/** X-Ray's default rule: `reservoirPerSecond` traces each second, then `fixedRate` of the rest. */
export class RateLimitedSampler {
  constructor(config = {}) {
    this._perSecond = config.reservoirPerSecond ?? 1;
    this._rate = new TraceIdRatioBasedSampler(config.fixedRate ?? 0.05);
    this._second = -1;
    this._taken = 0;
  }
  shouldSample(ctx, traceId) {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this._second) {
      this._second = second;
      this._taken = 0;
    }
    if (this._taken < this._perSecond) {
      this._taken++;
      return SAMPLED;
    }
    return this._rate.shouldSample(ctx, traceId);
  }
  toString() { return `RateLimited{${this._perSecond}/s, then ${this._rate._ratio}}`; }
}

export class ParentBasedSampler {
  constructor(config = {}) {
    this._root = config.root ?? new AlwaysOnSampler();
    const on = new AlwaysOnSampler();
    const off = new AlwaysOffSampler();
    this._delegates = [config.remoteParentSampled ?? on, config.remoteParentNotSampled ?? off, config.localParentSampled ?? on, config.localParentNotSampled ?? off];
  }
  // Named parameters, not a rest array: this runs for every span started.
  shouldSample(ctx, traceId, name, kind, attributes, links) {
    const parent = trace.getSpanContext(ctx);
    // An X-Ray parent that left the decision to us (Sampled=?) is sampled as a root.
    const delegate = !parent || parent.deferred || !isSpanContextValid(parent)
      ? this._root
      : this._delegates[(parent.isRemote ? 0 : 2) + (parent.traceFlags & 1 ? 0 : 1)];
    return delegate.shouldSample(ctx, traceId, name, kind, attributes, links);
  }
  toString() { return `ParentBased{root=${this._root}}`; }
}
