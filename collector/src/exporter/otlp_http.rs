//! The `otlphttp` exporter: `POST {endpoint}/v1/traces` with protobuf (default)
//! or JSON, gzip, configured headers, and the OTLP/HTTP retry rules (429, 502,
//! 503, 504 retried, honouring `Retry-After`; other errors are permanent).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Request, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;

use super::backend::{Backend, SendError, SendFuture, SendOutcome};
use super::tls::rustls_config;
use crate::config::{Compression, HttpEncoding, OtlpHttpExporterConfig};
use crate::consumer::Traces;
use crate::rpc::RpcStatus;

/// The Collector's default timeout for this exporter.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of an error body is quoted in the log.
const MAX_QUOTED: usize = 300;

pub struct OtlpHttpBackend {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    uri: Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
    compression: Compression,
    encoding: HttpEncoding,
    timeout: Duration,
}

impl OtlpHttpBackend {
    pub fn new(config: &OtlpHttpExporterConfig) -> Result<OtlpHttpBackend, String> {
        let url = config.traces_url();
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("\"{url}\" is not a URL: {e}"))?;
        let https = uri.scheme_str() == Some("https");
        let tls = rustls_config(&config.tls, https)?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let headers = config
            .headers
            .iter()
            .map(|(n, v)| {
                Ok((
                    HeaderName::try_from(n.as_str()).map_err(|e| format!("headers: {n}: {e}"))?,
                    HeaderValue::try_from(v.as_str()).map_err(|e| format!("headers: {n}: {e}"))?,
                ))
            })
            .collect::<Result<_, String>>()?;
        Ok(OtlpHttpBackend {
            client,
            uri,
            headers,
            compression: config.compression,
            encoding: config.encoding,
            timeout: config.timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }

    fn build(&self, traces: &Traces) -> Request<Full<Bytes>> {
        let (body, content_type) = match self.encoding {
            HttpEncoding::Proto => (traces.encode_to_vec(), "application/x-protobuf"),
            HttpEncoding::Json => (
                serde_json::to_vec(traces).expect("OTLP messages serialize to JSON"),
                "application/json",
            ),
        };
        let mut builder = Request::post(self.uri.clone()).header(CONTENT_TYPE, content_type);
        let body = match self.compression {
            Compression::Gzip => {
                builder = builder.header(CONTENT_ENCODING, "gzip");
                let mut gz = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 4),
                    flate2::Compression::fast(),
                );
                gz.write_all(&body).expect("writing to memory");
                gz.finish().expect("writing to memory")
            }
            Compression::None => body,
        };
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(Full::new(Bytes::from(body)))
            .expect("a request from valid parts")
    }

    fn rejected(&self, body: &[u8]) -> u64 {
        let response = match self.encoding {
            HttpEncoding::Proto => ExportTraceServiceResponse::decode(body).ok(),
            HttpEncoding::Json => serde_json::from_slice(body).ok(),
        };
        response
            .and_then(|r| r.partial_success)
            .map_or(0, |p| p.rejected_spans.max(0) as u64)
    }
}

impl Backend for OtlpHttpBackend {
    fn send<'a>(&'a self, traces: &'a Arc<Traces>) -> SendFuture<'a> {
        Box::pin(async move {
            let request = self.build(traces);
            let exchange = async {
                let response = self.client.request(request).await?;
                let (parts, body) = response.into_parts();
                let body = body.collect().await?.to_bytes();
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>((parts, body))
            };
            let (parts, body) = match tokio::time::timeout(self.timeout, exchange).await {
                Err(_) => {
                    return Err(SendError::Retryable {
                        message: format!("{}: no answer within {:?}", self.uri, self.timeout),
                        retry_after: None,
                    })
                }
                Ok(Err(e)) => {
                    return Err(SendError::Retryable {
                        message: format!("{}: {}", self.uri, error_chain(&*e)),
                        retry_after: None,
                    })
                }
                Ok(Ok(answer)) => answer,
            };
            let status = parts.status;
            if status.is_success() {
                return Ok(SendOutcome {
                    rejected: self.rejected(&body),
                });
            }
            let message = format!(
                "{} answered {status}: {}",
                self.uri,
                describe(&body, self.encoding)
            );
            let retryable = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            );
            if retryable {
                let retry_after = parts
                    .headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                Err(SendError::Retryable {
                    message,
                    retry_after,
                })
            } else {
                Err(SendError::Permanent(message))
            }
        })
    }
}

/// The `google.rpc.Status` message of an error body, else the body's start.
fn describe(body: &[u8], encoding: HttpEncoding) -> String {
    let status = match encoding {
        HttpEncoding::Proto => RpcStatus::decode(body).ok(),
        HttpEncoding::Json => serde_json::from_slice::<RpcStatus>(body).ok(),
    };
    match status {
        Some(s) if !s.message.is_empty() => s.message,
        _ => {
            let text = String::from_utf8_lossy(body);
            text.chars().take(MAX_QUOTED).collect()
        }
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
