// The W3C headers, parsed (and baggage written) by the facade
// (js/propagators.js): the specifications' examples, malformed input,
// limits, and round trips of random values. Plain Node: these formats need
// no browser and no WebAssembly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBaggage, formatBaggage, parseTraceparent, parseTracestate, W3CBaggagePropagator, W3CTraceContextPropagator } from "../js/propagators.js";
import { propagation, trace, ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter } from "../js/api.js";

// A seeded generator, so a failure can be replayed.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";

function randomText(next, max, pick) {
  let text = "";
  for (let n = Math.floor(next() * (max + 1)); n > 0; n--) text += pick(next);
  return text;
}
// Any Unicode scalar value: controls, separators, "%", astral characters.
const anyScalar = (next) => {
  const roll = next();
  if (roll < 0.3) return String.fromCharCode(Math.floor(next() * 0x80));
  if (roll < 0.6) return ",;=% \t\"\\"[Math.floor(next() * 8)];
  const code = Math.floor(next() * 0x10ffff);
  return code >= 0xd800 && code <= 0xdfff ? "\u00e9" : String.fromCodePoint(code);
};

test("baggage: values are percent-decoded, metadata kept, malformed members skipped", () => {
  const entries = parseBaggage("userId=alice, serverNode = DF%2028 ;prop1;p2=x,bad key=1,noequals,isProduction=false,broken=%zz,=nokey");
  assert.deepEqual(entries, [
    ["userId", "alice", ""],
    ["serverNode", "DF 28", "prop1;p2=x"],
    ["isProduction", "false", ""],
  ]);
  assert.equal(formatBaggage(entries), "userId=alice,serverNode=DF%2028;prop1;p2=x,isProduction=false");
});

test("baggage: a value that decodes to bytes that are not UTF-8 is skipped", () => {
  // é; an overlong NUL; a surrogate; past U+10FFFF; cut short; a lone continuation byte.
  const entries = parseBaggage("a=%C3%A9,b=%C0%80,c=%ED%A0%80,d=%F4%90%80%80,e=%E2%82,f=%80,g=caf%C3%A9%20%E2%82%AC%20%F0%9F%98%80");
  assert.deepEqual(entries, [["a", "\u00e9", ""], ["g", "caf\u00e9 \u20ac \u{1f600}", ""]]);
});

test("baggage: at most 180 members and 8192 bytes", () => {
  const many = Array.from({ length: 300 }, (_, i) => [`k${i}`, "v", ""]);
  const header = formatBaggage(many);
  assert.equal(header.split(",").length, 180);
  assert.equal(parseBaggage(header + ",more=1").length, 180);
  assert.equal(formatBaggage([["k", "x".repeat(9000), ""]]), "");
  assert.deepEqual(parseBaggage("k=" + "x".repeat(8191)), []);
  // Members that fit are kept, up to the one that does not.
  const long = Array.from({ length: 10 }, (_, i) => [`k${i}`, "x".repeat(1000), ""]);
  assert.equal(formatBaggage(long).split(",").length, 8);
});

test("baggage: invalid keys are not written, and a lone surrogate skips only its member", () => {
  assert.equal(formatBaggage([["bad key", "1", ""], ["ok", "\ud800", ""], ["fine", "a,b;c=d%", ""]]), "fine=a%2Cb%3Bc%3Dd%25");
});

test("baggage: random entries round-trip through the header", () => {
  const next = random(20261127);
  for (let run = 0; run < 2000; run++) {
    const entries = [];
    const keys = new Set();
    for (let n = Math.floor(next() * 8); n > 0; n--) {
      const key = randomText(next, 12, (r) => TOKEN_CHARS[Math.floor(r() * TOKEN_CHARS.length)]) || "k";
      if (keys.has(key)) continue;
      keys.add(key);
      entries.push([key, randomText(next, 20, anyScalar), ""]);
    }
    const header = formatBaggage(entries);
    assert.deepEqual(parseBaggage(header), entries, header);
    assert.match(header, /^[\x21-\x7e]*$/, "a header is visible ASCII");
  }
});

test("baggage: no header, however malformed, throws", () => {
  const next = random(7);
  for (let run = 0; run < 5000; run++) {
    const header = randomText(next, 200, (r) => (r() < 0.05 ? "\ud800" : anyScalar(r)));
    for (const [key, value] of parseBaggage(header)) {
      assert.match(key, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
      assert.equal(typeof value, "string");
    }
  }
});

test("baggage: the propagator injects and extracts through a carrier, metadata included", () => {
  const propagator = new W3CBaggagePropagator();
  const baggage = propagation.createBaggage({ user: { value: "ada lovelace" }, tier: { value: "gold", metadata: { toString: () => "ttl=60" } } });
  const carrier = {};
  propagator.inject(propagation.setBaggage(ROOT_CONTEXT, baggage), carrier, defaultTextMapSetter);
  assert.deepEqual(carrier, { baggage: "user=ada%20lovelace,tier=gold;ttl=60" });
  const back = propagation.getBaggage(propagator.extract(ROOT_CONTEXT, { Baggage: [carrier.baggage, "extra=1"] }, defaultTextMapGetter));
  assert.equal(back.getEntry("user").value, "ada lovelace");
  assert.equal(back.getEntry("tier").metadata.toString(), "ttl=60");
  assert.equal(back.getEntry("extra").value, "1");
  assert.equal(propagator.extract(ROOT_CONTEXT, { baggage: "%%%" }, defaultTextMapGetter), ROOT_CONTEXT);
});

const GOOD = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

test("traceparent: the specification's example, sampled or not, with optional whitespace", () => {
  assert.deepEqual(parseTraceparent(GOOD), ["4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true]);
  assert.deepEqual(parseTraceparent(" \t" + GOOD.replace(/01$/, "00") + " "), ["4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", false]);
  // Only the sampled bit counts.
  assert.equal(parseTraceparent(GOOD.replace(/01$/, "fe"))[2], false);
});

test("traceparent: a later version may carry more fields after a dash", () => {
  assert.ok(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
  assert.equal(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"), undefined);
});

test("traceparent: malformed headers are ignored", () => {
  for (const bad of [
    "",
    "garbage",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
    "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-011",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
    "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  ]) {
    assert.equal(parseTraceparent(bad), undefined, bad);
  }
});

test("traceparent: random ids round-trip through inject and extract; random text never throws", () => {
  const next = random(55);
  const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(next() * 16)]).join("");
  const propagator = new W3CTraceContextPropagator();
  for (let run = 0; run < 1000; run++) {
    const sc = { traceId: hex(32), spanId: hex(16), traceFlags: next() < 0.5 ? 1 : 0, isRemote: true };
    const carrier = {};
    propagator.inject(trace.setSpanContext(ROOT_CONTEXT, sc), carrier, defaultTextMapSetter);
    const back = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
    assert.deepEqual([back.traceId, back.spanId, back.traceFlags], [sc.traceId, sc.spanId, sc.traceFlags]);
    const noise = randomText(next, 80, (r) => (r() < 0.7 ? "0123456789abcdef-"[Math.floor(r() * 17)] : anyScalar(r)));
    const parsed = parseTraceparent(noise);
    if (parsed) assert.match(noise, /^[ \t]*[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/);
  }
});

test("tracestate: valid members are kept, spacing and empty members normalized", () => {
  assert.equal(parseTracestate("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  assert.equal(parseTracestate("tenant@vendor=x,,a=1\t"), "tenant@vendor=x,a=1");
  assert.equal(parseTracestate("1tenant@v=x, a_*/-9=  spaces inside~"), "1tenant@v=x,a_*/-9=  spaces inside~");
  assert.equal(parseTracestate(""), "");
  const max = Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(",");
  assert.equal(parseTracestate(max), max);
});

test("tracestate: a header with any invalid member is dropped whole", () => {
  for (const bad of ["novalue", "UPPER=1", "a=1,a=2", "a=b=c", "a=", "@x=1", "a=\u007f", "a=caf\u00e9", "1abc=x", "a@=1", "a@B=1", "a=" + "v".repeat(257), "k" + "x".repeat(256) + "=1"]) {
    assert.equal(parseTracestate(bad), undefined, bad);
  }
  assert.equal(parseTracestate(Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(",")), undefined);
});

test("tracestate: extracted with its traceparent, injected back as it came", () => {
  const propagator = new W3CTraceContextPropagator();
  const ctx = propagator.extract(ROOT_CONTEXT, { traceparent: GOOD, tracestate: "rojo=1 , congo=2" }, defaultTextMapGetter);
  const carrier = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  assert.deepEqual(carrier, { traceparent: GOOD, tracestate: "rojo=1,congo=2" });
  const invalid = propagator.extract(ROOT_CONTEXT, { traceparent: GOOD, tracestate: "BAD=1" }, defaultTextMapGetter);
  assert.equal(trace.getSpanContext(invalid).traceState, undefined);
});
