// FetchInstrumentation: a CLIENT span per fetch() call. Trace headers go on a
// copy of the request's headers (the app's init, Headers and Request objects
// are never changed); the app gets the same response object, the same errors
// and the same abort behaviour, and the body is never read, cloned or held.
import { context } from "./api.js";
import { InstrumentationBase, report } from "./instrumentation.js";
import { startRequest, sent, inject, failed, arrived, needsPreflight } from "./http.js";

export class FetchInstrumentation extends InstrumentationBase {
  constructor(config) { super("fetch", config); }
  _patch(on) {
    if (typeof fetch === "function") this._swap(globalThis, "fetch", on, (o) => wrap(this, o));
  }
}

// A header the app set itself is left as it was.
const keep = (headers, key, value) => headers.has(key) || headers.set(key, value);
function keepInRecord(record, key, value) {
  for (const k in record) if (k.toLowerCase() === key) return;
  record[key] = value;
}

const isPlain = (object) => {
  const proto = object == null ? null : Object.getPrototypeOf(object);
  return proto === null || proto === Object.prototype;
};

function wrap(inst, originals) {
  return function fetch(input) {
    const original = originals.fetch;
    let item;
    if (inst._on && arguments.length) try { item = prepare(inst, input, arguments[1]); } catch (e) { report(e); }
    if (!item) return original.apply(this, arguments);
    const init = item.n;
    let promise;
    try {
      item.t = performance.now();
      promise = context.with(item.ctx, original, this, input, init);
    } catch (error) {
      sent(item);
      end(item, error, init);
      throw error;
    }
    sent(item);
    if (typeof promise?.then !== "function") return promise;
    // A new promise with the same outcome: ours handles the original, the
    // app's rejection stays unhandled if the app leaves it so.
    return promise.then(
      (response) => {
        try { arrived(item, response); } catch (e) { report(e); }
        return response;
      },
      (error) => {
        end(item, error, init);
        throw error;
      },
    );
  };
}

function end(item, error, init) {
  try { failed(item, error?.name ?? "_OTHER", error?.message, init, error); } catch (e) { report(e); }
}

function prepare(inst, input, init) {
  const request = input instanceof Request ? input : undefined;
  const config = inst._config;
  // A plain init is stood in for by one inheriting from it (fetch reads the
  // same members) with a copy of the headers; another object (a Request, a
  // class with private fields) goes as it is, without trace headers.
  let headers, ours, record;
  if (isPlain(init)) {
    // What fetch would send: init's headers, else the Request's.
    const given = init?.headers !== undefined ? init.headers : request?.headers;
    // Headers given as a plain object (or none) stay a plain object, which
    // fetch reads faster than a Headers object; the hooks, when set, are
    // given a Headers object, as always.
    record = (given === undefined || (given !== null && typeof given === "object" && isPlain(given))) && !config.requestHook && !config.applyCustomAttributesOnSpan;
    try {
      // Headers fetch refuses are the app's mistake, for fetch to report.
      headers = record ? { ...given } : new Headers(given);
    } catch { return; }
    ours = Object.create(init ?? null);
    ours.headers = headers;
    if (request) {
      // A non-empty init resets these on a Request; keep the app's.
      if (ours.referrer === undefined) ours.referrer = request.referrer;
      if (ours.referrerPolicy === undefined) ours.referrerPolicy = request.referrerPolicy;
    }
  }
  const method = String(init?.method ?? request?.method ?? "GET");
  const item = startRequest(inst, method, request ? request.url : typeof input === "string" ? input : String(input), "fetch");
  if (!item) return;
  item.n = ours ?? init; // what fetch is given: ours with the trace headers, or the app's
  if (!ours) return item;
  try {
    if (item.j) inject(item.ctx, headers, record ? keepInRecord : keep);
  } catch (e) { report(e); }
  try {
    config.requestHook?.(item.s, ours);
  } catch (e) { report(e); }
  if (item.x && (init?.mode ?? request?.mode) !== "no-cors") {
    const sending = record ? Object.entries(headers).map(([n, v]) => [n.toLowerCase(), String(v).trim()]) : [...headers];
    item.p = needsPreflight(method.toUpperCase(), sending);
  }
  return item;
}
