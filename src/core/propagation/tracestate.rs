//! W3C Trace Context `tracestate`: up to 32 `key=value` members. A header
//! with any invalid member is dropped whole, as the specification allows and
//! OpenTelemetry does, rather than passed on half-understood.

use alloc::vec::Vec;

const MAX_MEMBERS: usize = 32;

fn valid_key(key: &[u8]) -> bool {
    let simple = |k: &[u8], max: usize| {
        matches!(k.first(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
            && k.len() <= max
            && k.iter().all(|&c| {
                c.is_ascii_lowercase()
                    || c.is_ascii_digit()
                    || matches!(c, b'_' | b'-' | b'*' | b'/')
            })
    };
    match super::split_once(key, b'@') {
        Some((tenant, system)) => simple(tenant, 241) && simple(system, 14),
        None => simple(key, 256) && key.first().is_some_and(u8::is_ascii_lowercase),
    }
}

fn valid_value(value: &[u8]) -> bool {
    matches!(value.last(), Some(&c) if c != b' ')
        && value.len() <= 256
        && value
            .iter()
            .all(|&c| (0x20..=0x7e).contains(&c) && c != b',' && c != b'=')
}

/// Validates and normalizes a `tracestate` value; `None` when invalid.
/// Empty members (`a=1,,b=2`) are allowed and removed.
pub fn parse(header: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    let header = header.as_ref();
    let mut keys: Vec<&[u8]> = Vec::new();
    let mut out = Vec::with_capacity(header.len());
    for member in super::members(header, b',') {
        if member.is_empty() {
            continue;
        }
        let (key, value) = super::split_once(member, b'=')?;
        if !valid_key(key)
            || !valid_value(value)
            || keys.contains(&key)
            || keys.len() == MAX_MEMBERS
        {
            return None;
        }
        keys.push(key);
        if !out.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(member);
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
            Some(&b"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"[..])
        );
        assert_eq!(
            parse("tenant@vendor=x,,a=1").as_deref(),
            Some(&b"tenant@vendor=x,a=1"[..])
        );
        assert_eq!(parse("").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn rejects_invalid_headers_whole() {
        for bad in [
            "novalue", "UPPER=1", "a=1,a=2", "a=b=c", "a=", "@x=1", "a=\u{7f}",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        let many: Vec<alloc::string::String> = (0..33).map(|i| alloc::format!("k{i}=v")).collect();
        assert_eq!(parse(many.join(",")), None);
    }
}
