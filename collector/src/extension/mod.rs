//! Extensions: parts of the collector outside the pipelines. Only `health_check`,
//! which also serves the collector's own metrics (`/metrics`).

pub mod health_check;
