//! `wasmtrace-loadgen`: the collector benchmark's two ends.
//!
//! * `load` sends OTLP trace requests (HTTP protobuf, HTTP JSON or gRPC) at a
//!   fixed rate or as fast as the collector answers, and prints one JSON object:
//!   requests and spans accepted or refused, latency percentiles, achieved rate.
//! * `sink` is where the collector's `otlp`/`otlphttp` exporter forwards to: it
//!   counts the spans it receives (HTTP and gRPC, gzip or not) and can answer
//!   slowly or with 503 to exercise the collector's queue and retries.
//!   `GET /stats` on its HTTP port returns the counts as JSON.
//!
//! The orchestration (starting the collector, reading its CPU time and memory
//! from /proc, writing the report) lives in `bench/collector/run.mjs`.

mod args;
mod load;
mod sink;
mod spans;

use std::process::ExitCode;

const USAGE: &str = "\
usage:
  wasmtrace-loadgen load --target URL [--encoding protobuf|json] [--rate SPANS_PER_S]
                         [--duration SECS] [--connections N] [--spans-per-request K]
      URL is http://HOST:PORT/v1/traces (OTLP/HTTP) or grpc://HOST:PORT (OTLP/gRPC).
      --rate 0 (the default) sends as fast as the collector answers (closed loop).
  wasmtrace-loadgen sink [--http HOST:PORT] [--grpc HOST:PORT] [--mode ok|slow=MS|flaky=N]
      ok: answer at once; slow=MS: answer after MS milliseconds; flaky=N: answer
      every Nth request with 503 (gRPC: UNAVAILABLE) and count only the others.
      GET /stats on the HTTP port returns the counts as JSON.";

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    let command = argv.next().unwrap_or_default();
    let parsed = args::Args::parse(argv);
    let result = match (command.as_str(), parsed) {
        ("load", Ok(a)) => load::main(a),
        ("sink", Ok(a)) => sink::main(a),
        ("-h" | "--help" | "help", _) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        (_, Err(e)) => Err(e),
        (other, _) => Err(format!("unknown command `{other}`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasmtrace-loadgen: {e}\n\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}
