// W3C baggage, parsed and written by the facade (js/propagators.js): the
// specification's examples, malformed members, limits, and round trips of
// random entries. Plain Node: the format needs no browser and no WebAssembly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBaggage, formatBaggage, W3CBaggagePropagator } from "../js/propagators.js";
import { propagation, ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter } from "../js/api.js";

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
