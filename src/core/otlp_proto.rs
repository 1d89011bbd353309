//! The OTLP/protobuf encoder for traces, the binary twin of `otlp_json`: the
//! same fragments-then-envelope shape (a span is encoded once, when it ends)
//! with the field numbers of `opentelemetry/proto/trace/v1/trace.proto`.

use super::batch::by_scope;
use super::span::{KeyValue, SpanData, StatusCode, Value};
use alloc::vec::Vec;

const LEN: u8 = 2;
const FIXED64: u8 = 1;

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn tag(out: &mut Vec<u8>, field: u8, wire: u8) {
    out.push(field << 3 | wire);
}

fn bytes(out: &mut Vec<u8>, field: u8, data: &[u8]) {
    tag(out, field, LEN);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

fn fixed64(out: &mut Vec<u8>, field: u8, n: u64) {
    tag(out, field, FIXED64);
    out.extend_from_slice(&n.to_le_bytes());
}

fn uint(out: &mut Vec<u8>, field: u8, n: u64) {
    if n != 0 {
        tag(out, field, 0);
        varint(out, n);
    }
}

/// A length-delimited field whose body `fill` writes.
fn message(out: &mut Vec<u8>, field: u8, fill: impl FnOnce(&mut Vec<u8>)) {
    let mut body = Vec::new();
    fill(&mut body);
    bytes(out, field, &body);
}

fn any_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Str(s) => bytes(out, 1, s),
        Value::Bool(b) => {
            tag(out, 2, 0);
            out.push(*b as u8);
        }
        Value::Int(n) => {
            tag(out, 3, 0);
            varint(out, *n as u64);
        }
        Value::Double { bits, .. } => fixed64(out, 4, *bits),
        Value::Array(items) => message(out, 5, |array| {
            for item in items {
                message(array, 1, |v| any_value(v, item));
            }
        }),
    }
}

fn attributes(out: &mut Vec<u8>, field: u8, list: &[KeyValue]) {
    for kv in list {
        message(out, field, |m| {
            bytes(m, 1, kv.key);
            message(m, 2, |v| any_value(v, &kv.value));
        });
    }
}

/// One `Span` message, without its field tag.
pub fn push_span(out: &mut Vec<u8>, span: &SpanData) {
    bytes(out, 1, &span.trace_id.0);
    bytes(out, 2, &span.span_id.0);
    if !span.trace_state.is_empty() {
        bytes(out, 3, span.trace_state);
    }
    if let Some(parent) = &span.parent_span_id {
        bytes(out, 4, &parent.0);
    }
    bytes(out, 5, span.name);
    uint(out, 6, span.kind as u64);
    fixed64(out, 7, span.start_ns);
    fixed64(out, 8, span.end_ns);
    attributes(out, 9, &span.attributes);
    uint(out, 10, span.dropped.attributes as u64);
    for event in &span.events {
        message(out, 11, |e| {
            fixed64(e, 1, event.time_ns);
            bytes(e, 2, event.name);
            attributes(e, 3, &event.attributes);
        });
    }
    uint(out, 12, span.dropped.events as u64);
    for link in &span.links {
        message(out, 13, |l| {
            bytes(l, 1, &link.trace_id.0);
            bytes(l, 2, &link.span_id.0);
            if !link.trace_state.is_empty() {
                bytes(l, 3, link.trace_state);
            }
            attributes(l, 4, &link.attributes);
        });
    }
    uint(out, 14, span.dropped.links as u64);
    if span.status.code != StatusCode::Unset {
        message(out, 15, |s| {
            if !span.status.message.is_empty() {
                bytes(s, 2, span.status.message);
            }
            uint(s, 3, span.status.code as u64);
        });
    }
}

/// The `Resource` field of a `ResourceSpans`, tag included.
pub fn resource_prefix(list: &[KeyValue]) -> Vec<u8> {
    let mut out = Vec::new();
    message(&mut out, 1, |r| attributes(r, 1, list));
    out
}

/// The `InstrumentationScope` field of a `ScopeSpans`, tag included.
pub fn scope_prefix(name: &[u8], version: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    message(&mut out, 1, |s| {
        bytes(s, 1, name);
        if !version.is_empty() {
            bytes(s, 2, version);
        }
    });
    out
}

/// An `ExportTraceServiceRequest` of the spans, grouped by scope in the
/// order the scopes were made; the same arguments as `otlp_json::request_body`.
pub fn request_body<F: AsRef<[u8]>>(
    resource: &[u8],
    scopes: &[Vec<u8>],
    spans: &[(u32, F)],
) -> Vec<u8> {
    let mut resource_spans = resource.to_vec();
    for (prefix, fragments) in by_scope(scopes, spans) {
        message(&mut resource_spans, 2, |ss| {
            ss.extend_from_slice(prefix);
            for fragment in fragments {
                bytes(ss, 2, fragment);
            }
        });
    }
    let mut out = Vec::with_capacity(resource_spans.len() + 8);
    bytes(&mut out, 1, &resource_spans);
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::ids::{SpanId, TraceId};
    use super::super::span::{Dropped, Event, Link, SpanKind, Status};
    use super::*;
    use alloc::vec;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as PValue;
    use prost::Message;

    /// Decoded with the reference types, so field numbers and wire types are
    /// checked against the protocol, not against ourselves.
    #[test]
    fn decodes_with_the_reference_types_field_by_field() {
        let span = SpanData {
            trace_id: TraceId::xray(0x6750_a1b2, [0xab; 12]),
            span_id: SpanId([1, 2, 3, 4, 5, 6, 7, 8]),
            parent_span_id: Some(SpanId([9; 8])),
            name: b"GET",
            kind: SpanKind::Client,
            start_ns: 1_733_337_522_123_456_789,
            end_ns: 1_733_337_522_223_456_789,
            trace_state: b"k=v",
            attributes: vec![
                KeyValue {
                    key: b"s",
                    value: Value::Str(b"x"),
                },
                KeyValue {
                    key: b"b",
                    value: Value::Bool(true),
                },
                KeyValue {
                    key: b"i",
                    value: Value::Int(-42),
                },
                KeyValue {
                    key: b"d",
                    value: Value::Double {
                        text: b"0.25",
                        bits: 0.25f64.to_bits(),
                    },
                },
                KeyValue {
                    key: b"a",
                    value: Value::Array(vec![Value::Str(b"y"), Value::Int(3)]),
                },
            ],
            events: vec![Event {
                name: b"e",
                time_ns: 5,
                attributes: vec![KeyValue {
                    key: b"k",
                    value: Value::Bool(false),
                }],
            }],
            links: vec![Link {
                trace_id: TraceId([3; 16]),
                span_id: SpanId([4; 8]),
                trace_state: b"",
                attributes: vec![],
            }],
            status: Status {
                code: StatusCode::Error,
                message: b"boom",
            },
            dropped: Dropped {
                attributes: 1,
                events: 0,
                links: 2,
            },
        };
        let mut fragment = Vec::new();
        push_span(&mut fragment, &span);
        let resource = resource_prefix(&[KeyValue {
            key: b"service.name",
            value: Value::Str(b"web"),
        }]);
        let scopes = vec![scope_prefix(b"app", b"1.0"), scope_prefix(b"other", b"")];
        let body = request_body(
            &resource,
            &scopes,
            &[(0, fragment.clone()), (1, fragment.clone()), (0, fragment)],
        );
        let request = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
        let rs = &request.resource_spans[0];
        assert_eq!(
            rs.resource.as_ref().unwrap().attributes[0].key,
            "service.name"
        );
        assert_eq!(rs.scope_spans.len(), 2);
        assert_eq!(rs.scope_spans[0].spans.len(), 2);
        assert_eq!(rs.scope_spans[0].scope.as_ref().unwrap().version, "1.0");
        assert_eq!(rs.scope_spans[1].scope.as_ref().unwrap().name, "other");
        let s = &rs.scope_spans[0].spans[0];
        assert_eq!(s.trace_id, span.trace_id.0.to_vec());
        assert_eq!(s.span_id, vec![1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(s.parent_span_id, vec![9; 8]);
        assert_eq!(s.trace_state, "k=v");
        assert_eq!((s.name.as_str(), s.kind), ("GET", 3));
        assert_eq!(
            (s.start_time_unix_nano, s.end_time_unix_nano),
            (span.start_ns, span.end_ns)
        );
        let values: Vec<_> = s
            .attributes
            .iter()
            .map(|kv| kv.value.as_ref().unwrap().value.clone().unwrap())
            .collect();
        assert_eq!(values[0], PValue::StringValue("x".into()));
        assert_eq!(values[1], PValue::BoolValue(true));
        assert_eq!(values[2], PValue::IntValue(-42));
        assert_eq!(values[3], PValue::DoubleValue(0.25));
        match &values[4] {
            PValue::ArrayValue(a) => assert_eq!(a.values[1].value, Some(PValue::IntValue(3))),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            (s.events[0].name.as_str(), s.events[0].time_unix_nano),
            ("e", 5)
        );
        assert_eq!(s.links[0].span_id, vec![4; 8]);
        assert_eq!((s.dropped_attributes_count, s.dropped_links_count), (1, 2));
        let status = s.status.as_ref().unwrap();
        assert_eq!((status.code, status.message.as_str()), (2, "boom"));
    }
}
