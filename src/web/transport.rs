//! Sends export requests with the page's own `fetch`, captured when the
//! module starts, before any instrumentation can wrap it: the exporter's
//! requests are never traced, however they are awaited.

use js_sys::{Function, Object, Reflect, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static NATIVE_FETCH: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Remembers the current `globalThis.fetch`; later calls keep the first.
pub fn capture_native_fetch() {
    NATIVE_FETCH.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = Reflect::get(&js_sys::global(), &"fetch".into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok());
        }
    });
}

pub struct Post<'a> {
    pub url: &'a str,
    pub body: &'a [u8],
    pub content_type: &'a str,
    pub headers: &'a [(String, String)],
    pub keepalive: bool,
    pub timeout_millis: u32,
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain object we just made cannot fail.
    let _ = Reflect::set(target, &key.into(), value);
}

/// POSTs and resolves to the response status; a network error, a timeout or
/// a missing `fetch` is `Err`.
pub async fn post(request: Post<'_>) -> Result<u16, JsValue> {
    let fetch = NATIVE_FETCH
        .with(|f| f.borrow().clone())
        .ok_or_else(|| JsValue::from_str("fetch is not available"))?;
    let headers = Object::new();
    set(&headers, "content-type", &request.content_type.into());
    for (name, value) in request.headers {
        set(&headers, name, &value.into());
    }
    let init = Object::new();
    set(&init, "method", &"POST".into());
    set(&init, "headers", &headers);
    set(&init, "body", &Uint8Array::from(request.body).into());
    if request.keepalive {
        set(&init, "keepalive", &JsValue::TRUE);
    }
    if let Some(signal) = timeout_signal(request.timeout_millis) {
        set(&init, "signal", &signal);
    }
    let pending = fetch.call2(&JsValue::UNDEFINED, &request.url.into(), &init)?;
    let response = JsFuture::from(js_sys::Promise::from(pending)).await?;
    let status = Reflect::get(&response, &"status".into())?;
    Ok(status.as_f64().unwrap_or(0.0) as u16)
}

/// `AbortSignal.timeout(ms)` where the browser has it.
fn timeout_signal(millis: u32) -> Option<JsValue> {
    let abort_signal = Reflect::get(&js_sys::global(), &"AbortSignal".into()).ok()?;
    let timeout: Function = Reflect::get(&abort_signal, &"timeout".into())
        .ok()?
        .dyn_into()
        .ok()?;
    timeout.call1(&abort_signal, &millis.into()).ok()
}
