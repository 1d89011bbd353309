// The OTLP/HTTP exporter and the batch span processor. Spans wait, already
// encoded, in WebAssembly; these move request bodies onto the network with
// the page's own fetch: gzip when the browser can, retries with backoff,
// and on page hide, keepalive requests that survive the page.
import { wasm, diag, nativeFetch, requireReady, encodeBatch } from "./core.js";

const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;
// Browsers allow 64 KiB of keepalive bodies in flight per page, and Chromium
// at most 9 such requests; stay under both.
const KEEPALIVE_BYTES = 60 * 1024;
const KEEPALIVE_REQUESTS = 9;

const report = (error) => diag.error(String(error?.message ?? error));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMillis(value) {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

// The body goes straight into the stream: a Blob of it would be copied to
// the browser process first, which took as long as the compression itself.
// CompressionStream compresses on the main thread, ~3-15 ms for a batch of
// 512 fetch spans here, so the body goes in 64 KiB at a time with a task
// yield between: the page's own tasks (a response its code awaits) run in
// between instead of after. (scheduler.yield() resumes ahead of them.)
const GZIP_CHUNK = 64 * 1024;
const nextTask = () =>
  new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = resolve;
    channel.port2.postMessage(0);
  });
async function gzip(body) {
  const gz = new CompressionStream("gzip");
  const input = gz.writable.getWriter();
  const output = new Response(gz.readable).arrayBuffer();
  // A failure shows on the readable side; these must not go unhandled.
  const quiet = () => {};
  output.catch(quiet);
  for (let at = 0; at < body.length; at += GZIP_CHUNK) {
    if (at) await nextTask();
    await input.write(body.subarray(at, at + GZIP_CHUNK)).catch(quiet);
  }
  input.close().catch(quiet);
  return new Uint8Array(await output);
}

export class OTLPTraceExporter {
  constructor(config = {}) {
    this.url = config.url ?? "http://localhost:4318/v1/traces";
    // OTEL_EXPORTER_OTLP_PROTOCOL's values: "http/json" (the default) or "http/protobuf".
    this._protobuf = config.protocol === "http/protobuf";
    this._contentType = this._protobuf ? "application/x-protobuf" : "application/json";
    this._headers = config.headers ?? {};
    this._timeout = config.timeoutMillis ?? 10000;
    this._gzip = (config.compression ?? "gzip") === "gzip" && typeof CompressionStream === "function";
    this._concurrencyLimit = config.concurrencyLimit ?? 30;
    this._inFlight = 0;
    this._slots = [];
    this._retryChain = null;
    this._keepaliveBytes = 0;
    this._keepaliveRequests = 0;
    this._warnIfCrossOrigin();
  }

  _warnIfCrossOrigin() {
    if (typeof location === "undefined") return;
    try {
      const target = new URL(this.url, location.href);
      if (target.origin !== location.origin) {
        diag.info(`spans go to ${target.origin}, another origin than this page's (${location.origin}): the collector must allow this origin with CORS (receivers.otlp.protocols.http.cors.allowed_origins), and max_age saves a preflight per export`);
      }
    } catch {
      diag.warn(`the exporter url "${this.url}" is not a valid URL`);
    }
  }

  async _headersNow() {
    return typeof this._headers === "function" ? await this._headers() : this._headers;
  }

  async _post(body, encoding, keepalive) {
    const headers = { "content-type": this._contentType, ...(await this._headersNow()) };
    if (encoding) headers["content-encoding"] = encoding;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this._timeout);
    try {
      const response = await nativeFetch(this.url, { method: "POST", headers, body, keepalive, signal: abort.signal });
      response.body?.cancel().catch(() => {});
      return { ok: response.ok, status: response.status, retryable: RETRYABLE.has(response.status), retryAfter: retryAfterMillis(response.headers.get("retry-after")) };
    } catch (error) {
      return { ok: false, status: 0, retryable: true, networkError: true, error };
    } finally {
      clearTimeout(timer);
    }
  }

  async _slot() {
    while (this._inFlight >= this._concurrencyLimit) await new Promise((resolve) => this._slots.push(resolve));
    this._inFlight++;
  }

  _release() {
    this._inFlight--;
    this._slots.shift()?.();
  }

  /** Sends one request body, retrying what may succeed later; rejects when it gives up. */
  async send(body, deadline = Date.now() + 30000) {
    await this._slot();
    try {
      // One retry chain at a time: while one request backs off, others wait
      // behind it instead of piling their own retries onto a struggling collector.
      while (this._retryChain) await this._retryChain;
      let payload = body;
      let encoding;
      if (this._gzip) {
        try {
          payload = await gzip(body);
          encoding = "gzip";
        } catch {
          payload = body;
        }
      }
      let delay = 1000;
      let endChain;
      try {
        for (let attempt = 1; ; attempt++) {
          let outcome = await this._post(payload, encoding, false);
          if (!outcome.ok && outcome.networkError && encoding) {
            // A collector whose CORS does not allow content-encoding refuses
            // gzip as a network error; plain JSON tells the two apart.
            const plain = await this._post(body, undefined, false);
            if (plain.ok) {
              diag.warn(`${this.url} refused gzip (add content-encoding to the collector's cors.allowed_headers); sending uncompressed from now on`);
              this._gzip = false;
            }
            outcome = plain;
          }
          if (outcome.ok) return;
          const what = outcome.networkError ? `a network error (${outcome.error})` : `HTTP ${outcome.status}`;
          if (!outcome.retryable || attempt >= MAX_ATTEMPTS) throw new Error(`OTLP export to ${this.url} failed: ${what}`);
          const wait = outcome.retryAfter ?? delay * (0.8 + 0.4 * Math.random());
          if (Date.now() + wait > deadline) throw new Error(`OTLP export to ${this.url} failed: ${what}, and the export timeout leaves no time to retry`);
          delay = Math.min(delay * 1.5, 5000);
          if (!endChain) this._retryChain = new Promise((resolve) => (endChain = resolve));
          diag.debug(`export got ${what}; retrying in ${Math.round(wait)} ms`);
          await sleep(wait);
        }
      } finally {
        if (endChain) {
          this._retryChain = null;
          endChain();
        }
      }
    } finally {
      this._release();
    }
  }

  /** Bytes a page-hide request may still use with keepalive. */
  _keepaliveRoom() {
    return this._keepaliveRequests >= KEEPALIVE_REQUESTS ? 0 : KEEPALIVE_BYTES - this._keepaliveBytes;
  }

  /**
   * Sends a gzip body at once, with nothing asynchronous before the request
   * leaves (the page may be going away), keepalive while the budget lasts.
   */
  sendOnHide(gzipped) {
    const keepalive = gzipped.length <= this._keepaliveRoom();
    if (keepalive) {
      this._keepaliveBytes += gzipped.length;
      this._keepaliveRequests++;
    }
    const headers = { "content-type": this._contentType, "content-encoding": "gzip", ...(typeof this._headers === "function" ? {} : this._headers) };
    return nativeFetch(this.url, { method: "POST", headers, body: gzipped, keepalive })
      .then((response) => {
        if (!response.ok) throw new Error(`OTLP export to ${this.url} failed: HTTP ${response.status}`);
      })
      .finally(() => {
        if (keepalive) {
          this._keepaliveBytes -= gzipped.length;
          this._keepaliveRequests--;
        }
      });
  }

  shutdown() { return Promise.resolve(); }
}

export class BatchSpanProcessor {
  constructor(exporter, config = {}) {
    this._exporter = exporter;
    this._maxQueueSize = config.maxQueueSize ?? 2048;
    this._maxExportBatchSize = Math.min(config.maxExportBatchSize ?? 512, this._maxQueueSize);
    this._delay = config.scheduledDelayMillis ?? 5000;
    this._exportTimeout = config.exportTimeoutMillis ?? 30000;
    this._noFlushOnHide = config.disableAutoFlushOnDocumentHide === true;
    this._provider = -1;
    // The bounded queue of ended spans, encoded in WebAssembly only when
    // their batch leaves, so WebAssembly's memory, which never shrinks, holds
    // one batch at a time rather than the whole queue.
    this._queue = [];
    this._dropped = 0;
    this._timer = null;
    this._running = null;
    this._drainAll = false;
  }

  /** Called by the provider whose spans this processor exports. */
  _attach(providerId) {
    requireReady("a BatchSpanProcessor");
    if (this._provider !== -1) throw new Error("wasmtrace: a span processor can serve one provider only");
    if (this._exporter._protobuf && !wasm.protobuf_supported()) {
      throw new Error('wasmtrace: OTLP/protobuf needs init from "wasmtrace/protobuf"');
    }
    this._provider = providerId;
  }

  _onEnd(span) {
    const queue = this._queue;
    if (queue.length >= this._maxQueueSize) {
      this._dropped++;
      return;
    }
    queue.push(span);
    if (queue.length >= this._maxExportBatchSize) {
      this._run(false).catch(report);
    } else if (this._timer === null) {
      this._timer = setTimeout(() => {
        this._timer = null;
        this._run(true).catch(report);
      }, this._delay);
    }
  }

  _reportDrops() {
    if (this._dropped) {
      diag.warn(`dropped ${this._dropped} span(s): the queue was full (maxQueueSize ${this._maxQueueSize}); export more often or raise the limit`);
      this._dropped = 0;
    }
  }

  /** Encodes the first `count` queued spans (gzip within `room` bytes when given) and removes those the body holds. */
  _take(count, room = 0) {
    const body = encodeBatch(this._provider, this._exporter._protobuf, this._queue, count, room);
    const taken = wasm.last_batch_spans();
    const invalid = wasm.last_batch_invalid();
    this._queue.splice(0, taken);
    if (invalid) diag.error(`${invalid} span(s) could not be recorded (malformed records): please report this as a wasmtrace bug`);
    return body === undefined ? undefined : { body, spans: taken - invalid };
  }

  /**
   * Exports while full batches are queued (or, with `all`, until the queue is
   * empty), one request at a time: while a request is out, spans wait in the
   * bounded queue rather than in ever more requests.
   */
  _run(all) {
    if (this._running) {
      this._drainAll ||= all;
      return this._running;
    }
    this._drainAll = all;
    // Cleared in a callback, which always runs after this assignment, even
    // when the drain finishes synchronously (an empty queue): a promise left
    // here would stop every later export.
    return (this._running = this._drain().finally(() => {
      this._running = null;
    }));
  }

  async _drain() {
    while (this._queue.length >= (this._drainAll ? 1 : this._maxExportBatchSize)) {
      this._reportDrops();
      const batch = this._take(Math.min(this._queue.length, this._maxExportBatchSize));
      if (batch === undefined) continue;
      try {
        await this._exporter.send(batch.body, Date.now() + this._exportTimeout);
      } catch (error) {
        throw new Error(`${batch.spans} span(s) lost: ${error.message}`);
      }
    }
    this._reportDrops();
  }

  async forceFlush() {
    if (this._provider === -1) return;
    clearTimeout(this._timer);
    this._timer = null;
    // A run in progress may stop at full batches; wait for it, then drain.
    await this._running?.catch(() => {});
    await this._run(true);
  }

  /** Page hide: everything queued leaves now, gzipped, in keepalive-sized requests. */
  _flushOnHide() {
    if (this._provider === -1) return;
    clearTimeout(this._timer);
    this._timer = null;
    this._reportDrops();
    while (this._queue.length > 0) {
      const room = Math.max(this._exporter._keepaliveRoom(), 16 * 1024);
      // Candidates for one request: JSON spans compress about eight-fold.
      const batch = this._take(Math.min(this._queue.length, Math.ceil(room / 40)), room);
      if (batch === undefined) continue;
      this._exporter.sendOnHide(batch.body).catch((error) => report(new Error(`${batch.spans} span(s) lost on page hide: ${error.message}`)));
    }
  }

  shutdown() {
    return this.forceFlush().then(() => this._exporter.shutdown?.());
  }
}

/** Exports each span as it ends. */
export class SimpleSpanProcessor extends BatchSpanProcessor {
  constructor(exporter) {
    super(exporter, { maxExportBatchSize: 1, scheduledDelayMillis: 0 });
  }
}
