//! The browser's clock. `std::time` panics on `wasm32-unknown-unknown`, so
//! wall time is `performance.timeOrigin + performance.now()`, which is also
//! monotonic within the page.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(thread_local_v2, js_namespace = performance, js_name = timeOrigin)]
    static TIME_ORIGIN: f64;
}

thread_local! {
    /// `timeOrigin` in whole nanoseconds, kept apart from the small relative
    /// part so adding them loses no precision.
    static ORIGIN_NS: u64 = TIME_ORIGIN.with(|ms| (*ms * 1e6) as u64);
}

/// Nanoseconds since the Unix epoch for a `performance.now()`-relative time
/// in milliseconds.
pub fn epoch_ns(relative_ms: f64) -> u64 {
    let origin = ORIGIN_NS.with(|ns| *ns);
    if relative_ms <= 0.0 {
        return origin.saturating_sub((-relative_ms * 1e6) as u64);
    }
    origin + (relative_ms * 1e6) as u64
}

/// Seconds since the Unix epoch, now.
pub fn epoch_secs() -> u32 {
    (epoch_ns(performance_now()) / 1_000_000_000) as u32
}
