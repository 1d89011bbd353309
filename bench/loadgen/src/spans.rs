//! The requests the load generator sends: browser-like spans (a fetch client
//! span with five string attributes), each request with its own ids.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};
use std::time::{SystemTime, UNIX_EPOCH};

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..Default::default()
    }
}

/// A small deterministic generator (splitmix64): distinct ids without a `rand` dependency.
struct Ids(u64);
impl Ids {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// One request of `spans` spans; `seed` makes its ids differ from other requests'.
pub fn request(seed: u64, spans: usize) -> ExportTraceServiceRequest {
    let mut ids = Ids(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut trace_id = [0u8; 16];
    trace_id[..8].copy_from_slice(&ids.next().to_be_bytes());
    trace_id[8..].copy_from_slice(&ids.next().to_be_bytes());
    let root = ids.next().to_be_bytes().to_vec();
    let spans = (0..spans)
        .map(|i| {
            let start = now + i as u64 * 1_000_000;
            Span {
                trace_id: trace_id.to_vec(),
                span_id: if i == 0 {
                    root.clone()
                } else {
                    ids.next().to_be_bytes().to_vec()
                },
                parent_span_id: if i == 0 { Vec::new() } else { root.clone() },
                name: "HTTP GET".to_owned(),
                kind: span::SpanKind::Client as i32,
                start_time_unix_nano: start,
                end_time_unix_nano: start + 12_345_678,
                attributes: vec![
                    kv("http.request.method", "GET"),
                    kv("url.full", "https://api.example.com/v1/items?page=2"),
                    kv("server.address", "api.example.com"),
                    kv("http.response.status_code", "200"),
                    kv(
                        "user_agent.original",
                        "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0",
                    ),
                ],
                status: Some(Status::default()),
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", "bench-frontend"),
                    kv("telemetry.sdk.name", "wasmtrace-loadgen"),
                ],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "bench".to_owned(),
                    version: "0.1.0".to_owned(),
                    ..Default::default()
                }),
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// Spans in a request (what a sink counts).
pub fn count(request: &ExportTraceServiceRequest) -> u64 {
    request
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len() as u64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn requests_have_the_asked_spans_and_distinct_ids() {
        let a = request(1, 100);
        let b = request(2, 100);
        assert_eq!(count(&a), 100);
        let span = &a.resource_spans[0].scope_spans[0].spans[1];
        assert_eq!(span.attributes.len(), 5);
        assert_eq!(
            span.parent_span_id,
            a.resource_spans[0].scope_spans[0].spans[0].span_id
        );
        assert_ne!(
            span.trace_id,
            b.resource_spans[0].scope_spans[0].spans[1].trace_id
        );
        let decoded = ExportTraceServiceRequest::decode(&a.encode_to_vec()[..]).unwrap();
        assert_eq!(count(&decoded), 100);
        let json: ExportTraceServiceRequest =
            serde_json::from_slice(&serde_json::to_vec(&a).unwrap()).unwrap();
        assert_eq!(count(&json), 100);
    }
}
