//! Minimal JSON writing for the fixed OTLP schema: escaped strings and
//! integers, written straight into a byte buffer. Hand-written because serde
//! and `std::fmt` would cost the browser far more bytes than this.

use alloc::vec::Vec;

/// Appends `bytes`. Every write of the encoders comes here: a single call,
/// where `extend_from_slice` is three in a size-optimized build (it, its
/// specialization and `reserve`), and the encoders make dozens a span.
#[inline(never)]
pub fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    if out.capacity() - out.len() < bytes.len() {
        out.reserve(bytes.len());
    }
    let len = out.len();
    // SAFETY: the capacity holds `bytes` past `len` (reserved above), and a
    // slice borrowed elsewhere cannot overlap a `Vec` borrowed mutably.
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr().add(len), bytes.len());
        out.set_len(len + bytes.len());
    }
}

/// Appends UTF-8 `text` as a JSON string literal, quotes included.
pub fn push_string(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    push_escaped(out, text);
    out.push(b'"');
}

/// Appends UTF-8 `text` escaped as the inside of a JSON string: the
/// encoders write the quotes with the text around it.
pub fn push_escaped(out: &mut Vec<u8>, text: &[u8]) {
    let mut rest = text;
    loop {
        let plain = plain_prefix(rest);
        put(out, rest.get(..plain).unwrap_or_default());
        let Some((&b, tail)) = rest.get(plain..).and_then(|r| r.split_first()) else {
            break;
        };
        push_escape(out, b);
        rest = tail;
    }
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
            put(out, b"\\u00");
            out.push(HEX[(b >> 4) as usize & 15]);
            out.push(HEX[(b & 15) as usize]);
            return;
        }
    };
    put(out, short);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends the decimal digits of `n`.
pub fn push_u64(out: &mut Vec<u8>, n: u64) {
    // Three groups of eight digits (u64::MAX has twenty). A 64-bit division
    // is a slow instruction in WebAssembly: one, then a float division,
    // exact here (its operand is below 2^38, its floor is right).
    let high = n / 100_000_000;
    let top = (high as f64 / 100_000_000.0) as u64;
    let groups = [top, high - top * 100_000_000, n - high * 100_000_000];
    let mut digits = [0u8; 24];
    for (i, group) in groups.into_iter().enumerate() {
        if let Some(slot) = digits.get_mut(i * 8..i * 8 + 8) {
            slot.copy_from_slice(&eight_digits(group as u32).to_le_bytes());
        }
    }
    // Leading zeros go; the last digit stays.
    let zeros = digits.iter().take(23).take_while(|&&d| d == b'0').count();
    put(out, digits.get(zeros..).unwrap_or_default());
}

const ZEROS: u64 = u64::from_le_bytes(*b"00000000");

/// The eight decimal digits of `n` (< 10^8, zero-padded) as a little-endian
/// word, computed side by side in its lanes: no division, no loop.
fn eight_digits(n: u32) -> u64 {
    // Lanes of 32 bits: the high four digits, the low four.
    let x = (n / 10_000) as u64 | ((n % 10_000) as u64) << 32;
    // Each lane / 100 (exact below 43,699), giving lanes of 16 bits.
    let q = ((x * 5243) >> 19) & 0x0000_007f_0000_007f;
    let x = q | (x - q * 100) << 16;
    // Each lane / 10 (exact below 100), giving lanes of 8 bits.
    let q = ((x * 103) >> 10) & 0x000f_000f_000f_000f;
    let x = q | (x - q * 10) << 8;
    x | ZEROS
}

/// Appends the decimal digits of `n`, with a sign when negative.
pub fn push_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_u64(out, n.unsigned_abs());
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
    fn every_digit_group_and_width_prints_as_std_does() {
        for n in (0..100_000_000u32)
            .step_by(9_973)
            .chain(0..20_000)
            .chain(99_990_000..100_000_000)
        {
            assert_eq!(
                eight_digits(n).to_le_bytes(),
                *std::format!("{n:08}").as_bytes()
            );
        }
        let mut widths = std::vec![0u64, u64::MAX];
        for p in 0..20 {
            let ten = 10u64.pow(p);
            widths.extend([ten - 1, ten, ten + 1, ten.saturating_mul(7)]);
        }
        for n in widths {
            let mut out = Vec::new();
            push_u64(&mut out, n);
            assert_eq!(out, std::format!("{n}").as_bytes());
        }
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

        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 18446744073709551615 9 10 999999999 1000000000 1000000001 4294967296000000001 -9223372036854775808"
        );
    }
}
