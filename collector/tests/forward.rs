//! OTLP/gRPC in, and forwarding out: the `otlp` and `otlphttp` exporters to a
//! second collector process, pushback from a full queue, retries until a
//! failing backend recovers, and shutdown flushing what is held.

mod common;

use std::path::Path;
use std::sync::atomic::Ordering;

use common::{all_spans, eventually, http_and_grpc_to_file, proto_spans, Collector, Sink};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use wasmtrace_collector::rpc::{retry_delay, RpcStatus};

const PROTO: &str = "application/x-protobuf";

fn request_of(names: &[&str]) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest::decode(&proto_spans(names)[..]).unwrap()
}

#[tokio::test]
async fn grpc_export_lands_in_the_file_with_partial_success() {
    let c = Collector::start_with(http_and_grpc_to_file, &[]);
    let port = c.port_of("OTLP/gRPC receiver");
    let mut client = TraceServiceClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .unwrap()
        .send_compressed(tonic::codec::CompressionEncoding::Gzip);
    let response = client.export(request_of(&["g1", "g2"])).await.unwrap();
    assert_eq!(response.into_inner().partial_success, None);

    let mut mixed = request_of(&["ok", "bad"]);
    mixed.resource_spans[0].scope_spans[0].spans[1].span_id = vec![1, 2, 3];
    let partial = client.export(mixed).await.unwrap().into_inner();
    let partial = partial.partial_success.expect("a partial success");
    assert_eq!(partial.rejected_spans, 1);
    assert!(partial
        .error_message
        .contains("spans[1].spanId: must be 8 bytes"));

    let mut bad = request_of(&["bad"]);
    bad.resource_spans[0].scope_spans[0].spans[0].trace_id = vec![0; 16];
    let status = client.export(bad).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().contains("all zeros"),
        "{}",
        status.message()
    );

    let lines = c.wait_spans(3);
    let names: Vec<_> = all_spans(&lines)
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, ["g1", "g2", "ok"]);
}

#[tokio::test]
async fn grpc_pushback_is_unavailable_with_retry_info() {
    let c = Collector::start_with(
        |file| {
            http_and_grpc_to_file(file)
                .replacen(
                    "exporters:\n",
                    "processors:\n  memory_limiter:\n    check_interval: 50ms\n    limit_mib: 8\n    spike_limit_mib: 1\n  batch:\n    timeout: 60s\nexporters:\n",
                    1,
                )
                .replace("      exporters: [file]", "      processors: [memory_limiter, batch]\n      exporters: [file]")
                .replace("      grpc:\n", "      grpc:\n        max_recv_msg_size_mib: 16\n")
        },
        &["--shutdown-timeout", "4s"],
    );
    let port = c.port_of("OTLP/gRPC receiver");
    let mut client = TraceServiceClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    // 1 MiB requests pile up in the 60 s batch until memory passes the soft
    // limit (7 MiB); then the receiver refuses instead of accepting.
    let mut c = c;
    let mut accepted = 0;
    let status = loop {
        assert!(accepted < 100, "never refused");
        match client.export(request_of(&[&"x".repeat(1 << 20)])).await {
            Ok(_) => accepted += 1,
            Err(status) => break status,
        }
    };
    assert!(accepted >= 3, "refused too early: {accepted}");
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    assert!(
        status.message().contains("memory_limiter"),
        "{}",
        status.message()
    );
    assert_eq!(
        retry_delay(status.details()),
        Some(std::time::Duration::from_secs(1))
    );
    // What was accepted is not lost: shutdown hands the batch to the file.
    let (exit, logs) = c.terminate();
    assert!(exit.success(), "{}", logs.join("\n"));
    assert_eq!(all_spans(&c.lines()).len(), accepted);
}

#[test]
fn forwards_over_grpc_and_http_to_a_second_collector() {
    let b = Collector::start_with(http_and_grpc_to_file, &[]);
    let b_grpc = b.port_of("OTLP/gRPC receiver");
    let b_http = b.port;
    let a = Collector::start_with(
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
  otlp:
    endpoint: 127.0.0.1:{b_grpc}
    tls:
      insecure: true
    headers:
      x-tenant: web
  otlphttp:
    endpoint: http://127.0.0.1:{b_http}
    compression: gzip
    encoding: json
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp, otlphttp]
"
            )
        },
        &[],
    );
    let r = a.post(PROTO, &proto_spans(&["forwarded"]));
    assert_eq!(r.status, 200, "{}", r.text());
    let lines = b.wait_spans(2);
    assert_eq!(lines.len(), 2, "one copy over each protocol");
    for span in all_spans(&lines) {
        assert_eq!(span["name"], "forwarded");
        assert_eq!(span["traceId"], "11111111111111111111111111111111");
        assert_eq!(span["endTimeUnixNano"], "1700000000100000000");
    }
}

/// A collector forwarding over OTLP/HTTP to the sink, one request queued at most.
fn to_sink(port: u16) -> impl FnOnce(&Path) -> String {
    move |_| {
        format!(
            "receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{port}
    sending_queue:
      queue_size: 1
      num_consumers: 1
    retry_on_failure:
      initial_interval: 50ms
      max_interval: 200ms
      max_elapsed_time: 0
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlphttp]
"
        )
    }
}

#[test]
fn a_full_queue_pushes_back_and_nothing_accepted_is_lost() {
    let sink = Sink::start(503);
    let a = Collector::start_with(to_sink(sink.port), &[]);
    let mut accepted = Vec::new();
    let mut refused = None;
    for i in 0..20 {
        let name = format!("s{i}");
        let r = a.post(PROTO, &proto_spans(&[&name]));
        match r.status {
            200 => accepted.push(name),
            503 => {
                refused = Some(r);
                break;
            }
            other => panic!("unexpected {other}: {}", r.text()),
        }
    }
    let refused = refused.expect("the queue filled and the receiver pushed back");
    assert_eq!(refused.header("retry-after"), Some("5"));
    let status = RpcStatus::decode(&refused.body[..]).expect("a protobuf google.rpc.Status");
    assert!(
        status.message.contains("sending queue is full"),
        "{}",
        status.message
    );
    assert_eq!(status.code, 8, "RESOURCE_EXHAUSTED");
    // At most one request in flight (retrying) and one queued.
    assert!((1..=2).contains(&accepted.len()), "{accepted:?}");
    eventually(5, "a first attempt at the sink", || {
        sink.requests.load(Ordering::SeqCst) >= 1
    });

    // The backend recovers: every accepted span arrives, once.
    sink.status.store(200, Ordering::SeqCst);
    eventually(10, "the accepted spans at the sink", || {
        sink.span_names().len() >= accepted.len()
    });
    let mut got = sink.span_names();
    got.sort();
    assert_eq!(got, accepted);
    a.wait_for_log("send failed, retrying");
}

#[test]
fn sigterm_flushes_batches_and_queues_to_the_backend() {
    let sink = Sink::start(200);
    let port = sink.port;
    let mut a = Collector::start_with(
        move |file| {
            to_sink(port)(file)
                .replace(
                    "exporters:\n",
                    "processors:\n  batch:\n    timeout: 60s\nexporters:\n",
                )
                .replace(
                    "      exporters: [otlphttp]",
                    "      processors: [batch]\n      exporters: [otlphttp]",
                )
        },
        &[],
    );
    for name in ["b1", "b2"] {
        assert_eq!(a.post(PROTO, &proto_spans(&[name])).status, 200);
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(sink.span_names().is_empty(), "held by the 60 s batch");
    let (status, logs) = a.terminate();
    assert!(status.success(), "{}", logs.join("\n"));
    assert_eq!(sink.span_names(), ["b1", "b2"]);
}

#[tokio::test]
async fn grpc_message_over_the_limit_is_resource_exhausted_not_retried() {
    let c = Collector::start_with(
        |file| {
            http_and_grpc_to_file(file).replace(
                "      grpc:\n",
                "      grpc:\n        max_recv_msg_size_mib: 1\n",
            )
        },
        &[],
    );
    let port = c.port_of("OTLP/gRPC receiver");
    let mut client = TraceServiceClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();
    let status = client
        .export(request_of(&[&"x".repeat(2 << 20)]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("too large"),
        "{}",
        status.message()
    );
    assert_eq!(
        retry_delay(status.details()),
        None,
        "no RetryInfo: do not retry"
    );
    client.export(request_of(&["small"])).await.unwrap();
    let names: Vec<_> = all_spans(&c.wait_spans(1))
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, ["small"]);
}

#[test]
fn a_batch_the_exporter_refuses_is_kept_and_sent_later() {
    let sink = Sink::start(503);
    let port = sink.port;
    // Every request fills the batch (size 1) and hands it on itself; once the
    // queue is full, batches go back to the batcher instead of being lost.
    let a = Collector::start_with(
        move |file| {
            to_sink(port)(file)
                .replace(
                    "exporters:\n",
                    "processors:\n  batch:\n    send_batch_size: 1\n    timeout: 60s\nexporters:\n",
                )
                .replace(
                    "      exporters: [otlphttp]",
                    "      processors: [batch]\n      exporters: [otlphttp]",
                )
        },
        &[],
    );
    let names: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    for name in &names {
        let r = a.post(PROTO, &proto_spans(&[name]));
        assert_eq!(
            r.status,
            200,
            "the batch holds what the queue cannot: {}",
            r.text()
        );
    }
    eventually(5, "a first attempt at the sink", || {
        sink.requests.load(Ordering::SeqCst) >= 1
    });
    sink.status.store(200, Ordering::SeqCst);
    eventually(15, "all ten spans at the sink", || {
        sink.span_names().len() >= 10
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut got = sink.span_names();
    got.sort();
    assert_eq!(got, names, "each once");
}
