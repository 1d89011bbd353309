// The bridge to the WebAssembly core: loading it, the diagnostic logger, ids,
// time, and the compact records in which ended spans cross over, a batch at a time.
import initWasm, * as wasm from "./wasm.js";

export { wasm };
export const VERSION = "0.1.0";

// The page's own fetch, taken when this module is first evaluated, before any
// instrumentation can wrap it: export requests are never traced.
export const nativeFetch = typeof fetch === "function" ? fetch.bind(globalThis) : undefined;

// Constant for the page's life; read once (each read crosses into the DOM).
const TIME_ORIGIN = typeof performance === "object" ? performance.timeOrigin : 0;

let loading = null;
let ready = false;

/** Loads the WebAssembly module; await it once before creating anything. */
export function init(moduleOrPath) {
  loading ??= initWasm(moduleOrPath).then((instance) => {
    wasm.set_time_origin(performance.timeOrigin);
    ready = true;
    checkClock();
    return instance;
  });
  return loading;
}

export function requireReady(what) {
  if (!ready) throw new Error(`wasmtrace: await init() before creating ${what}`);
}

// ---- diagnostics -----------------------------------------------------------

export const DiagLogLevel = Object.freeze({ NONE: 0, ERROR: 30, WARN: 50, INFO: 60, DEBUG: 70, VERBOSE: 80, ALL: 9999 });

export class DiagConsoleLogger {
  error(...a) { console.error(...a); }
  warn(...a) { console.warn(...a); }
  info(...a) { console.info(...a); }
  debug(...a) { console.debug(...a); }
  verbose(...a) { console.debug(...a); }
}

let logger = null;
let level = DiagLogLevel.NONE;
const log = (min, method) => (...a) => { if (logger && level >= min) logger[method]("wasmtrace:", ...a); };

/** OpenTelemetry's `diag`: silent until a logger is set. */
export const diag = {
  setLogger(newLogger, options = DiagLogLevel.INFO) {
    logger = newLogger ?? null;
    level = typeof options === "number" ? options : options?.logLevel ?? DiagLogLevel.INFO;
    return true;
  },
  disable() { logger = null; level = DiagLogLevel.NONE; },
  error: log(DiagLogLevel.ERROR, "error"),
  warn: log(DiagLogLevel.WARN, "warn"),
  info: log(DiagLogLevel.INFO, "info"),
  debug: log(DiagLogLevel.DEBUG, "debug"),
  verbose: log(DiagLogLevel.VERBOSE, "verbose"),
};

/** X-Ray refuses trace ids whose time is more than minutes off; say so early. */
function checkClock() {
  const wall = Date.now();
  const skew = Math.abs(performance.timeOrigin + performance.now() - wall);
  if (wall < Date.UTC(2020, 0, 1) || skew > 5 * 60e3) {
    diag.warn(`this page's clock looks wrong (Date.now() = ${new Date(wall).toISOString()}, ${Math.round(skew / 1e3)} s from the performance clock); X-Ray rejects trace ids whose time is far from now`);
  }
}

// ---- ids -------------------------------------------------------------------

// Ids are sliced from a pool of hex digits made from crypto.getRandomValues
// 4 KiB at a time: one refill serves about two hundred spans.
const POOL_BYTES = 4096;
const utf8 = new TextEncoder();
const HEX = utf8.encode("0123456789abcdef");
const randomBytes = new Uint8Array(POOL_BYTES);
const hexBytes = new Uint8Array(POOL_BYTES * 2);
const hexText = new TextDecoder("latin1"); // the digits are ASCII: no UTF-8 checks
let pool = "";
let at = 0;

// A byte's two digits as one 16-bit store (little-endian, as every browser
// runs): half the stores and lookups of a digit at a time.
const HEX_PAIRS = new Uint16Array(256);
for (let b = 0; b < 256; b++) HEX_PAIRS[b] = HEX[b >> 4] | (HEX[b & 15] << 8);

/** Fills `hex` (at an even offset) with the digits of fresh random bytes (`random`, half its length). */
function fillHex(random, hex) {
  crypto.getRandomValues(random);
  const pairs = new Uint16Array(hex.buffer, hex.byteOffset, random.length);
  for (let i = 0; i < random.length; i++) pairs[i] = HEX_PAIRS[random[i]];
}

/** `n` random hex digits (at most 8192) from `crypto.getRandomValues`. */
export function randomHex(n) {
  if (at + n > pool.length) {
    fillHex(randomBytes, hexBytes);
    pool = hexText.decode(hexBytes);
    at = 0;
  }
  return pool.slice(at, (at += n));
}

// X-Ray trace ids come from a pool of their own, 8 digits of the epoch
// seconds then 24 random, made anew when the pool runs out or the second
// changes. Slices of one string are flat; joining the time to random digits
// would make a two-part string, which every record write must flatten first.
// A refill makes 16 ids, twice as many as the last one when the same second
// needs more (up to 512): a page that starts a trace now and then makes few
// ids it throws away, a burst of spans few refills.
const XRAY_IDS_MIN = 16;
const XRAY_IDS_MAX = 512;
const xrayRandom = new Uint8Array(XRAY_IDS_MAX * 16);
const xrayHex = new Uint8Array(XRAY_IDS_MAX * 32);
let xrayPool = "";
let xrayAt = 0;
let xraySecond = -1;
let xrayIds = XRAY_IDS_MIN;
/**
 * X-Ray form: 8 hex digits of the epoch seconds, then 24 random. The time is
 * `ms` (the span's start, relative to the time origin) when given: one clock
 * read a span, not two.
 */
export function xrayTraceId(ms = performance.now()) {
  const now = Math.floor((TIME_ORIGIN + ms) / 1000);
  if (now !== xraySecond || xrayAt === xrayPool.length) {
    xrayIds = now === xraySecond ? Math.min(xrayIds * 2, XRAY_IDS_MAX) : XRAY_IDS_MIN;
    xraySecond = now;
    const time = utf8.encode(now.toString(16).padStart(8, "0"));
    const hex = xrayHex.subarray(0, xrayIds * 32);
    fillHex(xrayRandom.subarray(0, xrayIds * 16), hex);
    for (let id = 0; id < xrayIds; id++) hex.set(time, id * 32);
    xrayPool = hexText.decode(hex);
    xrayAt = 0;
  }
  return xrayPool.slice(xrayAt, (xrayAt += 32));
}

export function spanId() {
  let id = randomHex(16);
  while (id === "0000000000000000") id = randomHex(16);
  return id;
}

export const INVALID_TRACE_ID = "00000000000000000000000000000000";
export const INVALID_SPAN_ID = "0000000000000000";
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
export const isValidTraceId = (id) => HEX32.test(id) && id !== INVALID_TRACE_ID;
export const isValidSpanId = (id) => HEX16.test(id) && id !== INVALID_SPAN_ID;

// ---- time ------------------------------------------------------------------

/** Milliseconds relative to `performance.timeOrigin`, from any OpenTelemetry TimeInput. */
export function relativeMillis(time) {
  if (time === undefined) return performance.now();
  if (typeof time === "number") return time < TIME_ORIGIN ? time : time - TIME_ORIGIN;
  if (time instanceof Date) return time.getTime() - TIME_ORIGIN;
  if (Array.isArray(time)) return time[0] * 1e3 + time[1] / 1e6 - TIME_ORIGIN;
  return performance.now();
}

// ---- the record format (src/core/record.rs) --------------------------------

/** An empty attribute set, shared. */
export const EMPTY = Object.freeze({});

// Records are written into this scratch buffer, then copied into linear
// memory in one piece: no string is built per span and nothing is
// allocated per field.
let bytes = new Uint8Array(1 << 16);
let view = new DataView(bytes.buffer);
let pos = 0;

function room(n) {
  if (pos + n > bytes.length) {
    const bigger = new Uint8Array(Math.max(bytes.length * 2, pos + n));
    bigger.set(bytes.subarray(0, pos));
    bytes = bigger;
    view = new DataView(bytes.buffer);
  }
}
const u8 = (n) => {
  room(1);
  bytes[pos++] = n;
};
const u32 = (n) => {
  room(4);
  view.setUint32(pos, n, true);
  pos += 4;
};
const f64 = (n) => {
  room(8);
  view.setFloat64(pos, n, true);
  pos += 8;
};
/** Hex ids: ASCII of a known length, no prefix. */
function ascii(s) {
  const n = s.length;
  room(n);
  // Locals, not the module's bindings, in the loop: 3% of encoding 10,000 spans.
  const b = bytes;
  let p = pos;
  for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
  pos = p;
}
// A record's strings come in the same order from span to span (the name,
// the same attribute keys, often the same values): the string at each place
// of the last record is kept with its offset, and the same text again is
// written as a reference to it (record.rs), four bytes in place of its text.
const EARLIER = 0x80000000;
const PLACES = 128;
let place = 0; // the place of the next string in the current record
let lastText = [];
let lastAt = [];

/** A string: its UTF-8 length (u32), then its UTF-8, copied by hand while it is ASCII; or a reference to the same text written earlier. */
function text(s) {
  const k = place++;
  if (lastText[k] === s) return u32(EARLIER + lastAt[k]);
  if (k < PLACES) {
    lastText[k] = s;
    lastAt[k] = pos;
  }
  const n = s.length;
  room(n * 3 + 4);
  const start = pos;
  let p = pos + 4;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) break;
    bytes[p++] = c;
  }
  if (i < n) p += utf8.encodeInto(s.slice(i), bytes.subarray(p)).written;
  view.setUint32(start, p - start - 4, true);
  pos = p;
}

/** Writes a valid attribute value; an invalid one writes nothing and gives false (ignored, as OpenTelemetry JS does). */
function value(v, nested) {
  switch (typeof v) {
    case "string":
      u8(115); // s
      text(v);
      return true;
    case "boolean":
      u8(98); // b
      u8(v ? 1 : 0);
      return true;
    case "number":
      if (Number.isSafeInteger(v)) {
        u8(105); // i
      } else {
        u8(100); // d: JavaScript's shortest text (JSON's), then the IEEE value (protobuf's)
        text(String(v));
      }
      f64(v);
      return true;
    case "object":
      if (!nested && Array.isArray(v)) {
        u8(97); // a
        const at = pos;
        u32(0);
        let count = 0;
        for (const item of v) if (item != null && value(item, true)) count++;
        view.setUint32(at, count, true);
        return true;
      }
  }
  return false;
}

/** `A` key value sections from a flat [key, value, …] list: a span's own attributes, or a resource's. */
function attributeSections(attributes) {
  for (let i = 0; i < attributes.length; i += 2) {
    const mark = pos;
    const placeMark = place;
    u8(65); // A
    text(attributes[i]);
    if (!value(attributes[i + 1], false)) undo(mark, placeMark);
  }
}

/** Takes back what was written since `mark`, and the strings kept from it. */
function undo(mark, placeMark) {
  pos = mark;
  for (; place > placeMark; place--) lastText[place - 1] = undefined;
}

/** A counted list of at most `limit` attributes (an event's or a link's). */
function attributeList(attributes, limit) {
  const at = pos;
  u32(0);
  let count = 0;
  for (const key in attributes) {
    if (count === limit) break;
    const mark = pos;
    const placeMark = place;
    text(key);
    if (value(attributes[key], false)) count++;
    else undo(mark, placeMark);
  }
  view.setUint32(at, count, true);
}

/** One ended span's record, prefixed by its length. */
function writeSpan(span) {
  const start = pos;
  place = 0;
  u32(0);
  const sc = span._spanContext;
  const limits = span._limits;
  ascii(sc.traceId);
  ascii(sc.spanId);
  ascii(span._parentSpanId || "0000000000000000");
  u8(span._kind);
  text(span._name);
  attributeSections(span._attributes);
  for (const [name, offsetNs, attributes] of span._events) {
    u8(69); // E
    text(name);
    f64(offsetNs);
    attributeList(attributes, limits.attributePerEventCountLimit);
  }
  // Timing events not yet made into events (Span._addTimes), after the
  // others as if added last, within the same count limit.
  let droppedTimes = 0;
  if (span._times) {
    const [names, times] = span._times;
    let room = limits.eventCountLimit - span._events.length;
    for (let i = 0; i < names.length; i++) {
      if (!(times[i] > 0)) continue;
      if (room-- <= 0) {
        droppedTimes++;
        continue;
      }
      u8(69); // E
      text(names[i]);
      f64(Math.round((times[i] - span._start) * 1e6));
      u32(0);
    }
  }
  for (const [link, state] of span._links) {
    u8(76); // L
    ascii(link.context.traceId);
    ascii(link.context.spanId);
    text(state);
    attributeList(link.attributes ?? EMPTY, limits.attributePerLinkCountLimit);
  }
  const state = sc.traceState?.serialize?.();
  if (state) {
    u8(84); // T
    text(state);
  }
  if (span._status) {
    u8(33); // !
    u8(span._status);
    text(span._statusMessage);
  }
  const dropped = span._dropped ?? (droppedTimes ? [0, 0, 0] : null);
  if (dropped) {
    u8(68); // D
    u32(dropped[0]);
    u32(dropped[1] + droppedTimes);
    u32(dropped[2]);
  }
  view.setUint32(start, pos - start - 4, true);
}


/** A resource's attributes in the record format, for `provider_new`. */
export function packAttributes(attributes) {
  startBatch();
  attributeSections(Object.entries(attributes).flat());
  const packed = bytes.slice(0, pos);
  startBatch(); // its strings are not in the next batch
  return packed;
}

/** Empties the scratch buffer: no string of the last batch can be referred to. */
function startBatch() {
  pos = 0;
  place = 0;
  lastText = [];
  lastAt = [];
}

/**
 * Encodes the first `count` ended spans of `queue` into one request body in
 * WebAssembly: their records go into linear memory in one copy, their
 * numbers (scope, start, end) after them through a Float64Array. With `room` > 0
 * the body is gzip and holds as many leading spans as fit;
 * `wasm.last_batch_spans()` says how many.
 */
export function encodeBatch(provider, protobuf, queue, count, room) {
  startBatch();
  for (let i = 0; i < count; i++) writeSpan(queue[i]);
  const length = pos;
  // The numbers follow the records at the next multiple of 8, in the same
  // buffer (its address is a multiple of 8 too).
  const metaAt = (length + 7) & ~7;
  const at = wasm.input_buffer(metaAt + count * 24);
  const buffer = wasm.memory_buffer();
  new Uint8Array(buffer, at, length).set(bytes.subarray(0, length));
  const meta = new Float64Array(buffer, at + metaAt, count * 3);
  for (let i = 0; i < count; i++) {
    const span = queue[i];
    meta[i * 3] = span._tracer._scope;
    meta[i * 3 + 1] = span._start;
    meta[i * 3 + 2] = span._end;
  }
  // A big batch's scratch space is not kept for the small ones after it.
  if (bytes.length > 1 << 22) {
    bytes = new Uint8Array(1 << 16);
    view = new DataView(bytes.buffer);
  }
  return wasm.encode_batch(provider, protobuf, count, length, room);
}
