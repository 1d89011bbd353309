//! The command line: `validate` exit codes and messages, start-up failures.

mod common;

use std::process::{Command, Output};

use common::{config, TempDir, BIN};

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run wasmtrace-collector")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn validate_accepts_a_good_config() {
    let dir = TempDir::new();
    let path = dir.write("ok.yaml", &config(&dir.0.join("t.jsonl"), ""));
    let arg = format!("--config={}", path.display());
    let out = run(&["validate", &arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid"));
    // validate only reads: the exporter's file is not created.
    assert!(!dir.0.join("t.jsonl").exists());
    let out = run(&["validate", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn validate_names_an_unknown_key_and_its_line() {
    let dir = TempDir::new();
    let text = config(&dir.0.join("t.jsonl"), "").replace("endpoint:", "endpont:");
    let path = dir.write("bad.yaml", &text);
    let out = run(&["validate", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("unknown field `endpont`"), "{err}");
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("bad.yaml"), "{err}");
}

#[test]
fn validate_names_an_undefined_component() {
    let dir = TempDir::new();
    let text = config(&dir.0.join("t.jsonl"), "").replace("[file/local, debug]", "[file/remote]");
    let path = dir.write("bad.yaml", &text);
    let out = run(&["validate", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("exporter \"file/remote\" is not defined"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_file_and_bad_arguments() {
    let out = run(&["validate", "--config", "/nonexistent/wasmtrace.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot read config file"),
        "{}",
        stderr(&out)
    );
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("usage:"));
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("validate --config FILE"));
}

#[test]
fn run_refuses_an_invalid_config() {
    let dir = TempDir::new();
    let path = dir.write(
        "bad.yaml",
        "receivers:\n  otlp:\n    protocols:\n      http:\n",
    );
    let out = run(&["--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no pipeline defined"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn run_reports_a_busy_port() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let dir = TempDir::new();
    let text =
        config(&dir.0.join("t.jsonl"), "").replace("127.0.0.1:0", &format!("127.0.0.1:{port}"));
    let path = dir.write("busy.yaml", &text);
    let out = run(&["--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
}

/// The issue's `otel-web` config, unchanged.
const REFERENCE: &str = "receivers:
  otlp:
    protocols:
      http:
        cors:
          allowed_origins:
            - \"https://task.example.com\"
processors:
exporters:
  awsxray:
    region: ap-northeast-1
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [awsxray]
";

#[test]
fn validate_accepts_the_reference_and_sidecar_configs() {
    let dir = TempDir::new();
    let path = dir.write("otel-web.yaml", REFERENCE);
    let arg = format!("--config={}", path.display());
    let out = run(&["validate", &arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sidecar = REFERENCE.replace(
        "      http:\n        cors:\n          allowed_origins:\n            - \"https://task.example.com\"\n",
        "      grpc:\n",
    );
    assert!(sidecar.contains("grpc:"));
    let path = dir.write("sidecar.yaml", &sidecar);
    let out = run(&["validate", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn validate_expands_env_and_names_bad_values() {
    let dir = TempDir::new();
    let text = config(&dir.0.join("t.jsonl"), "")
        .replace("127.0.0.1:0", "${env:WASMTRACE_TEST_ENDPOINT}")
        .replace("timeout: 50ms", "timeout: ${env:WASMTRACE_TEST_TIMEOUT}");
    let path = dir.write("env.yaml", &text);
    let out = Command::new(BIN)
        .args(["validate", "--config", path.to_str().unwrap()])
        .env("WASMTRACE_TEST_ENDPOINT", "127.0.0.1:4318")
        .env("WASMTRACE_TEST_TIMEOUT", "2s")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = Command::new(BIN)
        .args(["validate", "--config", path.to_str().unwrap()])
        .env("WASMTRACE_TEST_ENDPOINT", "127.0.0.1:4318")
        .env("WASMTRACE_TEST_TIMEOUT", "fast")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("processors.batch.timeout (line 8)"), "{err}");
    assert!(err.contains("\"fast\" is not a duration"), "{err}");
}

#[test]
fn the_shipped_examples_validate() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for name in ["local.yaml", "otel-web.yaml", "sidecar.yaml"] {
        let path = dir.join(name);
        let out = run(&["validate", "--config", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
    }
    let reference = std::fs::read_to_string(dir.join("otel-web.yaml")).unwrap();
    assert!(
        reference.ends_with(REFERENCE),
        "examples/otel-web.yaml is the issue's config"
    );
}
