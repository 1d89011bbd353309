// The collector benchmarks, on loopback: the Rust load generator
// (bench/loadgen) sends OTLP to a real `wasmtrace-collector` process and the
// collector's CPU time and memory are read from /proc/<pid>.
//
//   node collector/run.mjs --collector BIN --loadgen BIN --out FILE [--quick]
//
// Each scenario is a config (receiver protocol, `batch`, one exporter); a
// config the collector does not accept yet (`wasmtrace-collector validate`
// fails, e.g. on an exporter type it lacks) makes the scenario "n/a" with the
// collector's own message, instead of failing the run.
import { spawn, execFileSync } from "node:child_process";
import { createServer, connect } from "node:net";
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";

const args = process.argv.slice(2);
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = args.includes("--quick");
const COLLECTOR = opt("--collector");
const LOADGEN = opt("--loadgen");
const OUT = opt("--out");
if (!COLLECTOR || !LOADGEN || !OUT) throw new Error("usage: node collector/run.mjs --collector BIN --loadgen BIN --out FILE [--quick]");

const P = quick
  ? { reps: 1, settle: 0.3, fixed: 0.5, saturation: 1, ramp: [], rampStep: 0, drain: 20, quiet: 3 }
  : { reps: 3, settle: 2, fixed: 5, saturation: 5, ramp: [25000, 50000, 100000, 200000, 400000, 800000], rampStep: 2, drain: 60, quiet: 15 };
const SPANS_PER_REQUEST = 100;
const SATURATION_CONNECTIONS = 8;
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
const log = (...a) => console.error("[bench:collector]", ...a);
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
/** A timer that does not keep the process alive (for races against an exit). */
const deadline = (s, value) => new Promise((r) => setTimeout(() => r(value), s * 1000).unref());

/**
 * What each scenario runs:
 *   idle      resident memory with no load
 *   rate1k    1,000 spans/s: p50/p99 latency and resident memory
 *   rate10k   10,000 spans/s (the OpenTelemetry Collector testbed's rate): p50/p99
 *   ramp      increasing fixed rates until the collector falls behind (first repetition)
 *   saturate  as fast as the collector answers, 8 connections: spans/s and spans/s per core
 *   count     every span accepted came out at the sink (count in = count out)
 */
const SCENARIOS = [
  { id: "nop-http-protobuf", title: "OTLP/HTTP protobuf → batch → nop", protocol: "http", encoding: "protobuf", exporter: "nop", runs: ["idle", "rate1k", "rate10k", "ramp", "saturate"] },
  { id: "nop-http-json", title: "OTLP/HTTP JSON → batch → nop", protocol: "http", encoding: "json", exporter: "nop", runs: ["rate10k", "ramp", "saturate"] },
  { id: "nop-grpc", title: "OTLP/gRPC → batch → nop", protocol: "grpc", exporter: "nop", runs: ["rate10k", "ramp", "saturate"] },
  { id: "otlp-sink", title: "OTLP/HTTP protobuf → batch → otlp (gRPC) → local sink", protocol: "http", encoding: "protobuf", exporter: "otlp", sink: "ok", runs: ["idle", "rate1k", "rate10k", "saturate", "count"] },
  { id: "otlp-slow-sink", title: "… → otlp → sink answering after 200 ms", protocol: "http", encoding: "protobuf", exporter: "otlp", sink: "slow=200", runs: ["rate10k", "saturate", "count"] },
  { id: "otlp-flaky-sink", title: "… → otlp → sink answering every 2nd request with 503/UNAVAILABLE", protocol: "http", encoding: "protobuf", exporter: "otlp", sink: "flaky=2", runs: ["rate10k", "count"] },
  { id: "file-http-protobuf", title: "OTLP/HTTP protobuf → batch → file (/dev/null)", protocol: "http", encoding: "protobuf", exporter: "file", runs: ["idle", "rate1k", "saturate"] },
];

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitForPort(port, child, what, timeoutS = 20) {
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${child.stderrText?.() ?? ""}`);
    const open = await new Promise((ok) => {
      const socket = connect(port, "127.0.0.1", () => { socket.end(); ok(true); });
      socket.once("error", () => ok(false));
    });
    if (open) return;
    await sleep(0.05);
  }
  throw new Error(`${what} did not listen on ${port}`);
}

function spawnLogged(bin, argv) {
  const child = spawn(bin, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err = (err + c).slice(-20000)));
  child.stdoutText = () => out;
  child.stderrText = () => err;
  child.done = new Promise((ok) => child.once("exit", (code) => ok(code)));
  return child;
}

function config(s, ports) {
  const lines = ["receivers:", "  otlp:", "    protocols:"];
  if (s.protocol === "grpc") lines.push("      grpc:", `        endpoint: 127.0.0.1:${ports.receiver}`);
  lines.push("      http:", `        endpoint: 127.0.0.1:${s.protocol === "grpc" ? ports.http : ports.receiver}`);
  lines.push("processors:", "  batch: {}", "exporters:");
  if (s.exporter === "nop") lines.push("  nop: {}");
  if (s.exporter === "file") lines.push("  file:", "    path: /dev/null");
  if (s.exporter === "otlp") {
    lines.push("  otlp:", `    endpoint: 127.0.0.1:${ports.sinkGrpc}`, "    tls:", "      insecure: true");
    // A shorter backoff than the Collector's default (5 s, growing to 30 s), so
    // retries finish in seconds; the retry logic is the same.
    if (s.sink !== "ok") lines.push("    retry_on_failure:", "      initial_interval: 1s", "      max_interval: 5s");
  }
  lines.push("service:", "  pipelines:", "    traces:", "      receivers: [otlp]", "      processors: [batch]", `      exporters: [${s.exporter}]`, "");
  return lines.join("\n");
}

/** utime+stime (s) and resident memory (KiB) of `pid`. */
function proc(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+)`, "m"))?.[1] ?? 0);
  return { cpuS, rssKiB: kb("VmRSS"), hwmKiB: kb("VmHWM") };
}

async function load(target, { encoding, rate = 0, duration, connections = 4 }, collector) {
  const argv = ["load", "--target", target, "--duration", String(duration), "--connections", String(connections), "--spans-per-request", String(SPANS_PER_REQUEST), "--rate", String(rate)];
  if (encoding) argv.push("--encoding", encoding);
  const before = proc(collector.pid);
  const child = spawnLogged(LOADGEN, argv);
  let rssMaxKiB = 0;
  let rssLastKiB = 0;
  const sampler = setInterval(() => {
    try {
      const { rssKiB } = proc(collector.pid);
      rssMaxKiB = Math.max(rssMaxKiB, rssKiB);
      rssLastKiB = rssKiB;
    } catch {}
  }, 200);
  const code = await child.done;
  clearInterval(sampler);
  if (code !== 0) throw new Error(`loadgen failed (${code}): ${child.stderrText()}`);
  const result = JSON.parse(child.stdoutText());
  return { ...result, before, rssMaxKiB, rssLastKiB };
}

async function sinkStats(port) {
  const res = await fetch(`http://127.0.0.1:${port}/stats`);
  return res.json();
}

/**
 * Waits until the sink has `expected` spans, or its count has not moved for
 * P.quiet seconds (longer than the retry backoff below), or P.drain seconds.
 */
async function drain(port, expected) {
  const deadline = Date.now() + P.drain * 1000;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const { spans } = await sinkStats(port);
    if (spans >= expected) return spans;
    if (spans !== last) {
      last = spans;
      since = Date.now();
    }
    if (Date.now() - since > P.quiet * 1000 || Date.now() > deadline) return spans;
    await sleep(0.2);
  }
}

async function runScenario(s, rep, work) {
  const ports = { receiver: await freePort(), http: await freePort(), sinkHttp: await freePort(), sinkGrpc: await freePort() };
  const file = join(work, `${s.id}.yaml`);
  const yaml = config(s, ports);
  writeFileSync(file, yaml);
  try {
    execFileSync(COLLECTOR, ["validate", "--config", file], { stdio: "pipe" });
  } catch (e) {
    const message = (e.stderr?.toString() || e.stdout?.toString() || e.message).trim().split("\n").find((l) => l.trim()) ?? "invalid config";
    return { available: false, reason: message.replace(/^error:\s*/, "").replace(file, `${s.id}.yaml`), config: yaml };
  }
  const result = { available: true, config: yaml };
  let sink = null;
  if (s.sink) {
    sink = spawnLogged(LOADGEN, ["sink", "--http", `127.0.0.1:${ports.sinkHttp}`, "--grpc", `127.0.0.1:${ports.sinkGrpc}`, "--mode", s.sink]);
    await waitForPort(ports.sinkHttp, sink, "sink");
    await waitForPort(ports.sinkGrpc, sink, "sink");
  }
  const collector = spawnLogged(COLLECTOR, ["--config", file]);
  try {
    await waitForPort(ports.receiver, collector, "collector");
    const target = s.protocol === "grpc" ? `grpc://127.0.0.1:${ports.receiver}` : `http://127.0.0.1:${ports.receiver}/v1/traces`;
    const send = (o) => load(target, { encoding: s.encoding, ...o }, collector);
    let accepted = 0;
    await sleep(P.settle);
    if (s.runs.includes("idle")) result.idle = proc(collector.pid);
    if (s.runs.includes("rate1k")) {
      const r = await send({ rate: 1000, duration: Math.max(P.fixed, quick ? 0.5 : 10) });
      accepted += r.accepted_spans;
      result.rate1k = r;
    }
    if (s.runs.includes("rate10k")) {
      const r = await send({ rate: 10000, duration: P.fixed });
      accepted += r.accepted_spans;
      result.rate10k = r;
    }
    if (s.runs.includes("ramp") && rep === 0 && P.ramp.length) {
      result.ramp = [];
      for (const rate of P.ramp) {
        const t0 = proc(collector.pid);
        const r = await send({ rate, duration: P.rampStep, connections: SATURATION_CONNECTIONS });
        const cpuS = proc(collector.pid).cpuS - t0.cpuS;
        accepted += r.accepted_spans;
        result.ramp.push({ offered: rate, achieved: r.achieved_spans_per_s, p50us: r.latency_us.p50, p99us: r.latency_us.p99, cores: cpuS / r.elapsed_s, refused: r.refused_spans, errors: r.errors });
        if (r.achieved_spans_per_s < 0.9 * rate) break;
      }
    }
    if (s.runs.includes("saturate")) {
      const t0 = proc(collector.pid);
      const r = await send({ rate: 0, duration: P.saturation, connections: SATURATION_CONNECTIONS });
      accepted += r.accepted_spans;
      // Include the exporter's drain after the load, so forwarding work counts too.
      if (sink) await drain(ports.sinkHttp, accepted);
      const cpuS = proc(collector.pid).cpuS - t0.cpuS;
      result.saturate = { ...r, cpuS, cores: cpuS / r.elapsed_s, spansPerCoreSecond: cpuS > 0 ? r.accepted_spans / cpuS : null };
    }
    if (s.runs.includes("count") && sink) {
      const drained = await drain(ports.sinkHttp, accepted);
      collector.kill("SIGTERM");
      const code = await Promise.race([collector.done, deadline(P.drain, "no exit")]);
      const stats = await sinkStats(ports.sinkHttp);
      result.count = { in: accepted, out: stats.spans, beforeShutdown: drained, sinkRefusedRequests: stats.refused_requests, collectorExit: code, equal: accepted === stats.spans };
    }
    if (collector.exitCode === null) result.final = proc(collector.pid);
  } catch (e) {
    throw new Error(`${e.message}\ncollector log: ${collector.stderrText().slice(-2000)}`);
  } finally {
    if (collector.exitCode === null) {
      collector.kill("SIGTERM");
      await Promise.race([collector.done, deadline(10)]);
      if (collector.exitCode === null) collector.kill("SIGKILL");
    }
    if (sink) {
      sink.kill("SIGTERM");
      await sink.done;
    }
  }
  return result;
}

async function main() {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "wasmtrace-bench-collector-"));
  const out = { params: { ...P, spansPerRequest: SPANS_PER_REQUEST, saturationConnections: SATURATION_CONNECTIONS, clkTck: CLK_TCK }, scenarios: [], errors: [] };
  out.version = execFileSync(COLLECTOR, ["--version"]).toString().trim();
  const only = opt("--only")?.split(",");
  for (const s of SCENARIOS.filter((x) => !only || only.includes(x.id))) {
    const t0 = Date.now();
    const entry = { id: s.id, title: s.title, runs: s.runs, reps: [] };
    out.scenarios.push(entry);
    for (let rep = 0; rep < P.reps; rep++) {
      try {
        const r = await runScenario(s, rep, work);
        if (!r.available) {
          Object.assign(entry, { available: false, reason: r.reason, config: r.config });
          log(`${s.id}: n/a — ${r.reason}`);
          break;
        }
        entry.available = true;
        entry.config = r.config;
        if (r.ramp) entry.ramp = r.ramp;
        delete r.ramp;
        delete r.config;
        entry.reps.push(r);
        const sat = r.saturate ? ` saturation ${Math.round(r.saturate.achieved_spans_per_s)} spans/s, ${Math.round(r.saturate.spansPerCoreSecond)} /core-s` : "";
        const cnt = r.count ? ` in ${r.count.in} out ${r.count.out}` : "";
        log(`${s.id} #${rep + 1} (${((Date.now() - t0) / 1000).toFixed(1)} s):${sat}${cnt}`);
      } catch (e) {
        log(`ERROR ${s.id}: ${e.message}`);
        out.errors.push(`${s.id}: ${e.message}`);
        break;
      }
    }
  }
  out.elapsedS = (Date.now() - started) / 1000;
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(out, null, 2) + "\n");
  log(`done in ${out.elapsedS.toFixed(0)} s; ${out.errors.length} error(s)`);
  if (out.errors.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
