//! The propagators' header formats, for the facade. Parsed headers come back
//! as flat strings of fixed-width fields (or `""` when invalid), which cost
//! one crossing and no objects.

use crate::core::ids::{SpanId, TraceId};
use crate::core::propagation::{baggage, traceparent, tracestate, xray};
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

/// `traceparent` → 32 hex trace id, 16 hex span id, 2 hex flags; or `""`.
#[wasm_bindgen]
pub fn traceparent_parse(header: &str) -> String {
    match traceparent::parse(header) {
        Some(tp) => {
            tp.trace_id.to_hex() + &tp.span_id.to_hex() + if tp.sampled() { "01" } else { "00" }
        }
        None => String::new(),
    }
}

#[wasm_bindgen]
pub fn traceparent_format(trace_id: &str, span_id: &str, sampled: bool) -> String {
    match (TraceId::from_hex(trace_id), SpanId::from_hex(span_id)) {
        (Some(trace_id), Some(span_id)) => traceparent::format(&traceparent::TraceParent {
            trace_id,
            span_id,
            flags: sampled as u8,
        }),
        _ => String::new(),
    }
}

/// A valid `tracestate`, normalized; `undefined` when invalid.
#[wasm_bindgen]
pub fn tracestate_parse(header: &str) -> Option<String> {
    tracestate::parse(header)
}

/// `X-Amzn-Trace-Id` → 32 hex trace id, 16 hex parent id, `1`/`0`/`?`, then
/// the other fields as written; or `""`.
#[wasm_bindgen]
pub fn xray_parse(header: &str) -> String {
    let Some(h) = xray::parse(header) else {
        return String::new();
    };
    let mut out = h.trace_id.to_hex() + &h.parent_id.to_hex();
    out.push(match h.sampled {
        Some(true) => '1',
        Some(false) => '0',
        None => '?',
    });
    out + &h.extra
}

#[wasm_bindgen]
pub fn xray_format(trace_id: &str, span_id: &str, sampled: bool, extra: &str) -> String {
    match (TraceId::from_hex(trace_id), SpanId::from_hex(span_id)) {
        (Some(trace_id), Some(parent_id)) => xray::format(&xray::XRayHeader {
            trace_id,
            parent_id,
            sampled: Some(sampled),
            extra: extra.into(),
        }),
        _ => String::new(),
    }
}

fn push_packed(out: &mut String, text: &str) {
    let mut digits = Vec::new();
    // UTF-16 units, as JavaScript's `.length` counts them: one per UTF-8
    // lead byte, two for the four-byte sequences outside the BMP.
    let units = text
        .bytes()
        .map(|b| (b & 0xc0 != 0x80) as u64 + (b >= 0xf0) as u64)
        .sum();
    crate::core::json::push_u64(&mut digits, units);
    out.push_str(core::str::from_utf8(&digits).unwrap_or_default());
    out.push(':');
    out.push_str(text);
}

/// `baggage` → key, value, metadata triples, each string `<utf16 length>:<text>`.
#[wasm_bindgen]
pub fn baggage_parse(header: &str) -> String {
    let mut out = String::new();
    for entry in baggage::parse(header) {
        push_packed(&mut out, &entry.key);
        push_packed(&mut out, &entry.value);
        push_packed(&mut out, &entry.metadata);
    }
    out
}

/// The inverse: triples in the same packing → a `baggage` header.
#[wasm_bindgen]
pub fn baggage_format(packed: &str) -> String {
    let mut entries = Vec::new();
    let mut strings = crate::core::record::strings(packed);
    while let (Some(key), Some(value), Some(metadata)) =
        (strings.next(), strings.next(), strings.next())
    {
        entries.push(baggage::Entry {
            key: key.into(),
            value: value.into(),
            metadata: metadata.into(),
        });
    }
    baggage::format(&entries)
}
