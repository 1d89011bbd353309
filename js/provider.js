// The tracer provider, its id generators and resource.
import { wasm, diag, requireReady, packAttributes, xrayTraceId, randomHex, spanId, VERSION } from "./core.js";
import { setGlobalTracerProvider, setGlobalPropagator } from "./api.js";
import { CompositePropagator, W3CTraceContextPropagator, W3CBaggagePropagator } from "./propagators.js";
import { Tracer } from "./span.js";

export class AWSXRayIdGenerator {
  generateTraceId() { return xrayTraceId(); }
  generateSpanId() { return spanId(); }
}
export class RandomIdGenerator {
  generateTraceId() { return randomHex(32); }
  generateSpanId() { return spanId(); }
}

export class Resource {
  constructor(attributes = {}) { this.attributes = { ...attributes }; }
  merge(other) { return new Resource({ ...this.attributes, ...(other?.attributes ?? {}) }); }
}
export const resourceFromAttributes = (attributes) => new Resource(attributes);
export const emptyResource = () => new Resource();
export const defaultResource = () =>
  new Resource({
    "service.name": "unknown_service",
    "telemetry.sdk.language": "webjs",
    "telemetry.sdk.name": "wasmtrace",
    "telemetry.sdk.version": VERSION,
  });

const DEFAULT_LIMITS = {
  attributeCountLimit: 128,
  attributeValueLengthLimit: Infinity,
  eventCountLimit: 128,
  linkCountLimit: 128,
  attributePerEventCountLimit: 128,
  attributePerLinkCountLimit: 128,
};

export class WebTracerProvider {
  constructor(config = {}) {
    requireReady("a WebTracerProvider");
    this.resource = defaultResource().merge(config.resource);
    // Any object with shouldSample, as in OpenTelemetry JS; none is ParentBased(AlwaysOn).
    this._sampler = config.sampler ?? undefined;
    if (this._sampler && typeof this._sampler.shouldSample !== "function") throw new TypeError("wasmtrace: the sampler has no shouldSample method");
    this._id = wasm.provider_new(packAttributes(this.resource.attributes));
    this._xrayIds = !(config.idGenerator instanceof RandomIdGenerator);
    // Any other object with OpenTelemetry's IdGenerator methods is used as is.
    const ids = config.idGenerator;
    const builtIn = ids === undefined || ids instanceof AWSXRayIdGenerator || ids instanceof RandomIdGenerator;
    this._idGenerator = !builtIn && typeof ids?.generateTraceId === "function" && typeof ids.generateSpanId === "function" ? ids : undefined;
    this._limits = { ...DEFAULT_LIMITS };
    // generalLimits apply to every attribute list; spanLimits, more specific, win.
    const general = config.generalLimits ?? {};
    if (general.attributeCountLimit != null) this._limits.attributeCountLimit = general.attributeCountLimit;
    if (general.attributeValueLengthLimit != null) this._limits.attributeValueLengthLimit = general.attributeValueLengthLimit;
    for (const key in config.spanLimits ?? {}) if (config.spanLimits[key] != null) this._limits[key] = config.spanLimits[key];
    this._processors = [];
    for (const processor of config.spanProcessors ?? []) {
      if (typeof processor?._attach !== "function") {
        diag.warn("only wasmtrace's BatchSpanProcessor and SimpleSpanProcessor can be used; a custom span processor was ignored");
        continue;
      }
      processor._attach(this._id);
      this._processors.push(processor);
    }
    this._tracers = new Map();
    this._shutdown = false;
    this._listenForPageHide();
  }

  _listenForPageHide() {
    if (typeof addEventListener !== "function") return;
    // pagehide, never unload (it breaks the back/forward cache); and
    // visibilitychange, the last event mobile browsers reliably fire.
    this._onHide = () => {
      for (const processor of this._processors) if (!processor._noFlushOnHide) processor._flushOnHide();
    };
    this._onVisibility = () => {
      if (document.visibilityState === "hidden") this._onHide();
    };
    addEventListener("pagehide", this._onHide);
    if (typeof document !== "undefined") document.addEventListener("visibilitychange", this._onVisibility);
  }

  /** A span has ended: it waits in each processor's queue until its batch leaves. */
  _onEnd(span) {
    const processors = this._processors;
    for (let i = 0; i < processors.length; i++) processors[i]._onEnd(span);
  }

  /** Where this provider's exporters send, which instrumentations must never trace. */
  _exporterUrls() {
    return this._processors.map((p) => p._exporter?.url).filter(Boolean);
  }

  getTracer(name, version, options) {
    const key = `${name}@${version ?? ""}:${options?.schemaUrl ?? ""}`;
    let tracer = this._tracers.get(key);
    if (!tracer) this._tracers.set(key, (tracer = new Tracer(this, name, version)));
    return tracer;
  }

  /** Makes this the global provider; `propagator` undefined means W3C trace context + baggage, null means none. */
  register(config = {}) {
    setGlobalTracerProvider(this);
    if (config.propagator !== null) {
      setGlobalPropagator(config.propagator ?? new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
    }
  }

  forceFlush() {
    return Promise.all(this._processors.map((p) => p.forceFlush())).then(() => undefined);
  }

  shutdown() {
    if (this._shutdown) return Promise.resolve();
    this._shutdown = true;
    if (this._onHide) {
      removeEventListener("pagehide", this._onHide);
      document?.removeEventListener("visibilitychange", this._onVisibility);
    }
    return Promise.all(this._processors.map((p) => p.shutdown())).then(() => undefined);
  }
}
