//! `Content-Encoding` decoding within the body limit; the first byte picks
//! gzip or deflate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtrace_collector::receiver::decode::{decompress, Bytes, DecodeError};

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else { return };
    let encoding = if first % 2 == 0 { "gzip" } else { "deflate" };
    match decompress(encoding, Bytes::copy_from_slice(rest), 1 << 20) {
        Ok(out) => assert!(out.len() <= 1 << 20),
        Err(DecodeError::TooLarge { .. } | DecodeError::Invalid(_)) => {}
    }
});
