//! W3C Trace Context `tracestate`: up to 32 `key=value` members. A header
//! with any invalid member is dropped whole, as the specification allows and
//! OpenTelemetry does, rather than passed on half-understood.

use alloc::string::String;
use alloc::vec::Vec;

const MAX_MEMBERS: usize = 32;

fn valid_key(key: &str) -> bool {
    let simple = |k: &str, max: usize| {
        let b = k.as_bytes();
        !b.is_empty()
            && b.len() <= max
            && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
            && b.iter().all(|&c| {
                c.is_ascii_lowercase()
                    || c.is_ascii_digit()
                    || matches!(c, b'_' | b'-' | b'*' | b'/')
            })
    };
    match key.split_once('@') {
        Some((tenant, system)) => simple(tenant, 241) && simple(system, 14),
        None => simple(key, 256) && key.as_bytes()[0].is_ascii_lowercase(),
    }
}

fn valid_value(value: &str) -> bool {
    let b = value.as_bytes();
    !b.is_empty()
        && b.len() <= 256
        && b.iter()
            .all(|&c| (0x20..=0x7e).contains(&c) && c != b',' && c != b'=')
        && b[b.len() - 1] != b' '
}

/// Validates and normalizes a `tracestate` value; `None` when invalid.
/// Empty members (`a=1,,b=2`) are allowed and removed.
pub fn parse(header: &str) -> Option<String> {
    let mut members: Vec<&str> = Vec::new();
    for member in header.split(',') {
        let member = member.trim_matches(|c| c == ' ' || c == '\t');
        if member.is_empty() {
            continue;
        }
        let (key, value) = member.split_once('=')?;
        if !valid_key(key)
            || !valid_value(value)
            || members
                .iter()
                .any(|m| m.split_once('=').map(|p| p.0) == Some(key))
        {
            return None;
        }
        members.push(member);
    }
    if members.len() > MAX_MEMBERS {
        return None;
    }
    let mut out = String::with_capacity(header.len());
    for member in members {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(member);
    }
    Some(out)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_members_and_normalizes_spacing() {
        assert_eq!(
            parse("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE").as_deref(),
            Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        );
        assert_eq!(
            parse("tenant@vendor=x,,a=1").as_deref(),
            Some("tenant@vendor=x,a=1")
        );
        assert_eq!(parse("").as_deref(), Some(""));
    }

    #[test]
    fn rejects_invalid_headers_whole() {
        for bad in [
            "novalue", "UPPER=1", "a=1,a=2", "a=b=c", "a=", "@x=1", "a=\u{7f}",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        let many: Vec<String> = (0..33).map(|i| alloc::format!("k{i}=v")).collect();
        assert_eq!(parse(&many.join(",")), None);
    }
}
