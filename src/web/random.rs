//! Randomness from `crypto.getRandomValues`, drawn in blocks so that making
//! ids does not cross into JavaScript for every span.

use super::global::Global;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

const POOL: usize = 1024;

struct Pool {
    bytes: [u8; POOL],
    used: usize,
}

static RANDOM: Global<Pool> = Global::new(Pool {
    bytes: [0; POOL],
    used: POOL,
});

/// Fills `out` (at most 1024 bytes) with cryptographically random bytes.
pub fn fill(out: &mut [u8]) {
    RANDOM.with(|pool| {
        if pool.used + out.len() > POOL {
            get_random_values(&mut pool.bytes);
            pool.used = 0;
        }
        let at = pool.used;
        out.copy_from_slice(&pool.bytes[at..at + out.len()]);
        pool.used += out.len();
    })
}

pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill(&mut out);
    out
}
