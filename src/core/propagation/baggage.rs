//! W3C `baggage`: `key=value;metadata,key2=value2`, values percent-encoded.
//! Entries that are malformed are skipped, the rest kept; limits follow the
//! specification (180 entries, 8192 bytes in all).

use alloc::vec::Vec;

pub const MAX_ENTRIES: usize = 180;
pub const MAX_BYTES: usize = 8192;

/// Bytes, not `String`s: the key and metadata are cut from the header at
/// ASCII separators, and the value is checked to be UTF-8 once decoded.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Entry {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    /// Properties after the first `;`, kept as written.
    pub metadata: Vec<u8>,
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(c))
}

/// Whether `bytes` is UTF-8: shortest forms of scalar values only. Ours
/// rather than `core::str::from_utf8`, which costs the shipped module 0.4 KB
/// and is needed nowhere else.
fn is_utf8(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while let [first, tail @ ..] = rest {
        let (more, min, mask) = match *first {
            0x00..=0x7f => (0, 0, 0x7f),
            0xc0..=0xdf => (1, 0x80, 0x1f),
            0xe0..=0xef => (2, 0x800, 0x0f),
            0xf0..=0xf7 => (3, 0x1_0000, 0x07),
            _ => return false,
        };
        let Some((continuation, after)) = tail.split_at_checked(more) else {
            return false;
        };
        let mut c = u32::from(*first) & mask;
        for &b in continuation {
            if b & 0xc0 != 0x80 {
                return false;
            }
            c = c << 6 | u32::from(b & 0x3f);
        }
        if c < min || c > 0x10_ffff || (0xd800..=0xdfff).contains(&c) {
            return false;
        }
        rest = after;
    }
    true
}

fn percent_decode(text: &[u8]) -> Option<Vec<u8>> {
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
    is_utf8(&out).then_some(out)
}

fn is_baggage_octet(c: u8) -> bool {
    matches!(c, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e) && c != b'%'
}

fn percent_encode(text: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in text {
        if is_baggage_octet(c) {
            out.push(c);
        } else {
            out.extend_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
        }
    }
}

pub fn parse(header: impl AsRef<[u8]>) -> Vec<Entry> {
    let header = header.as_ref();
    let mut entries = Vec::new();
    if header.len() > MAX_BYTES {
        return entries;
    }
    for member in super::members(header, b',') {
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
                key: key.to_vec(),
                value,
                metadata: super::trim_ows(metadata).to_vec(),
            });
        }
    }
    entries
}

pub fn format(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries
        .iter()
        .take(MAX_ENTRIES)
        .filter(|e| is_token(&e.key))
    {
        let mut member = entry.key.clone();
        member.push(b'=');
        percent_encode(&entry.value, &mut member);
        if !entry.metadata.is_empty() {
            member.push(b';');
            member.extend_from_slice(&entry.metadata);
        }
        if out.len() + member.len() + 1 > MAX_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(&member);
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
        let keys: Vec<&[u8]> = e.iter().map(|e| &e.key[..]).collect();
        assert_eq!(keys, [&b"userId"[..], b"serverNode", b"isProduction"]);
        assert_eq!(e[1].value, b"DF 28");
        assert_eq!(e[1].metadata, b"prop1;p2=x");
        assert_eq!(
            format(&e),
            b"userId=alice,serverNode=DF%2028;prop1;p2=x,isProduction=false"
        );
    }

    #[test]
    fn values_that_decode_to_invalid_utf8_are_skipped() {
        for (bytes, ok) in [
            (&b"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"[..], true),
            (b"\xc0\x80", false),         // overlong
            (b"\xed\xa0\x80", false),     // a surrogate
            (b"\xf4\x90\x80\x80", false), // past U+10FFFF
            (b"\xe2\x82", false),         // cut short
            (b"\x80", false),
        ] {
            assert_eq!(is_utf8(bytes), ok, "{bytes:?}");
        }
        let e = parse("a=%C3%A9,b=%C0%80,c=%ED%A0%80");
        assert_eq!(e.iter().map(|e| &e.key[..]).collect::<Vec<_>>(), [b"a"]);
        assert_eq!(e[0].value, "\u{e9}".as_bytes());
    }

    #[test]
    fn limits_are_kept() {
        let many: Vec<Entry> = (0..300)
            .map(|i| Entry {
                key: alloc::format!("k{i}").into_bytes(),
                value: b"v".to_vec(),
                metadata: Vec::new(),
            })
            .collect();
        assert_eq!(parse(format(&many)).len(), MAX_ENTRIES);
        let big = [Entry {
            key: b"k".to_vec(),
            value: b"x".repeat(9000),
            metadata: Vec::new(),
        }];
        assert_eq!(format(&big), b"");
    }

    proptest! {
        #[test]
        fn round_trips(entries in proptest::collection::vec(("[A-Za-z0-9_.-]{1,12}", "\\PC{0,20}"), 0..8)) {
            let entries: Vec<Entry> = entries.into_iter()
                .map(|(key, value)| Entry { key: key.into_bytes(), value: value.into_bytes(), metadata: Vec::new() }).collect();
            prop_assert_eq!(parse(format(&entries)), entries);
        }

        #[test]
        fn never_panics(header in ".{0,200}") {
            let _ = parse(&header);
        }

        #[test]
        fn utf8_is_told_as_the_standard_library_tells_it(bytes in proptest::collection::vec(any::<u8>(), 0..12), text in "\\PC{0,12}") {
            prop_assert_eq!(is_utf8(&bytes), core::str::from_utf8(&bytes).is_ok());
            prop_assert!(is_utf8(text.as_bytes()));
        }
    }
}
