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

/// The last table entry whose base is at most `value`.
fn bucket(table: &[u16], value: usize) -> usize {
    table
        .iter()
        .rposition(|&base| base as usize <= value)
        .unwrap_or(0)
}

fn copy(bits: &mut Bits, length: usize, distance: usize) {
    let l = bucket(&LENGTH_BASE, length);
    literal(bits, 257 + l as u32);
    bits.put(
        (length - LENGTH_BASE[l] as usize) as u32,
        LENGTH_EXTRA[l] as u32,
    );
    let d = bucket(&DIST_BASE, distance);
    bits.code(d as u32, 5);
    bits.put(
        (distance - DIST_BASE[d] as usize) as u32,
        DIST_EXTRA[d] as u32,
    );
}

const HASH_BITS: u32 = 14;
const WINDOW: usize = 32 * 1024;
const MAX_MATCH: usize = 258;

fn hash(data: &[u8], at: usize) -> usize {
    let v = u32::from_le_bytes([data[at], data[at + 1], data[at + 2], 0]);
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
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
    let mut table = vec![usize::MAX; 1 << HASH_BITS];
    let mut at = 0;
    while at < data.len() {
        if at + 3 <= data.len() {
            let h = hash(data, at);
            let candidate = table[h];
            table[h] = at;
            if candidate != usize::MAX && at - candidate <= WINDOW {
                let max = (data.len() - at).min(MAX_MATCH);
                let length = data[candidate..]
                    .iter()
                    .zip(&data[at..at + max])
                    .take_while(|(a, b)| a == b)
                    .count();
                if length >= 3 {
                    copy(&mut bits, length, at - candidate);
                    // Index the skipped positions too, for later matches.
                    for p in at + 1..(at + length).min(data.len().saturating_sub(2)) {
                        table[hash(data, p)] = p;
                    }
                    at += length;
                    continue;
                }
            }
        }
        literal(&mut bits, data[at] as u32);
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
