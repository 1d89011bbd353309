//! The pure layer: no `web-sys`, no `js-sys`, so it builds and is tested on
//! the host, and the collector shares its formats.

pub mod batch;
pub mod gzip;
pub mod ids;
pub mod json;
pub mod otlp_json;
pub mod otlp_proto;
pub mod propagation;
pub mod record;
pub mod sampler;
pub mod span;
