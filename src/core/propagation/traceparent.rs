//! W3C Trace Context `traceparent`: `00-<trace id>-<parent id>-<flags>`.

use crate::core::ids::{decode_hex, push_hex, SpanId, TraceId};
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TraceParent {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub flags: u8,
}

impl TraceParent {
    pub fn sampled(&self) -> bool {
        self.flags & 1 == 1
    }
}

fn lower_hex(text: &[u8], out: &mut [u8]) -> Option<()> {
    if text.iter().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    decode_hex(text, out)
}

/// Parses a `traceparent` value. Version 00 must be exactly 55 characters;
/// a later version may append fields after a `-`, which are ignored; version
/// `ff`, upper-case hex and all-zero ids are invalid.
pub fn parse(header: impl AsRef<[u8]>) -> Option<TraceParent> {
    let h = super::trim_ows(header.as_ref());
    if h.len() < 55 || h[2] != b'-' || h[35] != b'-' || h[52] != b'-' {
        return None;
    }
    let mut version = [0u8; 1];
    lower_hex(&h[..2], &mut version)?;
    match version[0] {
        0xff => return None,
        0 if h.len() != 55 => return None,
        _ if h.len() > 55 && h[55] != b'-' => return None,
        _ => {}
    }
    let mut trace = [0u8; 16];
    let mut span = [0u8; 8];
    let mut flags = [0u8; 1];
    lower_hex(&h[3..35], &mut trace)?;
    lower_hex(&h[36..52], &mut span)?;
    lower_hex(&h[53..55], &mut flags)?;
    let (trace_id, span_id) = (TraceId(trace), SpanId(span));
    if !trace_id.is_valid() || !span_id.is_valid() {
        return None;
    }
    Some(TraceParent {
        trace_id,
        span_id,
        // Only the sampled bit is defined for version 00.
        flags: if version[0] == 0 {
            flags[0] & 1
        } else {
            flags[0]
        },
    })
}

pub fn format(tp: &TraceParent) -> String {
    let mut out = Vec::with_capacity(55);
    out.extend_from_slice(b"00-");
    push_hex(&mut out, &tp.trace_id.0);
    out.push(b'-');
    push_hex(&mut out, &tp.span_id.0);
    out.push(b'-');
    push_hex(&mut out, &[tp.flags & 1]);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GOOD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn parses_the_specification_example() {
        let tp = parse(GOOD).unwrap();
        assert_eq!(tp.trace_id.to_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(tp.span_id.to_hex(), "00f067aa0ba902b7");
        assert!(tp.sampled());
        assert_eq!(format(&tp), GOOD);
        assert!(
            !parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                .unwrap()
                .sampled()
        );
    }

    #[test]
    fn later_versions_may_carry_more_fields() {
        assert!(parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra").is_some());
        assert!(parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x").is_none());
    }

    #[test]
    fn malformed_headers_are_ignored() {
        for bad in [
            "",
            "garbage",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-011",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn round_trips(trace in any::<[u8; 16]>(), span in any::<[u8; 8]>(), sampled in any::<bool>()) {
            let tp = TraceParent { trace_id: TraceId::random(trace), span_id: SpanId::random(span), flags: sampled as u8 };
            prop_assert_eq!(parse(format(&tp)), Some(tp));
        }

        #[test]
        fn never_panics(header in ".{0,80}") {
            let _ = parse(&header);
        }
    }
}
