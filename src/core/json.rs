//! Minimal JSON writing for the fixed OTLP schema: escaped strings and
//! integers, written straight into a byte buffer. Hand-written because serde
//! and `std::fmt` would cost the browser far more bytes than this.

use alloc::vec::Vec;

/// Appends UTF-8 `text` as a JSON string literal, quotes included.
pub fn push_string(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    let mut rest = text;
    loop {
        let plain = plain_prefix(rest);
        out.extend_from_slice(rest.get(..plain).unwrap_or_default());
        let Some((&b, tail)) = rest.get(plain..).and_then(|r| r.split_first()) else {
            break;
        };
        push_escape(out, b);
        rest = tail;
    }
    out.push(b'"');
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// How many leading bytes need no escaping. Eight at a time: nearly every
/// string needs none, and this scan reads every byte of every string.
fn plain_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = ONES * 0x80;
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS != 0;
    let mut plain = 0;
    for chunk in bytes.chunks_exact(8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        // A byte below 0x20 (exact for the high bit clear; UTF-8's high
        // bytes never match), a quote, a backslash.
        let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0;
        if below_space || has_zero(w ^ (ONES * b'"' as u64)) || has_zero(w ^ (ONES * b'\\' as u64))
        {
            break;
        }
        plain += 8;
    }
    let tail = bytes.get(plain..).unwrap_or_default();
    plain
        + tail
            .iter()
            .position(|&b| needs_escape(b))
            .unwrap_or(tail.len())
}

fn push_escape(out: &mut Vec<u8>, b: u8) {
    let short: &[u8] = match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        _ => {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(b >> 4) as usize & 15]);
            out.push(HEX[(b & 15) as usize]);
            return;
        }
    };
    out.extend_from_slice(short);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends the decimal digits of `n`.
pub fn push_u64(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut slots = digits.iter_mut().rev();
    let mut count = 0;
    let mut rest = n;
    // Nine digits at a time in 32-bit arithmetic: a 64-bit division is a
    // slow instruction in WebAssembly, and a timestamp has nineteen digits.
    while rest >= 1_000_000_000 {
        count += write_digits(&mut slots, (rest % 1_000_000_000) as u32, 9);
        rest /= 1_000_000_000;
    }
    count += write_digits(&mut slots, rest as u32, 1);
    out.extend_from_slice(digits.get(digits.len() - count..).unwrap_or_default());
}

/// Writes `n`'s digits into `slots`, last first, at least `width` of them
/// (zero-padded); returns how many.
#[inline(always)]
fn write_digits<'a>(
    slots: &mut impl Iterator<Item = &'a mut u8>,
    mut n: u32,
    width: usize,
) -> usize {
    let mut count = 0;
    while count < width || n > 0 {
        if let Some(slot) = slots.next() {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        count += 1;
    }
    count
}

/// Appends the decimal digits of `n`, with a sign when negative.
pub fn push_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Appends `n` in quotes, as OTLP/JSON writes 64-bit integers.
pub fn push_quoted_u64(out: &mut Vec<u8>, n: u64) {
    out.push(b'"');
    push_u64(out, n);
    out.push(b'"');
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::String;

    fn string(text: &str) -> String {
        let mut out = Vec::new();
        push_string(&mut out, text.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_json_requires() {
        assert_eq!(string("plain"), "\"plain\"");
        assert_eq!(string("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"");
        assert_eq!(string("\t\r\u{1f}"), "\"\\t\\r\\u001f\"");
    }

    #[test]
    fn every_byte_that_needs_escaping_is_found_at_every_position() {
        for len in [1, 7, 8, 9, 16, 23] {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut text = std::vec![b'a'; len];
                    text[at] = b;
                    let expected = if needs_escape(b) { at } else { len };
                    assert_eq!(
                        plain_prefix(&text),
                        expected,
                        "byte {b:#x} at {at} of {len}"
                    );
                }
            }
        }
        // Random neighbours, from a fixed-seed generator.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let text: Vec<u8> = (0..19)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    (seed >> 56) as u8
                })
                .collect();
            let expected = text
                .iter()
                .position(|&b| needs_escape(b))
                .unwrap_or(text.len());
            assert_eq!(plain_prefix(&text), expected, "{text:?}");
        }
        // UTF-8's high bytes next to the bytes that borrow in the word test.
        let mut out = Vec::new();
        push_string(&mut out, "\u{ff}\u{1f600}a\"\u{80}\\".as_bytes());
        assert_eq!(out, "\"\u{ff}\u{1f600}a\\\"\u{80}\\\\\"".as_bytes());
    }

    #[test]
    fn integers_print_in_decimal() {
        let mut out = Vec::new();
        push_u64(&mut out, 0);
        out.push(b' ');
        push_u64(&mut out, u64::MAX);
        for n in [
            9,
            10,
            999_999_999,
            1_000_000_000,
            1_000_000_001,
            4_294_967_296_000_000_001,
        ] {
            out.push(b' ');
            push_u64(&mut out, n);
        }
        out.push(b' ');
        push_i64(&mut out, i64::MIN);
        out.push(b' ');
        push_quoted_u64(&mut out, 1_544_712_660_000_000_000);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 18446744073709551615 9 10 999999999 1000000000 1000000001 4294967296000000001 -9223372036854775808 \"1544712660000000000\""
        );
    }
}
