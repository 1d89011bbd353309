// The bridge to the WebAssembly core: loading it, the diagnostic logger, ids,
// time, and the compact records in which ended spans cross over, a batch at a time.
import initWasm, * as wasm from "./wasmtrace_core.js";

export { wasm };
export const VERSION = "0.1.0";

// The page's own fetch, taken when this module is first evaluated, before any
// instrumentation can wrap it: export requests are never traced.
export const nativeFetch = typeof fetch === "function" ? fetch.bind(globalThis) : undefined;

let loading = null;
let ready = false;
let exports = null;

/** Loads the WebAssembly module; await it once before creating anything. */
export function init(moduleOrPath) {
  loading ??= initWasm(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath }).then((instance) => {
    exports = instance;
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

let pool = "";
let at = 0;

/** `n` random hex digits from `crypto.getRandomValues`, via a pool filled in WebAssembly. */
export function randomHex(n) {
  if (at + n > pool.length) {
    pool = wasm.random_hex(1024);
    at = 0;
  }
  return pool.slice(at, (at += n));
}

let second = -1;
let secondHex = "";
/** X-Ray form: 8 hex digits of the epoch seconds, then 24 random. */
export function xrayTraceId() {
  const now = Math.floor(Date.now() / 1000);
  if (now !== second) {
    second = now;
    secondHex = now.toString(16).padStart(8, "0");
  }
  return secondHex + randomHex(24);
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
  if (typeof time === "number") return time < performance.timeOrigin ? time : time - performance.timeOrigin;
  if (time instanceof Date) return time.getTime() - performance.timeOrigin;
  if (Array.isArray(time)) return time[0] * 1e3 + time[1] / 1e6 - performance.timeOrigin;
  return performance.now();
}

// ---- the record format (src/core/record.rs) --------------------------------

const utf8 = new TextEncoder();

/**
 * Encodes `count` queued spans (`queue` holds scope, record, start, end per
 * span) into one request body in WebAssembly: the records go in with one
 * `encodeInto` straight into linear memory, their numbers through a
 * Float64Array over it. With `room` > 0 the body is gzip and holds as many
 * leading spans as fit; `wasm.last_batch_spans()` says how many.
 */
export function encodeBatch(provider, protobuf, queue, count, room) {
  let text = "";
  for (let i = 0; i < count; i++) text += str(queue[i * 4 + 1]);
  // Both buffers first: sizing one may grow memory and detach views of the other.
  const recordPtr = wasm.record_buffer(text.length * 3);
  const metaPtr = wasm.meta_buffer(count * 3);
  const buffer = exports.memory.buffer;
  const meta = new Float64Array(buffer, metaPtr, count * 3);
  for (let i = 0; i < count; i++) {
    meta[i * 3] = queue[i * 4];
    meta[i * 3 + 1] = queue[i * 4 + 2];
    meta[i * 3 + 2] = queue[i * 4 + 3];
  }
  const length = utf8.encodeInto(text, new Uint8Array(buffer, recordPtr, text.length * 3)).written;
  return wasm.encode_batch(provider, protobuf, count, length, room);
}

export const str = (s) => s.length + ":" + s;

const bitsView = new DataView(new ArrayBuffer(8));
const hex8 = (n) => n.toString(16).padStart(8, "0");
/** The IEEE bits of a double, as 16 hex digits (protobuf writes them). */
function doubleBits(value) {
  bitsView.setFloat64(0, value);
  return hex8(bitsView.getUint32(0)) + hex8(bitsView.getUint32(4));
}

/** Packs a valid attribute value, or "" for an invalid one (ignored, as OpenTelemetry JS does). */
export function packValue(value, nested) {
  switch (typeof value) {
    case "string":
      return "s" + str(value);
    case "boolean":
      return value ? "b1" : "b0";
    case "number":
      return Number.isSafeInteger(value) ? "i" + str(String(value)) : "d" + str(String(value)) + doubleBits(value);
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

/** Attributes as `A`-tagged sections (a span's own, or a resource's). */
export function packAttributes(attributes) {
  let out = "";
  for (const key in attributes) {
    const packed = packValue(attributes[key], false);
    if (packed) out += "A" + str(key) + packed;
  }
  return out;
}

/** Attributes as a counted list (an event's or a link's), at most `limit`. */
export function packAttributeList(attributes, limit) {
  let out = "";
  let count = 0;
  for (const key in attributes) {
    if (count === limit) break;
    const packed = packValue(attributes[key], false);
    if (packed) {
      out += str(key) + packed;
      count++;
    }
  }
  return count + ":" + out;
}
