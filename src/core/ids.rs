//! Trace and span identifiers, and their text forms: W3C hex and the AWS
//! X-Ray `1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy` form. Both crates use these,
//! so each format is written once.

/// A 16-byte trace id; all zeros is invalid.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id; all zeros is invalid.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SpanId(pub [u8; 8]);

use alloc::string::String;
use alloc::vec::Vec;

const HEX: &[u8; 16] = b"0123456789abcdef";

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
        Some(TraceId(id)).filter(TraceId::is_valid)
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
        Some(TraceId(id)).filter(TraceId::is_valid)
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
        Some(SpanId(id)).filter(SpanId::is_valid)
    }
}

/// Appends the lower-case hex of `bytes` (an id: at most 16 bytes) to `out`.
pub fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    // Through a stack buffer: one append per id rather than one per digit,
    // which a size-optimized build makes a call each.
    let mut text = [0u8; 32];
    for (slot, i) in text.iter_mut().zip(0..bytes.len() * 2) {
        let b = bytes.get(i / 2).copied().unwrap_or_default();
        *slot = HEX[(if i % 2 == 0 { b >> 4 } else { b & 15 }) as usize];
    }
    out.extend_from_slice(text.get(..bytes.len() * 2).unwrap_or(&text));
}

fn hex_string(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    // Only ASCII hex digits were pushed.
    String::from_utf8(out).unwrap_or_default()
}

/// Decodes hex (either case) into `out`, which fixes the expected length.
pub fn decode_hex(text: &[u8], out: &mut [u8]) -> Option<()> {
    if text.len() != out.len() * 2 {
        return None;
    }
    let mut rest = text;
    for byte in out.iter_mut() {
        let [high, low, after @ ..] = rest else {
            return None;
        };
        *byte = (hex_digit(*high)? << 4) | hex_digit(*low)?;
        rest = after;
    }
    Some(())
}

/// Arithmetic rather than a match: ids are decoded for every span exported.
#[inline(always)]
fn hex_digit(c: u8) -> Option<u8> {
    let digit = c.wrapping_sub(b'0');
    let letter = (c | 0x20).wrapping_sub(b'a');
    if digit < 10 {
        Some(digit)
    } else if letter < 6 {
        Some(letter + 10)
    } else {
        None
    }
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
