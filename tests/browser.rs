//! Browser tests of the web layer, run in headless Chromium by
//! `wasm-bindgen-test-runner` (see webdriver.json). The transport test posts
//! to a real collector that scripts/test.sh starts; its URL comes in at build
//! time through WASMTRACE_TEST_COLLECTOR.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;
use wasmtrace::core::ids::{SpanId, TraceId};
use wasmtrace::core::otlp_json;
use wasmtrace::core::span::{KeyValue, SpanData, SpanKind, Status, Value};
use wasmtrace::web::{clock, random, transport};

wasm_bindgen_test_configure!(run_in_browser);

fn date_now_secs() -> f64 {
    js_sys::Date::now() / 1000.0
}

#[wasm_bindgen_test]
fn the_clock_is_the_browsers_wall_clock() {
    let ours = clock::epoch_secs() as f64;
    assert!(
        (ours - date_now_secs()).abs() < 2.0,
        "{ours} vs {}",
        date_now_secs()
    );
    let a = clock::epoch_ns(1.0);
    let b = clock::epoch_ns(2.5);
    assert_eq!(b - a, 1_500_000);
}

#[wasm_bindgen_test]
fn xray_ids_carry_the_current_time_and_fresh_randomness() {
    let a = TraceId::xray(clock::epoch_secs(), random::bytes());
    let b = TraceId::xray(clock::epoch_secs(), random::bytes());
    assert!((a.xray_epoch_secs() as f64 - date_now_secs()).abs() < 60.0);
    assert_ne!(a.0[4..], b.0[4..], "random part repeated");
    let spans: Vec<SpanId> = (0..2000).map(|_| SpanId::random(random::bytes())).collect();
    assert!(spans.iter().all(SpanId::is_valid));
    assert_ne!(spans[0], spans[1999], "the pool must refill with new bytes");
}

#[wasm_bindgen_test]
// A missing collector must fail this test at run time, not the whole build.
#[allow(clippy::option_env_unwrap)]
async fn transport_posts_otlp_json_to_a_real_collector() {
    let url = option_env!("WASMTRACE_TEST_COLLECTOR").expect(
        "run through scripts/test.sh, which starts a collector and sets WASMTRACE_TEST_COLLECTOR",
    );
    transport::capture_native_fetch();
    let resource = otlp_json::resource_prefix(&[KeyValue {
        key: "service.name",
        value: Value::Str("browser-test"),
    }]);
    let scopes = vec![otlp_json::scope_prefix("tests/browser.rs", "")];
    let span = SpanData {
        trace_id: TraceId::xray(clock::epoch_secs(), random::bytes()),
        span_id: SpanId::random(random::bytes()),
        parent_span_id: None,
        name: "from-wasm-bindgen-test",
        kind: SpanKind::Internal,
        start_ns: clock::epoch_ns(0.0),
        end_ns: clock::epoch_ns(1.0),
        attributes: vec![],
        status: Status::default(),
    };
    let mut fragment = Vec::new();
    otlp_json::push_span(&mut fragment, &span);
    let body = otlp_json::request_body(&resource, &scopes, &[(0, fragment)]);
    let post = |body: &'static [u8]| transport::Post {
        url,
        body,
        content_type: "application/json",
        headers: &[],
        keepalive: false,
        timeout_millis: 5000,
    };
    let body: &'static [u8] = Box::leak(body.into_boxed_slice());
    assert_eq!(transport::post(post(body)).await.unwrap(), 200);
    // The collector must refuse what is not OTLP, and we must see that.
    assert_eq!(transport::post(post(b"{not json")).await.unwrap(), 400);
}
