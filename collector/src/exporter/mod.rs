//! Exporters: where spans leave the collector.
//!
//! Local ones (`file`, `debug`, `nop`) take a request at once. Network ones
//! (`otlp`, `otlphttp`, `awsxray`) are a [`backend::Backend`] behind a
//! [`queue::Sender`]: a bounded sending queue with retries, whose fullness
//! pushes back on the receivers. A pipeline's exporters form a [`Fanout`].

pub mod awsxray;
pub mod backend;
pub mod debug;
pub mod file;
pub mod otlp_grpc;
pub mod otlp_http;
pub mod queue;
pub mod retry;
pub mod tls;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::time::Instant;

use crate::config::{ComponentId, ExporterConfig};
use crate::consumer::{ConsumeError, Mode, Offered, Traces};
use crate::processor::split::span_count;
use crate::telemetry::{ExporterMetrics, Telemetry};
use debug::DebugExporter;
use file::FileExporter;
use queue::Sender;

/// An exporter that could not start.
#[derive(Debug, thiserror::Error)]
#[error("exporter {id}: {message}")]
pub struct StartError {
    pub id: ComponentId,
    pub message: String,
}

/// A configured exporter. One instance serves every pipeline that lists its id.
pub struct Exporter {
    id: ComponentId,
    kind: Kind,
    metrics: Arc<ExporterMetrics>,
}

enum Kind {
    File(FileExporter),
    Debug(DebugExporter),
    Nop,
    Network(Sender),
}

impl Exporter {
    /// Creates the exporter (opens files, builds clients), so errors show at startup.
    pub async fn start(
        id: &ComponentId,
        config: &ExporterConfig,
        telemetry: &Telemetry,
    ) -> Result<Exporter, StartError> {
        let metrics = telemetry.exporter(id);
        let fail = |message: String| StartError {
            id: id.clone(),
            message,
        };
        let kind = match config {
            ExporterConfig::File(c) => Kind::File(FileExporter::open(id, c).await.map_err(fail)?),
            ExporterConfig::Debug(c) => Kind::Debug(DebugExporter::new(id, c)),
            ExporterConfig::Nop(_) => Kind::Nop,
            ExporterConfig::Otlp(c) => {
                let backend = otlp_grpc::OtlpGrpcBackend::new(c).map_err(fail)?;
                Kind::Network(Sender::start(
                    id,
                    Arc::new(backend),
                    &c.sending_queue,
                    &c.retry_on_failure,
                    Arc::clone(&metrics),
                ))
            }
            ExporterConfig::OtlpHttp(c) => {
                let backend = otlp_http::OtlpHttpBackend::new(c).map_err(fail)?;
                Kind::Network(Sender::start(
                    id,
                    Arc::new(backend),
                    &c.sending_queue,
                    &c.retry_on_failure,
                    Arc::clone(&metrics),
                ))
            }
            ExporterConfig::AwsXray(c) => {
                let backend = awsxray::XrayBackend::new(id, c).await.map_err(fail)?;
                // The Collector's `num_workers`: concurrent PutTraceSegments calls.
                let mut queue = c.sending_queue.clone();
                if let Some(n) = c.num_workers {
                    queue.num_consumers = n;
                }
                Kind::Network(Sender::start(
                    id,
                    Arc::new(backend),
                    &queue,
                    &c.retry_on_failure,
                    Arc::clone(&metrics),
                ))
            }
        };
        Ok(Exporter {
            id: id.clone(),
            kind,
            metrics,
        })
    }

    pub fn id(&self) -> &ComponentId {
        &self.id
    }

    /// Exports a request without a queue: written, logged, dropped or sent now.
    async fn export_now(&self, traces: &Arc<Traces>, spans: u64) -> Result<(), ConsumeError> {
        let result = match &self.kind {
            Kind::File(e) => e.export(traces).await.map_err(ConsumeError::Failed),
            Kind::Debug(e) => {
                e.export(traces);
                Ok(())
            }
            Kind::Nop => Ok(()),
            Kind::Network(s) => return s.send_now(traces, spans).await,
        };
        match &result {
            Ok(()) => self.metrics.sent.fetch_add(spans, Ordering::Relaxed),
            Err(_) => self.metrics.failed.fetch_add(spans, Ordering::Relaxed),
        };
        result
    }

    /// Flushes and stops; returns spans that could not be sent by `deadline`.
    pub async fn shutdown(&self, deadline: Instant) -> Result<u64, String> {
        match &self.kind {
            Kind::File(e) => e.shutdown().await.map(|()| 0),
            Kind::Debug(_) | Kind::Nop => Ok(0),
            Kind::Network(s) => Ok(s.shutdown(deadline).await),
        }
    }
}

/// The exporters of one pipeline. A request goes to all of them or to none:
/// queue places are reserved everywhere first, so one full queue refuses the
/// request before any exporter has it.
pub struct Fanout {
    exporters: Vec<Arc<Exporter>>,
}

impl Fanout {
    pub fn new(exporters: Vec<Arc<Exporter>>) -> Fanout {
        Fanout { exporters }
    }

    /// Sends to every exporter, or to none: a refused request comes back unused.
    pub async fn export(&self, traces: Traces, mode: Mode) -> Result<(), Offered> {
        let spans = span_count(&traces) as u64;
        let mut slots = Vec::new();
        for (i, exporter) in self.exporters.iter().enumerate() {
            if let Kind::Network(sender) = &exporter.kind {
                match sender.reserve(mode, spans).await {
                    Ok(Some(slot)) => slots.push((i, slot)),
                    Ok(None) => {}
                    Err(e) => return Err((e, Some(traces))),
                }
            }
        }
        let traces = Arc::new(traces);
        for (i, exporter) in self.exporters.iter().enumerate() {
            if !slots.iter().any(|(j, _)| *j == i) {
                exporter
                    .export_now(&traces, spans)
                    .await
                    .map_err(|e| (e, None))?;
            }
        }
        for (i, slot) in slots {
            if let Kind::Network(sender) = &self.exporters[i].kind {
                sender.enqueue(slot, Arc::clone(&traces), spans);
            }
        }
        Ok(())
    }
}
