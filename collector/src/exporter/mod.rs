//! Exporters: where spans leave the collector.
//!
//! `file` appends OTLP/JSON lines (the Collector's file exporter format) and `debug`
//! logs a summary. Network exporters (awsxray, otlp) will join them here; they will
//! need a bounded queue and retries, which these two local ones do not.

pub mod debug;
pub mod file;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

use crate::config::{ComponentId, ExporterConfig};
use debug::DebugExporter;
use file::FileExporter;

/// A configured exporter. One instance serves every pipeline that lists its id.
#[derive(Debug)]
pub enum Exporter {
    File(FileExporter),
    Debug(DebugExporter),
}

/// An exporter that could not start or could not take a request.
#[derive(Debug, thiserror::Error)]
#[error("exporter {id}: {message}: {source}")]
pub struct ExportError {
    pub id: ComponentId,
    pub message: String,
    #[source]
    pub source: std::io::Error,
}

impl Exporter {
    /// Creates the exporter, opening any file it writes, so errors show at startup.
    pub async fn start(id: &ComponentId, config: &ExporterConfig) -> Result<Exporter, ExportError> {
        Ok(match config {
            ExporterConfig::File(c) => Exporter::File(FileExporter::open(id, c).await?),
            ExporterConfig::Debug(c) => Exporter::Debug(DebugExporter::new(id, c)),
        })
    }

    pub fn id(&self) -> &ComponentId {
        match self {
            Exporter::File(e) => e.id(),
            Exporter::Debug(e) => e.id(),
        }
    }

    /// Hands one request to the exporter; returns once it is written (for `file`).
    pub async fn export(&self, request: &ExportTraceServiceRequest) -> Result<(), ExportError> {
        match self {
            Exporter::File(e) => e.export(request).await,
            Exporter::Debug(e) => {
                e.export(request);
                Ok(())
            }
        }
    }

    /// Flushes whatever is buffered; called once, after the receivers have stopped.
    pub async fn shutdown(&self) -> Result<(), ExportError> {
        match self {
            Exporter::File(e) => e.shutdown().await,
            Exporter::Debug(_) => Ok(()),
        }
    }
}
