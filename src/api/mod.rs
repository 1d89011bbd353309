//! What the JavaScript facade (`js/index.js`) calls. These exports are the
//! package's internals, not its public API: the facade owns the class and
//! option names users see, and calls in here once per span start and end.

mod pipeline;

use crate::core::batch::BatchConfig;
use crate::core::ids::{SpanId, TraceId};
use crate::core::record;
use crate::web::{clock, random, transport};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    transport::capture_native_fetch();
}

/// Registers an exporter; `headers` is a record of string attributes.
#[wasm_bindgen]
pub fn exporter_new(url: String, headers: &str, timeout_millis: u32) -> Result<u32, JsError> {
    let headers = record::parse_attributes(headers)
        .map_err(|e| JsError::new(e.0))?
        .into_iter()
        .filter_map(|kv| match kv.value {
            crate::core::span::Value::Str(v) => Some((kv.key.to_owned(), v.to_owned())),
            _ => None,
        })
        .collect();
    Ok(pipeline::add_exporter(pipeline::Exporter {
        url,
        headers,
        timeout_millis,
    }))
}

#[wasm_bindgen]
pub fn processor_new(
    exporter: u32,
    max_queue_size: u32,
    max_export_batch_size: u32,
    scheduled_delay_millis: u32,
    export_timeout_millis: u32,
) -> u32 {
    pipeline::add_processor(
        exporter,
        BatchConfig {
            max_queue_size: max_queue_size as usize,
            max_export_batch_size: max_export_batch_size as usize,
            scheduled_delay_millis,
            export_timeout_millis,
        },
    )
}

/// Registers a provider; `resource` is a record of attributes.
#[wasm_bindgen]
pub fn provider_new(resource: &str, processors: &[u32], xray_ids: bool) -> Result<u32, JsError> {
    transport::capture_native_fetch();
    let attributes = record::parse_attributes(resource).map_err(|e| JsError::new(e.0))?;
    Ok(pipeline::add_provider(&attributes, processors, xray_ids))
}

/// The index of a tracer's instrumentation scope within its provider.
#[wasm_bindgen]
pub fn scope_new(provider: u32, name: &str, version: &str) -> u32 {
    pipeline::add_scope(provider, name, version)
}

/// New ids for a span, as hex: a trace id (32) and span id (16) for a root
/// span, only the span id for a child.
#[wasm_bindgen]
pub fn ids_new(provider: u32, root: bool) -> String {
    let span_id = SpanId::random(random::bytes());
    if !root {
        return span_id.to_hex();
    }
    let trace_id = if pipeline::uses_xray_ids(provider) {
        TraceId::xray(clock::epoch_secs(), random::bytes())
    } else {
        TraceId::random(random::bytes())
    };
    trace_id.to_hex() + &span_id.to_hex()
}

/// Takes a finished span; times are `performance.now()`-relative milliseconds.
#[wasm_bindgen]
pub fn span_end(
    provider: u32,
    scope: u32,
    record: &str,
    start_ms: f64,
    end_ms: f64,
) -> Result<(), JsError> {
    let span = record::parse(record, clock::epoch_ns(start_ms), clock::epoch_ns(end_ms))
        .map_err(|e| JsError::new(e.0))?;
    pipeline::on_end(provider, scope, &span);
    Ok(())
}

/// Exports everything queued by the provider's processors.
#[wasm_bindgen]
pub fn force_flush(provider: u32) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        pipeline::flush(provider).await?;
        Ok(JsValue::UNDEFINED)
    })
}
