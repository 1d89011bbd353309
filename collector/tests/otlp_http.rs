//! The OTLP/HTTP receiver, end to end: a real collector process on loopback.

mod common;

use common::{gzip, Collector, SPEC_JSON};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use serde_json::json;
use wasmtrace_collector::rpc::RpcStatus;

const JSON: &str = "application/json";
const PROTO: &str = "application/x-protobuf";

const CORS: &str = r#"cors:
  allowed_origins: ["http://localhost:5173", "https://*.example.com"]
  allowed_headers: ["traceparent"]
  max_age: 7200"#;

fn proto_request(service: &str, span_name: &str, attr_value: String) -> ExportTraceServiceRequest {
    let string = |s: String| {
        Some(AnyValue {
            value: Some(any_value::Value::StringValue(s)),
        })
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: string(service.into()),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: (1..=16).collect(),
                    span_id: vec![0xab; 8],
                    parent_span_id: vec![0xcd; 8],
                    name: span_name.into(),
                    kind: 3,
                    start_time_unix_nano: 1_700_000_000_000_000_000,
                    end_time_unix_nano: 1_700_000_000_500_000_000,
                    attributes: vec![KeyValue {
                        key: "a".into(),
                        value: string(attr_value),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn first_span(line: &serde_json::Value) -> &serde_json::Value {
    &line["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
}

#[test]
fn spec_json_body_lands_in_the_file() {
    let c = Collector::start(CORS);
    let r = c.post("application/json; charset=utf-8", SPEC_JSON.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some(JSON));
    assert_eq!(r.json(), json!({}));
    // No Origin header (curl, servers): no CORS headers either.
    assert!(!r.has_header("access-control-allow-origin"));

    let lines = c.lines();
    assert_eq!(lines.len(), 1);
    let rs = &lines[0]["resourceSpans"][0];
    assert_eq!(
        rs["resource"]["attributes"][0],
        json!({"key": "service.name", "value": {"stringValue": "svc"}})
    );
    assert_eq!(rs["scopeSpans"][0]["scope"]["name"], "t");
    let span = first_span(&lines[0]);
    assert_eq!(span["traceId"], "5b8efff798038103d269b633813fc60c");
    assert_eq!(span["spanId"], "eee19b7ec3c1b174");
    assert_eq!(span["name"], "s");
    assert_eq!(span["kind"], 1);
    assert_eq!(span["startTimeUnixNano"], "1544712660000000000");
    assert_eq!(span["endTimeUnixNano"], "1544712661000000000");
    assert_eq!(
        span["attributes"],
        json!([{"key": "n", "value": {"intValue": "5"}}])
    );

    let logged = c.wait_for_log("spans=[\"s\"]");
    assert!(
        logged.contains("1 span, 1 resource: service.name=\"svc\""),
        "{logged}"
    );
}

#[test]
fn protobuf_body_lands_and_is_answered_in_protobuf() {
    let c = Collector::start("");
    let body = proto_request("shop", "GET /cart", "x".into()).encode_to_vec();
    let r = c.post(PROTO, &body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some(PROTO));
    let answer = ExportTraceServiceResponse::decode(&r.body[..]).unwrap();
    assert_eq!(answer.partial_success, None);

    let lines = c.lines();
    assert_eq!(lines.len(), 1);
    let span = first_span(&lines[0]);
    assert_eq!(span["traceId"], "0102030405060708090a0b0c0d0e0f10");
    assert_eq!(span["spanId"], "abababababababab");
    assert_eq!(span["parentSpanId"], "cdcdcdcdcdcdcdcd");
    assert_eq!(span["name"], "GET /cart");
    assert_eq!(span["kind"], 3);
    assert_eq!(span["endTimeUnixNano"], "1700000000500000000");
    c.wait_for_log("service.name=\"shop\" spans=[\"GET /cart\"]");
}

#[test]
fn gzip_bodies_are_accepted() {
    let c = Collector::start("");
    let r = c.request(
        "POST",
        &[("Content-Type", JSON), ("Content-Encoding", "gzip")],
        &gzip(SPEC_JSON.as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = gzip(&proto_request("svc", "zipped", "x".into()).encode_to_vec());
    let r = c.request(
        "POST",
        &[("Content-Type", PROTO), ("Content-Encoding", "GZIP")],
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let lines = c.lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(first_span(&lines[0])["spanId"], "eee19b7ec3c1b174");
    assert_eq!(first_span(&lines[1])["name"], "zipped");

    let r = c.request(
        "POST",
        &[("Content-Type", JSON), ("Content-Encoding", "gzip")],
        SPEC_JSON.as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert!(
        r.json()["message"].as_str().unwrap().contains("gzip"),
        "{}",
        r.text()
    );
    assert_eq!(c.lines().len(), 2);
}

#[test]
fn undecodable_bodies_get_400_with_a_status_message() {
    let c = Collector::start("");
    let r = c.post(JSON, b"{\"resourceSpans\": [");
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some(JSON));
    let status = r.json();
    assert_eq!(status["code"], 3);
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{status}"
    );

    let base64_ids = SPEC_JSON.replace(
        "5b8efff798038103d269b633813fc60c",
        "W47/95gDgQPSabYzgT/GDA==",
    );
    let r = c.post(JSON, base64_ids.as_bytes());
    assert_eq!(r.status, 400);
    assert!(
        r.json()["message"].as_str().unwrap().contains("hex"),
        "{}",
        r.text()
    );

    let r = c.post(PROTO, b"\xff\xff\xff garbage");
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some(PROTO));
    let status = RpcStatus::decode(&r.body[..]).expect("a protobuf google.rpc.Status");
    assert_eq!(status.code, 3);
    assert!(
        status
            .message
            .contains("protobuf ExportTraceServiceRequest"),
        "{status:?}"
    );

    assert!(c.lines().is_empty());
}

#[test]
fn wrong_method_is_405_and_wrong_type_is_415() {
    let c = Collector::start("");
    let r = c.request("GET", &[], b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    let r = c.request("PUT", &[("Content-Type", JSON)], SPEC_JSON.as_bytes());
    assert_eq!(r.status, 405);
    let r = c.post("text/plain", SPEC_JSON.as_bytes());
    assert_eq!(r.status, 415);
    assert!(r.text().contains("application/x-protobuf"), "{}", r.text());
    let r = c.request("POST", &[], SPEC_JSON.as_bytes());
    assert_eq!(r.status, 415);
    // Without a cors block a preflight is just a wrong method, as in the Collector.
    let r = c.request(
        "OPTIONS",
        &[
            ("Origin", "http://localhost:5173"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(r.status, 405);
    assert!(!r.has_header("access-control-allow-origin"));
    let r = common::request(c.port, "POST", "/v1/logs", &[("Content-Type", JSON)], b"{}");
    assert_eq!(r.status, 404);
    assert!(c.lines().is_empty());
}

#[test]
fn bodies_over_the_limit_get_413_counted_after_decompression() {
    let c = Collector::start("max_request_body_size: 1000");
    let big = proto_request("svc", "big", "y".repeat(2000)).encode_to_vec();
    let r = c.post(PROTO, &big);
    assert_eq!(r.status, 413, "{}", r.text());
    let status = RpcStatus::decode(&r.body[..]).unwrap();
    assert!(
        status.message.contains("max_request_body_size"),
        "{status:?}"
    );

    // 2000 repeated bytes gzip to far less than 1000, but decompress to more.
    let packed = gzip(&big);
    assert!(packed.len() < 1000);
    let r = c.request(
        "POST",
        &[("Content-Type", PROTO), ("Content-Encoding", "gzip")],
        &packed,
    );
    assert_eq!(r.status, 413, "{}", r.text());

    let small = proto_request("svc", "small", "z".repeat(10)).encode_to_vec();
    assert_eq!(c.post(PROTO, &small).status, 200);
    let lines = c.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(first_span(&lines[0])["name"], "small");
}

#[test]
fn default_limit_is_20_mib_not_axums_2_mib() {
    let c = Collector::start("");
    let body = proto_request("svc", "large", "q".repeat(3 * 1024 * 1024)).encode_to_vec();
    let r = c.post(PROTO, &body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(c.lines().len(), 1);
}

#[test]
fn empty_request_succeeds_and_writes_nothing() {
    let c = Collector::start("");
    let r = c.post(JSON, b"{}");
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({}));
    let r = c.post(PROTO, b"");
    assert_eq!(r.status, 200);
    assert!(c.lines().is_empty());
}

#[test]
fn preflight_from_an_allowed_origin() {
    let c = Collector::start(CORS);
    let r = c.request(
        "OPTIONS",
        &[
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type,traceparent"),
        ],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
    // content-type is allowed although the config lists only traceparent.
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("content-type, traceparent")
    );
    assert_eq!(r.header("access-control-max-age"), Some("7200"));
    assert!(r.header("vary").unwrap().contains("Origin"));
    assert!(r.body.is_empty());
}

#[test]
fn preflight_from_a_disallowed_origin_or_header() {
    let c = Collector::start(CORS);
    for (origin, headers) in [
        ("http://evil.test", "content-type"),
        ("https://example.com", "content-type"),
        ("http://localhost:5173", "content-type, x-secret"),
    ] {
        let r = c.request(
            "OPTIONS",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", headers),
            ],
            b"",
        );
        assert_eq!(r.status, 204, "{origin}");
        assert!(r.header("vary").unwrap().contains("Origin"));
        let cors: Vec<_> = r
            .headers
            .iter()
            .filter(|(n, _)| n.to_ascii_lowercase().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{origin}: {cors:?}");
    }
}

#[test]
fn post_from_an_allowed_origin_gets_cors_headers() {
    let c = Collector::start(CORS);
    let r = c.request(
        "POST",
        &[("Content-Type", JSON), ("Origin", "http://LOCALHOST:5173")],
        SPEC_JSON.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://LOCALHOST:5173")
    );
    assert!(r.header("vary").unwrap().contains("Origin"));
    assert_eq!(c.lines().len(), 1);

    // Errors carry the headers too, so the browser can show them.
    let r = c.request(
        "POST",
        &[("Content-Type", JSON), ("Origin", "http://localhost:5173")],
        b"nope",
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
}

#[test]
fn post_from_a_disallowed_origin_is_refused_and_not_stored() {
    let c = Collector::start(CORS);
    let r = c.request(
        "POST",
        &[("Content-Type", JSON), ("Origin", "http://evil.test")],
        SPEC_JSON.as_bytes(),
    );
    assert_eq!(r.status, 403);
    assert!(!r.has_header("access-control-allow-origin"));
    let status = r.json();
    assert_eq!(status["code"], 7);
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("http://evil.test"),
        "{status}"
    );

    let body = proto_request("svc", "s", "x".into()).encode_to_vec();
    let r = c.request(
        "POST",
        &[
            ("Content-Type", PROTO),
            ("Origin", "https://example.com.evil.test"),
        ],
        &body,
    );
    assert_eq!(r.status, 403);
    assert_eq!(RpcStatus::decode(&r.body[..]).unwrap().code, 7);

    assert!(c.lines().is_empty(), "{:?}", c.lines());
    c.wait_for_log("refused a request from a disallowed origin");
}

#[test]
fn sigterm_drains_flushes_and_exits_zero() {
    let mut c = Collector::start("");
    assert_eq!(c.post(JSON, SPEC_JSON.as_bytes()).status, 200);
    let (status, logs) = c.terminate();
    assert!(status.success(), "{status:?}\n{}", logs.join("\n"));
    assert!(
        logs.iter().any(|l| l.contains("received SIGTERM")),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.contains("wasmtrace-collector stopped")),
        "{logs:?}"
    );
    assert_eq!(c.lines().len(), 1);
}
