//! Builds the receivers → processors → exporters graph from a config and runs it.
//!
//! As in the Collector, an exporter listed by several pipelines is one instance,
//! each pipeline has its own processors, and a receiver feeds every pipeline that
//! lists it. Components no pipeline uses are not started. Shutdown stops the
//! receivers first, lets in-flight requests finish, then flushes every exporter.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::config::{ComponentId, Config, ReceiverConfig};
use crate::exporter::{ExportError, Exporter};
use crate::processor::Processor;
use crate::receiver::otlp_http::{BindError, OtlpHttpReceiver};

/// How long shutdown waits for in-flight requests before flushing anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// One `service.pipelines` entry, built.
#[derive(Debug)]
pub struct Pipeline {
    id: ComponentId,
    processors: Vec<Processor>,
    exporters: Vec<Arc<Exporter>>,
}

impl Pipeline {
    /// Runs the processors, then hands the result to every exporter. All exporters
    /// are tried even if one fails; the first failure is returned.
    async fn consume(&self, request: Arc<ExportTraceServiceRequest>) -> Result<(), ExportError> {
        let request = self
            .processors
            .iter()
            .fold(request, |request, p| p.process(request));
        let mut result = Ok(());
        for exporter in &self.exporters {
            if let Err(e) = exporter.export(&request).await {
                error!(pipeline = %self.id, "{e}");
                if result.is_ok() {
                    result = Err(e);
                }
            }
        }
        result
    }
}

/// What a receiver hands its requests to: every pipeline that lists the receiver.
#[derive(Debug, Clone)]
pub struct TracesConsumer {
    pipelines: Arc<[Arc<Pipeline>]>,
}

impl TracesConsumer {
    /// Returns once every exporter has the request (the file is written), so a 200
    /// to the client means the spans are stored.
    pub async fn consume(&self, request: ExportTraceServiceRequest) -> Result<(), ExportError> {
        let request = Arc::new(request);
        let mut result = Ok(());
        for pipeline in self.pipelines.iter() {
            if let Err(e) = pipeline.consume(Arc::clone(&request)).await {
                if result.is_ok() {
                    result = Err(e);
                }
            }
        }
        result
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Exporter(#[from] ExportError),
    #[error(transparent)]
    Receiver(#[from] BindError),
}

/// The started graph: exporters open, receivers bound, nothing served yet.
pub struct Service {
    receivers: Vec<OtlpHttpReceiver>,
    exporters: Vec<Arc<Exporter>>,
}

impl Service {
    /// Opens exporters and binds receivers. Expects a validated config
    /// (`Config::load` validates), in which every id a pipeline lists is defined.
    pub async fn start(config: &Config) -> Result<Service, StartError> {
        let pipelines = &config.service.pipelines;

        let mut exporters: Vec<Arc<Exporter>> = Vec::new();
        for (id, exporter) in config.exporters.iter() {
            if pipelines.iter().any(|(_, p)| p.exporters.contains(id)) {
                exporters.push(Arc::new(Exporter::start(id, exporter).await?));
            } else {
                warn!("exporter {id} is defined but no pipeline uses it");
            }
        }
        let exporter = |id: &ComponentId| {
            exporters
                .iter()
                .find(|e| e.id() == id)
                .map(Arc::clone)
                .expect("validated config: pipeline exporters are defined")
        };

        let built: Vec<Arc<Pipeline>> = pipelines
            .iter()
            .map(|(id, p)| {
                let processors = p
                    .processors
                    .iter()
                    .map(|pid| {
                        Processor::new(
                            config
                                .processors
                                .get(pid)
                                .expect("validated config: pipeline processors are defined"),
                        )
                    })
                    .collect();
                Arc::new(Pipeline {
                    id: id.clone(),
                    processors,
                    exporters: p.exporters.iter().map(exporter).collect(),
                })
            })
            .collect();

        let mut receivers = Vec::new();
        for (id, receiver) in config.receivers.iter() {
            let fed: Vec<Arc<Pipeline>> = pipelines
                .iter()
                .zip(&built)
                .filter(|((_, p), _)| p.receivers.contains(id))
                .map(|(_, b)| Arc::clone(b))
                .collect();
            if fed.is_empty() {
                warn!("receiver {id} is defined but no pipeline uses it");
                continue;
            }
            let consumer = TracesConsumer {
                pipelines: fed.into(),
            };
            match receiver {
                ReceiverConfig::Otlp(otlp) => {
                    if let Some(http) = &otlp.protocols.http {
                        receivers.push(OtlpHttpReceiver::bind(id, http, consumer).await?);
                    }
                }
            }
        }
        Ok(Service {
            receivers,
            exporters,
        })
    }

    /// The addresses the HTTP receivers listen on (the real port when the config said 0).
    pub fn http_addresses(&self) -> Vec<SocketAddr> {
        self.receivers.iter().map(|r| r.local_addr()).collect()
    }

    /// Serves until `shutdown` completes, then drains and flushes.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ExportError> {
        let (stop, stopped) = watch::channel(false);
        let mut servers = Vec::new();
        for receiver in self.receivers {
            let mut stopped = stopped.clone();
            let signal = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            servers.push(tokio::spawn(receiver.serve(signal)));
        }
        info!("wasmtrace-collector started");

        shutdown.await;
        info!("shutting down: finishing in-flight requests");
        let _ = stop.send(true);
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            for server in servers {
                match server.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => error!("receiver stopped with an error: {e}"),
                    Err(e) => error!("receiver task failed: {e}"),
                }
            }
        })
        .await;
        if drained.is_err() {
            warn!("requests still running after {DRAIN_TIMEOUT:?}; flushing exporters anyway");
        }

        let mut result = Ok(());
        for exporter in &self.exporters {
            if let Err(e) = exporter.shutdown().await {
                error!("{e}");
                if result.is_ok() {
                    result = Err(e);
                }
            }
        }
        info!("wasmtrace-collector stopped");
        result
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => info!("received SIGINT"),
        () = term => info!("received SIGTERM"),
    }
}
