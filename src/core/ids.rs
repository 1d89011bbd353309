//! Trace and span identifiers, and their text forms: W3C hex and the AWS
//! X-Ray `1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy` form. Both crates use these,
//! so each format is written once.

/// A 16-byte trace id; all zeros is invalid.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id; all zeros is invalid.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SpanId(pub [u8; 8]);

use super::json::put;
use alloc::string::String;
use alloc::vec::Vec;

impl TraceId {
    /// X-Ray form: the first 4 bytes are the epoch seconds (big-endian), the
    /// other 12 random; X-Ray rejects ids whose time is far from now.
    pub fn xray(epoch_secs: u32, random: [u8; 12]) -> TraceId {
        let time = epoch_secs.to_be_bytes();
        TraceId(core::array::from_fn(|i| {
            if i < 4 {
                time[i]
            } else {
                random[i - 4]
            }
        }))
    }

    /// W3C random form; all-zero input (vanishingly rare) is made valid.
    pub fn random(mut random: [u8; 16]) -> TraceId {
        if random == [0; 16] {
            random[15] = 1;
        }
        TraceId(random)
    }

    pub fn is_valid(&self) -> bool {
        self.0 != [0; 16]
    }

    /// The epoch seconds an X-Ray id carries in its first 4 bytes.
    pub fn xray_epoch_secs(&self) -> u32 {
        u32::from_be_bytes([self.0[0], self.0[1], self.0[2], self.0[3]])
    }

    pub fn to_hex(&self) -> String {
        hex_string(&self.0)
    }

    pub fn from_hex(text: impl AsRef<[u8]>) -> Option<TraceId> {
        let mut id = [0u8; 16];
        decode_hex(text.as_ref(), &mut id)?;
        let id = TraceId(id);
        id.is_valid().then_some(id)
    }

    /// `1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy`, as X-Ray headers and segments write it.
    pub fn to_xray_text(&self) -> String {
        let mut out = Vec::with_capacity(35);
        out.extend_from_slice(b"1-");
        let (time, random) = self.0.split_at(4);
        push_hex(&mut out, time);
        out.push(b'-');
        push_hex(&mut out, random);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Parses the X-Ray text form; anything else (wrong version, length or
    /// separators, non-hex, all zeros) is `None`.
    pub fn from_xray_text(text: impl AsRef<[u8]>) -> Option<TraceId> {
        let b = text.as_ref();
        if b.len() != 35 || !b.starts_with(b"1-") || b.get(10) != Some(&b'-') {
            return None;
        }
        let mut id = [0u8; 16];
        decode_hex(b.get(2..10)?, &mut id[..4])?;
        decode_hex(b.get(11..)?, &mut id[4..])?;
        let id = TraceId(id);
        id.is_valid().then_some(id)
    }
}

impl SpanId {
    /// A span id from random bytes, never all zero.
    pub fn random(mut random: [u8; 8]) -> SpanId {
        if random == [0; 8] {
            random[7] = 1;
        }
        SpanId(random)
    }

    pub fn is_valid(&self) -> bool {
        self.0 != [0; 8]
    }

    pub fn to_hex(&self) -> String {
        hex_string(&self.0)
    }

    pub fn from_hex(text: impl AsRef<[u8]>) -> Option<SpanId> {
        let mut id = [0u8; 8];
        decode_hex(text.as_ref(), &mut id)?;
        let id = SpanId(id);
        id.is_valid().then_some(id)
    }
}

/// Appends the lower-case hex of `bytes` (an id or part of one: 4, 8, 12
/// or 16 bytes, whole words of four).
pub fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    debug_assert!(
        bytes.len().is_multiple_of(4) && bytes.len() <= 16,
        "{} bytes",
        bytes.len()
    );
    // Through a stack buffer: one append per id rather than one per digit.
    let mut words = [[0u8; 8]; 4];
    for (i, slot) in words.iter_mut().enumerate() {
        let Some(word) = bytes.get(i * 4..i * 4 + 4) else {
            break;
        };
        *slot = hex_word(u32::from_le_bytes(word.try_into().unwrap_or_default())).to_le_bytes();
    }
    let text = words.as_flattened();
    put(out, text.get(..bytes.len() * 2).unwrap_or(text));
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = ONES * 0x80;

/// The eight hex digits of a little-endian word's four bytes, worked out
/// side by side in the bytes of one 64-bit word (ids are written for every
/// span exported).
fn hex_word(bytes: u32) -> u64 {
    // Byte i into the low half of 16-bit lane i.
    let x = bytes as u64;
    let x = (x | x << 16) & 0x0000_ffff_0000_ffff;
    let x = (x | x << 8) & 0x00ff_00ff_00ff_00ff;
    // High nibble first, then low: one digit value a byte.
    let n = (x >> 4) & 0x000f_000f_000f_000f | (x & 0x000f_000f_000f_000f) << 8;
    // 10 and above are letters: 'a' is 39 past '9' + 1.
    let letters = ((n + ONES * 6) >> 4) & ONES;
    n + ONES * b'0' as u64 + letters * 39
}

/// The four bytes eight hex digits (either case) stand for, or `None` when
/// one is not a hex digit; side by side, as [`hex_word`].
fn word_from_hex(text: u64) -> Option<u32> {
    // Whether each byte is at least `k` (for bytes below 0x80): its high bit.
    let at_least = |x: u64, k: u8| x.wrapping_add(ONES * (0x80 - k) as u64) & HIGHS;
    let digits = at_least(text, b'0') & !at_least(text, b'9' + 1);
    let lower = text | (ONES * 0x20);
    let letters = at_least(lower, b'a') & !at_least(lower, b'f' + 1);
    if text & HIGHS != 0 || digits | letters != HIGHS {
        return None;
    }
    let n = (text & (ONES * 15)) + (letters >> 7) * 9;
    // Pairs of digits into bytes, in 16-bit lanes, then the lanes packed.
    let x = (n & 0x00ff_00ff_00ff_00ff) << 4 | (n >> 8) & 0x00ff_00ff_00ff_00ff;
    let x = (x | x >> 8) & 0x0000_ffff_0000_ffff;
    Some((x | x >> 16) as u32)
}

fn hex_string(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    // Only ASCII hex digits were pushed.
    String::from_utf8(out).unwrap_or_default()
}

/// Decodes hex (either case) into `out`, which fixes the expected length
/// (whole words of four bytes, as [`push_hex`]).
pub fn decode_hex(text: &[u8], out: &mut [u8]) -> Option<()> {
    if text.len() != out.len() * 2 {
        return None;
    }
    let mut decoded = 0;
    for (i, byte) in out.iter_mut().enumerate() {
        // A word's four bytes, decoded at its first.
        if i % 4 == 0 {
            let word = text.get(i * 2..i * 2 + 8)?;
            decoded = word_from_hex(u64::from_le_bytes(word.try_into().ok()?))?;
        }
        *byte = decoded as u8;
        decoded >>= 8;
    }
    Some(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn xray_trace_id_starts_with_epoch_seconds_in_hex() {
        let id = TraceId::xray(0x6750_a1b2, [0xab; 12]);
        assert_eq!(id.to_hex(), "6750a1b2abababababababababababab");
        assert_eq!(id.xray_epoch_secs(), 0x6750_a1b2);
        assert_eq!(id.to_xray_text(), "1-6750a1b2-abababababababababababab");
    }

    #[test]
    fn xray_text_round_trips_and_rejects_malformed() {
        let id = TraceId::xray(1_700_000_000, [7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert_eq!(TraceId::from_xray_text(id.to_xray_text()), Some(id));
        for bad in [
            "",
            "1-6750a1b2-abababababababababababa",
            "2-6750a1b2-abababababababababababab",
            "1_6750a1b2-abababababababababababab",
            "1-6750a1b2_abababababababababababab",
            "1-6750a1bz-abababababababababababab",
            "1-00000000-000000000000000000000000",
        ] {
            assert_eq!(TraceId::from_xray_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn span_id_is_never_all_zero() {
        assert!(SpanId::random([0; 8]).is_valid());
        assert_eq!(SpanId::random([0; 8]).to_hex(), "0000000000000001");
        assert_eq!(
            SpanId::random([1, 2, 3, 4, 5, 6, 7, 8]).to_hex(),
            "0102030405060708"
        );
        assert!(TraceId::random([0; 16]).is_valid());
    }

    #[test]
    fn every_byte_at_every_place_of_a_word_round_trips() {
        for place in 0..4 {
            for b in 0..=255u8 {
                let mut bytes = [0x5a, 0xf0, 0x09, 0xc3];
                bytes[place] = b;
                let mut text = Vec::new();
                push_hex(&mut text, &bytes);
                let expected: String = bytes.iter().map(|b| std::format!("{b:02x}")).collect();
                assert_eq!(text, expected.as_bytes());
                let mut back = [0u8; 4];
                assert_eq!(decode_hex(&text, &mut back), Some(()));
                assert_eq!(back, bytes);
            }
        }
    }

    #[test]
    fn only_hex_digits_decode_at_every_place_of_a_word() {
        for place in 0..8 {
            for c in 0..=255u8 {
                let mut text = *b"09afAF5c";
                text[place] = c;
                let mut out = [0u8; 4];
                let decoded = decode_hex(&text, &mut out).map(|()| out);
                let expected = core::str::from_utf8(&text)
                    .ok()
                    .filter(|t| t.bytes().all(|c| c.is_ascii_hexdigit()))
                    .and_then(|t| u32::from_str_radix(t, 16).ok())
                    .map(u32::to_be_bytes);
                assert_eq!(decoded, expected, "{c:#x} at {place}");
            }
        }
    }

    #[test]
    fn hex_parsing_accepts_either_case_and_checks_length() {
        assert_eq!(
            SpanId::from_hex("00F067AA0BA902B7"),
            Some(SpanId([0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]))
        );
        assert_eq!(SpanId::from_hex("00f067aa0ba902b"), None);
        assert_eq!(SpanId::from_hex("0000000000000000"), None);
        assert_eq!(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e473g"), None);
    }
}
