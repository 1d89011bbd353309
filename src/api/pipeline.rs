//! The page's providers, processors and exporters, and the work between a
//! span's end and its POST: encode once, queue, export on the timer, when a
//! batch fills, or on demand.

use crate::core::batch::{BatchConfig, Offer, SpanQueue};
use crate::core::otlp_json;
use crate::core::span::{KeyValue, SpanData};
use crate::web::transport::{self, Post};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

pub struct Exporter {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub timeout_millis: u32,
}

struct Processor {
    exporter: Rc<Exporter>,
    /// The provider whose resource and scopes head this processor's requests.
    provider: Option<u32>,
    queue: SpanQueue,
    timer_armed: bool,
}

struct Provider {
    resource: Rc<Vec<u8>>,
    scopes: Rc<RefCell<Vec<Vec<u8>>>>,
    processors: Vec<u32>,
    xray_ids: bool,
}

#[derive(Default)]
struct Registry {
    exporters: Vec<Rc<Exporter>>,
    processors: Vec<Processor>,
    providers: Vec<Provider>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

fn with<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    REGISTRY.with(|r| f(&mut r.borrow_mut()))
}

pub fn add_exporter(exporter: Exporter) -> u32 {
    with(|r| {
        r.exporters.push(Rc::new(exporter));
        r.exporters.len() as u32 - 1
    })
}

pub fn add_processor(exporter: u32, config: BatchConfig) -> u32 {
    with(|r| {
        let exporter = r.exporters[exporter as usize].clone();
        r.processors.push(Processor {
            exporter,
            provider: None,
            queue: SpanQueue::new(config),
            timer_armed: false,
        });
        r.processors.len() as u32 - 1
    })
}

pub fn add_provider(resource: &[KeyValue], processors: &[u32], xray_ids: bool) -> u32 {
    with(|r| {
        let id = r.providers.len() as u32;
        for &p in processors {
            if let Some(processor) = r.processors.get_mut(p as usize) {
                processor.provider = Some(id);
            }
        }
        r.providers.push(Provider {
            resource: Rc::new(otlp_json::resource_prefix(resource)),
            scopes: Rc::default(),
            processors: processors.to_vec(),
            xray_ids,
        });
        id
    })
}

pub fn add_scope(provider: u32, name: &str, version: &str) -> u32 {
    with(|r| {
        let mut scopes = r.providers[provider as usize].scopes.borrow_mut();
        scopes.push(otlp_json::scope_prefix(name, version));
        scopes.len() as u32 - 1
    })
}

pub fn uses_xray_ids(provider: u32) -> bool {
    with(|r| r.providers[provider as usize].xray_ids)
}

pub fn on_end(provider: u32, scope: u32, span: &SpanData) {
    let mut fragment = Vec::with_capacity(256);
    otlp_json::push_span(&mut fragment, span);
    let processors = with(|r| r.providers[provider as usize].processors.clone());
    for p in processors {
        let (offer, arm_timer) = with(|r| {
            let processor = &mut r.processors[p as usize];
            let offer = processor.queue.offer((scope, fragment.clone()));
            let arm = offer == Offer::Queued && !processor.timer_armed;
            processor.timer_armed |= arm;
            (
                offer,
                arm.then_some(processor.queue.config().scheduled_delay_millis),
            )
        });
        if offer == Offer::BatchReady {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = export_one(p).await;
            });
        } else if let Some(delay) = arm_timer {
            schedule(p, delay);
        }
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &JsValue, millis: u32) -> JsValue;
}

fn schedule(processor: u32, delay: u32) {
    let callback = Closure::once_into_js(move || {
        with(|r| r.processors[processor as usize].timer_armed = false);
        wasm_bindgen_futures::spawn_local(async move {
            let _ = drain(processor).await;
        });
    });
    set_timeout(&callback, delay);
}

/// Exports one batch; `Ok(false)` when nothing was queued.
async fn export_one(processor: u32) -> Result<bool, JsValue> {
    let Some((exporter, body, timeout)) = with(|r| {
        let p = &mut r.processors[processor as usize];
        let provider = &r.providers[p.provider? as usize];
        let batch = p.queue.take_batch(usize::MAX);
        if batch.is_empty() {
            return None;
        }
        let body = otlp_json::request_body(&provider.resource, &provider.scopes.borrow(), &batch);
        Some((
            p.exporter.clone(),
            body,
            p.queue.config().export_timeout_millis,
        ))
    }) else {
        return Ok(false);
    };
    let status = transport::post(Post {
        url: &exporter.url,
        body: &body,
        content_type: "application/json",
        headers: &exporter.headers,
        keepalive: false,
        timeout_millis: exporter.timeout_millis.min(timeout),
    })
    .await?;
    if !(200..300).contains(&status) {
        let message =
            "OTLP export to ".to_owned() + &exporter.url + " failed: HTTP " + &status.to_string();
        return Err(JsError::new(&message).into());
    }
    Ok(true)
}

async fn drain(processor: u32) -> Result<(), JsValue> {
    while export_one(processor).await? {}
    Ok(())
}

pub async fn flush(provider: u32) -> Result<(), JsValue> {
    let processors = with(|r| r.providers[provider as usize].processors.clone());
    for p in processors {
        drain(p).await?;
    }
    Ok(())
}
