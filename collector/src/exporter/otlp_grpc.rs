//! The `otlp` exporter: OTLP/gRPC `TraceService/Export` to another collector or
//! backend, with headers as metadata, gzip, a timeout per call, and the OTLP
//! rules for which status codes are worth a retry. Requests are encoded
//! straight from the shared batch (no copy of the message first).

use std::sync::Arc;
use std::time::Duration;

use axum::http::uri::PathAndQuery;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use tonic::client::Grpc;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::Code;

use super::backend::{Backend, SendError, SendFuture, SendOutcome};
use super::tls::read_pem_bytes;
use crate::config::{Compression, OtlpExporterConfig};
use crate::consumer::Traces;
use crate::rpc::retry_delay;

/// The Collector's default timeout for this exporter.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

pub struct OtlpGrpcBackend {
    client: Grpc<Channel>,
    metadata: MetadataMap,
    timeout: Duration,
}

impl OtlpGrpcBackend {
    /// Builds a lazily connecting client: a backend that is down at start is retried later.
    pub fn new(config: &OtlpExporterConfig) -> Result<OtlpGrpcBackend, String> {
        let raw = config.endpoint.trim();
        let (url, tls) = if raw.starts_with("http://") {
            (raw.to_owned(), false)
        } else if raw.starts_with("https://") {
            (raw.to_owned(), true)
        } else if config.tls.insecure {
            (format!("http://{raw}"), false)
        } else {
            (format!("https://{raw}"), true)
        };
        let timeout = config.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut endpoint = Endpoint::from_shared(url.clone())
            .map_err(|e| format!("endpoint \"{raw}\" is not host:port or a URL: {e}"))?
            .timeout(timeout)
            .connect_timeout(timeout);
        if tls {
            let mut tls_config = ClientTlsConfig::new();
            tls_config = match &config.tls.ca_file {
                Some(path) => {
                    tls_config.ca_certificate(Certificate::from_pem(read_pem_bytes(path)?))
                }
                None => tls_config.with_native_roots(),
            };
            endpoint = endpoint
                .tls_config(tls_config)
                .map_err(|e| format!("TLS set-up for {url} failed: {e}"))?;
        }
        let mut client = Grpc::new(endpoint.connect_lazy());
        if config.compression == Compression::Gzip {
            client = client.send_compressed(CompressionEncoding::Gzip);
        }
        client = client
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(64 * 1024 * 1024)
            .max_encoding_message_size(usize::MAX);
        let mut metadata = MetadataMap::new();
        for (name, value) in &config.headers {
            let key = MetadataKey::from_bytes(name.to_ascii_lowercase().as_bytes())
                .map_err(|e| format!("headers: \"{name}\" is not a gRPC metadata key: {e}"))?;
            let value = MetadataValue::try_from(value.as_str())
                .map_err(|e| format!("headers: the value of \"{name}\" is not valid: {e}"))?;
            metadata.insert(key, value);
        }
        Ok(OtlpGrpcBackend {
            client,
            metadata,
            timeout,
        })
    }
}

impl Backend for OtlpGrpcBackend {
    fn send<'a>(&'a self, traces: &'a Arc<Traces>) -> SendFuture<'a> {
        Box::pin(async move {
            let mut request = tonic::Request::new(Arc::clone(traces));
            *request.metadata_mut() = self.metadata.clone();
            request.set_timeout(self.timeout);
            let mut client = self.client.clone();
            if let Err(e) = client.ready().await {
                return Err(SendError::Retryable {
                    message: format!("the gRPC connection is not ready: {e}"),
                    retry_after: None,
                });
            }
            let path = PathAndQuery::from_static(EXPORT_PATH);
            match client.unary(request, path, SharedCodec).await {
                Ok(response) => {
                    let rejected = response
                        .into_inner()
                        .partial_success
                        .map_or(0, |p| p.rejected_spans.max(0) as u64);
                    Ok(SendOutcome { rejected })
                }
                Err(status) => Err(classify(&status)),
            }
        })
    }
}

/// Encodes a shared request in place; decodes the response with prost.
#[derive(Debug, Clone, Copy, Default)]
struct SharedCodec;

impl Codec for SharedCodec {
    type Encode = Arc<Traces>;
    type Decode = ExportTraceServiceResponse;
    type Encoder = SharedCodec;
    type Decoder = SharedCodec;

    fn encoder(&mut self) -> Self::Encoder {
        SharedCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        SharedCodec
    }
}

impl Encoder for SharedCodec {
    type Item = Arc<Traces>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Arc<Traces>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        item.encode(dst)
            .map_err(|e| tonic::Status::internal(format!("encoding the request: {e}")))
    }
}

impl Decoder for SharedCodec {
    type Item = ExportTraceServiceResponse;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        src: &mut DecodeBuf<'_>,
    ) -> Result<Option<ExportTraceServiceResponse>, tonic::Status> {
        ExportTraceServiceResponse::decode(src)
            .map(Some)
            .map_err(|e| tonic::Status::internal(format!("decoding the response: {e}")))
    }
}

/// The OTLP/gRPC retry rules: RESOURCE_EXHAUSTED only with a RetryInfo.
pub fn classify(status: &tonic::Status) -> SendError {
    let delay = retry_delay(status.details());
    let message = format!("gRPC {:?}: {}", status.code(), status.message());
    let retryable = match status.code() {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => true,
        Code::ResourceExhausted => delay.is_some(),
        _ => false,
    };
    if retryable {
        SendError::Retryable {
            message,
            retry_after: delay,
        }
    } else {
        SendError::Permanent(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::{code, status_with_retry};

    #[test]
    fn retry_rules() {
        let unavailable = tonic::Status::unavailable("down");
        assert!(matches!(
            classify(&unavailable),
            SendError::Retryable {
                retry_after: None,
                ..
            }
        ));
        let plain = tonic::Status::resource_exhausted("too big");
        assert!(matches!(classify(&plain), SendError::Permanent(_)));
        let with_info = tonic::Status::with_details(
            Code::ResourceExhausted,
            "full",
            status_with_retry(code::RESOURCE_EXHAUSTED, "full", Duration::from_secs(2)).into(),
        );
        match classify(&with_info) {
            SendError::Retryable { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(2)))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(&tonic::Status::invalid_argument("bad")),
            SendError::Permanent(_)
        ));
    }
}
