// The facade's samplers (js/samplers.js), in plain Node: the ratio rule
// against the vectors the Rust API's sampler is held to as well, ParentBased's
// delegates, and X-Ray's rate-limited rule. A custom sampler in a real
// provider is in sdk.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, RateLimitedSampler, TraceIdRatioBasedSampler } from "../js/samplers.js";
import { ROOT_CONTEXT, SamplingDecision, trace } from "../js/api.js";

const { RECORD_AND_SAMPLED, NOT_RECORD } = SamplingDecision;
const sampled = (sampler, ctx, traceId) => sampler.shouldSample(ctx, traceId, "name", 0, {}, []).decision === RECORD_AND_SAMPLED;

test("TraceIdRatioBased gives the decisions of the shared vectors, at and beside each bound", () => {
  const { cases } = JSON.parse(readFileSync(new URL("../tests/vectors/ratio-sampling.json", import.meta.url)));
  assert.ok(cases.length >= 10);
  for (const [ratio, traceId, expected] of cases) {
    assert.equal(sampled(new TraceIdRatioBasedSampler(ratio), ROOT_CONTEXT, traceId), expected, `${ratio} ${traceId}`);
  }
});

test("TraceIdRatioBased samples about its share of random ids, and clamps what is out of range", () => {
  let state = 12345;
  const hex = () => {
    let id = "";
    for (let i = 0; i < 32; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      id += (state >>> 27).toString(16).slice(-1);
    }
    return id;
  };
  const ids = Array.from({ length: 20000 }, hex);
  for (const ratio of [0.1, 0.5, 0.9]) {
    const share = ids.filter((id) => sampled(new TraceIdRatioBasedSampler(ratio), ROOT_CONTEXT, id)).length / ids.length;
    assert.ok(Math.abs(share - ratio) < 0.02, `${ratio}: ${share}`);
  }
  assert.ok(ids.every((id) => sampled(new TraceIdRatioBasedSampler(7), ROOT_CONTEXT, id)));
  assert.ok(ids.every((id) => !sampled(new TraceIdRatioBasedSampler(-1), ROOT_CONTEXT, id)));
  assert.ok(ids.every((id) => !sampled(new TraceIdRatioBasedSampler(NaN), ROOT_CONTEXT, id)));
  assert.equal(String(new TraceIdRatioBasedSampler(0.25)), "TraceIdRatioBased{0.25}");
});

test("ParentBased asks the delegate for the parent's kind; a deferred or invalid parent is a root", () => {
  const id = "5759e988bd862e3fbd862e3f5759e988";
  const parent = (extra) => trace.setSpanContext(ROOT_CONTEXT, { traceId: id, spanId: "53995c3f42cd8ad8", traceFlags: 1, isRemote: false, ...extra });
  const asked = [];
  const named = (name, answer) => ({ shouldSample: (ctx, traceId, spanName) => (asked.push([name, traceId, spanName]), { decision: answer }) });
  const sampler = new ParentBasedSampler({
    root: named("root", RECORD_AND_SAMPLED),
    remoteParentSampled: named("remote sampled", NOT_RECORD),
    remoteParentNotSampled: named("remote not sampled", RECORD_AND_SAMPLED),
    localParentSampled: named("local sampled", NOT_RECORD),
    localParentNotSampled: named("local not sampled", RECORD_AND_SAMPLED),
  });
  const cases = [
    [ROOT_CONTEXT, "root", true],
    [parent({ isRemote: true }), "remote sampled", false],
    [parent({ isRemote: true, traceFlags: 0 }), "remote not sampled", true],
    [parent({}), "local sampled", false],
    [parent({ traceFlags: 0 }), "local not sampled", true],
    [parent({ isRemote: true, deferred: true }), "root", true],
    [parent({ spanId: "0000000000000000" }), "root", true],
  ];
  for (const [ctx, delegate, expected] of cases) {
    asked.length = 0;
    assert.equal(sampled(sampler, ctx, id), expected, delegate);
    assert.deepEqual(asked, [[delegate, id, "name"]]);
  }
  // The defaults follow the parent's decision; a root is sampled.
  const byDefault = new ParentBasedSampler({ root: new AlwaysOffSampler() });
  assert.equal(sampled(byDefault, ROOT_CONTEXT, id), false);
  assert.equal(sampled(byDefault, parent({ isRemote: true }), id), true);
  assert.equal(sampled(byDefault, parent({ isRemote: true, traceFlags: 0 }), id), false);
  assert.equal(sampled(byDefault, parent({}), id), true);
  assert.equal(sampled(byDefault, parent({ traceFlags: 0 }), id), false);
  assert.equal(String(byDefault), "ParentBased{root=AlwaysOffSampler}");
  assert.equal(sampled(new AlwaysOnSampler(), ROOT_CONTEXT, id), true);
});

test("RateLimited takes its reservoir each second, then its fixed rate", (t) => {
  let now = 1_700_000_000_000;
  t.mock.method(Date, "now", () => now);
  const never = "5759e988bd862e3fffffffffffffffff"; // above any rate below 1
  const sampler = new RateLimitedSampler({ reservoirPerSecond: 2, fixedRate: 0.5 });
  const decisions = () => Array.from({ length: 4 }, () => sampled(sampler, ROOT_CONTEXT, never));
  assert.deepEqual(decisions(), [true, true, false, false]);
  now += 400;
  assert.deepEqual(decisions(), [false, false, false, false]);
  now += 600; // the next second
  assert.deepEqual(decisions(), [true, true, false, false]);
  // Past the reservoir, the ratio rule decides.
  assert.equal(sampled(sampler, ROOT_CONTEXT, "5759e988bd862e3f0000000000000001"), true);
  const byDefault = new RateLimitedSampler();
  assert.equal(String(byDefault), "RateLimited{1/s, then 0.05}");
  assert.deepEqual([sampled(byDefault, ROOT_CONTEXT, never), sampled(byDefault, ROOT_CONTEXT, never)], [true, false]);
});
