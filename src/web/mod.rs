//! The browser layer: randomness from `crypto.getRandomValues`, the clock as
//! the facade hands it in, and single-threaded global state. It moves values
//! between the browser and `core`, and decides nothing itself.

pub mod clock;
pub mod global;
// The JavaScript facade draws ids itself; the Rust API (`otel`) and the
// browser tests use this.
#[cfg(feature = "web")]
pub mod random;
