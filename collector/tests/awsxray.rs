//! The awsxray exporter against a real `moto_server` (PyPI `moto[server]`) on
//! loopback, standing in for X-Ray: the collector sends PutTraceSegments in
//! batches of 50 through the AWS SDK, and the test reads the documents back
//! with BatchGetTraces and checks them field by field (moto validates little).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_xray::config::{BehaviorVersion, Credentials, Region};
use common::{free_port, read_request, Collector};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, SpanKind};
use opentelemetry_proto::tonic::trace::v1::{status, ResourceSpans, ScopeSpans, Span, Status};
use prost::Message;
use serde_json::{json, Value as Json};

/// The venv scripts/setup-collector.sh makes.
fn venv_bin(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../.work/venv/bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup-collector.sh (it installs moto[server] and the Python OTLP exporters into .work/venv)",
        path.display()
    );
    path
}

/// `moto_server` on a free loopback port; killed on drop.
struct Moto {
    port: u16,
    child: Child,
}

impl Moto {
    fn start() -> Moto {
        let port = free_port();
        let child = Command::new(venv_bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { port, child }
    }

    fn client(&self) -> aws_sdk_xray::Client {
        let config = aws_sdk_xray::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .endpoint_url(format!("http://127.0.0.1:{}", self.port))
            .http_client(wasmtrace_collector::exporter::awsxray::client::http_client())
            .build();
        aws_sdk_xray::Client::from_conf(config)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}
fn s(key: &str, v: &str) -> KeyValue {
    kv(key, Value::StringValue(v.into()))
}

const T1: [u8; 16] = [
    0x65, 0x5f, 0x0a, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
];
const T2: [u8; 16] = [
    0x65, 0x5f, 0x0a, 0x01, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0, 1, 2, 3, 4, 5,
];
const T1_XRAY: &str = "1-655f0a00-0102030405060708090a0b0c";
const T2_XRAY: &str = "1-655f0a01-aabbccddeeff000102030405";

/// A browser page load: a SERVER span (the API) with a failing fetch child,
/// 120 small INTERNAL spans in a second trace (three PutTraceSegments calls),
/// and one span whose metadata is over 64 KB.
fn request() -> ExportTraceServiceRequest {
    let base = 1_700_000_000_000_000_000u64;
    let server = Span {
        trace_id: T1.to_vec(),
        span_id: vec![0x10; 8],
        name: "GET /api/tasks".into(),
        kind: SpanKind::Server as i32,
        start_time_unix_nano: base,
        end_time_unix_nano: base + 250_000_000,
        attributes: vec![
            s("http.request.method", "GET"),
            s("url.full", "https://api.example.com/api/tasks"),
            kv("http.response.status_code", Value::IntValue(503)),
            s("user.tier", "gold"),
            s("enduser.id", "user-7"),
        ],
        ..Default::default()
    };
    let fetch = Span {
        trace_id: T1.to_vec(),
        span_id: vec![0x11; 8],
        parent_span_id: vec![0x10; 8],
        name: "HTTP GET".into(),
        kind: SpanKind::Client as i32,
        start_time_unix_nano: base + 10_000_000,
        end_time_unix_nano: base + 200_000_000,
        attributes: vec![
            s("http.method", "GET"),
            s("http.url", "https://cdn.example.com/data.json"),
            s("http.host", "cdn.example.com"),
            kv("http.status_code", Value::IntValue(429)),
        ],
        events: vec![Event {
            name: "exception".into(),
            attributes: vec![
                s("exception.type", "TypeError"),
                s("exception.message", "Failed to fetch"),
                s("exception.stacktrace", "TypeError: Failed to fetch\n    at load (https://task.example.com/app.js:12:7)"),
            ],
            ..Default::default()
        }],
        status: Some(Status { code: status::StatusCode::Error as i32, message: String::new() }),
        ..Default::default()
    };
    let big = Span {
        trace_id: T1.to_vec(),
        span_id: vec![0x12; 8],
        parent_span_id: vec![0x10; 8],
        name: "render".into(),
        kind: SpanKind::Internal as i32,
        start_time_unix_nano: base + 20_000_000,
        end_time_unix_nano: base + 30_000_000,
        attributes: vec![s("dom.snapshot", &"x".repeat(80_000)), s("view", "list")],
        ..Default::default()
    };
    let many: Vec<Span> = (0..120u32)
        .map(|n| Span {
            trace_id: T2.to_vec(),
            span_id: [0x20, 0, 0, 0, 0, 0, (n >> 8) as u8, n as u8 + 1].to_vec(),
            parent_span_id: if n == 0 {
                vec![]
            } else {
                vec![0x20, 0, 0, 0, 0, 0, 0, 1]
            },
            name: format!("step {n}"),
            kind: SpanKind::Internal as i32,
            start_time_unix_nano: base + u64::from(n) * 1_000_000,
            end_time_unix_nano: base + u64::from(n) * 1_000_000 + 500_000,
            ..Default::default()
        })
        .collect();
    let mut spans = vec![server, fetch, big];
    spans.extend(many);
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    s("service.name", "task-web"),
                    s("telemetry.sdk.name", "opentelemetry"),
                    s("telemetry.sdk.language", "webjs"),
                    s("telemetry.sdk.version", "2.0.0"),
                ],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

async fn documents(client: &aws_sdk_xray::Client, trace: &str) -> Vec<Json> {
    let out = client
        .batch_get_traces()
        .trace_ids(trace)
        .send()
        .await
        .expect("BatchGetTraces");
    out.traces()
        .iter()
        .flat_map(|t| t.segments())
        .map(|seg| serde_json::from_str(seg.document().unwrap()).expect("documents are JSON"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn segments_arrive_in_moto_field_by_field() {
    let moto = Moto::start();
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let collector = Collector::start_env(
        move |_| {
            format!(
                "receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
processors:
  batch:
    timeout: 100ms
exporters:
  awsxray:
    region: us-east-1
    endpoint: {endpoint}
    indexed_attributes: [user.tier]
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [awsxray]
"
            )
        },
        &[],
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let r = collector.post("application/x-protobuf", &request().encode_to_vec());
    assert_eq!(r.status, 200, "{}", r.text());

    let client = moto.client();
    let deadline = Instant::now() + Duration::from_secs(30);
    let (first, second) = loop {
        let first = documents(&client, T1_XRAY).await;
        let second = documents(&client, T2_XRAY).await;
        if first.len() >= 3 && second.len() >= 120 {
            break (first, second);
        }
        assert!(
            Instant::now() < deadline,
            "segments did not arrive: {} + {}\n{}",
            first.len(),
            second.len(),
            collector.logs().join("\n")
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(first.len(), 3, "no duplicates");
    assert_eq!(second.len(), 120);
    let by_id: HashMap<String, &Json> = first
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_owned(), d))
        .collect();

    let server = by_id["1010101010101010"];
    assert_eq!(server["name"], "task-web");
    assert_eq!(server["trace_id"], T1_XRAY);
    assert!(server.get("type").is_none() && server.get("parent_id").is_none());
    assert_eq!(server["start_time"], json!(1_700_000_000.0));
    assert_eq!(server["end_time"], json!(1_700_000_000.25));
    assert_eq!(
        (&server["fault"], &server["error"], &server["throttle"]),
        (&json!(true), &json!(false), &json!(false))
    );
    assert_eq!(server["http"]["request"]["method"], "GET");
    assert_eq!(
        server["http"]["request"]["url"],
        "https://api.example.com/api/tasks"
    );
    assert_eq!(server["http"]["response"]["status"], 503);
    assert_eq!(server["annotations"], json!({"user.tier": "gold"}));
    assert_eq!(server["user"], "user-7");
    assert_eq!(
        server["metadata"]["default"]["otel.resource.service.name"],
        "task-web"
    );
    assert_eq!(server["aws"]["xray"]["sdk"], "opentelemetry for webjs");

    let fetch = by_id["1111111111111111"];
    assert_eq!(fetch["type"], "subsegment");
    assert_eq!(fetch["parent_id"], "1010101010101010");
    assert_eq!(fetch["name"], "cdn.example.com");
    assert_eq!(fetch["namespace"], "remote");
    assert_eq!(
        (&fetch["fault"], &fetch["error"], &fetch["throttle"]),
        (&json!(false), &json!(true), &json!(true))
    );
    let ex = &fetch["cause"]["exceptions"][0];
    assert_eq!(ex["type"], "TypeError");
    assert_eq!(ex["message"], "Failed to fetch");
    assert_eq!(ex["remote"], true);
    assert_eq!(ex["stack"][0]["label"], "load");
    assert_eq!(ex["stack"][0]["line"], 12);
    assert!(
        fetch.get("metadata").is_none(),
        "no resource attributes on subsegments: {fetch}"
    );

    let big = by_id["1212121212121212"];
    assert!(serde_json::to_string(big).unwrap().len() <= 64 * 1024);
    assert!(big["metadata"]["default"].get("dom.snapshot").is_none());
    assert_eq!(big["metadata"]["default"]["view"], "list");
    assert_eq!(
        big["metadata"]["wasmtrace"]["trimmed_to_fit_64kb"],
        json!(["default.dom.snapshot"])
    );

    let mut names: Vec<&str> = second.iter().map(|d| d["name"].as_str().unwrap()).collect();
    names.sort_by_key(|n| n[5..].parse::<u32>().unwrap());
    assert_eq!(names[0], "step 0");
    assert_eq!(names[119], "step 119");
    assert!(second.iter().all(|d| d["trace_id"] == T2_XRAY));
    collector.wait_for_log("segment over 64 KB: trimmed");
}

/// A stand-in for X-Ray's PutTraceSegments that leaves segments unprocessed on
/// the first call: one for a passing reason (throttled), one for good.
struct FakeXray {
    port: u16,
    calls: std::sync::Arc<std::sync::Mutex<Vec<Vec<String>>>>,
}

impl FakeXray {
    fn start(throttled: &'static str, invalid: &'static str) -> FakeXray {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Vec<String>>::new()));
        let seen = std::sync::Arc::clone(&calls);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let Some((_, body)) = read_request(&mut stream) else {
                    continue;
                };
                let body: Json = serde_json::from_slice(&body).unwrap_or(Json::Null);
                let docs: Vec<String> = body["TraceSegmentDocuments"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|d| d.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let first = {
                    let mut c = seen.lock().unwrap();
                    c.push(docs);
                    c.len() == 1
                };
                let answer = if first {
                    json!({"UnprocessedTraceSegments": [
                        {"Id": throttled, "ErrorCode": "ThrottledException", "Message": "slow down"},
                        {"Id": invalid, "ErrorCode": "InvalidSegment", "Message": "bad segment"},
                    ]})
                } else {
                    json!({"UnprocessedTraceSegments": []})
                }
                .to_string();
                let _ = stream.write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                        answer.len()
                    )
                    .as_bytes(),
                );
            }
        });
        FakeXray { port, calls }
    }
}

#[test]
fn unprocessed_segments_are_sent_again_or_reported() {
    let fake = FakeXray::start("2000000000000002", "2000000000000003");
    let endpoint = format!("http://127.0.0.1:{}", fake.port);
    let c = Collector::start_env(
        move |_| {
            format!(
                "receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
exporters:
  awsxray:
    region: us-east-1
    endpoint: {endpoint}
extensions:
  health_check:
    endpoint: 127.0.0.1:0
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [awsxray]
"
            )
        },
        &[],
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let mut request = request();
    request.resource_spans[0].scope_spans[0].spans.truncate(6); // 3 in T1, 3 in T2
    let r = c.post("application/x-protobuf", &request.encode_to_vec());
    assert_eq!(r.status, 200, "{}", r.text());
    common::eventually(10, "a second PutTraceSegments call", || {
        fake.calls.lock().unwrap().len() >= 2
    });
    std::thread::sleep(Duration::from_millis(300));
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "one retry call only");
    assert_eq!(calls[0].len(), 6);
    assert_eq!(calls[1].len(), 1, "only the throttled segment again");
    let again: Json = serde_json::from_str(&calls[1][0]).unwrap();
    assert_eq!(again["id"], "2000000000000002");
    let line = c.wait_for_log("X-Ray did not take a segment");
    assert!(
        line.contains("2000000000000003") && line.contains("InvalidSegment"),
        "{line}"
    );
    let port = c.port_of("health_check extension");
    let metrics = common::request(port, "GET", "/metrics", &[], b"").text();
    assert!(
        metrics.contains("otelcol_exporter_sent_spans_total{exporter=\"awsxray\"} 5\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("otelcol_exporter_send_failed_spans_total{exporter=\"awsxray\"} 1\n"),
        "{metrics}"
    );
}
