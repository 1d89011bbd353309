// Turns the raw results of browser/run.mjs and collector/run.mjs into one
// JSON file and the Markdown report (BENCHMARKS.md): machine, versions,
// each figure's median and spread over the repetitions, the ratio against
// the reference, and the target the project set for it.
//
//   node report.mjs --browser F[,F…] --collector F --json OUT --md OUT [--mode full|quick] [--elapsed S]
import { readFileSync, writeFileSync, existsSync, readdirSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import os from "node:os";

const HERE = resolve(new URL(".", import.meta.url).pathname);
const ROOT = resolve(HERE, "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const readJson = (path) => (path && existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : null);
// --browser takes one run's file, or several separated by commas: their
// samples pooled (repetitions appended), the first file's metadata kept. One
// run cannot tell 3.75x from 4x on fetch/XHR; pooling several runs of the
// same code can.
const browser = pool((opt("--browser") ?? "").split(",").filter(Boolean).map(readJson).filter(Boolean));
function pool(runs) {
  if (runs.length < 2) return runs[0] ?? null;
  const workloads = {};
  for (const run of runs)
    for (const [w, bySdk] of Object.entries(run.workloads ?? {}))
      for (const [sdk, byKey] of Object.entries(bySdk))
        for (const [key, xs] of Object.entries(byKey)) (((workloads[w] ??= {})[sdk] ??= {})[key] ??= []).push(...xs);
  return { ...runs[0], workloads, errors: runs.flatMap((r) => r.errors ?? []), params: { ...runs[0].params, httpReps: runs.reduce((n, r) => n + (r.params?.httpReps ?? 0), 0) } };
}
const collector = readJson(opt("--collector"));
const mode = opt("--mode", "full");
const profile = opt("--profile", "release");
const elapsed = Number(opt("--elapsed", "0"));
const notes = (opt("--notes", "") || "").split("|").filter(Boolean);

// ---------------------------------------------------------------- statistics

function stats(samples) {
  const xs = (samples ?? []).filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (!xs.length) return null;
  const q = (p) => {
    const i = (xs.length - 1) * p;
    const lo = Math.floor(i);
    return xs[lo] + (xs[Math.ceil(i)] - xs[lo]) * (i - lo);
  };
  return { median: q(0.5), min: xs[0], max: xs[xs.length - 1], q1: q(0.25), q3: q(0.75), n: xs.length };
}
/** Differences of paired samples (same repetition), e.g. instrumentation on − off. */
const differences = (on, off) => (on?.length && off?.length === on.length ? on.map((x, i) => x - off[i]) : null);
const paired = (on, off) => stats(differences(on, off));

/**
 * The 95% bootstrap interval of `better`'s ratio of medians (as the row
 * computes it): each SDK's samples resampled with replacement, 2,000 times.
 * It shows how far the ratio moves from one run to the next at this number
 * of repetitions. Seeded, so that a report can be made again from its data.
 */
function ratioInterval(wasmtrace, reference, better) {
  if (!wasmtrace?.length || !reference?.length) return null;
  let seed = 42;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const resampledMedian = (xs) => stats(xs.map(() => xs[Math.floor(random() * xs.length)])).median;
  const ratios = [];
  for (let i = 0; i < 2000; i++) {
    const w = resampledMedian(wasmtrace);
    const r = resampledMedian(reference);
    if (w > 0 && r > 0) ratios.push(better === "lower" ? r / w : w / r);
  }
  if (ratios.length < 1900) return null; // a median at or below zero: no ratio to speak of
  ratios.sort((a, b) => a - b);
  const at = (p) => ratios[Math.round((ratios.length - 1) * p)];
  return [at(0.025), at(0.975)];
}

// ---------------------------------------------------------------- formatting

const int = (x) => Math.round(x).toLocaleString("en-US");
const fix = (x, d) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const UNITS = {
  B: (x) => `${int(x)} B`,
  ms: (x) => `${fix(x, x < 10 ? 2 : 1)} ms`,
  us: (x) => `${int(x)} µs`,
  "spans/s": (x) => `${int(x)} spans/s`,
  "spans/s/core": (x) => `${int(x)} spans/s/core`,
  MiB: (x) => `${fix(x, 1)} MiB`,
  count: (x) => fix(x, Number.isInteger(x) ? 0 : 1),
};
/** "12.3 ms (11.9–13.0, n=5)" */
function cell(s, unit) {
  if (!s) return "—";
  const f = UNITS[unit];
  const bare = (x) => f(x).replace(/ [^ ]+$/, "");
  if (s.n <= 1) return f(s.median);
  return `${f(s.median)} (${bare(s.min)}–${bare(s.max)})`;
}

// ---------------------------------------------------------------- figures

const rows = [];
const NA = (reason) => ({ na: reason });
/**
 * One row of the summary table. `better`: "lower" or "higher"; `target`:
 * { text, check(wasmtrace, reference, ratio) → bool } or null.
 */
function row({ section, figure, unit, wasmtrace, reference, referenceNote, better, target, note, interval = null }) {
  let ratio = null;
  const w = wasmtrace && !wasmtrace.na ? wasmtrace : null;
  const r = reference && !reference.na && reference.median !== undefined ? reference : null;
  if (w && r && w.median > 0 && r.median > 0) ratio = better === "lower" ? r.median / w.median : w.median / r.median;
  let met = null;
  if (target?.check && w && !note?.partial) met = target.check(w, r, ratio);
  rows.push({ section, figure, unit, better, wasmtrace: wasmtrace ?? null, reference: reference ?? null, referenceNote, ratio, interval: ratio === null ? null : interval, target: target?.text ?? null, met, note: note?.text ?? null, partial: !!note?.partial });
}

const B = browser?.workloads ?? {};
const wsamples = (w, sdk, key) => B[w]?.[sdk]?.[key];
const bstat = (w, sdk, key) => stats(wsamples(w, sdk, key));
const missingOf = (sdk) => browser?.missing?.[sdk] ?? [];
const naMissing = (sdk, names) => {
  const m = missingOf(sdk).filter((x) => names.some((n) => x.includes(n)));
  return m.length ? NA(`n/a (not implemented yet: ${m.join(", ")})`) : null;
};
const errorsFor = (prefix) => (browser?.errors ?? []).filter((e) => e.startsWith(prefix));

if (browser) {
  const P = browser.params;
  const size = (entry) => browser.sizes.find((s) => s.entry === entry);
  for (const [row_, label, target] of [
    ["core", "core set", { text: "≤ 20,000 B brotli (OTel JS ≈ 21.9 KB)", check: (w) => w.median <= 20000 }],
    ["docload", "core + document load", { text: "— (OTel JS ≈ 33.4 KB with zone.js)", check: null }],
  ]) {
    const w = size(`wasmtrace-${row_}`);
    const o = size(`otel-${row_}`);
    const lacks = row_ === "core" ? ["Fetch", "XMLHttpRequest", "registerInstrumentations", "Propagator"] : ["Fetch", "XMLHttpRequest", "DocumentLoad", "registerInstrumentations", "Propagator"];
    const missing = missingOf("wasmtrace").filter((m) => lacks.some((n) => m.includes(n)));
    const sized = (x) => (x ? { ...stats([x.brotli]), text: `${int(x.brotli)} B (gzip ${int(x.gzip)} B, raw ${int(x.raw)} B)` } : null);
    row({
      section: "browser",
      figure: `Shipped size, ${label}: brotli -q 11 (gzip -9, raw) bytes of JS + wasm`,
      unit: "B",
      wasmtrace: sized(w),
      reference: sized(o),
      better: "lower",
      target,
      note: missing.length ? { partial: true, text: `wasmtrace bundle lacks ${missing.join(", ")} (not implemented yet): not the same feature set` } : null,
    });
  }
  const startupNa = errorsFor("startup wasmtrace").length ? NA("error (see log)") : null;
  row({ section: "browser", figure: "Start-up: script start → provider registered, instrumentation active (core-set bundle, cold cache)", unit: "ms", wasmtrace: startupNa ?? bstat("startup", "wasmtrace", "ms"), reference: bstat("startup", "otel", "ms"), better: "lower",
    note: naMissing("wasmtrace", ["Fetch", "XMLHttpRequest", "registerInstrumentations"]) ? { partial: true, text: "wasmtrace has no fetch/XHR instrumentation yet: it starts less" } : null });

  const dropped = (workload, sdk) => (wsamples(workload, sdk, "dropped") ?? []).reduce((a, b) => a + b, 0);
  const droppedNote = (workload) => ({ text: `dropped spans: wasmtrace ${dropped(workload, "wasmtrace")}, OTel JS ${dropped(workload, "otel")}` });
  if (P.hotPath) {
    row({ section: "browser", figure: `Span hot path: start + 5 attributes + end in a synchronous loop, ${int(P.hotPath)} spans a round, nothing exported inside it (after 3 warm-up rounds)`, unit: "spans/s", wasmtrace: bstat("hotpath", "wasmtrace", "spansPerSecond"), reference: bstat("hotpath", "otel", "spansPerSecond"), better: "higher",
      target: { text: "≥ 3× OTel JS (OTel JS ≈ 610,000 spans/s)", check: (w, r, ratio) => ratio !== null && ratio >= 3 }, note: droppedNote("hotpath") });
  }
  row({ section: "browser", figure: `Span throughput: start + 5 attributes + end, ${int(P.throughput)} spans, until exported (encoding, gzip and POST included)`, unit: "spans/s", wasmtrace: bstat("throughput", "wasmtrace", "spansPerSecond"), reference: bstat("throughput", "otel", "spansPerSecond"), better: "higher",
    note: droppedNote("throughput") });

  row({ section: "browser", figure: "Span throughput per CPU-second of all Chromium processes (same runs; less sensitive than wall time to other load on the machine)", unit: "spans/s", wasmtrace: bstat("throughput", "wasmtrace", "spansPerCpuSecond"), reference: bstat("throughput", "otel", "spansPerCpuSecond"), better: "higher" });
  row({ section: "browser", figure: `Export encoding alone: ${int(P.encoding)} ended spans → the OTLP/JSON request body (OTel JS: JsonTraceSerializer; wasmtrace: the batch processor's encode step), warm: 6 calls in the page first, then the median of 5`, unit: "ms", wasmtrace: bstat("encoding", "wasmtrace", "encodeOnlyMs"), reference: bstat("encoding", "otel", "encodeOnlyMs"), better: "lower",
    target: { text: "≥ 3× faster than OTel JS (≈ 40 ms)", check: (w, r, ratio) => ratio !== null && ratio >= 3 } });
  row({ section: "browser", figure: `Export encoding alone, cold: the median of the first 3 calls in a fresh page (the JIT and WebAssembly's tier-up still compiling)`, unit: "ms", wasmtrace: bstat("encoding", "wasmtrace", "encodeColdMs"), reference: bstat("encoding", "otel", "encodeColdMs"), better: "lower" });
  row({ section: "browser", figure: `Export, end to end: end ${int(P.encoding)} spans + forceFlush of the one OTLP/JSON body (wasmtrace also gzips it)`, unit: "ms", wasmtrace: bstat("encoding", "wasmtrace", "totalMs"), reference: bstat("encoding", "otel", "totalMs"), better: "lower" });

  for (const [kind, label, ref] of [["fetch", "fetch", "≈ 460 µs"], ["xhr", "XHR", "≈ 560 µs"]]) {
    const na = naMissing("wasmtrace", [kind === "fetch" ? "FetchInstrumentation" : "XMLHttpRequestInstrumentation", "registerInstrumentations"]);
    const diffs = (sdk) => differences(wsamples(kind, sdk, "onUs"), wsamples(kind, sdk, "offUs"));
    row({ section: "browser", figure: `Instrumented ${label}: added time per call (${int(P.calls)} sequential calls, on − off)`, unit: "us", wasmtrace: na ?? stats(diffs("wasmtrace")), reference: stats(diffs("otel")), better: "lower",
      interval: na ? null : ratioInterval(diffs("wasmtrace"), diffs("otel"), "lower"),
      target: { text: `≤ ¼ of OTel JS's (OTel JS ${ref})`, check: (w, r) => r && w.median <= r.median / 4 } });
    const addedCpu = (sdk) => paired(wsamples(kind, sdk, "onCpuUs"), wsamples(kind, sdk, "offCpuUs"));
    row({ section: "browser", figure: `Instrumented ${label}: added Chromium CPU time per call (same runs, all processes)`, unit: "us", wasmtrace: na ?? addedCpu("wasmtrace"), reference: addedCpu("otel"), better: "lower" });
  }

  row({ section: "browser", figure: `Memory: JS heap + wasm memory after ${int(P.memory)} spans and GC`, unit: "B", wasmtrace: bstat("memory", "wasmtrace", "afterBytes"), reference: bstat("memory", "otel", "afterBytes"), better: "lower" });
  row({ section: "browser", figure: `Memory growth over the idle page (same run)`, unit: "B", wasmtrace: bstat("memory", "wasmtrace", "growthBytes"), reference: bstat("memory", "otel", "growthBytes"), better: "lower" });
  row({ section: "browser", figure: `Main-thread long tasks (> 50 ms) during ${P.longTaskSeconds} s of ${int(P.longTaskRate)} spans/s`, unit: "count", wasmtrace: bstat("longtasks", "wasmtrace", "count"), reference: bstat("longtasks", "otel", "count"), better: "lower",
    target: { text: "0 (median)", check: (w) => w.median === 0 } });
}

const C = collector?.scenarios ?? [];
const scenario = (id) => C.find((s) => s.id === id);
function cstat(id, pick) {
  const s = scenario(id);
  if (!s) return null;
  if (s.available === false) return NA(`n/a (not implemented yet: ${s.reason})`);
  return stats(s.reps.map(pick).filter((x) => x !== undefined && x !== null));
}
const OTELCOL = { median: 50000, n: 1 };
if (collector) {
  const perCore = (r) => r.saturate?.spansPerCoreSecond;
  row({ section: "collector", figure: "Saturation, OTLP/HTTP protobuf → batch → nop: accepted spans/s per core", unit: "spans/s/core", wasmtrace: cstat("nop-http-protobuf", perCore), reference: OTELCOL, referenceNote: "OTel Collector: 10k spans/s at ≤ 20 % of a core (published)", better: "higher",
    target: { text: "≥ 500,000", check: (w) => w.median >= 500000 } });
  row({ section: "collector", figure: "Saturation, OTLP/HTTP JSON → batch → nop", unit: "spans/s/core", wasmtrace: cstat("nop-http-json", perCore), reference: null, better: "higher" });
  row({ section: "collector", figure: "Saturation, OTLP/gRPC → batch → nop", unit: "spans/s/core", wasmtrace: cstat("nop-grpc", perCore), reference: OTELCOL, referenceNote: "OTel Collector (published, gRPC)", better: "higher" });
  row({ section: "collector", figure: "Saturation, OTLP/HTTP protobuf → batch → otlp exporter → local sink", unit: "spans/s/core", wasmtrace: cstat("otlp-sink", perCore), reference: OTELCOL, referenceNote: "OTel Collector (published)", better: "higher",
    target: { text: "≥ 200,000", check: (w) => w.median >= 200000 } });
  row({ section: "collector", figure: "Saturation (stand-in), OTLP/HTTP protobuf → batch → file (/dev/null)", unit: "spans/s/core", wasmtrace: cstat("file-http-protobuf", perCore), reference: null, better: "higher" });
  for (const [key, label] of [["rate1k", "1,000"], ["rate10k", "10,000"]]) {
    for (const p of ["p50", "p99"]) {
      row({ section: "collector", figure: `Request latency ${p} at ${label} spans/s (HTTP protobuf, nop, 100 spans/request)`, unit: "us", wasmtrace: cstat("nop-http-protobuf", (r) => r[key]?.latency_us?.[p]), reference: null, better: "lower" });
    }
  }
  const mib = (kib) => (kib === undefined ? undefined : kib / 1024);
  row({ section: "collector", figure: "Resident memory at idle (nop pipeline)", unit: "MiB", wasmtrace: cstat("nop-http-protobuf", (r) => mib(r.idle?.rssKiB)), reference: null, better: "lower" });
  row({ section: "collector", figure: "Resident memory at 1,000 spans/s (nop pipeline, peak during 10 s)", unit: "MiB", wasmtrace: cstat("nop-http-protobuf", (r) => mib(r.rate1k?.rssMaxKiB)), reference: { median: 100, n: 1 }, referenceNote: "OTel Collector: ≤ 100 MiB at 10k spans/s (published)", better: "lower",
    target: { text: "< 20 MiB", check: (w) => w.median < 20 } });
  row({ section: "collector", figure: "Resident memory at 1,000 spans/s (otlp exporter to sink, peak)", unit: "MiB", wasmtrace: cstat("otlp-sink", (r) => mib(r.rate1k?.rssMaxKiB)), reference: null, better: "lower", target: { text: "< 20 MiB", check: (w) => w.median < 20 } });
  for (const [id, label] of [["otlp-sink", "sink answering at once"], ["otlp-slow-sink", "sink answering after 200 ms"], ["otlp-flaky-sink", "sink refusing every 2nd request (503/UNAVAILABLE)"]]) {
    const s = scenario(id);
    let value;
    if (!s) value = null;
    else if (s.available === false) value = NA(`n/a (not implemented yet: ${s.reason})`);
    else {
      const reps = s.reps.filter((r) => r.count);
      const ok = reps.every((r) => r.count.equal);
      const killed = reps.filter((r) => r.count.collectorExit !== 0).length;
      value = { text: reps.map((r) => `${int(r.count.in)} → ${int(r.count.out)}`).join(", ") + (ok ? " ✓" : " ✗") + (killed ? ` (collector did not exit within 60 s of SIGTERM in ${killed} run(s) and was killed)` : ""), equal: ok };
    }
    rows.push({ section: "collector", figure: `Count in = count out, otlp exporter, ${label}`, unit: "text", wasmtrace: value, reference: null, ratio: null, target: "equal", met: value && !value.na ? value.equal : null, note: null });
  }
}

// ---------------------------------------------------------------- environment

function sh(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return null;
  }
}
function otelVersions() {
  const dir = join(HERE, "node_modules/@opentelemetry");
  if (!existsSync(dir)) return {};
  const out = {};
  for (const name of readdirSync(dir).sort()) {
    const pj = join(dir, name, "package.json");
    if (existsSync(pj)) out[`@opentelemetry/${name}`] = JSON.parse(readFileSync(pj, "utf8")).version;
  }
  return out;
}
const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
const meminfo = readFileSync("/proc/meminfo", "utf8");
const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] : null;
const environment = {
  machine: {
    cpu: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Number((Number(meminfo.match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0) / 1048576).toFixed(1)),
    os: osRelease,
    kernel: os.release(),
  },
  versions: {
    wasmtrace: readJson(join(process.env.WASMTRACE_PKG ?? join(ROOT, "pkg"), "package.json"))?.version ?? null,
    commit: sh("git", ["describe", "--always", "--dirty"]),
    collector: collector?.version ?? null,
    rustc: sh("rustc", ["--version"]),
    node: process.version,
    chromium: browser?.versions?.chromium ?? null,
    vite: browser?.versions?.vite ?? null,
    "playwright-core": browser?.versions?.["playwright-core"] ?? null,
    ...otelVersions(),
  },
};

// ---------------------------------------------------------------- output

const generated = new Date().toISOString();
const result = { generated, mode, elapsedS: elapsed, notes, environment, summary: rows, browser, collector };
const jsonOut = opt("--json");
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut, JSON.stringify(result, null, 2) + "\n");

function valueCell(v, unit) {
  if (v === null || v === undefined) return "—";
  if (v.na) return v.na;
  if (v.text) return v.text;
  return cell(v, unit);
}
function ratioCell(r) {
  if (r.ratio === null || r.ratio === undefined) return "—";
  const ratio = `${fix(r.ratio, r.ratio < 10 ? 2 : 0)}×`;
  return r.interval ? `${ratio} (${fix(r.interval[0], 2)}–${fix(r.interval[1], 2)}×)` : ratio;
}
const metCell = (r) => (r.met === null || r.met === undefined ? (r.partial ? "— (partial)" : "—") : r.met ? "✅ yes" : "❌ no");

const md = [];
md.push("# wasmtrace benchmarks", "");
if (mode !== "full") md.push("> **Quick mode**: tiny workloads that only prove the harness runs. These figures mean nothing.", "");
md.push(
  `Generated ${generated} by \`bash bench/run.sh\` in ${Math.round(elapsed / 60)} min${mode === "full" ? "" : " (quick mode)"}. Raw data: [\`bench/results/latest.json\`](bench/results/latest.json); method: [\`bench/README.md\`](bench/README.md).`,
  "",
  "Each figure is the median over the repetitions, with the range (min–max) in brackets. **vs reference** is how many times better wasmtrace is than the reference (> 1× = better, whatever the direction of the unit); the browser reference is OpenTelemetry JS measured in the same run, the collector reference is the OpenTelemetry Collector's published figure (not measured here). Where a ratio has a range after it (fetch and XHR, whose page pairs spread widely), the range is its 95% bootstrap interval: where the ratio could land in another run with as many repetitions. Targets are the ones named in the project's issues; **Met** judges the medians.",
  "",
);
const env = environment;
md.push(
  `**Machine**: ${env.machine.cpu}, ${env.machine.cores} cores, ${env.machine.memoryGiB} GiB, ${env.machine.os ?? "Linux"} (kernel ${env.machine.kernel}).  `,
  `**Browser**: Chromium ${env.versions.chromium ?? "?"} headless (playwright-core ${env.versions["playwright-core"] ?? "?"}), bundles by Vite ${env.versions.vite ?? "?"} (production mode).  `,
  `**wasmtrace** ${env.versions.wasmtrace ?? "?"} at \`${env.versions.commit ?? "?"}\` (${env.versions.rustc ?? "rustc ?"}); **collector**: ${env.versions.collector ?? "?"} (${profile} build).  `,
  `**OpenTelemetry JS**: ${Object.entries(env.versions).filter(([k]) => k.startsWith("@opentelemetry/")).map(([k, v]) => `${k.replace("@opentelemetry/", "")} ${v}`).join(", ")}.`,
  "",
);
if (notes.length) md.push(...notes.map((n) => `> ${n}`), "");
/** The summary tables, one per section (also used for bench/PERFORMANCE.md). */
function summaryTables(level = "##") {
  const out = [];
  for (const [section, title, refTitle] of [["browser", "Browser SDK (wasmtrace vs OpenTelemetry JS, same Chromium, alternating)", "OpenTelemetry JS"], ["collector", "Collector (loopback, Rust load generator)", "reference"]]) {
    const rs = rows.filter((r) => r.section === section);
    if (!rs.length) continue;
    out.push(`${level} ${title}`, "", `| Figure | wasmtrace | ${refTitle} | vs reference | Target | Met |`, "|---|---|---|---|---|---|");
    for (const r of rs) {
      const ref = r.referenceNote ? `${valueCell(r.reference, r.unit)} — ${r.referenceNote}` : valueCell(r.reference, r.unit);
      const figure = r.note ? `${r.figure}<br><sub>${r.note}</sub>` : r.figure;
      out.push(`| ${figure} | ${valueCell(r.wasmtrace, r.unit)} | ${ref} | ${ratioCell(r)} | ${r.target ?? "—"} | ${metCell(r)} |`);
    }
    out.push("");
  }
  return out;
}
md.push(...summaryTables());

// Details: everything else the runs measured.
md.push("## Details", "");
if (browser) {
  const P = browser.params;
  md.push(
    "### Browser",
    "",
    `Repetitions: ${P.reps} per workload (start-up ${P.startupReps}, fetch and XHR ${P.httpReps ?? P.reps}, long tasks ${P.longTaskReps}), each in a fresh browser context and page, the SDK order alternating. Both SDKs export to the same local sink (same origin, answers 200 at once, counts spans): the "no-op exporter" of the throughput workload is that sink, so both pay the same network cost. Each SDK posts with its defaults (wasmtrace gzips with CompressionStream; OpenTelemetry JS sends plain JSON).`,
    "",
    "| Entry | Files (raw / gzip -9 / brotli -q 11 bytes) | Total raw | Total gzip | Total brotli |",
    "|---|---|---|---|---|",
  );
  for (const s of browser.sizes) {
    md.push(`| \`${s.entry}\` (${s.features}) | ${s.files.map((f) => `${f.name.replace(/-[A-Za-z0-9_]{8}\./, ".")}: ${int(f.raw)} / ${int(f.gzip)} / ${int(f.brotli)}`).join("<br>")} | ${int(s.raw)} | ${int(s.gzip)} | ${int(s.brotli)} |`);
  }
  md.push("", "| Workload | Figure | wasmtrace | OpenTelemetry JS |", "|---|---|---|---|");
  const LABELS = {
    startup: { ms: ["script start → ready", "ms"], sinceNavigationMs: ["navigation start → ready", "ms"] },
    hotpath: { spansPerSecond: ["hot path spans/s (median of 5 rounds)", "spans/s"], dropped: ["dropped", "count"] },
    throughput: { spansPerSecond: ["spans/s incl. final flush", "spans/s"], spansPerCpuSecond: ["spans per Chromium CPU-second", "spans/s"], loopMs: ["loop time (before flush)", "ms"], dropped: ["dropped", "count"], requests: ["export requests", "count"] },
    encoding: { endMs: ["end() of all spans", "ms"], flushMs: ["forceFlush (encode + POST + 200)", "ms"], totalMs: ["total", "ms"], encodeOnlyMs: ["encoder alone, warm (median of calls 7-11)", "ms"], encodeColdMs: ["encoder alone, cold (median of calls 1-3)", "ms"], cpuMs: ["Chromium CPU time (all processes)", "ms"], bodyBytes: ["bytes posted", "B"], gzip: ["gzip body (1 = yes)", "count"], requests: ["requests", "count"] },
    fetch: { offUs: ["per call, instrumentation off", "us"], onUs: ["per call, instrumentation on", "us"], offCpuUs: ["Chromium CPU per call, off", "us"], onCpuUs: ["Chromium CPU per call, on", "us"], spansExported: ["spans exported (incl. 20 warm-up)", "count"] },
    xhr: { offUs: ["per call, instrumentation off", "us"], onUs: ["per call, instrumentation on", "us"], offCpuUs: ["Chromium CPU per call, off", "us"], onCpuUs: ["Chromium CPU per call, on", "us"], spansExported: ["spans exported (incl. 20 warm-up)", "count"] },
    memory: { idleBytes: ["idle page (after GC)", "B"], afterJsBytes: ["JS heap after", "B"], afterWasmBytes: ["wasm memory after", "B"], afterBytes: ["total after", "B"], growthBytes: ["growth", "B"] },
    longtasks: { cpuShare: ["Chromium CPU (cores) while streaming", "count"], count: ["long tasks", "count"], totalMs: ["long-task time", "ms"], maxMs: ["longest", "ms"], spans: ["spans streamed", "count"], dropped: ["spans not received", "count"] },
  };
  for (const [w, figures] of Object.entries(LABELS)) {
    for (const [k, [label, unit]] of Object.entries(figures)) {
      const a = bstat(w, "wasmtrace", k);
      const b = bstat(w, "otel", k);
      if (!a && !b) continue;
      md.push(`| ${w} | ${label} | ${cell(a, unit)} | ${cell(b, unit)} |`);
    }
  }
  const miss = Object.entries(browser.missing ?? {}).filter(([, v]) => v.length);
  if (miss.length) md.push("", `Not implemented yet (looked up at run time): ${miss.map(([k, v]) => `${k}: ${v.join(", ")}`).join("; ")}.`);
  if (browser.errors?.length) md.push("", "Errors:", "", ...browser.errors.map((e) => `- ${e.split("\n")[0]}`));
  md.push("");
}
if (collector) {
  const P = collector.params;
  md.push(
    "### Collector",
    "",
    `Repetitions: ${P.reps} per scenario, each with a fresh collector (and sink). ${P.spansPerRequest} spans per request; fixed rates use 4 keep-alive connections, saturation ${P.saturationConnections}. CPU is the collector's utime + stime from /proc/<pid>/stat over the run (for the otlp exporter, until the sink has every accepted span); "per core" = accepted spans ÷ CPU seconds. The load generator and the sink run on the same ${environment.machine.cores} cores.`,
    "",
    "| Scenario | Saturation spans/s (wall) | CPU cores used | spans/s per core | p50 / p99 at 10k spans/s | Refused by the collector | Count in → out |",
    "|---|---|---|---|---|---|---|",
  );
  for (const s of collector.scenarios) {
    if (s.available === false) {
      md.push(`| ${s.title} | n/a (not implemented yet: ${s.reason}) | | | | | |`);
      continue;
    }
    const sat = stats(s.reps.map((r) => r.saturate?.achieved_spans_per_s).filter(Boolean));
    const cores = stats(s.reps.map((r) => r.saturate?.cores).filter(Boolean));
    const pc = stats(s.reps.map((r) => r.saturate?.spansPerCoreSecond).filter(Boolean));
    const p50 = stats(s.reps.map((r) => r.rate10k?.latency_us?.p50).filter((x) => x !== undefined));
    const p99 = stats(s.reps.map((r) => r.rate10k?.latency_us?.p99).filter((x) => x !== undefined));
    const refused = s.reps.map((r) => (r.rate10k?.refused_spans ?? 0) + (r.saturate?.refused_spans ?? 0) + (r.rate1k?.refused_spans ?? 0)).reduce((a, b) => a + b, 0);
    const counts = s.reps.filter((r) => r.count).map((r) => `${int(r.count.in)} → ${int(r.count.out)}`).join(", ");
    md.push(`| ${s.title} | ${cell(sat, "spans/s")} | ${cores ? fix(cores.median, 2) : "—"} | ${cell(pc, "spans/s/core")} | ${p50 ? `${int(p50.median)} / ${int(p99.median)} µs` : "—"} | ${int(refused)} spans | ${counts || "—"} |`);
  }
  for (const s of collector.scenarios.filter((x) => x.ramp?.length)) {
    md.push("", `Ramp, ${s.title} (first repetition; stops when the collector falls 10 % behind):`, "", "| Offered spans/s | Achieved | p50 | p99 | Collector cores |", "|---|---|---|---|---|");
    for (const r of s.ramp) md.push(`| ${int(r.offered)} | ${int(r.achieved)} | ${int(r.p50us)} µs | ${int(r.p99us)} µs | ${fix(r.cores, 2)} |`);
  }
  if (collector.errors?.length) md.push("", "Errors:", "", ...collector.errors.map((e) => `- ${e.split("\n")[0]}`));
  md.push("");
}
md.push("## Reproduce", "", "```bash", "bash bench/run.sh           # everything: installs what is missing, builds, runs (~" + Math.max(1, Math.round(elapsed / 60)) + " min here)", "bash bench/run.sh --quick   # seconds: proves the harness runs; figures mean nothing", "```", "");
writeFileSync(opt("--md"), md.join("\n"));

// The README's performance section: the same tables, how to reproduce them,
// and what each figure means in one line (bench/README.md has the method).
const perfOut = opt("--perf-md");
if (perfOut) {
  const naList = rows.filter((r) => r.wasmtrace?.na || r.partial).map((r) => `- ${r.figure}: ${r.wasmtrace?.na ?? r.note}`);
  const perf = [
    "## Performance",
    "",
    `Measured on ${env.machine.cores} cores (${env.machine.cpu}, ${env.machine.memoryGiB} GiB), Chromium ${env.versions.chromium ?? "?"} headless, against OpenTelemetry JS (sdk-trace-web ${env.versions["@opentelemetry/sdk-trace-web"] ?? "?"}) in the same browser and against the OpenTelemetry Collector's published figures; ${generated.slice(0, 10)}, commit \`${env.versions.commit ?? "?"}\`. Medians over repeated runs, range in brackets; "vs reference" is how many times better wasmtrace is (> 1× = better). The full report, with every sub-figure, file sizes and the collector's ramp, is [BENCHMARKS.md](BENCHMARKS.md); the method is [bench/README.md](bench/README.md).`,
    "",
    ...summaryTables("###"),
  ];
  if (naList.length) perf.push("Not measured yet, or not comparable yet, because the feature is still being built:", "", ...naList, "");
  perf.push(
    "Reproduce on any machine (installs what it needs: Chromium, brotli, the OpenTelemetry JS packages, Vite; builds the package and the release collector):",
    "",
    "```bash",
    "bash bench/run.sh           # full run, ~" + Math.max(1, Math.round(elapsed / 60)) + " min on 2 cores: writes BENCHMARKS.md and bench/results/latest.json",
    "bash bench/run.sh --quick   # about a minute: proves the harness works (part of scripts/test.sh)",
    "```",
    "",
    "Figures on a shared or busy machine move by tens of percent between runs: the report records the load average, and the ranges show the spread.",
    "",
  );
  mkdirSync(dirname(perfOut), { recursive: true });
  writeFileSync(perfOut, perf.join("\n"));
}
console.error(`[bench:report] wrote ${jsonOut} and ${opt("--md")}`);
