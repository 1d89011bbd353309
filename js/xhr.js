// XMLHttpRequestInstrumentation: a CLIENT span per send(). Trace headers are
// set with the native setRequestHeader where the app set none; the span ends
// on the request's own loadend (our listener, never one of the app's).
import { InstrumentationBase, report } from "./instrumentation.js";
import { startRequest, sent, inject, failed, responded, needsPreflight } from "./http.js";

const states = new WeakMap(); // xhr → { m: method, u: url, h: [[name, value]], i: item, r: why it failed }
const listening = new WeakSet();

export class XMLHttpRequestInstrumentation extends InstrumentationBase {
  constructor(config) { super("xml-http-request", config); }
  _patch(on) {
    if (typeof XMLHttpRequest !== "function") return;
    const proto = XMLHttpRequest.prototype;
    const inst = this;
    this._swap(proto, "open", on, (o) => function open(method, url) {
      const result = o.open.apply(this, arguments);
      try {
        // open() stops a request in flight without any event.
        const old = states.get(this)?.i;
        if (old?.d === undefined && old) ended(old, this, "abort");
        if (inst._on) states.set(this, { m: String(method), u: String(url), h: [] });
        else states.delete(this);
      } catch (e) { report(e); }
      return result;
    });
    this._swap(proto, "setRequestHeader", on, (o) => function setRequestHeader(name, value) {
      const result = o.setRequestHeader.apply(this, arguments);
      states.get(this)?.h.push([String(name).toLowerCase(), String(value)]);
      return result;
    });
    this._swap(proto, "send", on, (o) => function send() {
      let item;
      if (inst._on) try { item = start(inst, this, o); } catch (e) { report(e); }
      if (!item) return o.send.apply(this, arguments);
      try {
        return o.send.apply(this, arguments);
      } catch (error) {
        // A synchronous request's network error: thrown, with no loadend.
        try { if (item.d === undefined) ended(item, this, "error"); } catch (e) { report(e); }
        throw error;
      }
    });
  }
}

function start(inst, xhr, o) {
  const st = states.get(xhr);
  if (!st || xhr.readyState !== 1 || st.i?.d === undefined && st.i) return;
  const item = startRequest(inst, st.m, st.u, "xmlhttprequest");
  if (!item) return;
  st.i = item;
  st.r = undefined;
  sent(item);
  const set = st.h.map(([n]) => n);
  try {
    if (item.j) inject(item.ctx, xhr, (x, k, v) => set.includes(k) || (o.setRequestHeader.call(x, k, v), st.h.push([k, v])));
    item.p = item.x && needsPreflight(st.m.toUpperCase(), st.h);
  } catch (e) { report(e); }
  if (!listening.has(xhr)) {
    listening.add(xhr);
    for (const type of ["abort", "error", "timeout", "loadend"]) xhr.addEventListener(type, onEvent);
  }
  item.t = performance.now();
  return item;
}

function onEvent(event) {
  try {
    const st = states.get(this);
    const item = st?.i;
    if (!item || item.d !== undefined) return;
    if (event.type === "loadend") ended(item, this, st.r);
    else st.r = event.type;
  } catch (e) { report(e); }
}

function ended(item, xhr, reason) {
  if (reason) failed(item, reason, undefined, xhr);
  else responded(item, xhr.status, xhr);
}
