//! Real third-party OTLP clients against the collector: OpenTelemetry Python's
//! OTLP/HTTP exporter (protobuf + gzip) and OTLP/gRPC exporter, and
//! OpenTelemetry JS's OTLP/HTTP exporter (JSON) under Node. Each client's
//! spans must arrive intact in the `file` exporter's output.
//! The clients are installed by scripts/setup-collector.sh.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{all_spans, http_and_grpc_to_file, Collector};
use serde_json::Value;

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn require(path: &Path) {
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup-collector.sh to install the third-party OTLP clients",
        path.display()
    );
}

/// Runs a client; returns the trace id it printed.
fn run(program: &Path, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(manifest("tests/clients"))
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{}\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(id.len(), 32, "a trace id: {id:?}");
    id
}

fn attribute<'a>(span: &'a Value, key: &str) -> &'a Value {
    span["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|kv| kv["key"] == key))
        .map(|kv| &kv["value"])
        .unwrap_or_else(|| panic!("no attribute {key} in {span}"))
}

/// The two spans every client sends, checked field by field.
fn check(lines: &[Value], service: &str, trace_id: &str) {
    // SimpleSpanProcessor exports each span alone: gather the service's resources.
    let resources: Vec<Value> = lines
        .iter()
        .flat_map(|l| l["resourceSpans"].as_array().cloned().unwrap_or_default())
        .filter(|rs| {
            rs["resource"]["attributes"]
                .as_array()
                .is_some_and(|attrs| {
                    attrs.iter().any(|kv| {
                        kv["key"] == "service.name" && kv["value"]["stringValue"] == service
                    })
                })
        })
        .collect();
    let spans: Vec<Value> = all_spans(&[serde_json::json!({ "resourceSpans": resources })]);
    assert_eq!(spans.len(), 2, "{spans:?}");
    let parent = spans.iter().find(|s| s["name"] == "parent").unwrap();
    let child = spans.iter().find(|s| s["name"] == "child").unwrap();
    assert_eq!(parent["traceId"], trace_id);
    assert_eq!(child["traceId"], trace_id);
    assert_eq!(child["parentSpanId"], parent["spanId"]);
    assert!(parent.get("parentSpanId").is_none());
    assert_eq!(parent["kind"], 2, "SERVER");
    assert_eq!(child["kind"], 3, "CLIENT");
    assert_eq!(
        attribute(parent, "http.request.method"),
        &serde_json::json!({"stringValue": "GET"})
    );
    assert_eq!(
        attribute(parent, "retries"),
        &serde_json::json!({"intValue": "3"})
    );
    assert_eq!(
        attribute(parent, "ratio"),
        &serde_json::json!({"doubleValue": 0.5})
    );
    assert_eq!(
        attribute(parent, "tags"),
        &serde_json::json!({"arrayValue": {"values": [{"stringValue": "a"}, {"stringValue": "b"}]}})
    );
    assert_eq!(
        attribute(child, "peer.service"),
        &serde_json::json!({"stringValue": "db"})
    );
    assert_eq!(parent["events"][0]["name"], "started");
    assert_eq!(
        parent["events"][0]["attributes"][0]["value"]["intValue"],
        "1"
    );
    let start: u64 = parent["startTimeUnixNano"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let end: u64 = parent["endTimeUnixNano"].as_str().unwrap().parse().unwrap();
    assert!(start > 1_600_000_000_000_000_000 && end >= start);
}

#[test]
fn python_http_protobuf_gzip_grpc_and_node_json_arrive_intact() {
    let python = manifest("../.work/venv/bin/python");
    require(&python);
    let node_exporter =
        manifest("tests/clients/node_modules/@opentelemetry/exporter-trace-otlp-http");
    require(&node_exporter);
    let script = manifest("tests/clients/send_otlp.py");
    let script = script.to_str().unwrap();

    let c = Collector::start_with(http_and_grpc_to_file, &[]);
    let grpc = c.port_of("OTLP/gRPC receiver");
    let url = format!("http://127.0.0.1:{}/v1/traces", c.port);

    let py_http = run(&python, &[script, "http", &url, "python-http"]);
    let py_grpc = run(
        &python,
        &[script, "grpc", &format!("127.0.0.1:{grpc}"), "python-grpc"],
    );
    let node = run(Path::new("node"), &["send_json.mjs", &url, "node-json"]);

    let lines = c.wait_spans(6);
    check(&lines, "python-http", &py_http);
    check(&lines, "python-grpc", &py_grpc);
    check(&lines, "node-json", &node);
}
