//! A small, synchronous gzip encoder: LZ77 with one hash candidate and the
//! fixed Huffman codes of deflate. It is for page hide, when the browser
//! allows only 64 KiB of keepalive requests and nothing asynchronous (such as
//! `CompressionStream`) may run: JSON spans compress several times over, so
//! several times as many spans leave before the page goes. Written for
//! size, not speed: it runs on at most a few hundred KiB, once a page.

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
    fn code(&mut self, code: u32, mut n: u32) {
        while n > 0 {
            n -= 1;
            self.put(code >> n & 1, 1);
        }
    }
}

/// A literal/length symbol in the fixed Huffman code.
fn symbol(bits: &mut Bits, symbol: u32) {
    match symbol {
        0..=143 => bits.code(0x30 + symbol, 8),
        144..=255 => bits.code(0x190 + symbol - 144, 9),
        256..=279 => bits.code(symbol - 256, 7),
        _ => bits.code(0xc0 + symbol - 280, 8),
    }
}

/// Deflate's buckets for `v` (a length less 3, or a distance less 1):
/// values below `2 << k` have a code each, then every power of two splits
/// into `1 << k` codes with extra bits (k is 2 for lengths, 1 for
/// distances). Returns the code, and the extra bits' value and count.
fn bucket(v: u32, k: u32) -> (u32, u32, u32) {
    if v < 2 << k {
        return (v, 0, 0);
    }
    let extra = v.ilog2() - k;
    ((extra << k) + (v >> extra), v & ((1 << extra) - 1), extra)
}

const HASH_BITS: u32 = 14;
const WINDOW: usize = 32 * 1024;
/// 258 has a code of its own; stopping one short keeps to the formula above.
const MAX_MATCH: usize = 257;

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
    bits.put(3, 3); // the last block, fixed Huffman codes
                    // `get` rather than indexing: no panic paths in the shipped module.
    let mut table = vec![usize::MAX; 1 << HASH_BITS];
    let mut at = 0;
    while let Some(&byte) = data.get(at) {
        let (mut length, mut distance) = (0, 0);
        if let Some(slot) = hash(data, at).and_then(|h| table.get_mut(h)) {
            let candidate = core::mem::replace(slot, at);
            if candidate != usize::MAX && at - candidate <= WINDOW {
                distance = at - candidate;
                while length < MAX_MATCH
                    && data
                        .get(at + length)
                        .is_some_and(|b| data.get(candidate + length) == Some(b))
                {
                    length += 1;
                }
            }
        }
        if length < 3 {
            symbol(&mut bits, byte as u32);
            at += 1;
            continue;
        }
        let (code, value, extra) = bucket(length as u32 - 3, 2);
        symbol(&mut bits, 257 + code);
        bits.put(value, extra);
        let (code, value, extra) = bucket(distance as u32 - 1, 1);
        bits.code(code, 5);
        bits.put(value, extra);
        // Index the skipped positions too, for later matches.
        for p in at + 1..at + length {
            if let Some(slot) = hash(data, p).and_then(|h| table.get_mut(h)) {
                *slot = p;
            }
        }
        at += length;
    }
    symbol(&mut bits, 256);
    bits.put(0, 7); // to the byte boundary
    let mut out = bits.out;
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// The gzip body of as many of `count` leading spans as fit in `room` bytes
/// (at least one), and how many that is: the batch shrinks until it fits.
/// `write(body, n)` writes the plain body of the first `n` spans.
pub fn fit_leading(
    count: usize,
    room: usize,
    mut write: impl FnMut(&mut Vec<u8>, usize),
) -> (Vec<u8>, usize) {
    let mut count = count;
    let mut body = Vec::new();
    loop {
        write(&mut body, count);
        let packed = gzip(&body);
        if packed.len() <= room || count <= 1 {
            return (packed, count);
        }
        // The share that fits, less a tenth; fewer spans than now, at least one.
        count = (count * room / packed.len().max(1) * 9 / 10)
            .max(1)
            .min(count - 1);
    }
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

    /// The formula gives RFC 1951's tables (section 3.2.5) for every length
    /// and distance it can be asked for. Each table ends with the base a
    /// next code would have, to give the last one's extra bits.
    #[test]
    fn buckets_match_the_rfc_tables() {
        const LENGTH_BASE: [u32; 29] = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
            115, 131, 163, 195, 227, 259,
        ];
        const DIST_BASE: [u32; 31] = [
            1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
            1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577, 32769,
        ];
        let check = |bases: &[u32], first: u32, last: u32, k: u32| {
            for n in first..=last {
                let code = bases.iter().rposition(|&b| b <= n).unwrap();
                let extra = (bases[code + 1] - bases[code]).ilog2();
                assert_eq!(
                    bucket(n - first, k),
                    (code as u32, n - bases[code], extra),
                    "{n}"
                );
            }
        };
        check(&LENGTH_BASE, 3, MAX_MATCH as u32, 2);
        check(&DIST_BASE, 1, WINDOW as u32, 1);
    }

    #[test]
    fn runs_longer_than_the_longest_match_round_trip() {
        let run = vec![b'x'; 10_000];
        let packed = gzip(&run);
        assert_eq!(gunzip(&packed), run);
        assert!(packed.len() < 200, "{}", packed.len());
    }

    proptest! {
        #[test]
        fn any_bytes_round_trip(data in proptest::collection::vec(0u8..4, 0..5000)) {
            prop_assert_eq!(gunzip(&gzip(&data)), data);
        }
    }
}
