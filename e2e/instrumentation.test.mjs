// What the instrumentations record, in real Chromium against a real server:
// fetch/XHR spans and their attributes, statuses and errors, trace headers
// and who gets them, the exporters' URLs never traced, parent context, click
// spans, resource timing matched among concurrent requests, CORS preflights,
// when a fetch span ends, every option, disable(), faults kept from the app,
// and the document load.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, startSink, waitFor } from "./harness.mjs";
import { startServers } from "./fixtures/instrumentation/server.mjs";

const PAGE = `<!doctype html><meta charset="utf-8"><title>inst</title><body>
<button id="buy">Buy</button><div><span>a</span><span><button>deep</button></span></div><button id="off" disabled>off</button>
<script type="module">
  import * as wt from "/pkg/index.js";
  await wt.default();
  window.wt = wt;
  window.ready = true;
</script>`;

let servers, browser;
const leftOpen = new Set(); // sinks of tests that failed before collect(): they would keep node alive
before(async () => {
  servers = await startServers();
  servers.pages["/inst.html"] = PAGE;
  browser = await launchBrowser();
});
after(async () => {
  for (const sink of leftOpen) await sink.stop();
  await browser?.close();
  await servers?.stop();
});

const FETCH_XHR = "(wt) => [new wt.FetchInstrumentation(), new wt.XMLHttpRequestInstrumentation()]";

/**
 * Opens a page with a provider (exporting to a fresh sink, and to `exporters`
 * too), registers `instrumentations` (source of `wt => [...]`) with
 * `propagator` (source of `wt => propagator`), runs `scenario(wt, env)` in
 * it; `collect()` flushes and returns the sink's spans and what diag said.
 */
async function inPage(scenario, { instrumentations = FETCH_XHR, propagator = "() => undefined", exporters = [], arg } = {}) {
  const sink = await startSink();
  leftOpen.add(sink);
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(servers.A + "/inst.html");
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
  const logStart = servers.log.length;
  const run = (fn, a) =>
    page.evaluate(async ([source, a, B, closed]) => {
      const env = { ...window.env, arg: a, B, closed, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
      return await eval(`(${source})`)(window.wt, env);
    }, [fn.toString(), a, servers.B, servers.closed]);
  await page.evaluate(([sinkUrl, exporters, instrumentations, propagator]) => {
    const wt = window.wt;
    window.faults = [];
    const record = (...a) => window.faults.push(a.map(String).join(" "));
    wt.diag.setLogger({ error: record, warn: record, info() {}, debug() {}, verbose() {} }, wt.DiagLogLevel.WARN);
    const provider = new wt.WebTracerProvider({
      spanProcessors: [sinkUrl, ...exporters].map((url) => new wt.BatchSpanProcessor(new wt.OTLPTraceExporter({ url }), { scheduledDelayMillis: 50 })),
    });
    provider.register({ propagator: eval(`(${propagator})`)(wt) });
    const list = eval(`(${instrumentations})`)(wt);
    const unregister = wt.registerInstrumentations({ tracerProvider: provider, instrumentations: list });
    window.env = { provider, instrumentations: list, unregister, tracer: provider.getTracer("test"), sinkUrl };
  }, [sink.url, exporters, instrumentations, propagator]);
  const result = await run(scenario, arg);
  return {
    page,
    result,
    sink,
    run,
    /** Server requests since the page opened. */
    log: () => servers.log.slice(logStart),
    async collect(waitMs = 300) {
      await new Promise((r) => setTimeout(r, waitMs));
      const faults = await page.evaluate(async () => { await window.env.provider.forceFlush(); return window.faults; });
      await page.close();
      await sink.stop();
      leftOpen.delete(sink);
      return { spans: sink.spans(), faults, errors };
    },
  };
}

const ms = (nanos) => Number(BigInt(nanos)) / 1e6;
const duration = (s) => ms(s.endTimeUnixNano) - ms(s.startTimeUnixNano);
const eventNames = (s) => (s.events ?? []).map((e) => e.name);
const byUrl = (spans, part) => spans.filter((s) => String(s.attrs["url.full"]).includes(part));
const one = (spans, part) => {
  const found = byUrl(spans, part);
  assert.equal(found.length, 1, `one span for ${part}, found ${found.length} among ${spans.map((s) => s.attrs["url.full"] ?? s.name).join(", ")}`);
  return found[0];
};
const header = (log, part, name) => log.find((l) => (l.path + l.search).includes(part) && l.method !== "OPTIONS")?.headers[name];

test("fetch: a CLIENT span per request, named by the method, with the stable HTTP attributes, resource-timing events and a traceparent", async () => {
  const t = await inPage(async () => {
    await (await fetch("/api/echo?plain")).json();
    await (await fetch("/api/echo?foo", { method: "FOO" })).text();
    await (await fetch("/api/echo?lower", { method: "post", body: "x" })).text();
  });
  const log = t.log();
  const { spans, faults } = await t.collect();
  assert.deepEqual(faults, []);
  const plain = one(spans, "?plain");
  const port = Number(new URL(servers.A).port);
  assert.equal(plain.name, "GET");
  assert.equal(plain.kind, 3, "CLIENT");
  assert.deepEqual(plain.attrs, { "http.request.method": "GET", "url.full": `${servers.A}/api/echo?plain`, "server.address": "127.0.0.1", "server.port": port, "http.response.status_code": 200 });
  assert.equal(plain.scope.name, "@opentelemetry/instrumentation-fetch");
  assert.equal(plain.parentSpanId, undefined);
  assert.deepEqual(plain.status, {});
  const events = eventNames(plain);
  for (const name of ["fetchStart", "domainLookupStart", "domainLookupEnd", "connectStart", "connectEnd", "requestStart", "responseStart", "responseEnd"]) assert.ok(events.includes(name), `${name} in ${events}`);
  const times = plain.events.map((e) => ms(e.timeUnixNano));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), "events in time order");
  assert.ok(times[0] >= ms(plain.startTimeUnixNano) - 1 && times.at(-1) <= ms(plain.endTimeUnixNano) + 0.001, "events inside the span");
  assert.equal(header(log, "?plain", "traceparent"), `00-${plain.traceId}-${plain.spanId}-01`);
  const foo = one(spans, "?foo");
  assert.equal(foo.name, "HTTP");
  assert.equal(foo.attrs["http.request.method"], "_OTHER");
  assert.equal(foo.attrs["http.request.method_original"], "FOO");
  const lower = one(spans, "?lower");
  assert.equal(lower.name, "POST");
  assert.equal(lower.attrs["http.request.method_original"], "post");
});

test("URLs resolve as the browser resolves them: paths and absolute URLs (the fast way and the parser's), relative URLs, and against a <base> of another origin", async () => {
  const RAW = ["/api/echo?i=1", "/a/b.json", "/a/./b", "/a/../b", "/.", "/..", "/a/.hidden", "/a b", "/a%2e/b", "/a/%2e%2e/b", "/a/%2E/b",
    "/x?y=/./z", "/x#f", '/x"', "/x<", "/x'", "/é", "/a//b", "/%zz", "/x{y}", "/a|b", "/a\tb", "/", "rel/x?y", "../up", "?q", "//localhost:1/x", "/\\x", "http://127.0.0.1:1/abs",
    // Absolute URLs: the fast way when the origin is written as the parser writes it, the parser's otherwise.
    "PAGE/api/echo?i=1", "PAGE/a/../b", "PAGE", "PAGE?q", "PAGE#f", "PAGE//x", "http://127.0.0.1:1/abs?x=//u@v", "https://example.com:443/x", "http://EXAMPLE.com/x",
    "HTTP://example.com/x", "http://example.com:80/x", "http://127.1:1/x", "http://u:p@127.0.0.1:1/x", "http://ex\tample.com/x", "http://example.com./x", "http://[::1]:1/x", "https://xn--bcher-kva.example/x", "http://bücher.example/x", "ftp://example.com/x"];
  const t = await inPage(async (wt, env) => {
    const { locate } = await import("/pkg/instrumentation.js");
    const check = () => env.arg.map((given) => {
      const raw = given.replace(/^PAGE/, location.origin);
      const u = new URL(raw, document.baseURI);
      const [url, site, full] = locate(raw);
      const port = Number(u.port) || (u.protocol === "https:" ? 443 : 80);
      const expected = u.protocol.startsWith("http") ? [u.href, u.origin, u.hostname, port, u.href.replace(u.username ? `${u.username}:${u.password}@` : "\0", "REDACTED:REDACTED@")] : [u.href];
      return [raw, site ? [url, site.origin, site.host, site.port, full || url] : [url], expected];
    });
    const before = check();
    await (await fetch("/api/echo?before-base")).text();
    const base = document.createElement("base");
    base.href = env.B + "/base/";
    document.head.append(base);
    const after = check();
    await fetch("/api/echo?after-base").then((r) => r.text()).catch(() => {});
    base.remove();
    return { before, after };
  }, { arg: RAW });
  const { spans, faults } = await t.collect();
  assert.deepEqual(faults, []);
  for (const [raw, ours, browsers] of [...t.result.before, ...t.result.after]) assert.deepEqual(ours, browsers, `${JSON.stringify(raw)} resolves as the browser does`);
  const A = new URL(servers.A);
  const B = new URL(servers.B);
  const local = one(spans, "?before-base");
  assert.equal(local.attrs["url.full"], `${servers.A}/api/echo?before-base`);
  assert.deepEqual([local.attrs["server.address"], local.attrs["server.port"]], [A.hostname, Number(A.port)]);
  const based = one(spans, "?after-base");
  assert.equal(based.attrs["url.full"], `${servers.B}/api/echo?after-base`, "a path resolves against the <base>, here another origin");
  assert.deepEqual([based.attrs["server.address"], based.attrs["server.port"]], [B.hostname, Number(B.port)]);
});

test("fetch: status ≥ 400, network errors, aborts and timeouts are errors with error.type", async () => {
  const t = await inPage(async (wt, { closed, sleep }) => {
    const settle = (p) => p.then((r) => r.text(), () => "failed");
    await settle(fetch("/api/status?code=204"));
    await settle(fetch("/api/status?code=404"));
    await settle(fetch("/api/status?code=500"));
    await settle(fetch(closed));
    const ac = new AbortController();
    const aborted = settle(fetch("/api/status?delay=300&abort", { signal: ac.signal }));
    await sleep(30);
    ac.abort();
    await aborted;
    await settle(fetch("/api/status?delay=300&timeout", { signal: AbortSignal.timeout(30) }));
  });
  const { spans } = await t.collect();
  const check = (part, status, type, code = 2) => {
    const s = one(spans, part);
    assert.equal(s.attrs["http.response.status_code"], status, part);
    assert.equal(s.attrs["error.type"], type, part);
    assert.equal(s.status.code ?? 0, code, part);
  };
  check("code=204", 204, undefined, 0);
  check("code=404", 404, "404");
  check("code=500", 500, "500");
  check("nothing-listens-here", undefined, "TypeError");
  check("&abort", undefined, "AbortError");
  check("&timeout", undefined, "TimeoutError");
  assert.equal(one(spans, "nothing-listens-here").status.message, "Failed to fetch");
});

test("XHR: the same span and attributes; error, abort and timeout; synchronous requests; credentials in the URL redacted", async () => {
  const t = await inPage(async (wt, { closed }) => {
    const run = (setup) => new Promise((ok) => { const x = new XMLHttpRequest(); x.onloadend = ok; setup(x); x.send(); });
    await run((x) => x.open("GET", "/api/echo?xplain"));
    await run((x) => x.open("PUT", "/api/status?code=503&x"));
    await run((x) => x.open("GET", closed + "?x"));
    await run((x) => { x.open("GET", "/api/status?delay=300&xabort"); setTimeout(() => x.abort(), 30); });
    await run((x) => { x.open("GET", "/api/status?delay=300&xtimeout"); x.timeout = 30; });
    const sync = new XMLHttpRequest();
    sync.open("GET", "/api/status?code=201&xsync", false);
    sync.send();
    await run((x) => x.open("GET", location.origin.replace("//", "//user:secret@") + "/api/status?xcreds"));
  });
  const log = t.log();
  const { spans, faults } = await t.collect(1500);
  assert.deepEqual(faults, []);
  const plain = one(spans, "?xplain");
  assert.equal(plain.name, "GET");
  assert.equal(plain.kind, 3);
  assert.equal(plain.scope.name, "@opentelemetry/instrumentation-xml-http-request");
  assert.deepEqual(plain.attrs, { "http.request.method": "GET", "url.full": `${servers.A}/api/echo?xplain`, "server.address": "127.0.0.1", "server.port": Number(new URL(servers.A).port), "http.response.status_code": 200 });
  assert.ok(eventNames(plain).includes("responseEnd"));
  assert.equal(header(log, "?xplain", "traceparent"), `00-${plain.traceId}-${plain.spanId}-01`);
  const s503 = one(spans, "code=503");
  assert.equal(s503.name, "PUT");
  assert.equal(s503.attrs["error.type"], "503");
  assert.equal(s503.status.code, 2);
  for (const [part, type] of [["nothing-listens-here", "error"], ["xabort", "abort"], ["xtimeout", "timeout"]]) {
    const s = one(spans, part);
    assert.equal(s.attrs["error.type"], type, part);
    assert.equal(s.status.code, 2, part);
    assert.equal(s.attrs["http.response.status_code"], undefined, `${part}: status 0 is left out`);
  }
  assert.equal(one(spans, "xsync").attrs["http.response.status_code"], 201);
  assert.match(one(spans, "xcreds").attrs["url.full"], /^http:\/\/REDACTED:REDACTED@127\.0\.0\.1:\d+\/api\/status\?xcreds$/);
});

test("trace headers: same origin always; another origin only when propagateTraceHeaderCorsUrls matches; the app's own left as it was", async () => {
  const t = await inPage(async (wt, { B }) => {
    const x = (url, headers = {}) => new Promise((ok) => {
      const r = new XMLHttpRequest();
      r.onloadend = ok;
      r.open("GET", url);
      for (const [k, v] of Object.entries(headers)) r.setRequestHeader(k, v);
      r.send();
    });
    await fetch(B + "/api/echo?f-exact").then((r) => r.text());
    await fetch(B + "/api/echo?f-notexact").then((r) => r.text());
    await fetch(B + "/api/echo?f-regex").then((r) => r.text());
    await fetch(B + "/api/echo?f-none").then((r) => r.text());
    await fetch("/api/echo?f-own", { headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } }).then((r) => r.text());
    await x(B + "/api/echo?x-regex");
    await x(B + "/api/echo?x-none");
    await x("/api/echo?x-own", { "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1" });
  }, {
    instrumentations: `(wt) => [
      new wt.FetchInstrumentation({ propagateTraceHeaderCorsUrls: ["${servers.B}/api/echo?f-exact", /f-regex/] }),
      new wt.XMLHttpRequestInstrumentation({ propagateTraceHeaderCorsUrls: /x-regex/ }),
    ]`,
    propagator: "(wt) => new wt.CompositePropagator({ propagators: [new wt.W3CTraceContextPropagator(), new wt.AWSXRayPropagator()] })",
  });
  const log = t.log();
  const { spans } = await t.collect();
  for (const part of ["f-exact", "f-regex", "x-regex"]) {
    const s = one(spans, part);
    const sent = header(log, "?" + part, "traceparent");
    assert.equal(sent, `00-${s.traceId}-${s.spanId}-01`, part);
    assert.equal(header(log, "?" + part, "x-amzn-trace-id"), `Root=1-${s.traceId.slice(0, 8)}-${s.traceId.slice(8)};Parent=${s.spanId};Sampled=1`, part);
  }
  for (const part of ["f-notexact", "f-none", "x-none"]) {
    assert.equal(header(log, "?" + part, "traceparent"), undefined, part);
    assert.equal(header(log, "?" + part, "x-amzn-trace-id"), undefined, part);
    assert.equal(log.filter((l) => l.search === "?" + part && l.method === "OPTIONS").length, 0, `${part}: no preflight caused`);
    assert.equal(byUrl(spans, "?" + part).length, 1, `${part} is still traced`);
  }
  assert.equal(header(log, "?f-own", "traceparent"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  assert.match(header(log, "?f-own", "x-amzn-trace-id"), /^Root=1-/, "the other propagator's header still goes");
  assert.equal(header(log, "?x-own", "x-amzn-trace-id"), "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
  assert.match(header(log, "?x-own", "traceparent"), /^00-/);
});

test("the exporters' own requests and every URL of the configured exporters are never traced", async () => {
  const t = await inPage(async (wt, { sinkUrl, sleep }) => {
    await fetch(sinkUrl + "?app-calls-the-sink", { method: "POST", body: "{}" }).catch(() => {});
    await fetch("/v1/traces").catch(() => {});
    await new Promise((ok) => { const x = new XMLHttpRequest(); x.onloadend = ok; x.open("POST", "/v1/traces#frag"); x.send("{}"); });
    await fetch("/v1/traces-not-an-exporter").catch(() => {});
    // Several export rounds happen meanwhile.
    for (let i = 0; i < 5; i++) {
      wt.trace.getTracer("t").startSpan("tick").end();
      await sleep(80);
    }
  }, { exporters: ["/v1/traces"] });
  const { spans } = await t.collect();
  const http = spans.filter((s) => s.attrs["url.full"]);
  assert.deepEqual(http.map((s) => new URL(s.attrs["url.full"]).pathname), ["/v1/traces-not-an-exporter"]);
  assert.ok(t.sink.requests.length >= 3, "exports happened");
  assert.ok(t.sink.requests.every((r) => !r.headers.traceparent), "export requests carry no trace header");
});

test("a fetch or XHR is the child of the active span: inside startActiveSpan and inside a click handler; not after an await", async () => {
  const t = await inPage(async (wt, { tracer }) => {
    let parentIds;
    await tracer.startActiveSpan("parent", async (span) => {
      parentIds = span.spanContext();
      const f = fetch("/api/status?in-parent").then((r) => r.text());
      const x = new XMLHttpRequest();
      x.open("GET", "/api/status?xhr-in-parent");
      x.send();
      await f;
      await fetch("/api/status?after-await").then((r) => r.text());
      span.end();
    });
    document.querySelector("#buy").addEventListener("click", () => {
      fetch("/api/status?from-click").then((r) => r.text());
      const x = new XMLHttpRequest();
      x.open("GET", "/api/status?xhr-from-click");
      x.send();
    });
    document.addEventListener("click", () => { fetch("/api/status?from-document-listener").then((r) => r.text()); });
    return parentIds;
  }, { instrumentations: "(wt) => [new wt.FetchInstrumentation(), new wt.XMLHttpRequestInstrumentation(), new wt.UserInteractionInstrumentation()]" });
  await t.page.click("#buy");
  const { spans } = await t.collect(500);
  const parent = spans.find((s) => s.name === "parent");
  assert.equal(parent.spanId, t.result.spanId);
  for (const part of ["?in-parent", "?xhr-in-parent"]) {
    assert.equal(one(spans, part).parentSpanId, parent.spanId, part);
    assert.equal(one(spans, part).traceId, parent.traceId, part);
  }
  assert.equal(one(spans, "?after-await").parentSpanId, undefined, "no zone.js: an await loses the context");
  const click = spans.find((s) => s.name === "click");
  assert.ok(click, "a click span");
  for (const part of ["?from-click", "?xhr-from-click", "?from-document-listener"]) {
    assert.equal(one(spans, part).parentSpanId, click.spanId, part);
    assert.equal(one(spans, part).traceId, click.traceId, part);
  }
});

test("clicks: one span per click, with the element's tag, id and XPath, active during all its listeners", async () => {
  const t = await inPage(async () => {
    window.seen = [];
    const note = (where) => () => window.seen.push([where, window.wt.trace.getActiveSpan()?.spanContext().spanId]);
    for (const el of document.querySelectorAll("button")) el.addEventListener("click", note("button"));
    document.body.addEventListener("click", note("body"));
    window.addEventListener("click", note("window"), true);
    document.body.addEventListener("mousedown", note("mousedown"));
  }, { instrumentations: `(wt) => [new wt.UserInteractionInstrumentation({ shouldPreventSpanCreation: (type, el) => el.textContent === "skip" })]` });
  await t.page.click("#buy");
  await t.page.click("div button");
  await t.page.evaluate(() => { const b = document.createElement("button"); b.textContent = "skip"; b.addEventListener("click", () => {}); document.body.append(b); b.click(); });
  const seen = await t.page.evaluate(() => window.seen);
  const { spans } = await t.collect();
  const clicks = spans.filter((s) => s.name === "click");
  assert.equal(clicks.length, 2, "two clicks, the skipped one dropped");
  const [buy, deep] = clicks.sort((a, b) => ms(a.startTimeUnixNano) - ms(b.startTimeUnixNano));
  assert.deepEqual(buy.attrs, { event_type: "click", target_element: "BUTTON", target_id: "buy", target_xpath: '//*[@id="buy"]', "url.full": `${servers.A}/inst.html` });
  assert.equal(deep.attrs.target_xpath, "/html/body/div/span[2]/button");
  assert.equal(deep.attrs.target_id, undefined);
  assert.equal(buy.kind, 1);
  // Each listener of a click saw that click's span; the mousedown listener saw none.
  const first = seen.filter(([, id]) => id === buy.spanId).map(([w]) => w);
  assert.deepEqual(first, ["window", "button", "body"]);
  assert.deepEqual(seen.filter(([, id]) => id === deep.spanId).map(([w]) => w), ["window", "button", "body"]);
  assert.ok(seen.filter(([w]) => w === "mousedown").every(([, id]) => id === undefined));
});

test("many concurrent requests to one URL: each span gets its own request's timing", async () => {
  const t = await inPage(async (wt) => {
    // 100 ms apart: a span given another request's entry is off by 100 ms
    // or more, well beyond what a loaded machine adds to a request (~45 ms seen).
    const delays = [500, 100, 400, 200, 300, 0];
    // no-store: else Chromium's cache lets only one request per URL run at a time.
    await Promise.all(delays.map((d) => fetch("/api/status?same", { headers: { "x-delay": String(d) }, cache: "no-store" }).then((r) => r.text())));
    await Promise.all(delays.map((d) => new Promise((ok) => {
      const x = new XMLHttpRequest();
      x.tag = d;
      x.onloadend = ok;
      x.open("GET", "/api/status?xsame");
      x.setRequestHeader("x-delay", String(d));
      x.send();
    })));
  }, {
    instrumentations: `(wt) => [
      new wt.FetchInstrumentation({ requestHook: (span, request) => span.setAttribute("delay", Number(request.headers.get("x-delay"))) }),
      new wt.XMLHttpRequestInstrumentation({ applyCustomAttributesOnSpan: (span, xhr) => span.setAttribute("delay", xhr.tag) }),
    ]`,
  });
  const { spans } = await t.collect(500);
  for (const part of ["?same", "?xsame"]) {
    const group = byUrl(spans, part);
    assert.equal(group.length, 6, part);
    for (const s of group) {
      const delay = s.attrs.delay;
      const start = ms(s.startTimeUnixNano);
      const at = Object.fromEntries(s.events.map((e) => [e.name, ms(e.timeUnixNano) - start]));
      // The server held this request `delay` ms: its own entry says so.
      assert.ok(at.responseStart - at.requestStart >= delay - 1 && at.responseStart - at.requestStart < delay + 80, `${part} delay ${delay}: ${JSON.stringify(at)}`);
      assert.ok(duration(s) >= delay && duration(s) - at.responseEnd < 20, `${part} delay ${delay}: lasted ${duration(s)}, ${JSON.stringify(at)}`);
      if (part === "?same") assert.ok(duration(s) < delay + 100, `truly concurrent: ${duration(s)}`);
    }
  }
});

test("CORS preflight: a child span when one happened, each matched to its own request; none for simple or cached ones", async () => {
  const t = await inPage(async (wt, { B, sleep }) => {
    await fetch(B + "/api/echo?pfdelay=80&single").then((r) => r.text());
    await Promise.all([0, 1, 2].map(() => fetch(B + "/api/echo?pfdelay=60&many").then((r) => r.text())));
    await new Promise((ok) => { const x = new XMLHttpRequest(); x.onloadend = ok; x.open("GET", B + "/api/echo?pfdelay=70&xhr"); x.send(); });
    await fetch(B + "/api/echo?simple&pfdelay=80").then((r) => r.text());
    await fetch(B + "/api/echo?cached&pfdelay=40&maxage=60", { headers: { "x-custom": "1" } }).then((r) => r.text());
    await fetch(B + "/api/echo?cached&pfdelay=40&maxage=60", { headers: { "x-custom": "1" } }).then((r) => r.text());
  }, {
    instrumentations: `(wt) => [
      new wt.FetchInstrumentation({ propagateTraceHeaderCorsUrls: [/single/, /many/] }),
      new wt.XMLHttpRequestInstrumentation({ propagateTraceHeaderCorsUrls: /localhost/ }),
    ]`,
  });
  const log = t.log();
  const { spans } = await t.collect(500);
  const preflights = spans.filter((s) => s.name === "CORS Preflight");
  const childOf = (s) => preflights.filter((p) => p.parentSpanId === s.spanId);
  const check = (s, least) => {
    const [p] = childOf(s);
    assert.ok(p, `a preflight under ${s.attrs["url.full"]}`);
    assert.equal(childOf(s).length, 1);
    assert.equal(p.traceId, s.traceId);
    assert.ok(duration(p) >= least, `preflight lasted ${duration(p)}`);
    const requestStart = ms(s.events.find((e) => e.name === "requestStart").timeUnixNano);
    assert.ok(ms(p.startTimeUnixNano) >= ms(s.startTimeUnixNano) - 0.5 && ms(p.endTimeUnixNano) <= requestStart + 0.5, "inside its request, before requestStart");
  };
  check(one(spans, "single"), 75);
  const many = byUrl(spans, "&many");
  assert.equal(many.length, 3);
  const manyOptions = log.filter((l) => l.method === "OPTIONS" && l.search.includes("many")).length;
  assert.equal(many.filter((s) => childOf(s).length).length, manyOptions, `as many preflight spans as OPTIONS requests (${manyOptions})`);
  for (const s of many) if (childOf(s).length) check(s, 55);
  check(one(spans, "&xhr"), 65);
  assert.equal(childOf(one(spans, "simple")).length, 0, "a simple request has none");
  const cached = byUrl(spans, "cached").sort((a, b) => ms(a.startTimeUnixNano) - ms(b.startTimeUnixNano));
  assert.equal(log.filter((l) => l.method === "OPTIONS" && l.search.includes("cached")).length, 1);
  assert.equal(childOf(cached[0]).length, 1);
  assert.equal(childOf(cached[1]).length, 0, "the browser's preflight cache answered");
});

test("a fetch span ends when the response is complete: after a body the app reads, at the headers when the app never reads it", async () => {
  const t = await inPage(async (wt, { sleep }) => {
    await (await fetch("/api/slowbody?ms=300&read")).text();
    window.unread = await fetch("/api/slowbody?ms=300&unread");
    const r = await fetch("/api/slowbody?ms=300&stream");
    const reader = r.body.getReader();
    await reader.read();
    await sleep(1500); // reading slowly: past the point where an unread body ends the span
    while (!(await reader.read()).done);
    await sleep(1000);
  });
  const { spans } = await t.collect();
  assert.ok(duration(one(spans, "&read")) >= 300, `read: ${duration(one(spans, "&read"))}`);
  assert.ok(duration(one(spans, "&unread")) < 150, `unread: ${duration(one(spans, "&unread"))}`);
  assert.deepEqual(one(spans, "&unread").events, undefined, "ended without waiting for a body nobody reads");
  const stream = one(spans, "&stream");
  assert.ok(duration(stream) >= 300 && duration(stream) < 1000, `stream: ${duration(stream)}`);
  assert.ok(eventNames(stream).includes("responseEnd"));
});

test("options: ignoreUrls, clearTimingResources, applyCustomAttributesOnSpan, requestHook, ignoreNetworkEvents", async () => {
  const t = await inPage(async () => {
    const x = (url) => new Promise((ok) => { const r = new XMLHttpRequest(); r.onloadend = ok; r.open("GET", url); r.send(); });
    await fetch("/api/echo?ignored-exact").then((r) => r.text());
    await fetch("/api/echo?ignored-regex").then((r) => r.text());
    await fetch("/api/echo?kept").then((r) => r.text());
    await fetch("/api/echo?ignored-exact&not-exact").then((r) => r.text());
    await x("/api/echo?x-ignored");
    await x("/api/echo?x-kept");
    await new Promise((r) => setTimeout(r, 300));
    return performance.getEntriesByType("resource").filter((e) => e.initiatorType === "fetch" && e.name.includes("/api/")).map((e) => e.name);
  }, {
    instrumentations: `(wt) => [
      new wt.FetchInstrumentation({
        ignoreUrls: ["${servers.A}/api/echo?ignored-exact", /ignored-regex/],
        clearTimingResources: true,
        applyCustomAttributesOnSpan: (span, request, response) => span.setAttributes({ "custom.status": response.status, "custom.sent": request.headers.get("x-hooked") }),
        requestHook: (span, request) => request.headers.set("x-hooked", "yes"),
      }),
      new wt.XMLHttpRequestInstrumentation({ ignoreUrls: [/x-ignored/], ignoreNetworkEvents: true, applyCustomAttributesOnSpan: (span, xhr) => span.setAttribute("custom.xhr", xhr.status) }),
    ]`,
  });
  const log = t.log();
  const { spans } = await t.collect();
  assert.deepEqual(t.result, [], "clearTimingResources emptied the resource timing buffer of fetch entries (XHR's is not set)");
  assert.equal(byUrl(spans, "ignored-exact").length, 1, "a string matches exactly");
  assert.equal(byUrl(spans, "not-exact").length, 1);
  assert.equal(byUrl(spans, "ignored-regex").length, 0);
  assert.equal(byUrl(spans, "x-ignored").length, 0);
  assert.equal(header(log, "?ignored-regex", "traceparent"), undefined, "an ignored URL gets no header");
  const kept = one(spans, "?kept");
  assert.equal(kept.attrs["custom.status"], 200);
  assert.equal(kept.attrs["custom.sent"], "yes");
  assert.equal(header(log, "?kept", "x-hooked"), "yes");
  assert.ok(kept.events.length >= 4, "network events by default");
  const xkept = one(spans, "x-kept");
  assert.equal(xkept.attrs["custom.xhr"], 200);
  assert.equal(xkept.events, undefined, "ignoreNetworkEvents");
});

test("disable() restores the original functions exactly; enable() patches again; a wrapper added after ours keeps working", async () => {
  const t = await inPage(async (wt, { instrumentations, unregister }) => {
    const originals = window.originals;
    const P = XMLHttpRequest.prototype;
    const E = EventTarget.prototype;
    const now = () => [window.fetch, P.open, P.send, P.setRequestHeader, E.addEventListener, E.removeEventListener];
    const same = () => now().map((f, i) => f === originals[i]);
    const patched = same();
    const x = (url) => new Promise((ok) => { const r = new XMLHttpRequest(); r.onloadend = ok; r.open("GET", url); r.send(); });
    await fetch("/api/status?on-1").then((r) => r.text());
    unregister();
    const restored = same();
    await fetch("/api/status?off-1").then((r) => r.text());
    await x("/api/status?xoff-1");
    for (const i of instrumentations) i.enable();
    const repatched = same();
    await fetch("/api/status?on-2").then((r) => r.text());
    // Another library wraps fetch after ours; disabling ours must not drop it.
    let libCalls = 0;
    const ours = window.fetch;
    window.fetch = function () { libCalls++; return ours.apply(this, arguments); };
    for (const i of instrumentations) i.disable();
    const stillLib = window.fetch !== ours && window.fetch !== originals[0];
    await fetch("/api/status?off-2").then((r) => r.text());
    for (const i of instrumentations) i.enable();
    await fetch("/api/status?on-3").then((r) => r.text());
    const current = window.fetch;
    const disabledAtStart = new wt.FetchInstrumentation({ enabled: false });
    return { patched, restored, repatched, stillLib, libCalls, startsDisabled: window.fetch === current && disabledAtStart.getConfig().enabled === false };
  }, {
    instrumentations: `(wt) => {
      const P = XMLHttpRequest.prototype, E = EventTarget.prototype;
      window.originals = [window.fetch, P.open, P.send, P.setRequestHeader, E.addEventListener, E.removeEventListener];
      return [new wt.FetchInstrumentation(), new wt.XMLHttpRequestInstrumentation(), new wt.UserInteractionInstrumentation()];
    }`,
  });
  const { spans } = await t.collect();
  const r = t.result;
  assert.deepEqual(r.patched, [false, false, false, false, false, false]);
  assert.deepEqual(r.restored, [true, true, true, true, true, true]);
  assert.deepEqual(r.repatched, [false, false, false, false, false, false]);
  assert.equal(r.stillLib, true);
  assert.equal(r.libCalls, 2);
  assert.equal(r.startsDisabled, true, "enabled: false patches nothing until enable()");
  const urls = spans.map((s) => s.attrs["url.full"]).filter(Boolean).map((u) => new URL(u).search);
  assert.deepEqual(urls.sort(), ["?on-1", "?on-2", "?on-3"]);
});

test("faults inside our code (hooks, a propagator) are reported through diag and never reach the app", async () => {
  const t = await inPage(async () => {
    const out = [];
    out.push(await fetch("/api/status?code=201").then((r) => r.status));
    out.push(await new Promise((ok) => { const x = new XMLHttpRequest(); x.onloadend = () => ok(x.status); x.open("GET", "/api/status?code=202"); x.send(); }));
    const b = document.querySelector("#buy");
    let clicked = 0;
    b.addEventListener("click", () => clicked++);
    b.click();
    out.push(clicked);
    return out;
  }, {
    instrumentations: `(wt) => {
      const boom = () => { throw new Error("hook failed"); };
      return [
        new wt.FetchInstrumentation({ applyCustomAttributesOnSpan: boom, requestHook: boom }),
        new wt.XMLHttpRequestInstrumentation({ applyCustomAttributesOnSpan: boom }),
        new wt.UserInteractionInstrumentation({ shouldPreventSpanCreation: boom }),
      ];
    }`,
    propagator: `() => ({ inject() { throw new Error("propagator failed"); }, extract: (c) => c, fields: () => [] })`,
  });
  const { spans, faults, errors } = await t.collect();
  assert.deepEqual(t.result, [201, 202, 1]);
  assert.deepEqual(errors, []);
  assert.ok(faults.length >= 5, faults.join("\n"));
  assert.ok(faults.every((f) => /instrumentation fault.*(hook failed|propagator failed)/.test(f)), faults.join("\n"));
  assert.equal(one(spans, "code=201").attrs["http.response.status_code"], 201, "the span still ends");
  assert.equal(one(spans, "code=202").attrs["http.response.status_code"], 202);
});

test("suppressed tracing: no span and no header; an instrumentation given no provider uses the global one", async () => {
  const t = await inPage(async (wt) => {
    await wt.context.with(wt.suppressTracing(wt.context.active()), () => fetch("/api/echo?suppressed")).then((r) => r.text());
    const x = new XMLHttpRequest();
    wt.context.with(wt.suppressTracing(wt.context.active()), () => { x.open("GET", "/api/echo?xsuppressed"); x.send(); });
    await new Promise((ok) => (x.onloadend = ok));
    const lone = new wt.FetchInstrumentation();
    const status = await fetch("/api/status?no-provider").then((r) => r.text().then(() => r.status));
    lone.disable();
    return status;
  }, { instrumentations: "(wt) => [new wt.XMLHttpRequestInstrumentation()]" });
  const log = t.log();
  const { spans } = await t.collect();
  assert.equal(t.result, 200);
  assert.equal(byUrl(spans, "suppressed").length, 0);
  assert.equal(header(log, "?suppressed", "traceparent"), undefined);
  assert.equal(header(log, "?xsuppressed", "traceparent"), undefined);
  assert.equal(byUrl(spans, "no-provider").length, 1, "the global provider is used when none is given");
});

// ---- document load ----------------------------------------------------------

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const loadPage = (sinkUrl, { meta = true, options = "{}" } = {}) => `<!doctype html><meta charset="utf-8"><title>load</title>
${meta ? `<meta name="traceparent" content="00-${TRACE_ID}-${PARENT}-01">` : ""}
<link rel="stylesheet" href="/api/status?code=200&css">
<body><img src="/api/bytes?n=2000&img">
<script type="module">
  import * as wt from "/pkg/index.js";
  await wt.default();
  const provider = new wt.WebTracerProvider({ spanProcessors: [new wt.BatchSpanProcessor(new wt.OTLPTraceExporter({ url: ${JSON.stringify(sinkUrl)} }), { scheduledDelayMillis: 50 })] });
  provider.register();
  wt.registerInstrumentations({ instrumentations: [new wt.DocumentLoadInstrumentation(${options})], tracerProvider: provider });
  window.provider = provider;
</script>`;

async function loadSpans(options) {
  const sink = await startSink();
  leftOpen.add(sink);
  servers.pages["/load.html"] = loadPage(sink.url, options);
  const page = await browser.newPage();
  await page.goto(servers.A + "/load.html");
  await waitFor(() => sink.spans().some((s) => s.name === "documentLoad"), 10000);
  await page.close();
  await sink.stop();
  leftOpen.delete(sink);
  return sink.spans();
}

test("document load: documentLoad with documentFetch and a resourceFetch per resource, in the trace of <meta name=traceparent>", async () => {
  const spans = await loadSpans();
  const load = spans.find((s) => s.name === "documentLoad");
  assert.ok(load, spans.map((s) => s.name).join());
  assert.equal(load.traceId, TRACE_ID);
  assert.equal(load.parentSpanId, PARENT);
  assert.equal(load.attrs["url.full"], `${servers.A}/load.html`);
  assert.match(load.attrs["user_agent.original"], /Chrome/);
  const events = eventNames(load);
  for (const name of ["fetchStart", "domInteractive", "domContentLoadedEventStart", "domContentLoadedEventEnd", "domComplete", "loadEventStart", "loadEventEnd"]) assert.ok(events.includes(name), `${name} in ${events}`);
  const fetchSpan = spans.find((s) => s.name === "documentFetch");
  assert.equal(fetchSpan.parentSpanId, load.spanId);
  assert.equal(fetchSpan.traceId, TRACE_ID);
  assert.ok(eventNames(fetchSpan).includes("responseEnd"));
  const resources = spans.filter((s) => s.name === "resourceFetch");
  const names = resources.map((s) => new URL(s.attrs["url.full"]).pathname + new URL(s.attrs["url.full"]).search);
  for (const expected of ["/api/status?code=200&css", "/api/bytes?n=2000&img", "/pkg/index.js"]) assert.ok(names.includes(expected), `${expected} in ${names}`);
  assert.ok(resources.every((s) => s.parentSpanId === load.spanId && s.traceId === TRACE_ID));
  assert.ok(resources.every((s) => eventNames(s).includes("responseEnd")));
  assert.ok(ms(load.endTimeUnixNano) >= Math.max(...resources.map((s) => ms(s.endTimeUnixNano))), "documentLoad ends last");
});

test("document load: a root span without the meta tag; ignoreNetworkEvents, ignorePerformancePaintEvents and the custom-attribute hooks", async () => {
  const spans = await loadSpans({
    meta: false,
    options: `{ ignoreNetworkEvents: true, ignorePerformancePaintEvents: true, applyCustomAttributesOnSpan: {
      documentLoad: (s) => s.setAttribute("hook", "load"), documentFetch: (s) => s.setAttribute("hook", "fetch"), resourceFetch: (s, e) => s.setAttribute("hook", e.initiatorType) } }`,
  });
  const load = spans.find((s) => s.name === "documentLoad");
  assert.equal(load.parentSpanId, undefined);
  assert.equal(load.attrs.hook, "load");
  assert.ok(!eventNames(load).some((n) => /Paint/.test(n)));
  const fetchSpan = spans.find((s) => s.name === "documentFetch");
  assert.equal(fetchSpan.attrs.hook, "fetch");
  assert.equal(fetchSpan.events, undefined);
  const img = spans.find((s) => s.name === "resourceFetch" && s.attrs["url.full"].includes("img"));
  assert.equal(img.attrs.hook, "img");
  assert.equal(img.events, undefined);
});

test("document load: an event a hook adds comes after the network events, as added", async () => {
  const spans = await loadSpans({ options: `{ applyCustomAttributesOnSpan: { documentFetch: (s) => s.addEvent("hooked") } }` });
  const names = eventNames(spans.find((s) => s.name === "documentFetch"));
  assert.equal(names.at(-1), "hooked", String(names));
  assert.ok(names.indexOf("responseEnd") > -1 && names.indexOf("responseEnd") < names.length - 1, String(names));
});

test("fetch: network events count against eventCountLimit; those past it are counted as dropped", async () => {
  const t = await inPage(async (wt, env) => {
    const provider = new wt.WebTracerProvider({
      spanLimits: { eventCountLimit: 3 },
      spanProcessors: [new wt.BatchSpanProcessor(new wt.OTLPTraceExporter({ url: env.sinkUrl }), { scheduledDelayMillis: 50 })],
    });
    const inst = new wt.FetchInstrumentation();
    wt.registerInstrumentations({ instrumentations: [inst], tracerProvider: provider });
    await (await fetch("/api/echo?limited")).text();
    await env.sleep(300);
    await provider.forceFlush();
    inst.disable();
  }, { instrumentations: "() => []" });
  const { spans, faults } = await t.collect();
  assert.deepEqual(faults, []);
  const span = one(spans, "?limited");
  assert.deepEqual(eventNames(span), ["fetchStart", "domainLookupStart", "domainLookupEnd"]);
  // connectStart, connectEnd, requestStart, responseStart, responseEnd at least (secureConnectionStart is 0 on http).
  assert.ok(span.droppedEventsCount >= 5, `droppedEventsCount ${span.droppedEventsCount}`);
});

test("requests in flight when the page goes away still arrive (ended before the provider's page-hide flush)", async () => {
  const t = await inPage(async () => {
    fetch("/api/status?delay=5000&leaving").catch(() => {});
    const x = new XMLHttpRequest();
    x.open("GET", "/api/status?delay=5000&xleaving");
    x.send();
    await new Promise((r) => setTimeout(r, 100));
  });
  await t.page.goto("about:blank");
  await waitFor(() => t.sink.spans().filter((s) => String(s.attrs["url.full"]).includes("leaving")).length >= 2, 5000);
  const spans = t.sink.spans();
  await t.page.close();
  await t.sink.stop();
  leftOpen.delete(t.sink);
  assert.equal(byUrl(spans, "&leaving").length, 1, "the fetch span");
  assert.equal(byUrl(spans, "&xleaving").length, 1, "the XHR span");
});

test("a sampled-out request: no span, and a traceparent that says not sampled", async () => {
  const t = await inPage(async (wt) => {
    const provider = new wt.WebTracerProvider({ sampler: new wt.AlwaysOffSampler() });
    const i = new wt.FetchInstrumentation();
    i.setTracerProvider(provider);
    window.env.instrumentations[0].disable();
    await fetch("/api/echo?unsampled").then((r) => r.text());
    i.disable();
  });
  const log = t.log();
  const { spans } = await t.collect();
  assert.match(header(log, "?unsampled", "traceparent"), /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  assert.equal(byUrl(spans, "unsampled").length, 0);
});
