//! wasmtrace-collector: receives OTLP traces from browsers and servers and passes
//! them on, configured like the OpenTelemetry Collector.
//!
//! The model is the Collector's: receivers → processors → exporters, wired by
//! pipelines in a YAML file (`config`), built and run by `pipeline`; what flows
//! between them and how pushback works is in `consumer`.

pub mod config;
pub mod consumer;
pub mod exporter;
pub mod extension;
pub mod memory;
pub mod pipeline;
pub mod processor;
pub mod random;
pub mod receiver;
pub mod rpc;
pub mod telemetry;
