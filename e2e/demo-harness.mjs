// Pieces of the demo's end-to-end test: the demo started by the README's run
// command (scripts/run.sh --no-build, on free ports), moto_server standing in
// for AWS X-Ray, the X-Ray documents read back with BatchGetTraces, and the
// collector's file output as spans.
import { spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, freePort, attributesOf } from "./harness.mjs";

const VENV = join(ROOT, ".work/venv/bin");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function portOpen(port) {
  return new Promise((ok) => {
    const socket = connect(port, "127.0.0.1", () => { socket.end(); ok(true); });
    socket.once("error", () => ok(false));
  });
}

/**
 * The task API's and the collector's debug binaries, as `cargo test
 * --workspace` builds them for their integration tests: asking for that same
 * build again is a no-op right after scripts/test.sh ran it (any other cargo
 * command would unify features differently and rebuild dependencies), and
 * brings them up to date when this test runs alone.
 */
export function buildDemoBinaries() {
  const out = spawnSync("cargo", ["test", "--workspace", "--no-run", "--quiet"], { cwd: ROOT, encoding: "utf8", timeout: 30 * 60_000 });
  if (out.status !== 0) throw new Error(`cargo test --workspace --no-run failed:\n${out.stderr}`);
  const bins = { taskApi: join(ROOT, "target/debug/task-api"), collector: join(ROOT, "target/debug/wasmtrace-collector") };
  for (const bin of Object.values(bins)) if (!existsSync(bin)) throw new Error(`${bin} was not built`);
  return bins;
}

/** `moto_server` from the venv scripts/setup-collector.sh makes, on a free loopback port. */
export async function startMoto() {
  const bin = join(VENV, "moto_server");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup-collector.sh`);
  const port = await freePort();
  const child = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const deadline = Date.now() + 30_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`moto_server did not listen on ${port}`);
    await sleep(100);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((ok) => { if (child.exitCode !== null) return ok(); child.once("exit", ok); child.kill("SIGTERM"); }),
  };
}

const BATCH_GET_TRACES = `
import boto3, json, sys
client = boto3.client("xray", endpoint_url=sys.argv[1], region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
ids = sys.argv[2:]
documents = []
for i in range(0, len(ids), 5):  # BatchGetTraces takes at most 5 ids
    for trace in client.batch_get_traces(TraceIds=ids[i:i + 5])["Traces"]:
        documents += [json.loads(s["Document"]) for s in trace["Segments"]]
print(json.dumps(documents))
`;

/** Every segment document of these traces (X-Ray ids), as BatchGetTraces returns them. */
export function xrayDocuments(motoUrl, xrayTraceIds) {
  const out = spawnSync(join(VENV, "python"), ["-c", BATCH_GET_TRACES, motoUrl, ...xrayTraceIds], { encoding: "utf8", timeout: 60_000 });
  if (out.status !== 0) throw new Error(`BatchGetTraces failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/** OTLP hex trace id → X-Ray's `1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy`. */
export const xrayTraceId = (hex) => `1-${hex.slice(0, 8)}-${hex.slice(8)}`;

/** Every span of an OTLP/JSON lines file, with plain attributes and its service. */
export function spansInFile(path) {
  if (!existsSync(path)) return [];
  const spans = [];
  for (const line of readFileSync(path, "utf8").split("\n").filter(Boolean)) {
    for (const rs of JSON.parse(line).resourceSpans ?? []) {
      const resource = attributesOf(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          spans.push({ ...span, service: resource["service.name"], resource, scope: ss.scope, attrs: attributesOf(span.attributes) });
        }
      }
    }
  }
  return spans;
}

/**
 * The demo as the README's run command starts it, without its build step:
 * `bash scripts/run.sh --no-build` on free ports, with the debug binaries,
 * its work files in a fresh directory. `env` adds to its environment (X-Ray
 * settings, say). Resolves once it has printed the URLs.
 */
export async function startDemo({ bins, env = {}, timeoutMs = 90_000 }) {
  const work = mkdtempSync(join(tmpdir(), "wasmtrace-demo-"));
  const ports = { app: await freePort(), api: await freePort(), http: await freePort(), grpc: await freePort() };
  const child = spawn("bash", ["scripts/run.sh", "--no-build"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      APP_PORT: String(ports.app),
      API_PORT: String(ports.api),
      OTLP_HTTP_PORT: String(ports.http),
      OTLP_GRPC_PORT: String(ports.grpc),
      DEMO_WORK: work,
      TASK_API_BIN: bins.taskApi,
      WASMTRACE_COLLECTOR_BIN: bins.collector,
      // Not the user's: only what `env` sets.
      AWS_REGION: "",
      OTLP_BACKEND_ENDPOINT: "",
      COLLECTOR_CONFIG: "",
      ...env,
    },
  });
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  const exited = new Promise((ok) => child.once("exit", (code, signal) => ok({ code, signal })));
  const deadline = Date.now() + timeoutMs;
  while (!output.includes("Ctrl-C stops everything.")) {
    if (child.exitCode !== null) throw new Error(`scripts/run.sh exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`scripts/run.sh did not print its URLs in ${timeoutMs / 1000} s:\n${output}`);
    }
    await sleep(100);
  }
  const app = `http://127.0.0.1:${ports.app}`;
  const api = `http://127.0.0.1:${ports.api}`;
  return {
    app,
    api,
    collector: `http://127.0.0.1:${ports.http}/v1/traces`,
    ports,
    work,
    output: () => output,
    spans: () => spansInFile(join(work, "traces.jsonl")),
    /** What a person does: Ctrl-C (SIGINT to the script alone). Resolves with its exit and output; SIGKILLs after `ms`. */
    async interrupt(ms = 60_000) {
      if (child.exitCode === null) child.kill("SIGINT");
      let killed = false;
      const timer = setTimeout(() => { killed = true; child.kill("SIGKILL"); }, ms);
      const result = await exited;
      clearTimeout(timer);
      if (killed) {
        // Its services run in their own process groups: end them too.
        for (const line of readFileSync(join(work, "pids"), "utf8").split("\n").filter(Boolean)) {
          try { process.kill(-Number(line.split(" ")[1]), "SIGKILL"); } catch {}
        }
      }
      const open = [];
      for (const port of Object.values(ports)) if (await portOpen(port)) open.push(port);
      return { ...result, output, open };
    },
  };
}
