//! wasmtrace: OpenTelemetry-compatible tracing for the browser, in Rust.
//!
//! Three layers, each using only the ones below it:
//! - [`core`]: pure logic (ids, span records, the OTLP encoder, batching
//!   decisions), no browser APIs, tested on the host;
//! - `web`: the browser's clock, randomness, timers and transport;
//! - `api`: the exports that the JavaScript facade (`js/index.js`) calls.

pub mod core;

#[cfg(feature = "web")]
mod api;
#[cfg(feature = "web")]
pub mod web;
