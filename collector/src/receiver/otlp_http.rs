//! The OTLP/HTTP receiver: `POST /v1/traces` with a protobuf or JSON body.
//!
//! Answers in the request's encoding, as the OTLP spec requires: 200 with an
//! `ExportTraceServiceResponse`, or an error status with a `google.rpc.Status` body
//! that says what was wrong. Accepts gzip and deflate bodies, limits the body size
//! after decompression, and applies the `cors:` policy.

use std::future::Future;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{
    ACCESS_CONTROL_REQUEST_METHOD, ALLOW, CONTENT_ENCODING, CONTENT_TYPE, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use serde::Deserialize;
use serde_json::Value;
use tokio::net::TcpListener;
use tracing::{debug, info, warn};

use super::cors::CorsPolicy;
use super::{check_ids, span_count};
use crate::config::{ComponentId, HttpServerConfig};
use crate::pipeline::TracesConsumer;

/// `google.rpc.Status`, the body of every OTLP error response. `details` is left out:
/// we never send any.
#[derive(Clone, PartialEq, Message, serde::Serialize, Deserialize)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

/// gRPC status codes used in `RpcStatus.code`.
mod code {
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const PERMISSION_DENIED: i32 = 7;
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    pub const UNAVAILABLE: i32 = 14;
}

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

impl OtlpHttpReceiver {
    /// Binds the listening socket now, so a busy port is reported before anything runs.
    pub async fn bind(
        id: &ComponentId,
        config: &HttpServerConfig,
        consumer: TracesConsumer,
    ) -> Result<OtlpHttpReceiver, BindError> {
        let endpoint = config.endpoint();
        let bind_error = |source| BindError {
            id: id.clone(),
            endpoint: endpoint.clone(),
            source,
        };
        let listener = TcpListener::bind(endpoint.as_str())
            .await
            .map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        // Tests and scripts read the real port from this line when the config says :0.
        info!("OTLP/HTTP receiver listening on {addr}");
        Ok(OtlpHttpReceiver {
            listener,
            router: router(id, config, consumer),
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
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

struct Receiver {
    id: ComponentId,
    cors: Option<CorsPolicy>,
    max_body: usize,
    consumer: TracesConsumer,
    // Warn once, then quietly: a misconfigured browser app would flood the log.
    warned_preflight_without_cors: AtomicBool,
    warned_disallowed_origin: AtomicBool,
}

/// The receiver's routes; other paths get 404.
pub fn router(id: &ComponentId, config: &HttpServerConfig, consumer: TracesConsumer) -> Router {
    let receiver = Receiver {
        id: id.clone(),
        cors: config.cors.as_ref().and_then(CorsPolicy::new),
        max_body: usize::try_from(config.max_request_body_size()).unwrap_or(usize::MAX),
        consumer,
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
    Router::new()
        .route(config.traces_url_path(), any(handle_traces))
        .with_state(Arc::new(receiver))
}

async fn handle_traces(
    State(rx): State<Arc<Receiver>>,
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
        return export(&rx, &method, &headers, body).await;
    };
    if is_preflight {
        return cors.preflight(&headers);
    }
    // Requests without Origin (curl, servers) are not subject to CORS.
    let Some(origin) = headers.get(ORIGIN).cloned() else {
        return export(&rx, &method, &headers, body).await;
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
    let mut response = export(&rx, &method, &headers, body).await;
    cors.decorate(&mut response, &origin);
    response
}

async fn export(rx: &Receiver, method: &Method, headers: &HeaderMap, body: Body) -> Response {
    match try_export(rx, method, headers, body).await {
        Ok(response) => response,
        Err(response) => {
            debug!(status = %response.status(), "rejected an export request");
            response
        }
    }
}

async fn try_export(
    rx: &Receiver,
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
    let Some(encoding) = Encoding::from_headers(headers) else {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "415 unsupported media type, supported: [application/json, application/x-protobuf]",
        )
            .into_response());
    };
    let fail = |status, code, message: String| status_response(encoding, status, code, message);

    let raw = match axum::body::to_bytes(body, rx.max_body).await {
        Ok(raw) => raw,
        Err(e) if is_length_limit(&e) => {
            return Err(fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::RESOURCE_EXHAUSTED,
                too_large(rx.max_body),
            ))
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
        .map(|v| v.to_str().unwrap_or("(not text)"))
        .unwrap_or("");
    let data = decompress(content_encoding, raw, rx.max_body)
        .map_err(|(status, code, message)| fail(status, code, message))?;
    let request = match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(data)
            .map_err(|e| format!("the body is not a protobuf ExportTraceServiceRequest: {e}")),
        Encoding::Json => decode_json(&data),
    }
    .and_then(|request| check_ids(&request).map(|()| request))
    .map_err(|message| fail(StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, message))?;

    // As in the Collector, an empty request succeeds without touching the pipelines.
    if span_count(&request) > 0 {
        if let Err(e) = rx.consumer.consume(request).await {
            warn!("receiver {}: export failed: {e}", rx.id);
            return Err(fail(
                StatusCode::SERVICE_UNAVAILABLE,
                code::UNAVAILABLE,
                format!("the collector could not store the spans: {e}"),
            ));
        }
    }
    Ok(success(encoding))
}

fn too_large(limit: usize) -> String {
    format!("the request body is larger than max_request_body_size ({limit} bytes, counted after decompression)")
}

fn is_length_limit(e: &axum::Error) -> bool {
    std::error::Error::source(e).is_some_and(|inner| inner.is::<http_body_util::LengthLimitError>())
}

type Failure = (StatusCode, i32, String);

/// Undoes `Content-Encoding`, stopping as soon as the output passes `limit` so a
/// small gzip bomb cannot fill memory.
fn decompress(content_encoding: &str, raw: Bytes, limit: usize) -> Result<Bytes, Failure> {
    let name = content_encoding.trim().to_ascii_lowercase();
    let reader: Box<dyn Read + '_> = match name.as_str() {
        "" | "identity" => return Ok(raw),
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(&raw[..])),
        // HTTP's "deflate" is the zlib format.
        "deflate" => Box::new(flate2::read::ZlibDecoder::new(&raw[..])),
        other => {
            return Err((
                StatusCode::BAD_REQUEST,
                code::INVALID_ARGUMENT,
                format!("unsupported Content-Encoding \"{other}\"; use gzip, deflate or none"),
            ))
        }
    };
    let mut out = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            (
                StatusCode::BAD_REQUEST,
                code::INVALID_ARGUMENT,
                format!("the body is not valid {name} data: {e}"),
            )
        })?;
    if out.len() > limit {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            code::RESOURCE_EXHAUSTED,
            too_large(limit),
        ));
    }
    Ok(out.into())
}

/// Decodes OTLP/JSON. Besides the spec's form (camelCase, hex ids, 64-bit ints as
/// strings or numbers) it accepts what the Collector also tolerates: snake_case keys
/// and enum names. Unknown keys are ignored, as the spec requires.
pub fn decode_json(data: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    let mut value: Value =
        serde_json::from_slice(data).map_err(|e| format!("the body is not valid JSON: {e}"))?;
    if !value.is_object() {
        return Err(
            "the body is not an OTLP/JSON ExportTraceServiceRequest: expected a JSON object".into(),
        );
    }
    normalize_json(&mut value);
    ExportTraceServiceRequest::deserialize(value).map_err(|e| {
        let e = e.to_string();
        // The hex decoder's messages do not say which field failed; name the usual cause.
        let hint = if [
            "invalid character",
            "odd number of digits",
            "invalid string length",
        ]
        .iter()
        .any(|m| e.contains(m))
        {
            " (traceId, spanId and parentSpanId must be hex strings, not base64)"
        } else {
            ""
        };
        format!("the body is not an OTLP/JSON ExportTraceServiceRequest: {e}{hint}")
    })
}

/// Rewrites snake_case keys to camelCase and enum names to numbers. Every object key
/// in OTLP/JSON is a field name (attribute keys are values), so renaming is safe.
fn normalize_json(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(normalize_json),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains('_')) {
                for (key, v) in std::mem::take(map) {
                    map.insert(camel_case(&key), v);
                }
            }
            for (key, v) in map.iter_mut() {
                let number = match (key.as_str(), &*v) {
                    ("kind", Value::String(name)) => span_kind(name),
                    ("code", Value::String(name)) => status_code(name),
                    _ => None,
                };
                match number {
                    Some(n) => *v = Value::from(n),
                    None => normalize_json(v),
                }
            }
        }
        _ => {}
    }
}

fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn span_kind(name: &str) -> Option<i32> {
    const NAMES: [&str; 6] = [
        "SPAN_KIND_UNSPECIFIED",
        "SPAN_KIND_INTERNAL",
        "SPAN_KIND_SERVER",
        "SPAN_KIND_CLIENT",
        "SPAN_KIND_PRODUCER",
        "SPAN_KIND_CONSUMER",
    ];
    NAMES.iter().position(|n| *n == name).map(|i| i as i32)
}

fn status_code(name: &str) -> Option<i32> {
    const NAMES: [&str; 3] = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
    NAMES.iter().position(|n| *n == name).map(|i| i as i32)
}

fn success(encoding: Encoding) -> Response {
    // A full success leaves partial_success unset: `{}` in JSON, no bytes in protobuf.
    let body = match encoding {
        Encoding::Json => b"{}".to_vec(),
        Encoding::Protobuf => ExportTraceServiceResponse::default().encode_to_vec(),
    };
    with_content_type(StatusCode::OK, encoding, body)
}

fn status_response(encoding: Encoding, status: StatusCode, code: i32, message: String) -> Response {
    let status_body = RpcStatus { code, message };
    let body = match encoding {
        Encoding::Json => serde_json::to_vec(&status_body).expect("a status serializes"),
        Encoding::Protobuf => status_body.encode_to_vec(),
    };
    with_content_type(status, encoding, body)
}

fn with_content_type(status: StatusCode, encoding: Encoding, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(encoding.content_type()),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_JSON: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"scope":{"name":"t"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s","kind":1,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000","attributes":[{"key":"n","value":{"intValue":"5"}}]}]}]}]}"#;

    #[test]
    fn decodes_spec_form_json() {
        use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
        let req = decode_json(SPEC_JSON.as_bytes()).unwrap();
        let rs = &req.resource_spans[0];
        let attr = &rs.resource.as_ref().unwrap().attributes[0];
        assert_eq!(attr.key, "service.name");
        assert_eq!(
            attr.value.as_ref().unwrap().value,
            Some(Any::StringValue("svc".into()))
        );
        let span = &rs.scope_spans[0].spans[0];
        assert_eq!(span.trace_id[0], 0x5b);
        assert_eq!(span.trace_id.len(), 16);
        assert_eq!(span.span_id[7], 0x74);
        assert_eq!(span.kind, 1);
        assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);
        assert_eq!(span.end_time_unix_nano, 1_544_712_661_000_000_000);
        assert_eq!(
            span.attributes[0].value.as_ref().unwrap().value,
            Some(Any::IntValue(5))
        );
    }

    #[test]
    fn decodes_collector_tolerated_forms() {
        let json = r#"{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"5B8EFFF798038103D269B633813FC60C","span_id":"EEE19B7EC3C1B174","name":"s","kind":"SPAN_KIND_SERVER","start_time_unix_nano":1544712660000000000,"status":{"code":"STATUS_CODE_ERROR"},"unknownField":1}]}]}]}"#;
        let req = decode_json(json.as_bytes()).unwrap();
        let span = &req.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(span.trace_id[0], 0x5b);
        assert_eq!(span.kind, 2);
        assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);
        assert_eq!(span.status.as_ref().unwrap().code, 2);
    }

    #[test]
    fn json_errors_say_what_is_wrong() {
        let e = decode_json(b"{\"resourceSpans\": [").unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        let e = decode_json(b"[1]").unwrap_err();
        assert!(e.contains("expected a JSON object"), "{e}");
        let bad = SPEC_JSON.replace(
            "5b8efff798038103d269b633813fc60c",
            "W47/95gDgQPSabYzgT/GDA==",
        );
        let e = decode_json(bad.as_bytes()).unwrap_err();
        assert!(e.contains("ExportTraceServiceRequest"), "{e}");
        assert!(e.contains("must be hex strings, not base64"), "{e}");
        let bad = SPEC_JSON.replace("\"1544712661000000000\"", "\"soon\"");
        let e = decode_json(bad.as_bytes()).unwrap_err();
        assert!(!e.contains("base64"), "{e}");
    }

    #[test]
    fn camel_case_keys() {
        assert_eq!(camel_case("start_time_unix_nano"), "startTimeUnixNano");
        assert_eq!(camel_case("traceId"), "traceId");
        assert_eq!(camel_case("_x"), "_x");
    }

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
    fn decompression_is_bounded() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&[b'a'; 10_000]).unwrap();
        let packed = Bytes::from(gz.finish().unwrap());
        assert_eq!(
            decompress("gzip", packed.clone(), 10_000).unwrap().len(),
            10_000
        );
        let (status, _, msg) = decompress("gzip", packed, 9_999).unwrap_err();
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(msg.contains("max_request_body_size"));
        let (status, _, msg) = decompress("br", Bytes::from_static(b"x"), 10).unwrap_err();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(msg.contains("\"br\""), "{msg}");
        let (status, _, _) = decompress("gzip", Bytes::from_static(b"nope"), 10).unwrap_err();
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}
