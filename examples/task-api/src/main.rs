//! task-api: the demo's backend. Tasks in SQLite behind a small JSON API,
//! on its own origin with CORS for the app's, traced with the `opentelemetry`
//! crates and exported over OTLP/gRPC to the collector.
//!
//! Settings come from the environment:
//!
//! | variable | default |
//! | --- | --- |
//! | `TASK_API_ADDR` | `127.0.0.1:8080` |
//! | `TASK_API_DB` | `tasks.db` |
//! | `TASK_API_ALLOWED_ORIGINS` (comma-separated) | `http://127.0.0.1:5173,http://localhost:5173` |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT` | `http://127.0.0.1:4317` |
//! | `OTEL_SERVICE_NAME` | `task-api` |

mod db;
mod propagation;
mod telemetry;

use std::path::PathBuf;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};
use serde::Deserialize;
use tower_http::cors::CorsLayer;

use db::{Db, Task};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() {
    if std::env::args().nth(1).is_some() {
        eprintln!("usage: task-api (settings from the environment; see the table in examples/task-api/src/main.rs)");
        std::process::exit(2);
    }
    if let Err(e) = run().await {
        eprintln!("task-api: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let addr = env("TASK_API_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
    let db_path = PathBuf::from(env("TASK_API_DB").unwrap_or_else(|| "tasks.db".into()));
    let origins = env("TASK_API_ALLOWED_ORIGINS")
        .unwrap_or_else(|| "http://127.0.0.1:5173,http://localhost:5173".into());
    let endpoint = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .or_else(|| env("OTEL_EXPORTER_OTLP_ENDPOINT"))
        .unwrap_or_else(|| "http://127.0.0.1:4317".into());
    let service = env("OTEL_SERVICE_NAME").unwrap_or_else(|| "task-api".into());

    let provider = telemetry::init(&service, &endpoint)?;
    let db = Db::open(&db_path)?;
    let app = router(db, cors(&origins)?);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    eprintln!(
        "task-api listening on http://{addr} (database {}, CORS for {origins}, spans to {endpoint} as {service})",
        db_path.display()
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    // Flushes the batch processor: spans of the last requests are not lost.
    let flushed = tokio::task::spawn_blocking(move || provider.shutdown())
        .await
        .map_err(|e| e.to_string())?;
    if let Err(e) = flushed {
        eprintln!("task-api: flushing spans on shutdown: {e}");
    }
    eprintln!("task-api stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// The app's origin may call with JSON bodies and the trace headers, which
/// makes the browser send a preflight first.
fn cors(origins: &str) -> Result<CorsLayer, String> {
    let origins = origins
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| HeaderValue::from_str(o).map_err(|_| format!("bad origin {o:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static("traceparent"),
            HeaderName::from_static("tracestate"),
            HeaderName::from_static("baggage"),
            HeaderName::from_static("x-amzn-trace-id"),
        ])
        .max_age(Duration::from_secs(60)))
}

fn router(db: Db, cors: CorsLayer) -> Router {
    Router::new()
        .route("/api/tasks", get(list).post(create))
        .route(
            "/api/tasks/{id}",
            axum::routing::patch(update).delete(remove),
        )
        // Traced: every route above. The CORS layer outside answers
        // preflights, which carry no trace context, without a span.
        .layer(middleware::from_fn(telemetry::server_span))
        .route("/health", get(|| async { "ok" }))
        .layer(cors)
        .with_state(db)
}

/// A JSON error body with its status.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<String> for ApiError {
    fn from(e: String) -> Self {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, e)
    }
}

type ApiResult<T> = Result<T, ApiError>;

async fn list(State(db): State<Db>) -> ApiResult<Json<Vec<Task>>> {
    Ok(Json(db.list().await?))
}

#[derive(Deserialize)]
struct NewTask {
    title: String,
}

async fn create(State(db): State<Db>, Json(body): Json<NewTask>) -> ApiResult<impl IntoResponse> {
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "a title is 1 to 200 characters".into(),
        ));
    }
    let task = db.insert(title.to_owned()).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

#[derive(Deserialize)]
struct Change {
    done: bool,
}

async fn update(
    State(db): State<Db>,
    Path(id): Path<i64>,
    Json(change): Json<Change>,
) -> ApiResult<Json<Task>> {
    match db.set_done(id, change.done).await? {
        Some(task) => Ok(Json(task)),
        None => Err(ApiError(StatusCode::NOT_FOUND, format!("no task {id}"))),
    }
}

async fn remove(State(db): State<Db>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    if db.delete(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError(StatusCode::NOT_FOUND, format!("no task {id}")))
    }
}
