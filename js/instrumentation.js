// What every instrumentation shares: registerInstrumentations, the base class
// with OpenTelemetry's enable/disable/config API, patching that can be undone,
// URL rules, and resource-timing span events. Our faults go to diag, never to
// the app.
import { diag, VERSION } from "./core.js";
import { trace } from "./api.js";

export const report = (e) => diag.error("instrumentation fault (the app was not affected):", e);

/** OpenTelemetry's: sets the provider on each instrumentation and enables it; returns a function that disables them. */
export function registerInstrumentations({ instrumentations = [], tracerProvider } = {}) {
  const list = [instrumentations].flat(9);
  for (const i of list) {
    if (tracerProvider) i.setTracerProvider(tracerProvider);
    i.enable();
  }
  return () => list.forEach((i) => i.disable());
}

export class InstrumentationBase {
  constructor(name, config) {
    this.instrumentationName = "@opentelemetry/instrumentation-" + name;
    this.instrumentationVersion = VERSION;
    this._o = {}; // originals
    this._w = {}; // our wrappers
    this._in = {}; // which wrappers sit in a chain
    this._open = 0; // requests still waiting for their resource timing
    this.setConfig(config);
    if (this._config.enabled) this.enable();
  }
  getConfig() { return this._config; }
  setConfig(config) { this._config = { enabled: true, ...config }; }
  setTracerProvider(provider) { this._tp = provider; }
  enable() {
    if (this._on) return;
    this._on = true;
    try { this._patch(true); } catch (e) { report(e); }
  }
  disable() {
    if (!this._on) return;
    this._on = false;
    try { this._patch(false); } catch (e) { report(e); }
  }

  /**
   * Installs `make()` as obj[key], or puts the original back. When another
   * library wrapped ours since, ours stays in its chain and passes calls
   * straight through while disabled, so neither is lost.
   */
  _swap(obj, key, on, make) {
    if (on) {
      if (!this._in[key]) {
        const original = (this._o[key] = obj[key]);
        let wrapper = this._w[key];
        if (!wrapper) {
          wrapper = this._w[key] = make(this._o);
          // Looks like what it replaces: the same name and length.
          for (const p of ["name", "length"]) Object.defineProperty(wrapper, p, { value: original[p] });
        }
        obj[key] = wrapper;
        this._in[key] = true;
      }
    } else if (obj[key] === this._w[key]) {
      obj[key] = this._o[key];
      this._in[key] = false;
    }
  }

  /** The tracer of the configured (or global) provider, and its exporters' URLs to skip. */
  _tracer() {
    const tp = this._tp ?? trace.getTracerProvider();
    if (tp !== this._tpc) {
      this._tpc = tp;
      this._t = tp?.getTracer(this.instrumentationName, VERSION);
      this._skip = (tp?._exporterUrls?.() ?? []).map((u) => absolute(u).href);
    }
    return this._t;
  }

  /** True for the exporters' own URLs, with any query or fragment. */
  _isExporter(url) {
    return this._skip.some((s) => url.startsWith(s) && (url.length === s.length || "?#".includes(url[s.length])));
  }
}

const base = () => globalThis.document?.baseURI ?? location.href;
const absolute = (url) => new URL(url, base());

// A path from the root in characters the URL parser keeps as they are (no
// dot segment, nothing it would percent-encode, strip or change): after the
// page's origin, it is what the parser would give, at a fraction of the cost.
const PLAIN_PATH = /^(?!.*\/(?:\.|%2e))\/(?!\/)[\w\-.~!$&()*+,;=:@/?%]*$/i;
const defaultPort = (u) => Number(u.port) || (u.protocol === "https:" ? 443 : 80);
const siteOf = (u) => ({ origin: u.origin, host: u.hostname, port: defaultPort(u) });

/** The page's origin, host and port: the same for the page's life. */
let page;
export const pageSite = () => (page ??= siteOf(location));

/**
 * Where `raw` goes, as fetch and XHR resolve it: [absolute URL, its
 * origin's { origin, host, port } (none when not http or https), and when
 * it has credentials, the URL with them redacted]. Throws if `raw` is invalid.
 */
export function locate(raw) {
  const here = pageSite();
  const origin = here.origin;
  if (typeof raw === "string") {
    // A plain path where the base URL is on the page's origin, or the page's
    // origin (not an opaque one, "null") and a plain path.
    if (PLAIN_PATH.test(raw)) {
      const b = base();
      if (b.startsWith(origin) && b[origin.length] === "/") return [origin + raw, here];
    } else if (origin !== "null" && raw.startsWith(origin) && PLAIN_PATH.test(raw.slice(origin.length))) return [raw, here];
  }
  const u = absolute(raw);
  const url = u.href;
  return [url, u.protocol.startsWith("http") && (u.origin === origin ? here : siteOf(u)), (u.username || u.password) && url.replace(/\/\/[^@/]*@/, "//REDACTED:REDACTED@")];
}

/** OpenTelemetry's rule: a string matches exactly (absolute, or as written), a RegExp anywhere. */
export const matches = (url, raw, patterns) =>
  patterns != null && [patterns].flat().some((p) => (typeof p === "string" ? p === url || p === raw : url.search(p) > -1));

const NETWORK = ["fetchStart", "domainLookupStart", "domainLookupEnd", "connectStart", "secureConnectionStart", "connectEnd", "requestStart", "responseStart", "responseEnd"];

/** Timing events; zeros (hidden cross-origin timing) are left out. */
export const addEvents = (span, names, times) => span._addTimes?.(names, times);

/** A resource-timing entry's network events, each time read once by name (a read by a computed name is slower). */
export const addNetworkEvents = (span, e) =>
  addEvents(span, NETWORK, [e.fetchStart, e.domainLookupStart, e.domainLookupEnd, e.connectStart, e.secureConnectionStart, e.connectEnd, e.requestStart, e.responseStart, e.responseEnd]);
