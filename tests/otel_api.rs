//! A Rust web app's view: wasmtrace set as the `opentelemetry` crate's global
//! provider, spans made through the standard API, flushed to a real
//! collector (scripts/test.sh starts it, checks what arrived, and passes its
//! URL in WASMTRACE_TEST_COLLECTOR).
#![cfg(all(target_arch = "wasm32", feature = "otel"))]

use opentelemetry::trace::{Span, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{global, Array, Context, KeyValue, Value};
use wasm_bindgen_test::*;
use wasmtrace::otel::WasmTracerProvider;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
#[allow(clippy::option_env_unwrap)] // a missing collector fails this test, not the build
async fn the_standard_api_records_through_wasmtrace() {
    let url = option_env!("WASMTRACE_TEST_COLLECTOR").expect("run through scripts/test.sh");
    let provider = WasmTracerProvider::builder()
        .with_resource_attribute("service.name", "rust-web-app")
        .with_endpoint(url)
        .build();
    global::set_tracer_provider(provider.clone());

    let tracer = global::tracer("otel-api-test");
    let (parent_ids, child_ids) = tracer.in_span("rust-parent", |cx| {
        let span = cx.span();
        span.set_attribute(KeyValue::new("s", "text"));
        span.set_attribute(KeyValue::new("i", 7_i64));
        span.set_attribute(KeyValue::new("f", 1.5));
        span.set_attribute(KeyValue::new("b", true));
        span.set_attribute(KeyValue::new("a", Value::Array(Array::I64(vec![1, 2]))));
        span.add_event("checkpoint", vec![KeyValue::new("step", 1_i64)]);
        let mut child = tracer
            .span_builder("rust-child")
            .with_kind(SpanKind::Client)
            .start_with_context(&tracer, &cx);
        child.set_status(Status::error("failed"));
        let child_ids = child.span_context().clone();
        child.end();
        (span.span_context().clone(), child_ids)
    });
    assert!(parent_ids.is_valid() && parent_ids.is_sampled());
    assert_eq!(child_ids.trace_id(), parent_ids.trace_id());
    assert_ne!(child_ids.span_id(), parent_ids.span_id());
    // X-Ray ids by default: the first 4 bytes are the current epoch seconds.
    let secs = u32::from_be_bytes(parent_ids.trace_id().to_bytes()[..4].try_into().unwrap()) as f64;
    assert!((secs - js_sys::Date::now() / 1000.0).abs() < 60.0);
    // Not recording after end; the current context is empty again.
    assert!(!Context::current().has_active_span());
    provider
        .force_flush()
        .await
        .expect("the collector accepted the spans");
}
