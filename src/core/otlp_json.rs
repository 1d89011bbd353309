//! The OTLP/JSON encoder for traces, following the protocol's JSON mapping:
//! lowerCamelCase keys, hex ids, 64-bit integers as strings, enums as
//! integers. A request body is the resource, then each scope with its spans
//! (`write_body`): written straight from the facade's span records, or
//! joined from fragments that the Rust API encodes as its spans end.

use super::batch::of_scope;
use super::ids::push_hex;
use super::json::{push_escaped, push_i64, push_string, push_u64, put};
use super::record;
use super::span::{KeyValue, SpanData, StatusCode, Value};
use alloc::vec::Vec;

// The writers below put each constant run of JSON (keys, quotes,
// brackets) in one write with the text around it: every write is a call.

fn push_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Str(s) => {
            put(out, b"{\"stringValue\":\"");
            push_escaped(out, s);
            put(out, b"\"}");
        }
        Value::Bool(b) => put(
            out,
            if *b {
                b"{\"boolValue\":true}"
            } else {
                b"{\"boolValue\":false}"
            },
        ),
        Value::Int(n) => {
            put(out, b"{\"intValue\":\"");
            push_i64(out, *n);
            put(out, b"\"}");
        }
        Value::Double { text, .. } if is_json_number(text) => {
            put(out, b"{\"doubleValue\":");
            put(out, text);
            out.push(b'}');
        }
        // NaN and the infinities have no JSON number form, and decoders
        // disagree on proto3's quoted form; a string keeps the span decodable.
        Value::Double { text, .. } => {
            put(out, b"{\"stringValue\":\"");
            push_escaped(out, text);
            put(out, b"\"}");
        }
        Value::Array(items) => {
            put(out, b"{\"arrayValue\":{\"values\":[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_value(out, item);
            }
            put(out, b"]}}");
        }
    }
}

/// JavaScript's text of a finite number is a JSON number; `NaN` and
/// `Infinity` are not.
fn is_json_number(text: &[u8]) -> bool {
    !text.is_empty()
        && text
            .iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
}

/// Appends `[{"key":…,"value":…},…]`.
pub fn push_attributes(out: &mut Vec<u8>, attributes: &[KeyValue]) {
    out.push(b'[');
    for (i, kv) in attributes.iter().enumerate() {
        // The comma goes in the key's write (none before the first).
        put(
            out,
            b",{\"key\":\"".get((i == 0) as usize..).unwrap_or_default(),
        );
        push_escaped(out, kv.key);
        put(out, b"\",\"value\":");
        push_value(out, &kv.value);
        out.push(b'}');
    }
    out.push(b']');
}

/// Appends `,"attributes":[…]`, or nothing for none: an empty list is the
/// field's default, which OTLP/JSON may leave out, and nine in ten of a
/// fetch span's events have none.
fn push_attributes_field(out: &mut Vec<u8>, attributes: &[KeyValue]) {
    if !attributes.is_empty() {
        put(out, b",\"attributes\":");
        push_attributes(out, attributes);
    }
}

/// Appends `"traceId":"…","spanId":"…"`, a span's or a link's.
fn push_ids(out: &mut Vec<u8>, trace_id: &[u8], span_id: &[u8]) {
    put(out, b"\"traceId\":\"");
    push_hex(out, trace_id);
    put(out, b"\",\"spanId\":\"");
    push_hex(out, span_id);
    out.push(b'"');
}

/// Appends one span object. Fields at their default (no parent, nothing
/// dropped) are left out, as OTLP/JSON allows; the status is always there.
pub fn push_span(out: &mut Vec<u8>, span: &SpanData) {
    out.push(b'{');
    push_ids(out, &span.trace_id.0, &span.span_id.0);
    if let Some(parent) = &span.parent_span_id {
        put(out, b",\"parentSpanId\":\"");
        push_hex(out, &parent.0);
        out.push(b'"');
    }
    put(out, b",\"name\":\"");
    push_escaped(out, span.name);
    put(out, b"\",\"kind\":");
    out.push(b'0' + span.kind as u8);
    put(out, b",\"startTimeUnixNano\":\"");
    push_u64(out, span.start_ns);
    put(out, b"\",\"endTimeUnixNano\":\"");
    push_u64(out, span.end_ns);
    out.push(b'"');
    if !span.trace_state.is_empty() {
        put(out, b",\"traceState\":");
        push_string(out, span.trace_state);
    }
    push_attributes_field(out, &span.attributes);
    push_dropped(
        out,
        b",\"droppedAttributesCount\":",
        span.dropped.attributes,
    );
    if !span.events.is_empty() {
        put(out, b",\"events\":[");
        for (i, event) in span.events.iter().enumerate() {
            put(
                out,
                b",{\"timeUnixNano\":\""
                    .get((i == 0) as usize..)
                    .unwrap_or_default(),
            );
            push_u64(out, event.time_ns);
            put(out, b"\",\"name\":\"");
            push_escaped(out, event.name);
            out.push(b'"');
            push_attributes_field(out, &event.attributes);
            out.push(b'}');
        }
        out.push(b']');
    }
    push_dropped(out, b",\"droppedEventsCount\":", span.dropped.events);
    if !span.links.is_empty() {
        put(out, b",\"links\":[");
        for (i, link) in span.links.iter().enumerate() {
            put(out, b",{".get((i == 0) as usize..).unwrap_or_default());
            push_ids(out, &link.trace_id.0, &link.span_id.0);
            if !link.trace_state.is_empty() {
                put(out, b",\"traceState\":");
                push_string(out, link.trace_state);
            }
            push_attributes_field(out, &link.attributes);
            out.push(b'}');
        }
        out.push(b']');
    }
    push_dropped(out, b",\"droppedLinksCount\":", span.dropped.links);
    put(out, b",\"status\":{");
    if span.status.code != StatusCode::Unset {
        put(out, b"\"code\":");
        out.push(b'0' + span.status.code as u8);
        if !span.status.message.is_empty() {
            put(out, b",\"message\":");
            push_string(out, span.status.message);
        }
    }
    put(out, b"}}");
}

/// Appends `key` (`,"…":`) and `count`, unless it is zero.
fn push_dropped(out: &mut Vec<u8>, key: &[u8], count: u32) {
    if count > 0 {
        put(out, key);
        push_u64(out, count as u64);
    }
}

/// The opening of a `resourceSpans` entry, up to where its scopes go.
pub fn resource_prefix(attributes: &[KeyValue]) -> Vec<u8> {
    let mut out = b"{\"resource\":{\"attributes\":".to_vec();
    push_attributes(&mut out, attributes);
    put(&mut out, b"},\"scopeSpans\":[");
    out
}

/// The opening of a `scopeSpans` entry, up to where its spans go.
pub fn scope_prefix(name: &[u8], version: &[u8]) -> Vec<u8> {
    let mut out = b"{\"scope\":{\"name\":".to_vec();
    push_string(&mut out, name);
    if !version.is_empty() {
        put(&mut out, b",\"version\":");
        push_string(&mut out, version);
    }
    put(&mut out, b"},\"spans\":[");
    out
}

/// Joins encoded spans, grouped by scope in the order the scopes were made, into
/// an `ExportTraceServiceRequest` body. `spans` pairs a scope index into
/// `scopes` with a span fragment.
pub fn request_body<F: AsRef<[u8]>>(
    resource: &[u8],
    scopes: &[Vec<u8>],
    spans: &[(u32, F)],
) -> Vec<u8> {
    let mut out = Vec::new();
    write_request_body(&mut out, resource, scopes, spans);
    out
}

/// `request_body`, written at the end of `out` (a buffer kept from one batch
/// to the next spares the allocation of one).
pub fn write_request_body<F: AsRef<[u8]>>(
    out: &mut Vec<u8>,
    resource: &[u8],
    scopes: &[Vec<u8>],
    spans: &[(u32, F)],
) {
    // The exact size, give or take a few bytes: growing a body of megabytes
    // copies it, and doubles the memory it holds.
    let spans_size: usize = spans.iter().map(|(_, f)| f.as_ref().len() + 1).sum();
    let scopes_size: usize = scopes.iter().map(|s| s.len() + 3).sum();
    out.reserve(spans_size + scopes_size + resource.len() + 32);
    write_body(out, resource, scopes, |out, scope| {
        let mut commas = Commas::default();
        for fragment in of_scope(spans, scope) {
            commas.before_item(out);
            put(out, fragment);
        }
    });
}

/// Writes an `ExportTraceServiceRequest` body at the end of `out`: the
/// resource, then each scope with its spans, which `write_spans(out, scope)`
/// writes (each after [`Commas::before_item`]). A scope it writes none for is
/// left out.
pub fn write_body(
    out: &mut Vec<u8>,
    resource: &[u8],
    scopes: &[Vec<u8>],
    mut write_spans: impl FnMut(&mut Vec<u8>, usize),
) {
    put(out, b"{\"resourceSpans\":[");
    put(out, resource);
    let mut any = false;
    for (scope, prefix) in scopes.iter().enumerate() {
        let mark = out.len();
        if any {
            out.push(b',');
        }
        put(out, prefix);
        let spans_at = out.len();
        write_spans(out, scope);
        if out.len() == spans_at {
            out.truncate(mark);
        } else {
            put(out, b"]}");
            any = true;
        }
    }
    put(out, b"]}]}");
}

/// The body of the first `count` of a batch's span records (see `record`;
/// `meta` their numbers), written straight from the records at the end of
/// `out`: no span is copied on the way. `epoch_ns` turns a record's times
/// into Unix nanoseconds. Returns how many of the records could not be
/// written: unreadable, cut short, or of a scope not in `scopes`.
pub fn write_records_body(
    out: &mut Vec<u8>,
    resource: &[u8],
    scopes: &[Vec<u8>],
    records: &[u8],
    meta: &[u8],
    count: usize,
    epoch_ns: impl Fn(f64) -> u64,
) -> usize {
    // JSON is about twice the record.
    out.reserve(records.len() * 2 + 256);
    let mut written = 0;
    write_body(out, resource, scopes, |out, scope| {
        let mut commas = Commas::default();
        for (i, bytes) in record::records(records).take(count).enumerate() {
            let (of, start, end) = record::span_numbers(meta, i);
            if of != scope {
                continue;
            }
            if let Ok(span) = record::parse(bytes, epoch_ns(start), epoch_ns(end)) {
                commas.before_item(out);
                push_span(out, &span);
                written += 1;
            }
        }
    });
    // Whatever was not written: unreadable, cut short, of another scope.
    count - written
}

/// The commas of a JSON list: none before its first item.
#[derive(Default)]
pub struct Commas(bool);

impl Commas {
    /// Called before each item.
    pub fn before_item(&mut self, out: &mut Vec<u8>) {
        if core::mem::replace(&mut self.0, true) {
            out.push(b',');
        }
    }
}

// The reference types are a host-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::ids::{SpanId, TraceId};
    use super::super::span::{Dropped, Event, Link, SpanKind, Status};
    use super::*;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as PValue;
    use std::string::String;

    fn sample_span(name: &str, parent: Option<SpanId>) -> SpanData<'_> {
        SpanData {
            trace_id: TraceId::xray(0x6750_a1b2, [0xab; 12]),
            span_id: SpanId([1, 2, 3, 4, 5, 6, 7, 8]),
            parent_span_id: parent,
            name: name.as_bytes(),
            kind: SpanKind::Client,
            start_ns: 1_733_337_522_123_456_789,
            end_ns: 1_733_337_522_223_456_789,
            attributes: vec![
                KeyValue {
                    key: b"s",
                    value: Value::Str(b"q\"uote\n"),
                },
                KeyValue {
                    key: b"b",
                    value: Value::Bool(false),
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
                    key: b"nan",
                    value: Value::Double {
                        text: b"NaN",
                        bits: f64::NAN.to_bits(),
                    },
                },
                KeyValue {
                    key: b"a",
                    value: Value::Array(vec![Value::Str(b"x"), Value::Int(1)]),
                },
            ],
            trace_state: b"vendor=1",
            events: vec![Event {
                name: b"exception",
                time_ns: 1_733_337_522_200_000_000,
                attributes: vec![KeyValue {
                    key: b"exception.type",
                    value: Value::Str(b"TypeError"),
                }],
            }],
            links: vec![Link {
                trace_id: TraceId([3; 16]),
                span_id: SpanId([4; 8]),
                trace_state: b"",
                attributes: vec![KeyValue {
                    key: b"why",
                    value: Value::Str(b"follows"),
                }],
            }],
            status: Status {
                code: StatusCode::Error,
                message: b"boom",
            },
            dropped: Dropped {
                attributes: 2,
                events: 0,
                links: 1,
            },
        }
    }

    /// Empty attribute lists are left out (their default); the reference
    /// types read them back as empty.
    #[test]
    fn empty_attribute_lists_are_left_out() {
        let mut span = sample_span("bare", None);
        span.attributes.clear();
        span.events[0].attributes.clear();
        span.links[0].attributes.clear();
        let mut fragment = Vec::new();
        push_span(&mut fragment, &span);
        let text = String::from_utf8(fragment.clone()).unwrap();
        assert!(!text.contains("\"attributes\""), "{text}");
        let body = request_body(
            &resource_prefix(&[]),
            &[scope_prefix(b"s", b"")],
            &[(0, fragment)],
        );
        let request: ExportTraceServiceRequest = serde_json::from_slice(&body).unwrap();
        let read = &request.resource_spans[0].scope_spans[0].spans[0];
        assert!(
            read.attributes.is_empty()
                && read.events[0].attributes.is_empty()
                && read.links[0].attributes.is_empty()
        );
        assert_eq!(read.events[0].name, "exception");
    }

    /// A body of megabytes that outgrew its buffer would be copied and hold
    /// twice the memory: the size is reserved up front, scopes included.
    #[test]
    fn the_body_fits_the_room_reserved_for_it() {
        let resource = resource_prefix(&[]);
        let scopes: Vec<_> = (0..40)
            .map(|i| {
                scope_prefix(
                    alloc::format!("@scope/with-a-long-name-{i}").as_bytes(),
                    b"1.0.0",
                )
            })
            .collect();
        let mut fragment = Vec::new();
        push_span(&mut fragment, &sample_span("s", None));
        let spans: Vec<_> = (0..40).map(|i| (i, fragment.as_slice())).collect();
        let mut out = Vec::new();
        write_request_body(&mut out, &resource, &scopes, &spans);
        assert!(
            out.len() <= out.capacity() && out.capacity() - out.len() < 64,
            "{} bytes in {} reserved",
            out.len(),
            out.capacity()
        );
    }

    /// Decodes our bytes with the reference OTLP types, so every field name
    /// and value form is checked against the protocol, not against ourselves.
    #[test]
    fn request_body_decodes_with_the_reference_types_field_by_field() {
        let resource = resource_prefix(&[KeyValue {
            key: b"service.name",
            value: Value::Str(b"web"),
        }]);
        let scopes = vec![scope_prefix(b"app", b"1.0"), scope_prefix(b"other", b"")];
        let parent = SpanId([9; 8]);
        let mut spans = Vec::new();
        for (scope, name, parent) in [
            (0, "one", None),
            (1, "two", Some(parent)),
            (0, "three", None),
        ] {
            let mut fragment = Vec::new();
            push_span(&mut fragment, &sample_span(name, parent));
            spans.push((scope, fragment));
        }
        let body = request_body(&resource, &scopes, &spans);
        let request: ExportTraceServiceRequest = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));

        let rs = &request.resource_spans[0];
        let service = &rs.resource.as_ref().unwrap().attributes[0];
        assert_eq!(service.key, "service.name");
        assert_eq!(
            service.value.as_ref().unwrap().value,
            Some(PValue::StringValue("web".into()))
        );
        let names: Vec<Vec<&str>> = rs
            .scope_spans
            .iter()
            .map(|s| s.spans.iter().map(|s| s.name.as_str()).collect())
            .collect();
        assert_eq!(names, vec![vec!["one", "three"], vec!["two"]]);
        let scope = rs.scope_spans[0].scope.as_ref().unwrap();
        assert_eq!(
            (scope.name.as_str(), scope.version.as_str()),
            ("app", "1.0")
        );

        let two = &rs.scope_spans[1].spans[0];
        assert_eq!(
            two.trace_id,
            TraceId::xray(0x6750_a1b2, [0xab; 12]).0.to_vec()
        );
        assert_eq!(two.span_id, vec![1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(two.parent_span_id, vec![9; 8]);
        assert!(rs.scope_spans[0].spans[0].parent_span_id.is_empty());
        assert_eq!(two.kind, 3);
        assert_eq!(two.start_time_unix_nano, 1_733_337_522_123_456_789);
        assert_eq!(two.end_time_unix_nano, 1_733_337_522_223_456_789);
        assert_eq!(two.trace_state, "vendor=1");
        assert_eq!(two.events[0].name, "exception");
        assert_eq!(two.events[0].time_unix_nano, 1_733_337_522_200_000_000);
        assert_eq!(two.events[0].attributes[0].key, "exception.type");
        assert_eq!(two.links[0].trace_id, vec![3; 16]);
        assert_eq!(two.links[0].span_id, vec![4; 8]);
        assert_eq!(two.links[0].attributes[0].key, "why");
        assert_eq!(
            (
                two.dropped_attributes_count,
                two.dropped_events_count,
                two.dropped_links_count
            ),
            (2, 0, 1)
        );
        let status = two.status.as_ref().unwrap();
        assert_eq!((status.code, status.message.as_str()), (2, "boom"));
        let values: Vec<Option<PValue>> = two
            .attributes
            .iter()
            .map(|kv| kv.value.as_ref().unwrap().value.clone())
            .collect();
        assert_eq!(values[0], Some(PValue::StringValue("q\"uote\n".into())));
        assert_eq!(values[1], Some(PValue::BoolValue(false)));
        assert_eq!(values[2], Some(PValue::IntValue(-42)));
        assert_eq!(values[3], Some(PValue::DoubleValue(0.25)));
        assert_eq!(values[4], Some(PValue::StringValue("NaN".into())));
        match &values[5] {
            Some(PValue::ArrayValue(array)) => {
                assert_eq!(array.values.len(), 2);
                assert_eq!(array.values[1].value, Some(PValue::IntValue(1)));
            }
            other => panic!("array expected, got {other:?}"),
        }
    }

    #[test]
    fn only_finite_number_text_is_written_as_a_number() {
        assert!(is_json_number(b"1e+21"));
        assert!(is_json_number(b"-0.5"));
        assert!(!is_json_number(b"-Infinity"));
        assert!(!is_json_number(b"NaN"));
        assert!(!is_json_number(b""));
    }

    fn put_string(out: &mut Vec<u8>, text: &str) {
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    }

    /// One span as `core.js` writes it (CLIENT, a string attribute), and its
    /// scope, start and end as it writes them apart from the records.
    fn record(records: &mut Vec<u8>, meta: &mut Vec<u8>, span_id: u64, name: &str, scope: f64) {
        let mut r = b"6750a1b2abababababababababababab".to_vec();
        r.extend_from_slice(std::format!("{span_id:016x}0000000000000000").as_bytes());
        r.push(2);
        put_string(&mut r, name);
        r.push(b'A');
        put_string(&mut r, "url.full");
        r.push(b's');
        put_string(&mut r, "/a \"quoted\" path");
        records.extend_from_slice(&(r.len() as u32).to_le_bytes());
        records.extend_from_slice(&r);
        for n in [scope, 10.0, 20.5] {
            meta.extend_from_slice(&f64::to_le_bytes(n));
        }
    }

    const ORIGIN_NS: u64 = 1_733_337_522_000_000_000;
    fn epoch_ns(ms: f64) -> u64 {
        ORIGIN_NS + (ms * 1e6) as u64
    }

    /// The body of `count` records, how many it could not hold, and its
    /// scopes' and spans' names.
    fn records_body(records: &[u8], meta: &[u8], count: usize) -> (Vec<u8>, usize, ScopeNames) {
        let scopes = [scope_prefix(b"app", b"1.0"), scope_prefix(b"fetch", b"")];
        let mut body = Vec::new();
        let resource = resource_prefix(&[]);
        let invalid = write_records_body(
            &mut body, &resource, &scopes, records, meta, count, epoch_ns,
        );
        let names = names(&body);
        (body, invalid, names)
    }

    /// Each scope's name with its spans' names.
    type ScopeNames = Vec<(String, Vec<String>)>;

    fn names(body: &[u8]) -> ScopeNames {
        let request: ExportTraceServiceRequest = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)));
        request.resource_spans[0]
            .scope_spans
            .iter()
            .map(|s| {
                let names = s.spans.iter().map(|s| s.name.clone()).collect();
                (s.scope.as_ref().unwrap().name.clone(), names)
            })
            .collect()
    }

    #[test]
    fn records_become_one_body_by_scope_and_unwritable_ones_are_counted() {
        let (mut records, mut meta) = (Vec::new(), Vec::new());
        record(&mut records, &mut meta, 1, "one", 1.0);
        record(&mut records, &mut meta, 2, "two", 0.0);
        record(&mut records, &mut meta, 0, "zero span id", 0.0);
        record(&mut records, &mut meta, 3, "three", 1.0);
        record(&mut records, &mut meta, 4, "unknown scope", 7.0);
        let (body, invalid, names) = records_body(&records, &meta, 5);
        assert_eq!(invalid, 2);
        assert_eq!(
            names,
            vec![
                ("app".into(), vec!["two".into()]),
                ("fetch".into(), vec!["one".into(), "three".into()])
            ]
        );
        let request: ExportTraceServiceRequest = serde_json::from_slice(&body).unwrap();
        let one = &request.resource_spans[0].scope_spans[1].spans[0];
        assert_eq!(one.span_id, vec![0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(one.kind, 3);
        assert_eq!(
            (one.start_time_unix_nano, one.end_time_unix_nano),
            (ORIGIN_NS + 10_000_000, ORIGIN_NS + 20_500_000)
        );
        assert_eq!(
            one.attributes[0].value.as_ref().unwrap().value,
            Some(PValue::StringValue("/a \"quoted\" path".into()))
        );

        // Only the first `count` records; a record cut short counts as
        // not written; with none written, no scope is left in the body.
        assert_eq!(
            records_body(&records, &meta, 2).2,
            vec![
                ("app".into(), vec!["two".into()]),
                ("fetch".into(), vec!["one".into()])
            ]
        );
        let (mut cut, mut cut_meta) = (Vec::new(), Vec::new());
        record(&mut cut, &mut cut_meta, 1, "one", 0.0);
        record(&mut cut, &mut cut_meta, 2, "two", 0.0);
        cut.truncate(cut.len() - 3);
        let (_, invalid, names) = records_body(&cut, &cut_meta, 2);
        assert_eq!(
            (invalid, names),
            (1, vec![("app".into(), vec!["one".into()])])
        );
        let (_, invalid, names) = records_body(&cut, &cut_meta, 0);
        assert_eq!((invalid, names), (0, vec![]));
    }

    #[test]
    fn a_page_hide_body_holds_the_leading_spans_that_fit_its_room_in_gzip() {
        use std::io::Read;
        let (mut records, mut meta) = (Vec::new(), Vec::new());
        let name = |i: u64| std::format!("span {i} {}", i * 7919 % 1000);
        for i in 0..2000 {
            record(&mut records, &mut meta, i + 1, &name(i), 0.0);
        }
        let room = 8 * 1024;
        let (packed, taken) = super::super::gzip::fit_leading(2000, room, |body, n| {
            let (plain, invalid, _) = records_body(&records, &meta, n);
            assert_eq!(invalid, 0);
            *body = plain;
        });
        assert!(packed.len() <= room, "{} bytes", packed.len());
        assert!((100..2000).contains(&taken), "{taken} spans");
        let mut body = Vec::new();
        flate2::read::GzDecoder::new(packed.as_slice())
            .read_to_end(&mut body)
            .unwrap();
        let expected: Vec<String> = (0..taken as u64).map(name).collect();
        assert_eq!(names(&body), vec![("app".into(), expected)]);
    }
}
