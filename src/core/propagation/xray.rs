//! AWS X-Ray `X-Amzn-Trace-Id`:
//! `Root=1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy;Parent=<16 hex>;Sampled=0|1`.
//!
//! Keys may come in any order; `Sampled=?` or no `Sampled` defers the
//! decision to us; other keys (`Self` from load balancers, `Lineage` from
//! Lambda, anything else) are kept in order and written back on inject, so a
//! hop through us loses nothing.

use crate::core::ids::{push_hex, SpanId, TraceId};
use alloc::vec::Vec;

pub const HEADER: &str = "x-amzn-trace-id";

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct XRayHeader {
    pub trace_id: TraceId,
    pub parent_id: SpanId,
    /// `None` when the sender left the decision to us.
    pub sampled: Option<bool>,
    /// Other `key=value` fields, `;`-joined, in their original order.
    pub extra: Vec<u8>,
}

pub fn parse(header: impl AsRef<[u8]>) -> Option<XRayHeader> {
    let mut trace_id = None;
    let mut parent_id = None;
    let mut sampled = None;
    let mut extra = Vec::new();
    for field in super::members(header.as_ref(), b';') {
        if field.is_empty() {
            continue;
        }
        let (key, value) = super::split_once(field, b'=')?;
        let (key, value) = (super::trim_ows(key), super::trim_ows(value));
        if key.eq_ignore_ascii_case(b"Root") {
            trace_id = Some(TraceId::from_xray_text(value)?);
        } else if key.eq_ignore_ascii_case(b"Parent") {
            parent_id = Some(SpanId::from_hex(value)?);
        } else if key.eq_ignore_ascii_case(b"Sampled") {
            sampled = match value {
                b"1" => Some(true),
                b"0" => Some(false),
                b"?" => None,
                _ => return None,
            };
        } else {
            if !extra.is_empty() {
                extra.push(b';');
            }
            extra.extend_from_slice(field);
        }
    }
    Some(XRayHeader {
        trace_id: trace_id?,
        parent_id: parent_id?,
        sampled,
        extra,
    })
}

pub fn format(header: &XRayHeader) -> Vec<u8> {
    let mut out = Vec::with_capacity(80 + header.extra.len());
    out.extend_from_slice(b"Root=");
    out.extend_from_slice(header.trace_id.to_xray_text().as_bytes());
    out.extend_from_slice(b";Parent=");
    push_hex(&mut out, &header.parent_id.0);
    out.extend_from_slice(match header.sampled {
        Some(true) => b";Sampled=1",
        Some(false) => b";Sampled=0",
        None => b";Sampled=?",
    });
    if !header.extra.is_empty() {
        out.push(b';');
        out.extend_from_slice(&header.extra);
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    const ROOT: &str = "1-5759e988-bd862e3fe1be46a994272793";

    #[test]
    fn parses_any_key_order_and_keeps_unknown_keys() {
        let h = parse(alloc::format!("Self=1-67891234-12456789abcdef012345678;Sampled=1;Parent=53995c3f42cd8ad8;Root={ROOT};Lineage=a87bd80c:1|68fd508a:5")).unwrap();
        assert_eq!(h.trace_id.to_xray_text(), ROOT);
        assert_eq!(h.parent_id.to_hex(), "53995c3f42cd8ad8");
        assert_eq!(h.sampled, Some(true));
        assert_eq!(
            h.extra,
            b"Self=1-67891234-12456789abcdef012345678;Lineage=a87bd80c:1|68fd508a:5"
        );
        assert_eq!(
            format(&h),
            alloc::format!("Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Self=1-67891234-12456789abcdef012345678;Lineage=a87bd80c:1|68fd508a:5").into_bytes()
        );
    }

    #[test]
    fn a_missing_or_deferred_decision_is_none() {
        let h = parse(alloc::format!("Root={ROOT};Parent=53995c3f42cd8ad8")).unwrap();
        assert_eq!(h.sampled, None);
        let h = parse(alloc::format!(
            "Root={ROOT}; Parent=53995c3f42cd8ad8; Sampled=?"
        ))
        .unwrap();
        assert_eq!(h.sampled, None);
        assert_eq!(
            parse(alloc::format!(
                "Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=0"
            ))
            .unwrap()
            .sampled,
            Some(false)
        );
    }

    #[test]
    fn malformed_headers_are_ignored() {
        for bad in [
            "".to_string(),
            "Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8;Sampled=1".to_string(),
            alloc::format!("Root={ROOT};Sampled=1"),
            alloc::format!("Root={ROOT};Parent=53995c3f42cd8ad;Sampled=1"),
            alloc::format!("Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=2"),
            alloc::format!("Root={ROOT};Parent=53995c3f42cd8ad8;junk"),
            "Parent=53995c3f42cd8ad8;Sampled=1".to_string(),
        ] {
            assert_eq!(parse(&bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn inject_after_extract_gives_the_header_back(
            secs in any::<u32>(), random in any::<[u8; 12]>(), parent in any::<[u8; 8]>(),
            sampled in proptest::option::of(any::<bool>()),
            extra in proptest::collection::vec(("[A-Z][a-z]{1,8}", "[A-Za-z0-9:|.-]{1,20}"), 0..3),
        ) {
            let trace_id = TraceId::xray(secs, random);
            prop_assume!(trace_id.is_valid());
            let extra: Vec<String> = extra.iter()
                .filter(|(k, _)| !["Root", "Parent", "Sampled"].iter().any(|r| r.eq_ignore_ascii_case(k)))
                .map(|(k, v)| alloc::format!("{k}={v}")).collect();
            let h = XRayHeader { trace_id, parent_id: SpanId::random(parent), sampled, extra: extra.join(";").into_bytes() };
            let text = format(&h);
            prop_assert_eq!(parse(&text), Some(h));
        }

        #[test]
        fn never_panics(header in ".{0,120}") {
            let _ = parse(&header);
        }
    }
}
