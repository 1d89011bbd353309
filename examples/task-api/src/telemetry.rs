//! OpenTelemetry for the API: a tracer provider exporting OTLP/gRPC through
//! `opentelemetry_sdk`'s batch processor, and the middleware that makes one
//! SERVER span per request, child of the caller's `traceparent` or
//! `X-Amzn-Trace-Id`, current while the handler runs.

use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{FutureExt, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{global, KeyValue};
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use opentelemetry_sdk::Resource;

use crate::propagation::{propagator, HeaderExtractor, XRayIdGenerator};

/// Sets the global tracer provider and propagator. Must run inside the Tokio
/// runtime (the gRPC channel lives there).
pub fn init(service_name: &str, endpoint: &str) -> Result<SdkTracerProvider, String> {
    let exporter = SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .map_err(|e| format!("OTLP exporter for {endpoint}: {e}"))?;
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_scheduled_delay(Duration::from_millis(500))
                .build(),
        )
        .build();
    let provider = SdkTracerProvider::builder()
        .with_resource(
            Resource::builder()
                .with_service_name(service_name.to_owned())
                .build(),
        )
        .with_id_generator(XRayIdGenerator::default())
        .with_span_processor(processor)
        .build();
    global::set_tracer_provider(provider.clone());
    global::set_text_map_propagator(propagator());
    Ok(provider)
}

/// The SERVER span of one request: named `METHOD route`, with the HTTP
/// semantic conventions (which X-Ray's translation reads into `http`).
pub async fn server_span(request: Request, next: Next) -> Response {
    let parent = propagator().extract(&HeaderExtractor(request.headers()));
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let uri = request.uri();
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let (address, port) = match host.rsplit_once(':') {
        Some((a, p)) if p.parse::<u16>().is_ok() => (a.to_owned(), p.parse::<i64>().ok()),
        _ => (host.to_owned(), None),
    };
    let mut attributes = vec![
        KeyValue::new("http.request.method", method.clone()),
        KeyValue::new("url.scheme", "http"),
        KeyValue::new("url.path", uri.path().to_owned()),
        KeyValue::new("server.address", address),
        KeyValue::new("network.protocol.version", "1.1"),
    ];
    if let Some(port) = port {
        attributes.push(KeyValue::new("server.port", port));
    }
    if let Some(query) = uri.query() {
        attributes.push(KeyValue::new("url.query", query.to_owned()));
    }
    if let Some(route) = &route {
        attributes.push(KeyValue::new("http.route", route.clone()));
    }
    if let Some(agent) = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|h| h.to_str().ok())
    {
        attributes.push(KeyValue::new("user_agent.original", agent.to_owned()));
    }
    let name = match &route {
        Some(route) => format!("{method} {route}"),
        None => method,
    };
    let tracer = global::tracer("task-api");
    let span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Server)
        .with_attributes(attributes)
        .start_with_context(&tracer, &parent);
    let cx = parent.with_span(span);
    let response = next.run(request).with_context(cx.clone()).await;
    let status = response.status();
    let span = cx.span();
    span.set_attribute(KeyValue::new(
        "http.response.status_code",
        i64::from(status.as_u16()),
    ));
    if status.is_server_error() {
        span.set_attribute(KeyValue::new("error.type", status.as_str().to_owned()));
        span.set_status(Status::error(""));
    }
    span.end();
    response
}
