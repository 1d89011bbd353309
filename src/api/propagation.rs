//! The propagators' header parsers, for the facade (it fills the fixed
//! inject templates itself, from ids it has checked). Parsed headers come back
//! as flat strings of fixed-width fields (or `""` when invalid), which cost
//! one crossing and no objects. Strings travel as in `api` (the input buffer
//! in, the output buffer out).

use crate::core::propagation::{baggage, traceparent, tracestate, xray};
use alloc::string::String;
use alloc::vec::Vec;

use super::{output, with_strings};

fn text(out: String) -> i32 {
    output(out.into_bytes())
}

/// `traceparent` → 32 hex trace id, 16 hex span id, 2 hex flags; or `""`.
#[no_mangle]
pub extern "C" fn traceparent_parse(header_len: u32) -> i32 {
    text(with_strings(
        [header_len],
        |[header]| match traceparent::parse(header) {
            Some(tp) => {
                tp.trace_id.to_hex() + &tp.span_id.to_hex() + if tp.sampled() { "01" } else { "00" }
            }
            None => String::new(),
        },
    ))
}

/// A valid `tracestate`, normalized; -1 when invalid.
#[no_mangle]
pub extern "C" fn tracestate_parse(header_len: u32) -> i32 {
    with_strings([header_len], |[header]| tracestate::parse(header)).map_or(-1, text)
}

/// `X-Amzn-Trace-Id` → 32 hex trace id, 16 hex parent id, `1`/`0`/`?`, then
/// the other fields as written; or `""`.
#[no_mangle]
pub extern "C" fn xray_parse(header_len: u32) -> i32 {
    let Some(h) = with_strings([header_len], |[header]| xray::parse(header)) else {
        return 0;
    };
    let mut out = h.trace_id.to_hex() + &h.parent_id.to_hex();
    out.push(match h.sampled {
        Some(true) => '1',
        Some(false) => '0',
        None => '?',
    });
    text(out + &h.extra)
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
#[no_mangle]
pub extern "C" fn baggage_parse(header_len: u32) -> i32 {
    let mut out = String::new();
    for entry in with_strings([header_len], |[header]| baggage::parse(header)) {
        push_packed(&mut out, &entry.key);
        push_packed(&mut out, &entry.value);
        push_packed(&mut out, &entry.metadata);
    }
    text(out)
}

/// The inverse: triples in the same packing → a `baggage` header.
#[no_mangle]
pub extern "C" fn baggage_format(packed_len: u32) -> i32 {
    let mut entries = Vec::new();
    with_strings([packed_len], |[packed]| {
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
    });
    text(baggage::format(&entries))
}
