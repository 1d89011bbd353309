//! A small, synchronous gzip encoder: LZ77 with one hash candidate and the
//! fixed Huffman codes of deflate. It is for page hide, when the browser
//! allows only 64 KiB of keepalive requests and nothing asynchronous (such as
//! `CompressionStream`) may run: JSON spans compress several times over, so
//! several times as many spans leave before the page goes.

use alloc::vec;
use alloc::vec::Vec;

struct Bits {
    out: Vec<u8>,
    acc: u32,
    count: u32,
}

impl Bits {
    /// Writes the low `n` bits of `value`, least significant first.
    fn put(&mut self, value: u32, n: u32) {
        self.acc |= value << self.count;
        self.count += n;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    /// Writes a Huffman code, which deflate stores most significant bit first.
    fn code(&mut self, code: u32, n: u32) {
        let reversed = code.reverse_bits() >> (32 - n);
        self.put(reversed, n);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn literal(bits: &mut Bits, symbol: u32) {
    match symbol {
        0..=143 => bits.code(0x30 + symbol, 8),
        144..=255 => bits.code(0x190 + symbol - 144, 9),
        256..=279 => bits.code(symbol - 256, 7),
        _ => bits.code(0xc0 + symbol - 280, 8),
    }
}

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// The code of the last table entry whose base is at most `value`, its
/// base and its number of extra bits.
fn bucket(bases: &[u16], extras: &[u8], value: usize) -> (u32, usize, u32) {
    bases
        .iter()
        .zip(extras)
        .enumerate()
        .rfind(|(_, (&base, _))| base as usize <= value)
        .map_or((0, value, 0), |(code, (&base, &extra))| {
            (code as u32, base as usize, extra as u32)
        })
}

fn copy(bits: &mut Bits, length: usize, distance: usize) {
    let (code, base, extra) = bucket(&LENGTH_BASE, &LENGTH_EXTRA, length);
    literal(bits, 257 + code);
    bits.put((length - base) as u32, extra);
    let (code, base, extra) = bucket(&DIST_BASE, &DIST_EXTRA, distance);
    bits.code(code, 5);
    bits.put((distance - base) as u32, extra);
}

const HASH_BITS: u32 = 14;
const WINDOW: usize = 32 * 1024;
const MAX_MATCH: usize = 258;

/// The hash of the three bytes at `at`, if there are three.
fn hash(data: &[u8], at: usize) -> Option<usize> {
    let &[a, b, c] = data.get(at..at + 3)? else {
        return None;
    };
    let v = u32::from_le_bytes([a, b, c, 0]);
    Some((v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize)
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// `data` as a gzip member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut bits = Bits {
        out: Vec::with_capacity(data.len() / 4 + 32),
        acc: 0,
        count: 0,
    };
    bits.out
        .extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    bits.put(1, 1); // the last block
    bits.put(1, 2); // fixed Huffman codes
                    // `get` rather than indexing: no panic paths in the shipped module.
    let mut table = vec![usize::MAX; 1 << HASH_BITS];
    let mut at = 0;
    while let Some(&byte) = data.get(at) {
        if let Some(slot) = hash(data, at).and_then(|h| table.get_mut(h)) {
            let candidate = core::mem::replace(slot, at);
            if candidate != usize::MAX && at - candidate <= WINDOW {
                let ahead = data.get(at..).unwrap_or_default();
                let length = data
                    .get(candidate..)
                    .unwrap_or_default()
                    .iter()
                    .zip(ahead.iter().take(MAX_MATCH))
                    .take_while(|(a, b)| a == b)
                    .count();
                if length >= 3 {
                    copy(&mut bits, length, at - candidate);
                    // Index the skipped positions too, for later matches.
                    for p in at + 1..at + length {
                        if let Some(slot) = hash(data, p).and_then(|h| table.get_mut(h)) {
                            *slot = p;
                        }
                    }
                    at += length;
                    continue;
                }
            }
        }
        literal(&mut bits, byte as u32);
        at += 1;
    }
    literal(&mut bits, 256);
    let mut out = bits.finish();
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn json_spans_compress_well_and_decompress_exactly() {
        let mut json = Vec::new();
        for i in 0..500 {
            json.extend_from_slice(
                std::format!("{{\"traceId\":\"6750a1b2abababab{i:016x}\",\"name\":\"GET /api/tasks\",\"attributes\":[{{\"key\":\"i\",\"value\":{{\"intValue\":\"{i}\"}}}}]}},").as_bytes(),
            );
        }
        let packed = gzip(&json);
        assert_eq!(gunzip(&packed), json);
        assert!(
            packed.len() * 4 < json.len(),
            "{} of {}",
            packed.len(),
            json.len()
        );
    }

    #[test]
    fn edge_cases_round_trip() {
        for data in [
            &b""[..],
            b"a",
            b"ab",
            b"abc",
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert_eq!(gunzip(&gzip(data)), data);
        }
        let long: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(gunzip(&gzip(&long)), long);
    }

    proptest! {
        #[test]
        fn any_bytes_round_trip(data in proptest::collection::vec(0u8..4, 0..5000)) {
            prop_assert_eq!(gunzip(&gzip(&data)), data);
        }
    }
}
