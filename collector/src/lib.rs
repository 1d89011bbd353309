//! wasmtrace-collector: receives OTLP traces from browsers and servers and passes
//! them on, configured like the OpenTelemetry Collector.
//!
//! The model is the Collector's: receivers → processors → exporters, wired by
//! pipelines in a YAML file (`config`), built and run by `pipeline`.

pub mod config;
pub mod exporter;
pub mod pipeline;
pub mod processor;
pub mod receiver;
