// The life of a fetch or XHR span, shared by both instrumentations: the
// CLIENT span with the stable HTTP attributes, and its end. One
// PerformanceObserver matches resource-timing entries to requests by URL,
// start time and response time (however many run at once); the entry, which
// Chromium queues once the response is complete and read (or cancelled, or
// failed), gives the network events, a CORS preflight if one happened, and a
// fetch's end time. No timer per request (one shared sweep ends what waits
// too long) and no body is ever touched.
import { context, trace, propagation, SpanKind, SpanStatusCode, isTracingSuppressed } from "./api.js";
import { locate, pageSite, matches, addNetworkEvents, report } from "./instrumentation.js";

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "QUERY"];
const SIMPLE_METHOD = /^(GET|HEAD|POST)$/;
const SIMPLE_HEADER = /^(accept|accept-language|content-language)$/;
const SIMPLE_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\s*(;|$)/i;

/** Whether a request with these headers (name → value) needs a CORS preflight. */
export const needsPreflight = (method, headers) =>
  !SIMPLE_METHOD.test(method) || headers.some(([n, v]) => !SIMPLE_HEADER.test(n) && !(n === "content-type" && SIMPLE_TYPE.test(v)));

/**
 * Starts the span of a request about to be sent, unless it is not to be
 * traced (suppressed, ignored, an exporter's, no provider). Returns its
 * item, with the context to send it in (`ctx`) and whether trace headers
 * may go (`j`).
 */
export function startRequest(inst, method, raw, kind) {
  const tracer = inst._tracer();
  const ctx = context.active();
  if (!tracer || isTracingSuppressed(ctx)) return;
  let url, site, full;
  try { [url, site, full] = locate(raw); } catch { return; } // an invalid URL, for fetch to refuse
  if (!site) return; // data:, blob: never reach the network
  const config = inst._config;
  if (inst._isExporter(url) || matches(url, raw, config.ignoreUrls)) return;
  const upper = method.toUpperCase();
  const known = METHODS.includes(upper);
  // A ready list: the span takes it as it is (a sampler is given an object).
  const list = ["http.request.method", known ? upper : "_OTHER", "url.full", full || url, "server.address", site.host, "server.port", site.port];
  if (upper !== method || !known) list.push("http.request.method_original", method);
  const span = tracer.startSpan(known ? upper : "HTTP", { kind: SpanKind.CLIENT, _list: list }, ctx);
  const x = site !== pageSite(); // locate gives the page's own site for its origin
  // Every field from the start, so that all items share one shape. `t`, the
  // send's time, is set by the caller just before it (NaN matches nothing):
  // with requests to one URL started in a row, it is what tells their
  // entries apart.
  return { s: span, u: url, k: kind, t: NaN, x, i: inst, p: false, h: undefined, r: undefined, d: undefined, e: undefined, f: false, c: false, n: undefined, ctx: trace.setSpan(ctx, span), j: !x || matches(url, raw, config.propagateTraceHeaderCorsUrls) };
}

/**
 * The request is on its way (or about to be, for an XHR, whose events can
 * come during send): from now on its span waits for its response and
 * timing. A fetch calls this after the native call, which then starts sooner.
 */
export const sent = (item) => item.s.isRecording() && track(item);

export const inject = (ctx, carrier, set) => propagation.inject(ctx, carrier, { set });

// `a` and `b` are what applyCustomAttributesOnSpan is given after the span:
// (init, response or error) for a fetch, the XHR for an XHR.

/** The request failed (network error, abort, timeout): `type` is error.type. */
export function failed(item, type, message, a, b) {
  const span = item.s;
  span.setAttribute("error.type", type);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  done(item, a, b);
}

/** A response arrived: its status, error when ≥ 400. A fetch's `b` is its Response. */
export function responded(item, status, a, b) {
  const span = item.s;
  if (status) span.setAttribute("http.response.status_code", status);
  if (status >= 400) {
    span.setAttribute("error.type", String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  done(item, a, b);
}

function done(item, a, b) {
  const hook = item.i._config.applyCustomAttributesOnSpan;
  if (hook) try { b === undefined ? hook(item.s, a) : hook(item.s, a, b); } catch (e) { report(e); }
  // A fetch that got its headers ends when its body is complete, which its
  // resource-timing entry tells (Chromium queues it once the app has read the
  // body, cancelled it or let it go); anything else has ended now (a fetch's
  // headers came at `h`).
  if (!observer || !item.r) item.d = item.h ?? performance.now();
  settle(item);
}

// A fetch's response is handled with the next match, not as it comes: our
// handler runs before the app's, so the less it does, the sooner the app
// has its response. Until then the item holds it (`r`, weakly after).
let arrivals = [];

/** A fetch's response (its headers) came: noted now, handled a little later. */
export function arrived(item, response) {
  item.h = performance.now();
  item.r = response;
  arrivals.push(item);
  matchTimer ||= setTimeout(match, MATCH_AFTER_MS);
}

function handleArrivals() {
  const todo = arrivals;
  arrivals = [];
  for (const item of todo) {
    const response = item.r;
    // Weakly from now: to see whether the app reads it, without keeping it.
    item.r = Object(response) === response ? new WeakRef(response) : undefined;
    try { responded(item, response?.status, item.n, response); } catch (e) { report(e); }
    item.n = undefined; // the item waits for its entry: it must not keep a body
  }
}

// ---- matching resource timing entries to requests --------------------------

let observer;
const pending = []; // items in start order: few at a time, so a list
let timer = 0;

function track(item) {
  if (observer === undefined) {
    observer = null;
    try {
      if (PerformanceObserver.supportedEntryTypes.includes("resource")) {
        (observer = new PerformanceObserver(onEntries)).observe({ type: "resource" });
        // Before the provider's own page-hide flush (capture runs first), end
        // what still waits, so that it goes out too.
        const hide = () => document.visibilityState === "hidden" && flush();
        addEventListener("pagehide", flush, true);
        addEventListener("visibilitychange", hide, true);
      }
    } catch (e) { report(e); }
  }
  if (!observer) return;
  pending.push(item);
  item.i._open++; // per instrumentation, as clearTimingResources is
}

// The observer's lists are kept as they come and matched a little later, many
// at once: read one by one, as each request ends, the entries' fields cost
// several times as much (each a call into the browser, none of them warm).
const MATCH_AFTER_MS = 50;
let lists = [];
let matchTimer = 0;

function onEntries(list) {
  lists.push(list);
  matchTimer ||= setTimeout(match, MATCH_AFTER_MS);
}

function match() {
  clearTimeout(matchTimer);
  matchTimer = 0;
  handleArrivals();
  const todo = lists;
  lists = [];
  for (const list of todo) try {
    for (const entry of list.getEntries()) {
      const url = entry.name;
      // The request of this entry is the one started closest to it and, among
      // requests started together, the one whose response came closest to it
      // (headers for a fetch, the end otherwise).
      let best;
      let score = 1e9;
      for (const item of pending) {
        if (item.u !== url) continue;
        const start = Math.abs(entry.startTime - item.t);
        const end = item.h ?? item.d;
        const s = start + (end === undefined ? 500 : Math.abs((item.h === undefined ? entry.responseEnd : entry.responseStart || entry.responseEnd) - end));
        if (!item.e && item.k === entry.initiatorType && start < 100 && s < score) [best, score] = [item, s];
      }
      if (!best) continue;
      best.e = entry;
      best.f ? drop(best) : settle(best);
    }
  } catch (e) { report(e); }
}

function drop(item) {
  const i = pending.lastIndexOf(item);
  if (i < 0) return;
  if (i === pending.length - 1) pending.pop(); // the usual case: the latest request
  else pending.splice(i, 1);
}

/** Ends the span once all it waits for is there (or `force`). */
function settle(item, force) {
  if (item.f || !item.s.isRecording()) return;
  const entry = item.e;
  const waiting = item.d === undefined ? item.h === undefined || !entry : !entry && item.k !== "fetch";
  if (waiting && !force && observer) {
    if ((item.d ?? item.h) !== undefined) arm();
    return;
  }
  item.f = true;
  if (observer) item.i._open--;
  const span = item.s;
  const config = item.i._config;
  if (entry) {
    if (!config.ignoreNetworkEvents) addNetworkEvents(span, entry);
    preflight(item, entry);
    drop(item);
  } else if (observer) {
    arm(); // kept a while to absorb its entry, should one still come
  }
  span.end(item.d ?? (entry ? Math.max(item.h ?? 0, entry.responseEnd) : (item.d = performance.now())));
  if (config.clearTimingResources && !item.i._open) performance.clearResourceTimings();
}

/**
 * Chromium folds a preflight into the request's own entry: the time between
 * connectEnd and requestStart. It becomes a child span when the request
 * needed one by the CORS rules and that gap shows a round trip. Chromium
 * itself takes up to a few milliseconds there on a busy machine (a request
 * whose preflight its cache answered shows 1–4 ms here), so shorter gaps
 * are not taken for one.
 */
const PREFLIGHT_MIN_MS = 5;
function preflight(item, entry) {
  const from = Math.max(entry.fetchStart, entry.connectEnd);
  if (!item.p || !entry.requestStart || entry.requestStart - from < PREFLIGHT_MIN_MS) return;
  const span = item.i._t.startSpan("CORS Preflight", { startTime: from }, trace.setSpan(context.active(), item.s));
  span.end(entry.requestStart);
}

/** One timer for all requests, armed only while something waits on it. */
function arm() {
  timer ||= setTimeout(sweep, 1000);
}

/**
 * A second after it is due: a span still without its entry ends (an XHR's
 * end time is known already); a fetch whose body the app has not started
 * to read ends at its headers, one being read waits for its entry.
 */
function sweep() {
  timer = 0;
  match();
  const now = performance.now();
  for (const item of [...pending]) {
    const since = item.d ?? (item.c ? undefined : item.h);
    if (since === undefined) continue;
    if (now - since < 900) arm();
    else if (item.f) drop(item);
    else if (item.d !== undefined) settle(item, true);
    else {
      const response = item.r.deref();
      if (response && (response.bodyUsed || response.body?.locked)) item.c = true;
      else {
        item.d = item.h;
        settle(item, true);
      }
    }
  }
}

function flush() {
  match();
  for (const item of [...pending]) settle(item, true);
}
