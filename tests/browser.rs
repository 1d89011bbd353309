//! Browser tests of the web layer and the encoder, run in headless Chromium
//! by `wasm-bindgen-test-runner` (see webdriver.json). One test posts to a
//! real collector that scripts/test.sh starts; its URL comes in at build time
//! through WASMTRACE_TEST_COLLECTOR.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasmtrace::core::ids::{SpanId, TraceId};
use wasmtrace::core::otlp_json;
use wasmtrace::core::span::{Dropped, KeyValue, SpanData, SpanKind, Status, Value};
use wasmtrace::web::{clock, random};

wasm_bindgen_test_configure!(run_in_browser);

// Namespaced under globalThis so they do not clash with the same imports in
// wasmtrace::otel when both link into one test module.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["globalThis", "performance"], js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(js_namespace = ["globalThis", "performance"], js_name = timeOrigin, thread_local_v2)]
    static TIME_ORIGIN: f64;
    #[wasm_bindgen(js_namespace = globalThis, js_name = fetch)]
    fn fetch(url: &str, init: &Object) -> js_sys::Promise;
}

fn date_now_secs() -> f64 {
    js_sys::Date::now() / 1000.0
}

fn start_clock() {
    clock::set_origin_millis(TIME_ORIGIN.with(|t| *t));
}

#[wasm_bindgen_test]
fn the_clock_is_the_browsers_wall_clock() {
    start_clock();
    let ours = clock::epoch_ns(performance_now()) as f64 / 1e9;
    assert!(
        (ours - date_now_secs()).abs() < 2.0,
        "{ours} vs {}",
        date_now_secs()
    );
    assert_eq!(clock::epoch_ns(2.5) - clock::epoch_ns(1.0), 1_500_000);
    assert!(clock::epoch_ns(-1.0) < clock::epoch_ns(0.0));
}

#[wasm_bindgen_test]
fn random_ids_come_from_crypto_and_are_never_zero() {
    let a: [u8; 12] = random::bytes();
    let b: [u8; 12] = random::bytes();
    assert_ne!(a, b, "random bytes repeated");
    let spans: Vec<SpanId> = (0..2000).map(|_| SpanId::random(random::bytes())).collect();
    assert!(spans.iter().all(SpanId::is_valid));
    assert_ne!(spans[0], spans[1999], "the pool must refill with new bytes");
}

fn set(target: &Object, key: &str, value: &JsValue) {
    Reflect::set(target, &key.into(), value).unwrap();
}

async fn post(url: &str, body: &[u8]) -> u16 {
    let init = Object::new();
    set(&init, "method", &"POST".into());
    let headers = Object::new();
    set(&headers, "content-type", &"application/json".into());
    set(&init, "headers", &headers);
    set(&init, "body", &Uint8Array::from(body).into());
    let response = JsFuture::from(fetch(url, &init)).await.unwrap();
    Reflect::get(&response, &"status".into())
        .unwrap()
        .as_f64()
        .unwrap() as u16
}

#[wasm_bindgen_test]
// A missing collector must fail this test at run time, not the whole build.
#[allow(clippy::option_env_unwrap)]
async fn an_encoded_span_is_accepted_by_a_real_collector() {
    let url = option_env!("WASMTRACE_TEST_COLLECTOR").expect(
        "run through scripts/test.sh, which starts a collector and sets WASMTRACE_TEST_COLLECTOR",
    );
    start_clock();
    let resource = otlp_json::resource_prefix(&[KeyValue {
        key: b"service.name",
        value: Value::Str(b"browser-test"),
    }]);
    let scopes = vec![otlp_json::scope_prefix(b"tests/browser.rs", b"")];
    let now = performance_now();
    let span = SpanData {
        trace_id: TraceId::xray(date_now_secs() as u32, random::bytes()),
        span_id: SpanId::random(random::bytes()),
        parent_span_id: None,
        name: b"from-wasm-bindgen-test",
        kind: SpanKind::Internal,
        start_ns: clock::epoch_ns(now),
        end_ns: clock::epoch_ns(now + 1.0),
        trace_state: b"",
        attributes: vec![],
        events: vec![],
        links: vec![],
        status: Status::default(),
        dropped: Dropped::default(),
    };
    let mut fragment = Vec::new();
    otlp_json::push_span(&mut fragment, &span);
    let body = otlp_json::request_body(&resource, &scopes, &[(0, fragment)]);
    assert_eq!(post(url, &body).await, 200);
    // The collector must refuse what is not OTLP, and we must see that.
    assert_eq!(post(url, b"{not json").await, 400);
}
