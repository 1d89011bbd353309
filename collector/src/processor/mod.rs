//! Processors: steps between receivers and exporters in a pipeline.
//!
//! `memory_limiter` refuses data while memory is above its soft limit; `batch`
//! gathers requests into larger ones (size or timeout) and hands them on from
//! its own task. `split` cuts requests at span boundaries for both.

pub mod batch;
pub mod memory_limiter;
pub mod split;
