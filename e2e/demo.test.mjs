// The demo end to end: the README's run command starts the collector, the
// task API and the Vue app; headless Chromium adds, completes and deletes a
// task, reloads, and leaves. Every click must be one trace from the browser's
// `click` span down to the API's database span, in the collector's file and,
// through moto_server standing in for AWS X-Ray, as X-Ray segments; spans
// ended just before leaving must arrive; and the app must behave exactly as
// it does with tracing off.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, waitFor } from "./harness.mjs";
import { buildDemoBinaries, startMoto, startDemo, xrayDocuments, xrayTraceId, sleep } from "./demo-harness.mjs";

const TITLE = "Water the plants";
const KIND = { 1: "INTERNAL", 2: "SERVER", 3: "CLIENT" };
// The app's BatchSpanProcessor exports every 5 s (OpenTelemetry JS's default):
// a span that ended less than this before the page was left can only have
// arrived through the page-hide flush.
const SCHEDULED_DELAY_MS = 5000;

let browser, moto, bins;
const demos = [];
// Building is a no-op after scripts/test.sh's `cargo test --workspace`; alone, it may compile.
before(async () => {
  bins = buildDemoBinaries();
  moto = await startMoto();
  browser = await launchBrowser();
}, { timeout: 35 * 60_000 });
after(async () => {
  for (const demo of demos) await demo.interrupt(20_000);
  await browser?.close();
  await moto?.stop();
});

/**
 * One visit, as a person makes it: open the app, add a task, complete it,
 * delete it, reload, and follow the footer link to the API. Returns what the
 * app asked of the API and got back, the screen after each step, and when
 * the page was left.
 */
async function visit(demo, { tracing }) {
  const page = await browser.newPage();
  const calls = [];
  const reading = [];
  const problems = [];
  const toCollector = [];
  // (The browser's own favicon request to the API's origin, once there, is no request of the app's.)
  page.on("console", (m) => m.type() === "error" && !m.location().url?.endsWith("/favicon.ico") && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("requestfailed", (r) => problems.push(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`));
  page.on("request", (r) => r.url().startsWith(demo.collector) && toCollector.push(r.url()));
  page.on("response", (response) => {
    const request = response.request();
    if (!response.url().startsWith(demo.api + "/")) return;
    const call = { method: request.method(), path: new URL(response.url()).pathname, type: request.resourceType(), status: response.status() };
    calls.push(call);
    reading.push((async () => {
      const headers = await request.allHeaders();
      call.traceparent = headers.traceparent;
      call.xray = headers["x-amzn-trace-id"];
      call.contentType = (await response.allHeaders())["content-type"];
      call.body = await response.text().catch(() => "(unreadable)");
    })());
  });
  const screen = () => page.evaluate(() => ({
    tasks: [...document.querySelectorAll("#tasks li")].map((li) => ({ title: li.querySelector(".title").textContent, done: li.classList.contains("done") })),
    summary: document.querySelector("#summary")?.textContent ?? null,
    error: document.querySelector("#error")?.textContent ?? null,
    input: document.querySelector("#new-title")?.value ?? null,
    badge: document.querySelector("#tracing")?.textContent.trim() ?? null,
  }));
  const screens = [];

  await page.goto(demo.app + "/" + (tracing ? "" : "?tracing=off"));
  await page.waitForSelector("#summary");
  screens.push(["opened", await screen()]);

  await page.fill("#new-title", TITLE);
  await page.click("#add");
  await page.waitForSelector(`#tasks li:has-text("${TITLE}")`);
  await page.waitForFunction(() => document.querySelector("#new-title").value === "");
  screens.push(["added", await screen()]);

  await page.click("#tasks li .complete");
  await page.waitForSelector("#tasks li.done");
  screens.push(["completed", await screen()]);

  await page.click("#tasks li .delete");
  await page.waitForFunction(() => document.querySelectorAll("#tasks li").length === 0);
  screens.push(["deleted", await screen()]);

  await page.reload();
  await page.waitForSelector("#summary");
  await page.waitForFunction(() => document.readyState === "complete");
  screens.push(["reloaded", await screen()]);

  // The document-load spans are made just after the load event; then leave.
  await sleep(300);
  const leftAt = await page.evaluate(() => Date.now());
  await Promise.all([page.waitForURL(demo.api + "/api/tasks"), page.click("#raw")]);
  screens.push(["left", await page.evaluate(() => document.body.innerText.trim())]);
  await Promise.all(reading);
  await page.close();
  return { calls, screens, problems, toCollector, leftAt };
}

const byId = (spans) => new Map(spans.map((s) => [s.spanId, s]));

/** The spans from `span` up to its root, following parent ids. */
function ancestry(span, index) {
  const chain = [span];
  for (let s = span; s.parentSpanId && index.has(s.parentSpanId); ) chain.push((s = index.get(s.parentSpanId)));
  return chain;
}

/** An indented tree of one trace: name, kind, service, ids. */
function treeOf(traceId, spans) {
  const inTrace = spans.filter((s) => s.traceId === traceId);
  const lines = [];
  const walk = (parent, depth) => {
    for (const s of inTrace.filter((x) => (x.parentSpanId ?? "") === parent).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)))) {
      lines.push(`${"  ".repeat(depth)}${s.name} [${KIND[s.kind] ?? s.kind}, ${s.service}] span ${s.spanId}${s.parentSpanId ? ` parent ${s.parentSpanId}` : ""}`);
      walk(s.spanId, depth + 1);
    }
  };
  walk("", 0);
  return `trace ${traceId} (X-Ray ${xrayTraceId(traceId)})\n${lines.join("\n")}`;
}

const endMs = (span) => Number(BigInt(span.endTimeUnixNano) / 1_000_000n);

test("the demo: each click is one trace from the browser to the database, in the file and in X-Ray; nothing lost on leaving; the app unchanged by tracing", { timeout: 180_000 }, async (t) => {
  // ---- traced, exporting to the file and to X-Ray (moto) ------------------
  const traced = await startDemo({
    bins,
    env: {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_XRAY: moto.url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    },
  });
  demos.push(traced);
  assert.match(traced.output(), new RegExp(`the task app +${traced.app}/`));
  assert.match(traced.output(), /AWS X-Ray \(us-east-1\)/);
  const on = await visit(traced, { tracing: true });
  assert.deepEqual(on.problems, [], "no errors in the page");

  // Spans ended just before leaving: the reloaded page's load and its list
  // request, and the click on the link that left.
  const web = () => traced.spans().filter((s) => s.service === "task-web");
  const lastLoad = () => web().filter((s) => s.name === "documentLoad").sort((a, b) => endMs(b) - endMs(a))[0];
  const arrived = await waitFor(() => {
    const leaveClick = web().find((s) => s.name === "click" && s.attrs.target_id === "raw");
    const gets = web().filter((s) => s.name === "GET" && s.kind === 3);
    return web().filter((s) => s.name === "documentLoad").length === 2 && gets.length === 2 && leaveClick && { leaveClick, gets };
  }, 20_000);
  assert.ok(arrived, `the spans ended before leaving arrived: ${web().map((s) => s.name)}`);
  const finalSpans = [lastLoad(), ...web().filter((s) => s.traceId === lastLoad().traceId), arrived.gets.sort((a, b) => endMs(b) - endMs(a))[0], arrived.leaveClick];
  for (const s of finalSpans) {
    const before = on.leftAt - endMs(s);
    assert.ok(before < SCHEDULED_DELAY_MS && before > -1000, `${s.name} ended ${before} ms before leaving: only the page-hide flush can have sent it`);
  }

  // Ctrl-C: everything stops, in order, and the collector flushes.
  const stopped = await traced.interrupt();
  demos.splice(demos.indexOf(traced), 1);
  assert.equal(stopped.code, 0, stopped.output);
  assert.deepEqual(stopped.open, [], "every port is closed after Ctrl-C");
  const order = ["stopped app", "stopped task-api", "stopped collector"].map((line) => stopped.output.indexOf(line));
  assert.ok(order[0] > 0 && order[0] < order[1] && order[1] < order[2], `stopped in order (app, API, collector):\n${stopped.output}`);

  const spans = traced.spans();
  const index = byId(spans);
  const api = spans.filter((s) => s.service === "task-api");

  // Every user action: click → fetch/XHR (CLIENT) → SERVER → database (CLIENT).
  const actions = [
    { method: "POST", scope: "@opentelemetry/instrumentation-fetch", server: "POST /api/tasks", db: "INSERT tasks", status: 201 },
    { method: "PATCH", scope: "@opentelemetry/instrumentation-xml-http-request", server: "PATCH /api/tasks/{id}", db: "UPDATE tasks", status: 200 },
    { method: "DELETE", scope: "@opentelemetry/instrumentation-fetch", server: "DELETE /api/tasks/{id}", db: "DELETE tasks", status: 204 },
  ];
  const chains = [];
  for (const action of actions) {
    const clients = spans.filter((s) => s.service === "task-web" && s.kind === 3 && s.attrs["http.request.method"] === action.method);
    assert.equal(clients.length, 1, `one ${action.method} span: ${clients.length}`);
    const client = clients[0];
    assert.equal(client.scope.name, action.scope);
    assert.equal(client.attrs["http.response.status_code"], action.status);
    assert.ok(client.attrs["url.full"].startsWith(traced.api + "/api/tasks"), client.attrs["url.full"]);
    const up = ancestry(client, index);
    const click = up.find((s) => s.name === "click");
    assert.ok(click, `${action.method}: a click span is its ancestor (chain: ${up.map((s) => s.name)})`);
    assert.equal(click.kind, 1);
    assert.equal(click.attrs.event_type, "click");
    assert.equal(click.attrs.target_element, "BUTTON");
    const servers = api.filter((s) => s.parentSpanId === client.spanId);
    assert.equal(servers.length, 1, `${action.method}: one SERVER span under the ${action.method} span`);
    const server = servers[0];
    assert.equal(server.kind, 2);
    assert.equal(server.name, action.server);
    assert.equal(server.attrs["http.response.status_code"], action.status);
    const dbs = api.filter((s) => s.parentSpanId === server.spanId);
    assert.equal(dbs.length, 1, `${action.method}: one database span under the SERVER span`);
    const db = dbs[0];
    assert.equal(db.kind, 3);
    assert.equal(db.name, action.db);
    assert.equal(db.attrs["db.system"], "sqlite");
    for (const s of [...up, server, db]) assert.equal(s.traceId, click.traceId, `${s.name} is in the click's trace`);
    // The request carried both headers, naming the fetch/XHR span as parent.
    const call = on.calls.find((c) => c.method === action.method);
    assert.equal(call.traceparent, `00-${client.traceId}-${client.spanId}-01`);
    assert.equal(call.xray, `Root=${xrayTraceId(client.traceId)};Parent=${client.spanId};Sampled=1`);
    chains.push({ action, click, client, server, db, up });
  }
  t.diagnostic("the trace of one click (add):");
  for (const line of treeOf(chains[0].click.traceId, spans).split("\n")) t.diagnostic(line);

  // The page loads: documentLoad with documentFetch and resourceFetch children.
  const loads = spans.filter((s) => s.name === "documentLoad");
  assert.equal(loads.length, 2, "the first load and the reload");
  for (const load of loads) {
    const children = spans.filter((s) => s.parentSpanId === load.spanId);
    assert.equal(children.filter((s) => s.name === "documentFetch").length, 1);
    assert.ok(children.some((s) => s.name === "resourceFetch" && /\.js$/.test(s.attrs["url.full"])), `resourceFetch spans: ${children.map((s) => s.attrs["url.full"])}`);
    assert.ok(children.every((s) => s.traceId === load.traceId));
  }

  // X-Ray: the same trees as segments and subsegments, read back from moto.
  const ids = chains.map((c) => xrayTraceId(c.click.traceId));
  const expected = chains.reduce((n, c) => n + c.up.length + 2, 0);
  let documents = [];
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(500)) {
    documents = xrayDocuments(moto.url, ids);
    const seen = new Set(documents.map((d) => d.id));
    if (chains.every((c) => [...c.up, c.server, c.db].every((s) => seen.has(s.spanId)))) break;
  }
  const doc = new Map(documents.map((d) => [d.id, d]));
  if (process.env.DEMO_TEST_SHOW_XRAY) console.log(JSON.stringify(documents.filter((d) => d.trace_id === ids[0]), null, 1));
  assert.ok(documents.length >= expected, `X-Ray documents: ${documents.length}, expected at least ${expected}`);
  for (const { action, click, client, server, db, up } of chains) {
    const trace = xrayTraceId(click.traceId);
    const c = doc.get(click.spanId);
    assert.ok(c, `the click's segment is in X-Ray`);
    assert.equal(c.trace_id, trace);
    assert.equal(c.parent_id, undefined, "the click is the root segment");
    assert.equal(c.type, undefined);
    for (const s of up.slice(0, -1)) {
      const d = doc.get(s.spanId);
      assert.ok(d, `${s.name} is in X-Ray`);
      assert.equal(d.type, "subsegment");
      assert.equal(d.parent_id, s.parentSpanId);
      assert.equal(d.trace_id, trace);
    }
    const f = doc.get(client.spanId);
    assert.equal(f.namespace, "remote");
    assert.equal(f.http.request.method, action.method);
    assert.equal(f.http.request.url, client.attrs["url.full"]);
    assert.equal(f.http.response.status, action.status);
    const a = doc.get(server.spanId);
    assert.ok(a, "the API's segment is in X-Ray");
    assert.equal(a.name, "task-api");
    assert.equal(a.type, undefined, "the API's span is a segment of its own");
    assert.equal(a.parent_id, client.spanId);
    assert.equal(a.trace_id, trace);
    assert.equal(a.http.request.method, action.method);
    assert.match(a.http.request.url, new RegExp(`^${traced.api}/api/tasks`));
    assert.equal(a.http.response.status, action.status);
    const d = doc.get(db.spanId);
    assert.ok(d, "the database subsegment is in X-Ray");
    assert.equal(d.type, "subsegment");
    assert.equal(d.parent_id, server.spanId);
    assert.equal(d.trace_id, trace);
    assert.equal(d.sql.database_type, "sqlite");
    assert.equal(d.sql.sanitized_query, db.attrs["db.query.text"]);
  }

  // ---- the same visit with tracing off, on a fresh demo (file exporter only)
  const plain = await startDemo({ bins });
  demos.push(plain);
  assert.match(plain.output(), /spans go to +the file and the log/);
  const off = await visit(plain, { tracing: false });
  const offStop = await plain.interrupt();
  demos.splice(demos.indexOf(plain), 1);
  assert.equal(offStop.code, 0, offStop.output);
  assert.deepEqual(off.problems, []);
  assert.deepEqual(off.toCollector, [], "tracing off: nothing sent to the collector");
  assert.deepEqual(plain.spans().filter((s) => s.service !== "task-api").map((s) => s.name), [], "tracing off: no browser spans");
  assert.ok(plain.spans().some((s) => s.name === "POST /api/tasks"), "the API traces on its own");
  assert.ok(off.calls.every((c) => !c.traceparent && !c.xray), "tracing off: no trace headers");
  assert.ok(on.calls.filter((c) => c.type !== "document").every((c) => c.traceparent && c.xray), "tracing on: every API call carried both trace headers");
  const same = ({ method, path, type, status, contentType, body }) => ({ method, path, type, status, contentType, body });
  assert.deepEqual(on.calls.map(same), off.calls.map(same), "the same requests got the same responses");
  assert.deepEqual(
    on.screens.map(([step, s]) => [step, typeof s === "object" ? { ...s, badge: undefined } : s]),
    off.screens.map(([step, s]) => [step, typeof s === "object" ? { ...s, badge: undefined } : s]),
    "the same screens",
  );
  assert.equal(on.screens[0][1].badge, "traced by wasmtrace");
  assert.equal(off.screens[0][1].badge, "tracing off");
});
