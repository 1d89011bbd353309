//! The OTLP/HTTP receiver: `POST /v1/traces` with a protobuf or JSON body.
//!
//! Answers in the request's encoding, as the OTLP spec requires: 200 with an
//! `ExportTraceServiceResponse` (with `partial_success` when spans were set
//! aside), or an error status with a `google.rpc.Status` body that says what was
//! wrong. Accepts gzip and deflate bodies, limits the body size after
//! decompression, applies the `cors:` policy and the optional protections
//! (`required_header`, `rate_limit`), and pushes back with 503/429 +
//! `Retry-After` when the pipelines cannot take more.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::header::{
    ACCESS_CONTROL_REQUEST_METHOD, ALLOW, CONTENT_ENCODING, CONTENT_TYPE, ORIGIN, RETRY_AFTER, VARY,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;
use tokio::net::TcpListener;
use tracing::{debug, info, warn};

use super::cors::CorsPolicy;
use super::decode::{decode_json, decode_protobuf, decompress, DecodeError};
use super::protect::{RateLimiter, RequiredHeader};
use super::{drop_invalid_spans, Rejected};
use crate::config::{ComponentId, HttpServerConfig};
use crate::consumer::{ConsumeError, Refusal, Traces, TracesConsumer};
use crate::processor::split::span_count;
use crate::rpc::{code, RpcStatus};
use crate::telemetry::{ReceiverMetrics, Telemetry};

/// Bodies larger than this are decoded off the async threads.
const BLOCKING_DECODE_BYTES: usize = 256 * 1024;

/// The two OTLP/HTTP body encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// Reads `Content-Type`, ignoring parameters such as `; charset=utf-8`.
    pub fn from_headers(headers: &HeaderMap) -> Option<Encoding> {
        let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
        let media = value.split(';').next()?.trim();
        if media.eq_ignore_ascii_case("application/x-protobuf") {
            Some(Encoding::Protobuf)
        } else if media.eq_ignore_ascii_case("application/json") {
            Some(Encoding::Json)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// A bound, not yet serving, OTLP/HTTP receiver.
pub struct OtlpHttpReceiver {
    listener: TcpListener,
    router: Router,
}

/// Why a receiver could not start.
#[derive(Debug, thiserror::Error)]
#[error("receiver {id}: cannot listen on {endpoint}: {source}")]
pub struct BindError {
    pub id: ComponentId,
    pub endpoint: String,
    #[source]
    pub source: std::io::Error,
}

/// Binds a receiver's listening socket now, so a busy port is reported
/// before anything runs; logs the real address (tests and scripts read the
/// port from that line when the config says :0).
pub async fn listen(
    id: &ComponentId,
    endpoint: String,
    protocol: &str,
) -> Result<TcpListener, BindError> {
    let bind_error = |source| BindError {
        id: id.clone(),
        endpoint: endpoint.clone(),
        source,
    };
    let listener = TcpListener::bind(endpoint.as_str())
        .await
        .map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    info!("OTLP/{protocol} receiver listening on {addr}");
    Ok(listener)
}

impl OtlpHttpReceiver {
    /// Binds the listening socket now, so a busy port is reported before anything runs.
    pub async fn bind(
        id: &ComponentId,
        config: &HttpServerConfig,
        consumer: TracesConsumer,
        telemetry: &Telemetry,
    ) -> Result<OtlpHttpReceiver, BindError> {
        let listener = listen(id, config.endpoint(), "HTTP").await?;
        Ok(OtlpHttpReceiver {
            listener,
            router: router(id, config, consumer, telemetry),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

struct Receiver {
    id: ComponentId,
    cors: Option<CorsPolicy>,
    max_body: usize,
    consumer: TracesConsumer,
    metrics: Arc<ReceiverMetrics>,
    required_header: Option<RequiredHeader>,
    rate_limiter: Option<RateLimiter>,
    response_headers: Vec<(HeaderName, HeaderValue)>,
    // Warn once, then quietly: a misconfigured browser app would flood the log.
    warned_preflight_without_cors: AtomicBool,
    warned_disallowed_origin: AtomicBool,
}

/// The receiver's routes; other paths get 404.
pub fn router(
    id: &ComponentId,
    config: &HttpServerConfig,
    consumer: TracesConsumer,
    telemetry: &Telemetry,
) -> Router {
    let receiver = Receiver {
        id: id.clone(),
        cors: config.cors.as_ref().and_then(CorsPolicy::new),
        max_body: usize::try_from(config.max_request_body_size()).unwrap_or(usize::MAX),
        consumer,
        metrics: telemetry.receiver(id, "http"),
        required_header: config.required_header.as_ref().map(RequiredHeader::new),
        rate_limiter: config.rate_limit.as_ref().map(RateLimiter::new),
        response_headers: config
            .response_headers
            .iter()
            .filter_map(|(n, v)| {
                Some((
                    HeaderName::try_from(n.as_str()).ok()?,
                    HeaderValue::try_from(v.as_str()).ok()?,
                ))
            })
            .collect(),
        warned_preflight_without_cors: AtomicBool::new(false),
        warned_disallowed_origin: AtomicBool::new(false),
    };
    if receiver.cors.is_none()
        && config
            .cors
            .as_ref()
            .is_some_and(|c| !c.allowed_headers.is_empty())
    {
        warn!("receiver {id}: cors.allowed_headers is set but allowed_origins is empty, so CORS stays off");
    }
    if let (Some(required), Some(cors)) = (&receiver.required_header, &receiver.cors) {
        if !cors.allows_headers(required.name()) {
            warn!(
                "receiver {id}: required_header {} is not in cors.allowed_headers, so browsers cannot send it",
                required.name()
            );
        }
    }
    Router::new()
        .route(config.traces_url_path(), any(handle_traces))
        .with_state(Arc::new(receiver))
}

async fn handle_traces(
    State(rx): State<Arc<Receiver>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut response = route(&rx, peer, method, headers, body).await;
    for (name, value) in &rx.response_headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

async fn route(
    rx: &Receiver,
    peer: SocketAddr,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let is_preflight =
        method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    let Some(cors) = &rx.cors else {
        if is_preflight
            && !rx
                .warned_preflight_without_cors
                .swap(true, Ordering::Relaxed)
        {
            warn!(
                "receiver {}: a browser sent a CORS preflight but no cors.allowed_origins are configured; answering 405",
                rx.id
            );
        }
        return export(rx, peer, &method, &headers, body).await;
    };
    if is_preflight {
        return cors.preflight(&headers);
    }
    // Requests without Origin (curl, servers) are not subject to CORS.
    let Some(origin) = headers.get(ORIGIN).cloned() else {
        return export(rx, peer, &method, &headers, body).await;
    };
    if !origin.to_str().is_ok_and(|o| cors.allows_origin(o)) {
        let shown = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        if rx.warned_disallowed_origin.swap(true, Ordering::Relaxed) {
            debug!(origin = %shown, "refused a request from a disallowed origin");
        } else {
            warn!(origin = %shown, "refused a request from a disallowed origin (further ones are logged at debug)");
        }
        let encoding = Encoding::from_headers(&headers).unwrap_or(Encoding::Json);
        let mut response = status_response(
            encoding,
            StatusCode::FORBIDDEN,
            code::PERMISSION_DENIED,
            format!(
                "origin \"{shown}\" is not allowed; add it to receivers.{}.protocols.http.cors.allowed_origins",
                rx.id
            ),
        );
        response
            .headers_mut()
            .insert(VARY, HeaderValue::from_static("Origin"));
        return response;
    }
    let mut response = export(rx, peer, &method, &headers, body).await;
    cors.decorate(&mut response, &origin);
    response
}

async fn export(
    rx: &Receiver,
    peer: SocketAddr,
    method: &Method,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    match try_export(rx, peer, method, headers, body).await {
        Ok(response) => response,
        Err(response) => {
            debug!(status = %response.status(), "rejected an export request");
            response
        }
    }
}

async fn try_export(
    rx: &Receiver,
    peer: SocketAddr,
    method: &Method,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    if method != Method::POST {
        let mut response = (
            StatusCode::METHOD_NOT_ALLOWED,
            "405 method not allowed, supported: [POST]",
        )
            .into_response();
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return Err(response);
    }
    let reply_encoding = Encoding::from_headers(headers);
    let fail = |status, code, message: String| {
        status_response(
            reply_encoding.unwrap_or(Encoding::Json),
            status,
            code,
            message,
        )
    };
    if let Some(limiter) = &rx.rate_limiter {
        let client = limiter.client(peer.ip(), headers);
        if let Err(wait) = limiter.check(client, Instant::now()) {
            let mut response = fail(
                StatusCode::TOO_MANY_REQUESTS,
                code::RESOURCE_EXHAUSTED,
                format!("too many requests from {client}; retry after the delay in Retry-After"),
            );
            set_retry_after(&mut response, wait);
            return Err(response);
        }
    }
    if let Some(required) = &rx.required_header {
        if !required.allows(headers) {
            return Err(fail(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHENTICATED,
                format!(
                    "the {} header is missing or does not hold an accepted value",
                    required.name()
                ),
            ));
        }
    }
    let Some(encoding) = reply_encoding else {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "415 unsupported media type, supported: [application/json, application/x-protobuf]",
        )
            .into_response());
    };
    let fail = |status, code, message: String| status_response(encoding, status, code, message);
    let decode_failure = |e: DecodeError| match e {
        DecodeError::TooLarge { .. } => fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::RESOURCE_EXHAUSTED,
            e.to_string(),
        ),
        DecodeError::Invalid(m) => fail(StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, m),
    };

    let raw = match axum::body::to_bytes(body, rx.max_body).await {
        Ok(raw) => raw,
        Err(e) if is_length_limit(&e) => {
            return Err(decode_failure(DecodeError::TooLarge { limit: rx.max_body }))
        }
        Err(_) => {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                code::INVALID_ARGUMENT,
                "could not read the request body".into(),
            ))
        }
    };
    let content_encoding = headers
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("(not text)").to_owned())
        .unwrap_or_default();
    let max_body = rx.max_body;
    let big = raw.len() > BLOCKING_DECODE_BYTES;
    let decode = move || -> Result<Traces, DecodeError> {
        let data = decompress(&content_encoding, raw, max_body)?;
        match encoding {
            Encoding::Protobuf => decode_protobuf(&data),
            Encoding::Json => decode_json(&data).map_err(DecodeError::Invalid),
        }
    };
    let decoded = if big {
        tokio::task::spawn_blocking(decode)
            .await
            .unwrap_or_else(|e| Err(DecodeError::Invalid(format!("decoding failed: {e}"))))
    } else {
        decode()
    };
    let mut traces = decoded.map_err(decode_failure)?;

    let rejected = drop_invalid_spans(&mut traces);
    let kept = span_count(&traces) as u64;
    if let Some(r) = &rejected {
        rx.metrics.refused.fetch_add(r.spans, Ordering::Relaxed);
        if kept == 0 {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                code::INVALID_ARGUMENT,
                r.message.clone(),
            ));
        }
    }
    // As in the Collector, an empty request succeeds without touching the pipelines.
    if kept > 0 {
        if let Err(e) = rx.consumer.consume(traces).await {
            rx.metrics.refused.fetch_add(kept, Ordering::Relaxed);
            return Err(consume_failure(encoding, &e));
        }
        rx.metrics.accepted.fetch_add(kept, Ordering::Relaxed);
    }
    Ok(success(encoding, rejected))
}

/// Pushback is 503 + `Retry-After` (the OTLP clients retry it); a failure is 500.
fn consume_failure(encoding: Encoding, e: &ConsumeError) -> Response {
    match e {
        ConsumeError::Refused {
            kind,
            reason,
            retry_after,
        } => {
            let code = match kind {
                Refusal::QueueFull => code::RESOURCE_EXHAUSTED,
                Refusal::MemoryLimit | Refusal::ShuttingDown => code::UNAVAILABLE,
            };
            let mut response = status_response(
                encoding,
                StatusCode::SERVICE_UNAVAILABLE,
                code,
                reason.clone(),
            );
            set_retry_after(&mut response, *retry_after);
            response
        }
        ConsumeError::Failed(message) => {
            warn!("export failed: {message}");
            status_response(
                encoding,
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                format!("the collector could not store the spans: {message}"),
            )
        }
    }
}

/// Whole seconds, rounded up, at least 1.
fn set_retry_after(response: &mut Response, wait: Duration) {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs.max(1)));
}

fn is_length_limit(e: &axum::Error) -> bool {
    std::error::Error::source(e).is_some_and(|inner| inner.is::<http_body_util::LengthLimitError>())
}

fn success(encoding: Encoding, rejected: Option<Rejected>) -> Response {
    // A full success leaves partial_success unset: `{}` in JSON, no bytes in protobuf.
    let response = ExportTraceServiceResponse {
        partial_success: rejected.map(|r| ExportTracePartialSuccess {
            rejected_spans: r.spans as i64,
            error_message: r.message,
        }),
    };
    let body = match encoding {
        Encoding::Json if response.partial_success.is_none() => b"{}".to_vec(),
        Encoding::Json => serde_json::to_vec(&response).expect("a response serializes"),
        Encoding::Protobuf => response.encode_to_vec(),
    };
    with_content_type(StatusCode::OK, encoding, body)
}

fn status_response(encoding: Encoding, status: StatusCode, code: i32, message: String) -> Response {
    let status_body = RpcStatus {
        code,
        message,
        details: Vec::new(),
    };
    let body = match encoding {
        Encoding::Json => serde_json::to_vec(&status_body).expect("a status serializes"),
        Encoding::Protobuf => status_body.encode_to_vec(),
    };
    with_content_type(status, encoding, body)
}

fn with_content_type(status: StatusCode, encoding: Encoding, body: Vec<u8>) -> Response {
    let mut response = (status, Bytes::from(body)).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(encoding.content_type()),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parameters_are_ignored() {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("Application/JSON; charset=utf-8"),
        );
        assert_eq!(Encoding::from_headers(&h), Some(Encoding::Json));
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        assert_eq!(Encoding::from_headers(&h), Some(Encoding::Protobuf));
        h.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(Encoding::from_headers(&h), None);
    }

    #[test]
    fn retry_after_rounds_up() {
        let mut r = StatusCode::OK.into_response();
        set_retry_after(&mut r, Duration::from_millis(200));
        assert_eq!(r.headers()[RETRY_AFTER], "1");
        set_retry_after(&mut r, Duration::from_millis(2001));
        assert_eq!(r.headers()[RETRY_AFTER], "3");
    }

    #[test]
    fn partial_success_json_names_the_count() {
        let r = success(
            Encoding::Json,
            Some(Rejected {
                spans: 2,
                message: "bad ids".into(),
            }),
        );
        assert_eq!(r.status(), StatusCode::OK);
    }
}
