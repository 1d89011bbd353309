//! W3C `baggage`: `key=value;metadata,key2=value2`, values percent-encoded.
//! Entries that are malformed are skipped, the rest kept; limits follow the
//! specification (180 entries, 8192 bytes in all).

use alloc::string::String;
use alloc::vec::Vec;

pub const MAX_ENTRIES: usize = 180;
pub const MAX_BYTES: usize = 8192;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// Properties after the first `;`, kept as written.
    pub metadata: String,
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(c))
}

fn percent_decode(text: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let [c, after @ ..] = rest {
        rest = after;
        if *c == b'%' {
            let [hi, lo, after @ ..] = rest else {
                return None;
            };
            let mut byte = [0];
            crate::core::ids::decode_hex(&[*hi, *lo], &mut byte)?;
            out.push(byte[0]);
            rest = after;
        } else {
            out.push(*c);
        }
    }
    String::from_utf8(out).ok()
}

fn is_baggage_octet(c: u8) -> bool {
    matches!(c, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e) && c != b'%'
}

fn percent_encode(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in text.as_bytes() {
        if is_baggage_octet(c) {
            out.push(c as char);
        } else {
            out.push('%');
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        }
    }
}

pub fn parse(header: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    if header.len() > MAX_BYTES {
        return entries;
    }
    for member in super::members(header.as_bytes(), b',') {
        if entries.len() == MAX_ENTRIES {
            break;
        }
        let (pair, metadata) = super::split_once(member, b';').unwrap_or((member, b""));
        let Some((key, value)) = super::split_once(pair, b'=') else {
            continue;
        };
        let key = super::trim_ows(key);
        let Some(value) = percent_decode(super::trim_ows(value)) else {
            continue;
        };
        if is_token(key) {
            entries.push(Entry {
                key: super::text(key),
                value,
                metadata: super::text(super::trim_ows(metadata)),
            });
        }
    }
    entries
}

pub fn format(entries: &[Entry]) -> String {
    let mut out = String::new();
    for entry in entries
        .iter()
        .take(MAX_ENTRIES)
        .filter(|e| is_token(e.key.as_bytes()))
    {
        let mut member = String::new();
        member.push_str(&entry.key);
        member.push('=');
        percent_encode(&entry.value, &mut member);
        if !entry.metadata.is_empty() {
            member.push(';');
            member.push_str(&entry.metadata);
        }
        if out.len() + member.len() + 1 > MAX_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&member);
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_values_metadata_and_skips_bad_members() {
        let e = parse("userId=alice, serverNode = DF%2028 ;prop1;p2=x,bad key=1,noequals,isProduction=false,broken=%zz");
        let keys: Vec<&str> = e.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["userId", "serverNode", "isProduction"]);
        assert_eq!(e[1].value, "DF 28");
        assert_eq!(e[1].metadata, "prop1;p2=x");
        assert_eq!(
            format(&e),
            "userId=alice,serverNode=DF%2028;prop1;p2=x,isProduction=false"
        );
    }

    #[test]
    fn limits_are_kept() {
        let many: Vec<Entry> = (0..300)
            .map(|i| Entry {
                key: alloc::format!("k{i}"),
                value: "v".into(),
                metadata: String::new(),
            })
            .collect();
        assert_eq!(parse(&format(&many)).len(), MAX_ENTRIES);
        let big = [Entry {
            key: "k".into(),
            value: "x".repeat(9000),
            metadata: String::new(),
        }];
        assert_eq!(format(&big), "");
    }

    proptest! {
        #[test]
        fn round_trips(entries in proptest::collection::vec(("[A-Za-z0-9_.-]{1,12}", "\\PC{0,20}"), 0..8)) {
            let entries: Vec<Entry> = entries.into_iter()
                .map(|(key, value)| Entry { key, value, metadata: String::new() }).collect();
            prop_assert_eq!(parse(&format(&entries)), entries);
        }

        #[test]
        fn never_panics(header in ".{0,200}") {
            let _ = parse(&header);
        }
    }
}
