//! The OTLP/gRPC receiver: `opentelemetry.proto.collector.trace.v1.TraceService/Export`
//! on 4317, gzip accepted. Spans with impossible ids are set aside and reported
//! in `partial_success`; pushback is `UNAVAILABLE` (memory, shutdown) or
//! `RESOURCE_EXHAUSTED` (full queue), both with a `RetryInfo` so clients retry.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::transport::server::TcpIncoming;
use tonic::{Code, Request, Response, Status};
use tracing::warn;

use super::drop_invalid_spans;
use super::otlp_http::{listen, BindError};
use crate::config::{ComponentId, GrpcServerConfig};
use crate::consumer::{ConsumeError, Refusal, TracesConsumer};
use crate::processor::split::span_count;
use crate::rpc::{code, status_with_retry};
use crate::telemetry::{ReceiverMetrics, Telemetry};

/// A bound, not yet serving, OTLP/gRPC receiver.
pub struct OtlpGrpcReceiver {
    listener: TcpListener,
    service: OversizeIsResourceExhausted<TraceServiceServer<Handler>>,
    max_concurrent_streams: Option<u32>,
}

struct Handler {
    consumer: TracesConsumer,
    metrics: Arc<ReceiverMetrics>,
}

impl OtlpGrpcReceiver {
    pub async fn bind(
        id: &ComponentId,
        config: &GrpcServerConfig,
        consumer: TracesConsumer,
        telemetry: &Telemetry,
    ) -> Result<OtlpGrpcReceiver, BindError> {
        let listener = listen(id, config.endpoint(), "gRPC").await?;
        let handler = Handler {
            consumer,
            metrics: telemetry.receiver(id, "grpc"),
        };
        let service = TraceServiceServer::new(handler)
            .accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(config.max_recv_msg_size());
        Ok(OtlpGrpcReceiver {
            listener,
            service: OversizeIsResourceExhausted(service),
            max_concurrent_streams: config.max_concurrent_streams.map(|n| n as u32),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets in-flight calls finish.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let incoming = TcpIncoming::from(self.listener);
        tonic::transport::Server::builder()
            .max_concurrent_streams(self.max_concurrent_streams)
            .add_service(self.service)
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await
            .map_err(std::io::Error::other)
    }
}

#[tonic::async_trait]
impl TraceService for Handler {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let mut traces = request.into_inner();
        let rejected = drop_invalid_spans(&mut traces);
        let kept = span_count(&traces) as u64;
        if let Some(r) = &rejected {
            self.metrics.refused.fetch_add(r.spans, Ordering::Relaxed);
            if kept == 0 {
                return Err(Status::invalid_argument(r.message.clone()));
            }
        }
        if kept > 0 {
            if let Err(e) = self.consumer.consume(traces).await {
                self.metrics.refused.fetch_add(kept, Ordering::Relaxed);
                return Err(to_status(&e));
            }
            self.metrics.accepted.fetch_add(kept, Ordering::Relaxed);
        }
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: rejected.map(|r| ExportTracePartialSuccess {
                rejected_spans: r.spans as i64,
                error_message: r.message,
            }),
        }))
    }
}

/// tonic answers a message over the size limit with OUT_OF_RANGE, which OTLP
/// clients retry; the spec (and grpc-go) say RESOURCE_EXHAUSTED, not retried.
#[derive(Clone)]
struct OversizeIsResourceExhausted<S>(S);

impl<S: tonic::server::NamedService> tonic::server::NamedService
    for OversizeIsResourceExhausted<S>
{
    const NAME: &'static str = S::NAME;
}

type HttpResponse = tonic::codegen::http::Response<tonic::body::Body>;

impl<S, B> tonic::codegen::Service<tonic::codegen::http::Request<B>>
    for OversizeIsResourceExhausted<S>
where
    S: tonic::codegen::Service<
        tonic::codegen::http::Request<B>,
        Response = HttpResponse,
        Error = std::convert::Infallible,
    >,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = std::convert::Infallible;
    type Future = tonic::codegen::BoxFuture<HttpResponse, std::convert::Infallible>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: tonic::codegen::http::Request<B>) -> Self::Future {
        let answer = self.0.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            let headers = response.headers_mut();
            let oversize = headers.get("grpc-status").is_some_and(|v| v == "11")
                && headers
                    .get("grpc-message")
                    .and_then(|m| m.to_str().ok())
                    .is_some_and(|m| m.contains("too%20large") || m.contains("too large"));
            if oversize {
                headers.insert(
                    "grpc-status",
                    tonic::codegen::http::HeaderValue::from_static("8"),
                );
            }
            Ok(response)
        })
    }
}

/// Pushback carries a RetryInfo: without it OTLP clients must not retry
/// RESOURCE_EXHAUSTED.
pub fn to_status(e: &ConsumeError) -> Status {
    match e {
        ConsumeError::Refused {
            kind,
            reason,
            retry_after,
        } => {
            let (grpc, number) = match kind {
                Refusal::QueueFull => (Code::ResourceExhausted, code::RESOURCE_EXHAUSTED),
                Refusal::MemoryLimit | Refusal::ShuttingDown => {
                    (Code::Unavailable, code::UNAVAILABLE)
                }
            };
            Status::with_details(
                grpc,
                reason.clone(),
                status_with_retry(number, reason, *retry_after).into(),
            )
        }
        ConsumeError::Failed(message) => {
            warn!("export failed: {message}");
            Status::internal(format!(
                "the collector could not store the spans: {message}"
            ))
        }
    }
}
