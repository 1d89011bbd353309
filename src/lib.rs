//! wasmtrace: OpenTelemetry-compatible tracing for the browser, in Rust.
//!
//! Three layers, each using only the ones below it:
//! - [`core`]: pure logic (ids, samplers, span records, propagation formats,
//!   the OTLP encoder, batching decisions), no browser APIs, tested on the
//!   host;
//! - `web`: the browser's randomness and clock, as the facade hands them in;
//! - `api`: the exports that the JavaScript facade (`js/index.js`) calls.
//!
//! The JavaScript facade does the browser's I/O (fetch, timers, page
//! lifecycle) and owns the public class names; everything it decides, it asks
//! this crate. The shipped module (feature `standalone`) is `no_std`, so it
//! carries no std panic or formatting machinery; everything is written
//! against `core` and `alloc`, so it builds the same with std (host tests,
//! browser tests, the collector).
#![cfg_attr(feature = "standalone", no_std)]

extern crate alloc;

pub mod core;

#[cfg(all(any(feature = "web", feature = "standalone"), target_arch = "wasm32"))]
mod api;
#[cfg(all(feature = "otel", target_arch = "wasm32"))]
pub mod otel;
#[cfg(all(feature = "standalone", target_arch = "wasm32"))]
mod standalone;
#[cfg(all(any(feature = "web", feature = "standalone"), target_arch = "wasm32"))]
pub mod web;
