// UserInteractionInstrumentation: a span per click (OpenTelemetry JS's
// `eventNames`, default click) that is the active span while the app's
// listeners for it run, so the fetch/XHR they start synchronously are its
// children. How: addEventListener is patched to register a wrapper (one per
// listener, so removeEventListener, dedup and `once` behave as before) that
// runs the listener inside context.with. Listeners set as `onclick`
// properties are not wrapped, and a listener added while enabled stays
// wrapped (passing through) after disable().
import { context, trace } from "./api.js";
import { InstrumentationBase, report } from "./instrumentation.js";

const CLICK = ["click"];
const wrappers = new WeakMap(); // listener → wrapper
const clicks = new WeakMap(); // event → { s: span, c: context, t: end time } (c null: not traced)
// Click spans whose end still waits for the timer after their last listener.
// A click that navigates away may be followed by pagehide before that timer
// runs; ending them first (capture runs before the provider's flush) keeps
// them in the page-hide export.
const waiting = new Set();
let listening = false;
function endWaiting() {
  for (const click of waiting) click.s.end(click.t);
  waiting.clear();
}

export class UserInteractionInstrumentation extends InstrumentationBase {
  constructor(config) { super("user-interaction", config); }
  _patch(on) {
    if (typeof EventTarget !== "function") return;
    const proto = EventTarget.prototype;
    const inst = this;
    this._swap(proto, "addEventListener", on, (o) => function addEventListener(type, listener) {
      let wrapper;
      if (inst._on && listener && (inst._config.eventNames ?? CLICK).includes(type)) try { wrapper = wrap(inst, listener); } catch (e) { report(e); }
      if (!wrapper) return o.addEventListener.apply(this, arguments);
      const args = [...arguments];
      args[1] = wrapper;
      return o.addEventListener.apply(this, args);
    });
    this._swap(proto, "removeEventListener", on, (o) => function removeEventListener(type, listener) {
      const result = o.removeEventListener.apply(this, arguments);
      const wrapper = listener && wrappers.get(listener);
      if (wrapper) {
        const args = [...arguments];
        args[1] = wrapper;
        o.removeEventListener.apply(this, args);
      }
      return result;
    });
  }
}

function wrap(inst, listener) {
  let wrapper = wrappers.get(listener);
  if (!wrapper) {
    wrapper = function (event) {
      const plain = typeof listener === "function";
      let click;
      if (inst._on) try { click = interaction(inst, event); } catch (e) { report(e); }
      if (!click) return plain ? listener.call(this, event) : listener.handleEvent(event);
      try {
        return plain ? context.with(click.c, listener, this, event) : context.with(click.c, listener.handleEvent, listener, event);
      } finally {
        click.t = performance.now();
      }
    };
    wrappers.set(listener, wrapper);
  }
  return wrapper;
}

/** The span of this event, started by its first listener and ended after its last. */
function interaction(inst, event) {
  let click = clicks.get(event);
  if (click === undefined) {
    click = null;
    const el = event?.target;
    const tracer = inst._tracer();
    if (tracer && el instanceof Element && !el.hasAttribute("disabled")) {
      const id = el.getAttribute("id");
      const span = tracer.startSpan(event.type, {
        attributes: { event_type: event.type, target_element: el.tagName, target_id: id || undefined, target_xpath: xpath(el), "url.full": location.href },
      });
      if (inst._config.shouldPreventSpanCreation?.(event.type, el, span) !== true) {
        click = { s: span, c: trace.setSpan(context.active(), span), t: performance.now() };
        waiting.add(click);
        if (!listening) {
          listening = true;
          addEventListener("pagehide", endWaiting, true);
        }
        setTimeout(() => waiting.delete(click) && span.end(click.t));
      }
    }
    clicks.set(event, click);
  }
  return click;
}

/** A short XPath: from the nearest ancestor with an id, else from the root. */
function xpath(el) {
  let path = "";
  for (let n = el; n?.nodeType === 1; n = n.parentNode) {
    const id = n.getAttribute("id");
    if (id) return `//*[@id="${id}"]` + path;
    let i = 1;
    let twins = false;
    for (let s = n.previousElementSibling; s; s = s.previousElementSibling) if (s.localName === n.localName) i++;
    for (let s = n.nextElementSibling; s && !twins; s = s.nextElementSibling) twins = s.localName === n.localName;
    path = "/" + n.localName + (i > 1 || twins ? `[${i}]` : "") + path;
  }
  return path;
}
