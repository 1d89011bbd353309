//! Trace context in and out of HTTP headers: W3C `traceparent`/`tracestate`
//! (the `opentelemetry_sdk` propagator) and AWS X-Ray `X-Amzn-Trace-Id` (this
//! file, over `wasmtrace::core::propagation::xray`, the one definition of the
//! format the browser SDK uses too), and X-Ray-form trace ids for requests
//! that arrive without a trace.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::propagation::{
    text_map_propagator::FieldIter, Extractor, Injector, TextMapCompositePropagator,
    TextMapPropagator,
};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use wasmtrace::core::ids;
use wasmtrace::core::propagation::xray;

/// Extracts both headers; when both came, `traceparent` wins (it is read
/// last). Injects both.
pub fn propagator() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(XRayPropagator::new()),
        Box::new(TraceContextPropagator::new()),
    ])
}

/// `X-Amzn-Trace-Id: Root=1-…;Parent=…;Sampled=…`.
#[derive(Debug)]
pub struct XRayPropagator {
    fields: [String; 1],
}

impl XRayPropagator {
    pub fn new() -> Self {
        XRayPropagator {
            fields: [xray::HEADER.to_owned()],
        }
    }
}

impl Default for XRayPropagator {
    fn default() -> Self {
        Self::new()
    }
}

impl TextMapPropagator for XRayPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        let header = xray::XRayHeader {
            trace_id: ids::TraceId(sc.trace_id().to_bytes()),
            parent_id: ids::SpanId(sc.span_id().to_bytes()),
            sampled: Some(sc.is_sampled()),
            extra: Vec::new(),
        };
        // The format is bytes; with no extra fields they are ASCII.
        let value = String::from_utf8_lossy(&xray::format(&header)).into_owned();
        injector.set(xray::HEADER, value);
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let Some(header) = extractor.get(xray::HEADER).and_then(xray::parse) else {
            return cx.clone();
        };
        // `Sampled=?` leaves the decision to us: we record.
        let flags = if header.sampled.unwrap_or(true) {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        let sc = SpanContext::new(
            TraceId::from_bytes(header.trace_id.0),
            SpanId::from_bytes(header.parent_id.0),
            flags,
            true,
            TraceState::default(),
        );
        if sc.is_valid() {
            cx.with_remote_span_context(sc)
        } else {
            cx.clone()
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }
}

/// Trace ids X-Ray accepts (the first 4 bytes are the epoch seconds) for
/// traces that start here; span ids as the SDK makes them.
#[derive(Debug, Default)]
pub struct XRayIdGenerator {
    random: RandomIdGenerator,
}

impl IdGenerator for XRayIdGenerator {
    fn new_trace_id(&self) -> TraceId {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as u32);
        let random = self.random.new_trace_id().to_bytes();
        let mut tail = [0u8; 12];
        tail.copy_from_slice(&random[4..]);
        TraceId::from_bytes(ids::TraceId::xray(secs, tail).0)
    }

    fn new_span_id(&self) -> SpanId {
        self.random.new_span_id()
    }
}

/// Reads request headers for the propagators.
pub struct HeaderExtractor<'a>(pub &'a axum::http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn extract(headers: &[(&str, &str)]) -> SpanContext {
        let map: HashMap<String, String> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        propagator().extract(&map).span().span_context().clone()
    }

    #[test]
    fn xray_header_alone_gives_the_parent() {
        let sc = extract(&[(
            "x-amzn-trace-id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )]);
        assert!(sc.is_remote() && sc.is_sampled());
        assert_eq!(
            sc.trace_id().to_string(),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert_eq!(sc.span_id().to_string(), "53995c3f42cd8ad8");
    }

    #[test]
    fn traceparent_wins_over_xray() {
        let sc = extract(&[
            (
                "x-amzn-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            ),
            (
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ),
        ]);
        assert_eq!(sc.span_id().to_string(), "b7ad6b7169203331");
    }

    #[test]
    fn unsampled_and_malformed() {
        let sc = extract(&[(
            "x-amzn-trace-id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
        )]);
        assert!(sc.is_valid() && !sc.is_sampled());
        assert!(!extract(&[("x-amzn-trace-id", "Root=nonsense")]).is_valid());
        assert!(!extract(&[]).is_valid());
    }

    #[test]
    fn inject_writes_both_headers() {
        let sc = SpanContext::new(
            TraceId::from_hex("5759e988bd862e3fe1be46a994272793").unwrap(),
            SpanId::from_hex("53995c3f42cd8ad8").unwrap(),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        let cx = Context::new().with_remote_span_context(sc);
        let mut out = HashMap::new();
        propagator().inject_context(&cx, &mut out);
        assert_eq!(
            out["x-amzn-trace-id"],
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        );
        assert_eq!(
            out["traceparent"],
            "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01"
        );
    }

    #[test]
    fn new_trace_ids_start_with_the_epoch_seconds() {
        let id = XRayIdGenerator::default().new_trace_id().to_bytes();
        let secs = u32::from_be_bytes([id[0], id[1], id[2], id[3]]) as u64;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(now - secs < 5, "{secs} vs {now}");
    }
}
