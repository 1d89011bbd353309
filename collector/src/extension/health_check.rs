//! The `health_check` extension (`GET /` on 13133, as the Collector's): 200 while
//! the collector serves, 503 from the moment it starts shutting down, so a load
//! balancer stops sending before the receivers close. The same server answers
//! `GET /metrics` in the Prometheus text format; `service.telemetry.metrics.address`
//! adds a server with `/metrics` alone.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{header::CONTENT_TYPE, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tracing::info;

use crate::config::ComponentId;
use crate::receiver::otlp_http::BindError;
use crate::telemetry::Telemetry;

/// Shared by the servers: whether the collector is up, and its counters.
#[derive(Clone)]
pub struct Status {
    pub healthy: Arc<AtomicBool>,
    pub telemetry: Telemetry,
    started: Instant,
    started_unix: u64,
}

impl Status {
    pub fn new(telemetry: Telemetry) -> Status {
        Status {
            healthy: Arc::new(AtomicBool::new(false)),
            telemetry,
            started: Instant::now(),
            started_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

/// A bound HTTP server for health and/or metrics.
pub struct OpsServer {
    listener: TcpListener,
    router: Router,
}

impl OpsServer {
    /// `health_path` is `None` for the metrics-only server; `metrics` adds `/metrics`.
    pub async fn bind(
        id: &ComponentId,
        endpoint: &str,
        health_path: Option<&str>,
        metrics: bool,
        status: Status,
    ) -> Result<OpsServer, BindError> {
        let listener = TcpListener::bind(endpoint)
            .await
            .map_err(|source| BindError {
                id: id.clone(),
                endpoint: endpoint.to_owned(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| BindError {
            id: id.clone(),
            endpoint: endpoint.to_owned(),
            source,
        })?;
        let mut router = Router::new();
        if let Some(path) = health_path {
            router = router.route(path, get(health));
            info!("health_check extension listening on {addr} (path {path})");
        }
        if metrics {
            router = router.route("/metrics", get(prometheus));
            info!("metrics listening on {addr}/metrics");
        }
        Ok(OpsServer {
            listener,
            router: router.with_state(status),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

async fn health(State(status): State<Status>) -> Response {
    let uptime = status.started.elapsed().as_secs_f64();
    let (code, text) = if status.healthy.load(Ordering::Relaxed) {
        (StatusCode::OK, "Server available")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "Server not available")
    };
    let body = serde_json::json!({
        "status": text,
        "upSince": status.started_unix,
        "uptime": format!("{uptime:.3}s"),
    });
    (code, [(CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn prometheus(State(status): State<Status>) -> Response {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        status.telemetry.render(),
    )
        .into_response()
}
