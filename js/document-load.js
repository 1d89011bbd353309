// DocumentLoadInstrumentation: after the load event, a documentLoad span with
// a documentFetch child and a resourceFetch child per resource loaded by then,
// from navigation and resource timing, as OpenTelemetry JS records them. A
// server-rendered <meta name="traceparent"> makes the page load join its trace.
import { trace, propagation, ROOT_CONTEXT } from "./api.js";
import { W3CTraceContextPropagator } from "./propagators.js";
import { InstrumentationBase, addEvents, addNetworkEvents, report } from "./instrumentation.js";

const LOAD_EVENTS = ["fetchStart", "unloadEventStart", "unloadEventEnd", "domInteractive", "domContentLoadedEventStart", "domContentLoadedEventEnd", "domComplete", "loadEventStart", "loadEventEnd"];
const meta = { get: (_, key) => document.querySelector(`meta[name="${key}" i]`)?.content, keys: () => [] };

export class DocumentLoadInstrumentation extends InstrumentationBase {
  constructor(config) { super("document-load", config); }
  _patch(on) {
    if (typeof document === "undefined") return;
    this._load ??= () => setTimeout(() => this._collect()); // after load ends, when loadEventEnd is set
    if (!on) removeEventListener("load", this._load);
    else if (document.readyState === "complete") this._load();
    else addEventListener("load", this._load);
  }

  _collect() {
    if (!this._on || this._done) return;
    try {
      const tracer = this._tracer();
      const nav = performance.getEntriesByType("navigation")[0];
      if (!tracer || !nav) return;
      this._done = true;
      const config = this._config;
      const hooks = config.applyCustomAttributesOnSpan ?? {};
      let parent = propagation.extract(ROOT_CONTEXT, document, meta);
      if (!trace.getSpan(parent)) parent = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, document, meta);
      const url = location.href;
      const load = tracer.startSpan("documentLoad", { startTime: nav.fetchStart, attributes: { "url.full": url, "user_agent.original": navigator.userAgent } }, parent);
      const ctx = trace.setSpan(parent, load);
      const child = (name, entry, attributes, hook) => {
        const span = tracer.startSpan(name, { startTime: entry.fetchStart, attributes }, ctx);
        if (!config.ignoreNetworkEvents) addNetworkEvents(span, entry);
        try { hook?.(span, entry); } catch (e) { report(e); }
        span.end(entry.responseEnd);
      };
      child("documentFetch", nav, { "url.full": url }, hooks.documentFetch);
      for (const entry of performance.getEntriesByType("resource")) {
        if (entry.responseEnd <= nav.loadEventEnd && !this._isExporter(entry.name)) child("resourceFetch", entry, { "url.full": entry.name }, hooks.resourceFetch);
      }
      addEvents(load, LOAD_EVENTS, LOAD_EVENTS.map((name) => nav[name])); // once a page: by name
      if (!config.ignorePerformancePaintEvents) {
        for (const p of performance.getEntriesByType("paint")) load.addEvent(p.name === "first-paint" ? "firstPaint" : "firstContentfulPaint", p.startTime);
      }
      try { hooks.documentLoad?.(load); } catch (e) { report(e); }
      load.end(nav.loadEventEnd);
    } catch (e) { report(e); }
  }
}
