//! The browser's clock. `std::time` panics on `wasm32-unknown-unknown`; the
//! facade hands in `performance.timeOrigin` once and then times relative to
//! it (`performance.now()`), which keeps sub-microsecond precision that an
//! absolute epoch in milliseconds would lose.

use super::global::Global;

static ORIGIN_NS: Global<u64> = Global::new(0);

pub fn set_origin_millis(time_origin_ms: f64) {
    ORIGIN_NS.with(|ns| *ns = (time_origin_ms * 1e6) as u64);
}

/// Nanoseconds since the Unix epoch for a `performance.now()`-relative time
/// in milliseconds (negative for times before the page started).
pub fn epoch_ns(relative_ms: f64) -> u64 {
    let origin = ORIGIN_NS.with(|ns| *ns);
    let offset = (relative_ms * 1e6) as i64;
    origin.saturating_add_signed(offset)
}
