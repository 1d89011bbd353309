// The browser workloads, written once against the adapter interface
// (adapters/otel.js, adapters/wasmtrace.js) and bundled with each SDK.
// The runner (run.mjs) opens a fresh page per workload and calls
// `window.bench.<workload>(params)` there.

const ATTRIBUTES = [
  ["http.request.method", "GET"],
  ["url.full", "https://api.example.com/v1/items?page=2"],
  ["server.address", "api.example.com"],
  ["app.screen", "checkout"],
  ["user.session", "6f1c2a9e-1d2b-4c8e-9a55-0b4a3e2f7d10"],
];

/** A span with five string attributes, ended by the caller. */
function makeSpan(tracer, i) {
  const span = tracer.startSpan("bench-span");
  for (let a = 0; a < 5; a++) span.setAttribute(ATTRIBUTES[a][0], ATTRIBUTES[a][1]);
  return span;
}

/** Yields to the event loop with a task (no 4 ms timer clamp), so network replies and timers run. */
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldTask() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** forceFlush, with a readable error whatever the SDK rejects with (OpenTelemetry JS: an array). */
async function flush(sdk) {
  try {
    await sdk.flush();
  } catch (e) {
    const text = (x) => (x instanceof Error ? x.message : Array.isArray(x) ? x.map(text).join("; ") : typeof x === "object" ? JSON.stringify(x) : String(x));
    throw new Error(`forceFlush failed: ${text(e)}`);
  }
}

function xhrGet(url) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.onload = () => resolve(xhr.responseText);
    xhr.onerror = () => reject(new Error("xhr failed"));
    xhr.send();
  });
}

export function makeBench(adapter) {
  let sdk = null;
  return {
    name: adapter.name,

    /** `options`: { url, bsp, instrument } as the adapters take them. */
    async setup(options) {
      const t0 = performance.now();
      sdk = await adapter.setup(options);
      return { setupMs: performance.now() - t0, missing: sdk.missing };
    },

    wasmMemoryBytes() {
      return sdk.wasmMemoryBytes();
    },

    /** start + 5 attributes + end, yielding every `chunk` spans; timed until all are exported. */
    async throughput({ spans, chunk = 1000 }) {
      const tracer = sdk.tracer;
      const t0 = performance.now();
      for (let i = 0; i < spans; i++) {
        makeSpan(tracer, i).end();
        if ((i + 1) % chunk === 0) await yieldTask();
      }
      const loopMs = performance.now() - t0;
      await flush(sdk);
      const totalMs = performance.now() - t0;
      return { spans, loopMs, totalMs, spansPerSecond: (spans / totalMs) * 1000 };
    },

    /**
     * The hot path alone: `rounds` synchronous loops of `spans` start + 5
     * attributes + end, each timed on its own, with a queue and batch that
     * hold the whole round so no export runs inside the loop (the runner sets
     * them); each round is flushed, untimed, before the next. Three untimed
     * warm-up rounds first (the JIT compiles the hot path, as in a page that
     * has run a while). Returns the spans/s of every timed round.
     */
    async hotPath({ spans, rounds }) {
      const tracer = sdk.tracer;
      const perSecond = [];
      const warmup = 3;
      for (let round = 0; round < warmup + rounds; round++) {
        const t0 = performance.now();
        for (let i = 0; i < spans; i++) makeSpan(tracer, i).end();
        const ms = performance.now() - t0;
        if (round >= warmup) perSecond.push((spans / ms) * 1000);
        await flush(sdk);
      }
      return { spans: spans * (warmup + rounds), perSecond };
    },

    /**
     * `spans` spans started beforehand; timed: their end() and the forceFlush
     * that encodes and POSTs them as one request (the processor's batch and
     * queue are set larger than `spans` by the runner).
     */
    async encoding({ spans }) {
      const tracer = sdk.tracer;
      const open = [];
      for (let i = 0; i < spans; i++) open.push(makeSpan(tracer, i));
      await yieldTask();
      const t0 = performance.now();
      for (const span of open) span.end();
      const t1 = performance.now();
      await flush(sdk);
      const t2 = performance.now();
      // The encoder alone over fresh spans, eleven calls. As for the hot
      // path, the figure is warm: three more untimed calls after the first
      // three, then the median of five. The first three (their median) are
      // the cold figure: they run while the JIT and WebAssembly's tier-up
      // still compile.
      if (!sdk.encodeOnly) return { spans, endMs: t1 - t0, flushMs: t2 - t1, totalMs: t2 - t0 };
      const calls = Array.from({ length: 11 }, () => sdk.encodeOnly(spans, makeSpan));
      const middle = (list) => [...list].sort((a, b) => a.ms - b.ms)[(list.length - 1) / 2];
      const [cold, warm] = [middle(calls.slice(0, 3)), middle(calls.slice(6))];
      return { spans, endMs: t1 - t0, flushMs: t2 - t1, totalMs: t2 - t0, encodeOnlyMs: warm.ms, encodeColdMs: cold.ms, encodeOnlyBytes: warm.bytes };
    },

    /** `calls` sequential GETs of `url` by fetch or XHR, body read; per-call time in µs. */
    async http({ kind, calls, url, warmup = 20 }) {
      const get = kind === "xhr" ? (u) => xhrGet(u) : (u) => fetch(u).then((r) => r.text());
      for (let i = 0; i < warmup; i++) await get(`${url}?w=${i}`);
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await get(`${url}?i=${i}`);
      const ms = performance.now() - t0;
      // Let the instrumentations end their spans (OpenTelemetry waits for
      // resource timing), then export, so the sink can count them.
      await sleep(600);
      await flush(sdk);
      return { calls, ms, perCallUs: (ms * 1000) / calls };
    },

    /** A steady stream of `rate` spans/s for `seconds`; long tasks (> 50 ms) seen meanwhile. */
    async longTasks({ seconds, rate, tickMs = 10 }) {
      const tracer = sdk.tracer;
      const entries = [];
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) entries.push(e.duration);
      });
      observer.observe({ type: "longtask" });
      const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      let spans = 0;
      let next = t0;
      while (performance.now() < end) {
        for (let i = 0; i < perTick; i++) {
          makeSpan(tracer, spans).end();
          spans++;
        }
        next += tickMs;
        await sleep(Math.max(0, next - performance.now()));
      }
      await flush(sdk);
      await sleep(100);
      observer.disconnect();
      const total = entries.reduce((a, b) => a + b, 0);
      return { spans, seconds: (performance.now() - t0) / 1000, longTasks: entries.length, longTaskMs: total, maxLongTaskMs: entries.length ? Math.max(...entries) : 0 };
    },
  };
}
