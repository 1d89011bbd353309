//! Processors, protections and operations end to end: batching, the memory
//! limiter's pushback, partial success, the required header and rate limit,
//! health_check and /metrics, and the nop exporter.

mod common;

use std::path::Path;

use common::{all_spans, proto_spans, request, Collector};
use prost::Message;

const PROTO: &str = "application/x-protobuf";
const JSON: &str = "application/json";

/// A file-exporter pipeline with `processors` defined and listed, and
/// `http_extra` under the HTTP receiver.
fn with(processors: &str, listed: &str, http_extra: &str) -> impl FnOnce(&Path) -> String {
    let processors = processors.to_owned();
    let listed = listed.to_owned();
    let http_extra = http_extra.to_owned();
    move |file: &Path| {
        format!(
            "receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
{http_extra}
processors:
{processors}
exporters:
  file:
    path: {}
extensions:
  health_check:
    endpoint: 127.0.0.1:0
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [{listed}]
      exporters: [file]
",
            file.display()
        )
    }
}

#[test]
fn batch_merges_requests_at_send_batch_size() {
    let c = Collector::start_with(
        with(
            "  batch:\n    send_batch_size: 3\n    timeout: 30s\n",
            "batch",
            "",
        ),
        &[],
    );
    for name in ["a", "b", "c"] {
        let r = c.post(PROTO, &proto_spans(&[name]));
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let lines = c.wait_spans(3);
    assert_eq!(lines.len(), 1, "three requests, one batch: {lines:?}");
    let names: Vec<_> = all_spans(&lines)
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn batch_sends_on_timeout_and_splits_at_max_size() {
    let c = Collector::start_with(
        with(
            "  batch:\n    send_batch_size: 2\n    send_batch_max_size: 2\n    timeout: 1s\n",
            "batch",
            "",
        ),
        &[],
    );
    let r = c.post(PROTO, &proto_spans(&["1", "2", "3", "4", "5"]));
    assert_eq!(r.status, 200, "{}", r.text());
    let lines = c.wait_spans(5);
    let sizes: Vec<usize> = lines.iter().map(common::span_count).collect();
    assert_eq!(sizes, [2, 2, 1], "cut to send_batch_max_size");

    // One span alone waits for the timeout.
    let started = std::time::Instant::now();
    assert_eq!(c.post(PROTO, &proto_spans(&["late"])).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(c.lines().len(), 3, "sent before the timeout");
    c.wait_spans(6);
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
}

#[test]
fn memory_limiter_refuses_with_503_and_retry_after() {
    // 1 MiB requests pile up in a 60 s batch until live memory passes the soft
    // limit (7 MiB); from then on the receiver refuses instead of accepting.
    let mut c = Collector::start_with(
        with(
            "  memory_limiter:\n    check_interval: 50ms\n    limit_mib: 8\n    spike_limit_mib: 1\n  batch:\n    timeout: 60s\n",
            "memory_limiter, batch",
            "",
        ),
        &[],
    );
    let big = proto_spans(&[&"x".repeat(1 << 20)]);
    let mut accepted = 0;
    let refused = loop {
        assert!(accepted < 100, "never refused");
        let r = c.request("POST", &[("Content-Type", JSON)], &[]);
        assert_eq!(r.status, 400, "an empty JSON body is not a request");
        let r = c.post(PROTO, &big);
        match r.status {
            200 => accepted += 1,
            503 => break r,
            other => panic!("unexpected {other}: {}", r.text()),
        }
    };
    assert!(accepted >= 3, "refused too early: {accepted}");
    assert_eq!(refused.header("retry-after"), Some("1"));
    let status = wasmtrace_collector::rpc::RpcStatus::decode(&refused.body[..]).unwrap();
    assert!(
        status.message.contains("memory_limiter soft limit"),
        "{}",
        status.message
    );
    assert_eq!(status.code, 14, "UNAVAILABLE");
    c.wait_for_log("memory above the soft limit");
    // Nothing accepted is lost: shutdown hands the batch to the file.
    let (exit, logs) = c.terminate();
    assert!(exit.success(), "{}", logs.join("\n"));
    assert_eq!(all_spans(&c.lines()).len(), accepted);
}

#[test]
fn bad_ids_are_a_partial_success_and_all_bad_is_400() {
    let c = Collector::start("");
    let good = r#"{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"good"}"#;
    let short =
        r#"{"traceId":"5b8efff798038103d269b633","spanId":"eee19b7ec3c1b175","name":"short"}"#;
    let zero = r#"{"traceId":"00000000000000000000000000000000","spanId":"eee19b7ec3c1b176","name":"zero"}"#;
    let body =
        |spans: &str| format!(r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{spans}]}}]}}]}}"#);
    let r = c.post(JSON, body(&format!("{good},{short},{zero}")).as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    let partial = &r.json()["partialSuccess"];
    assert_eq!(
        partial["rejectedSpans"].to_string().trim_matches('"'),
        "2",
        "{partial}"
    );
    let message = partial["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("spans[1].traceId: must be 16 bytes"),
        "{message}"
    );
    let lines = c.wait_spans(1);
    let names: Vec<_> = all_spans(&lines)
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, ["good"]);

    let r = c.post(JSON, body(short).as_bytes());
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("traceId"));
    assert_eq!(all_spans(&c.lines()).len(), 1);
}

#[test]
fn required_header_is_checked_on_posts_not_preflights() {
    let c = Collector::start_env(
        |file| {
            common::config(
                file,
                "cors:\n  allowed_origins: [\"https://app.example.com\"]\n  allowed_headers: [x-api-key]\nrequired_header:\n  name: x-api-key\n  values: [\"${env:WASMTRACE_TEST_KEY}\", \"older-key\"]",
            )
        },
        &[],
        &[("WASMTRACE_TEST_KEY", "k-123")],
    );
    let origin = ("Origin", "https://app.example.com");
    let pre = c.request(
        "OPTIONS",
        &[
            origin,
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type,x-api-key"),
        ],
        b"",
    );
    assert_eq!(pre.status, 204);
    assert_eq!(
        pre.header("access-control-allow-headers"),
        Some("content-type, x-api-key")
    );

    let body = common::SPEC_JSON.as_bytes();
    let r = c.request("POST", &[origin, ("Content-Type", JSON)], body);
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("x-api-key"));
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    let r = c.request(
        "POST",
        &[origin, ("Content-Type", JSON), ("x-api-key", "wrong")],
        body,
    );
    assert_eq!(r.status, 401);
    let r = c.request(
        "POST",
        &[origin, ("Content-Type", JSON), ("x-api-key", "k-123")],
        body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c.request(
        "POST",
        &[("Content-Type", JSON), ("X-Api-Key", "older-key")],
        body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(c.lines().len(), 2);
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let c = Collector::start("rate_limit:\n  requests_per_second: 0.5\n  burst: 2");
    let body = proto_spans(&["x"]);
    assert_eq!(c.post(PROTO, &body).status, 200);
    assert_eq!(c.post(PROTO, &body).status, 200);
    let r = c.post(PROTO, &body);
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("2"));
    // Another client address (from the configured header) has its own bucket:
    // not configured here, so the same peer stays limited.
    assert_eq!(c.post(PROTO, &body).status, 429);
    assert_eq!(c.lines().len(), 2);
}

#[test]
fn health_check_and_metrics() {
    let c = Collector::start_with(with("  batch:\n", "", ""), &[]);
    let port = c.port_of("health_check extension");
    // 503 until every component runs.
    c.wait_for_log("wasmtrace-collector started");
    let r = request(port, "GET", "/", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "Server available");

    assert_eq!(c.post(PROTO, &proto_spans(&["a", "b"])).status, 200);
    assert_eq!(c.post(JSON, b"{").status, 400);
    let r = request(port, "GET", "/metrics", &[], b"");
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(
        text.contains(
            "otelcol_receiver_accepted_spans_total{receiver=\"otlp\",transport=\"http\"} 2\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("otelcol_exporter_sent_spans_total{exporter=\"file\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE otelcol_exporter_queue_size gauge"),
        "{text}"
    );
}

#[test]
fn health_check_answers_503_while_shutting_down() {
    // A batch that waits on a dead backend keeps shutdown busy long enough to look.
    let dead = common::free_port();
    let mut c = Collector::start_with(
        move |_| {
            format!(
                "receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{dead}
    retry_on_failure: {{initial_interval: 100ms}}
extensions:
  health_check:
    endpoint: 127.0.0.1:0
    path: /health
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlphttp]
"
            )
        },
        &["--shutdown-timeout", "2s"],
    );
    let port = c.port_of("health_check extension");
    c.wait_for_log("wasmtrace-collector started");
    assert_eq!(request(port, "GET", "/health", &[], b"").status, 200);
    assert_eq!(c.post(PROTO, &proto_spans(&["stuck"])).status, 200);
    c.signal_term();
    common::eventually(5, "a 503 from health_check", || {
        request(port, "GET", "/health", &[], b"").status == 503
    });
    let (status, logs) = c.wait_exit();
    assert_eq!(
        status.code(),
        Some(1),
        "spans were lost: exit 1\n{}",
        logs.join("\n")
    );
    assert!(
        logs.iter()
            .any(|l| l.contains("1 spans could not be exported before the shutdown deadline")),
        "{}",
        logs.join("\n")
    );
}

#[test]
fn nop_exporter_accepts_and_discards() {
    let c = Collector::start_with(
        |_| {
            "receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
processors:
  batch:
exporters:
  nop:
extensions:
  health_check:
    endpoint: 127.0.0.1:0
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [nop]
"
            .to_owned()
        },
        &[],
    );
    for _ in 0..3 {
        assert_eq!(c.post(PROTO, &proto_spans(&["a", "b"])).status, 200);
    }
    let port = c.port_of("health_check extension");
    common::eventually(5, "6 spans counted as sent by nop", || {
        request(port, "GET", "/metrics", &[], b"")
            .text()
            .contains("otelcol_exporter_sent_spans_total{exporter=\"nop\"} 6\n")
    });
}

#[test]
fn metrics_on_their_own_address() {
    let c = Collector::start_with(
        |file| {
            with("  batch:\n", "", "")(file).replace(
                "  extensions: [health_check]\n",
                "  extensions: []\n  telemetry:\n    metrics:\n      address: 127.0.0.1:0\n",
            )
        },
        &[],
    );
    let port = c.port_of("metrics");
    assert_eq!(c.post(PROTO, &proto_spans(&["m"])).status, 200);
    let r = request(port, "GET", "/metrics", &[], b"");
    assert_eq!(r.status, 200);
    assert!(
        r.text().contains(
            "otelcol_receiver_accepted_spans_total{receiver=\"otlp\",transport=\"http\"} 1\n"
        ),
        "{}",
        r.text()
    );
    assert_eq!(
        request(port, "GET", "/", &[], b"").status,
        404,
        "no health check here"
    );
    c.wait_for_log("extension health_check is defined but not listed in service.extensions");
}
