//! Builds the receivers → processors → exporters graph from a config and runs it.
//!
//! As in the Collector, an exporter listed by several pipelines is one instance,
//! each pipeline has its own processors, and a receiver feeds every pipeline that
//! lists it. Components no pipeline uses are not started.
//!
//! Shutdown (SIGTERM) runs in order: health turns 503, receivers stop taking
//! requests and finish those in flight, batches are handed on, exporters send
//! what they hold — all within one deadline, after which what is left is
//! counted and reported as lost.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{error, info, warn};

use crate::config::{
    ComponentId, Config, ExtensionConfig, MetricsLevel, ProcessorConfig, ReceiverConfig,
};
use crate::consumer::{Chain, TracesConsumer};
use crate::exporter::{Exporter, Fanout, StartError as ExporterStartError};
use crate::extension::health_check::{OpsServer, Status};
use crate::processor::batch::Batcher;
use crate::processor::memory_limiter::MemoryLimiter;
use crate::receiver::otlp_grpc::OtlpGrpcReceiver;
use crate::receiver::otlp_http::{BindError, OtlpHttpReceiver};
use crate::telemetry::Telemetry;

/// How long shutdown may take in all, unless the command line says otherwise.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);
/// The most of it given to receivers to finish their requests.
const MAX_DRAIN: Duration = Duration::from_secs(5);

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Exporter(#[from] ExporterStartError),
    #[error(transparent)]
    Bind(#[from] BindError),
}

/// Data lost at shutdown.
#[derive(Debug, thiserror::Error)]
#[error("{spans} spans could not be exported before the shutdown deadline ({timeout:?}); see the errors above")]
pub struct ShutdownError {
    pub spans: u64,
    pub timeout: Duration,
}

enum Server {
    Http(OtlpHttpReceiver),
    Grpc(OtlpGrpcReceiver),
    Ops(OpsServer),
}

impl Server {
    fn local_addr(&self) -> SocketAddr {
        match self {
            Server::Http(s) => s.local_addr(),
            Server::Grpc(s) => s.local_addr(),
            Server::Ops(s) => s.local_addr(),
        }
    }

    fn spawn(self, stop: watch::Receiver<bool>) -> JoinHandle<std::io::Result<()>> {
        let mut stop = stop;
        let signal = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        match self {
            Server::Http(s) => tokio::spawn(s.serve(signal)),
            Server::Grpc(s) => tokio::spawn(s.serve(signal)),
            Server::Ops(s) => tokio::spawn(s.serve(signal)),
        }
    }
}

/// The started graph: exporters open, servers bound, nothing served yet.
pub struct Service {
    receivers: Vec<Server>,
    ops: Vec<Server>,
    batchers: Vec<Arc<Batcher>>,
    exporters: Vec<Arc<Exporter>>,
    status: Status,
    shutdown_timeout: Duration,
}

impl Service {
    /// Opens exporters, starts processors and binds every server. Expects a
    /// validated config (`Config::load` validates).
    pub async fn start(config: &Config, shutdown_timeout: Duration) -> Result<Service, StartError> {
        let telemetry = Telemetry::default();
        let pipelines = &config.service.pipelines;

        let mut exporters: Vec<Arc<Exporter>> = Vec::new();
        for (id, exporter) in config.exporters.iter() {
            if pipelines.iter().any(|(_, p)| p.exporters.contains(id)) {
                exporters.push(Arc::new(Exporter::start(id, exporter, &telemetry).await?));
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

        let mut batchers = Vec::new();
        let mut chains: Vec<(ComponentId, Arc<Chain>)> = Vec::new();
        for (name, p) in pipelines.iter() {
            let mut chain = Chain::Export(Fanout::new(p.exporters.iter().map(exporter).collect()));
            for pid in p.processors.iter().rev() {
                let settings = config
                    .processors
                    .get(pid)
                    .expect("validated config: pipeline processors are defined");
                chain = match settings {
                    ProcessorConfig::Batch(c) => {
                        let b = Batcher::start(pid, name.as_str(), c, chain, &telemetry);
                        batchers.push(Arc::clone(&b));
                        Chain::Batch(b)
                    }
                    ProcessorConfig::MemoryLimiter(c) => {
                        Chain::Limit(MemoryLimiter::start(c), Box::new(chain))
                    }
                };
            }
            chains.push((name.clone(), Arc::new(chain)));
        }

        let mut receivers = Vec::new();
        for (id, receiver) in config.receivers.iter() {
            let fed: Vec<Arc<Chain>> = pipelines
                .iter()
                .zip(&chains)
                .filter(|((_, p), _)| p.receivers.contains(id))
                .map(|(_, (_, c))| Arc::clone(c))
                .collect();
            if fed.is_empty() {
                warn!("receiver {id} is defined but no pipeline uses it");
                continue;
            }
            let consumer = TracesConsumer::new(fed);
            let ReceiverConfig::Otlp(otlp) = receiver;
            if let Some(http) = &otlp.protocols.http {
                receivers.push(Server::Http(
                    OtlpHttpReceiver::bind(id, http, consumer.clone(), &telemetry).await?,
                ));
            }
            if let Some(grpc) = &otlp.protocols.grpc {
                receivers.push(Server::Grpc(
                    OtlpGrpcReceiver::bind(id, grpc, consumer, &telemetry).await?,
                ));
            }
        }

        let status = Status::new(telemetry);
        let metrics_on = config.service.telemetry.metrics.level != Some(MetricsLevel::None);
        let mut ops = Vec::new();
        for id in &config.service.extensions {
            let Some(ExtensionConfig::HealthCheck(h)) = config.extensions.get(id) else {
                continue;
            };
            ops.push(Server::Ops(
                OpsServer::bind(
                    id,
                    &h.endpoint(),
                    Some(h.path()),
                    metrics_on,
                    status.clone(),
                )
                .await?,
            ));
        }
        if let (Some(address), true) = (&config.service.telemetry.metrics.address, metrics_on) {
            let id = ComponentId::parse("telemetry").expect("a valid id");
            ops.push(Server::Ops(
                OpsServer::bind(&id, address.as_str(), None, true, status.clone()).await?,
            ));
        }
        for (id, _) in config.extensions.iter() {
            if !config.service.extensions.contains(id) {
                warn!("extension {id} is defined but not listed in service.extensions");
            }
        }
        Ok(Service {
            receivers,
            ops,
            batchers,
            exporters,
            status,
            shutdown_timeout,
        })
    }

    /// The addresses the receivers listen on (the real port when the config said 0).
    pub fn receiver_addresses(&self) -> Vec<SocketAddr> {
        self.receivers.iter().map(Server::local_addr).collect()
    }

    /// Serves until `shutdown` completes, then drains and flushes within the deadline.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ShutdownError> {
        let (stop_receivers, receivers_stopped) = watch::channel(false);
        let (stop_ops, ops_stopped) = watch::channel(false);
        let receivers: Vec<_> = self
            .receivers
            .into_iter()
            .map(|s| s.spawn(receivers_stopped.clone()))
            .collect();
        let ops: Vec<_> = self
            .ops
            .into_iter()
            .map(|s| s.spawn(ops_stopped.clone()))
            .collect();
        self.status.healthy.store(true, Ordering::Relaxed);
        info!("wasmtrace-collector started");

        shutdown.await;
        let deadline = Instant::now() + self.shutdown_timeout;
        self.status.healthy.store(false, Ordering::Relaxed);
        info!(
            "shutting down within {:?}: finishing in-flight requests",
            self.shutdown_timeout
        );
        let _ = stop_receivers.send(true);
        // Idle keep-alive connections must not hold up the flush: receivers get
        // part of the budget, then are stopped (a cut request was never answered
        // 200, so its client sends it again).
        let drain_until = Instant::now() + (self.shutdown_timeout / 4).min(MAX_DRAIN);
        for mut server in receivers {
            match tokio::time::timeout_at(drain_until, &mut server).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => error!("receiver stopped with an error: {e}"),
                Ok(Err(e)) => error!("receiver task failed: {e}"),
                Err(_) => {
                    warn!("a receiver still had open connections; closing them");
                    server.abort();
                }
            }
        }

        let mut lost = 0u64;
        for batcher in &self.batchers {
            if tokio::time::timeout_at(deadline, batcher.shutdown())
                .await
                .is_err()
            {
                let pending = batcher.unsent() as u64;
                error!(
                    spans = pending,
                    "a batch could not be handed on before the deadline"
                );
                lost += pending;
            }
        }
        for exporter in &self.exporters {
            match exporter.shutdown(deadline).await {
                Ok(0) => {}
                Ok(n) => {
                    error!(exporter = %exporter.id(), spans = n, "spans not sent before the shutdown deadline");
                    lost += n;
                }
                Err(e) => error!("{e}"),
            }
        }
        let _ = stop_ops.send(true);
        for server in ops {
            let _ = server.await;
        }
        if lost > 0 {
            return Err(ShutdownError {
                spans: lost,
                timeout: self.shutdown_timeout,
            });
        }
        info!("wasmtrace-collector stopped");
        Ok(())
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
