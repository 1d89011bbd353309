//! What the JavaScript facade (`js/index.js`) calls. These exports are the
//! package's internals, not its public API: the facade owns the class and
//! option names users see. Hot paths take and return few, flat values.

mod propagation;
pub(crate) mod registry;

use crate::core::ids::TraceId;
use crate::core::record;
use crate::core::sampler::{Parent, ParentBased, RateLimited, Ratio, Sampler};
use crate::web::clock;
use crate::web::global::Global;
use alloc::boxed::Box;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

/// Called once by `init()`.
#[wasm_bindgen]
pub fn set_time_origin(time_origin_ms: f64) {
    clock::set_origin_millis(time_origin_ms);
}

/// A sampler: 0 AlwaysOn, 1 AlwaysOff, 2 TraceIdRatioBased(`ratio`),
/// 3 rate-limited (`per_second`, then `ratio`).
#[wasm_bindgen]
pub fn sampler_new(kind: u8, ratio: f64, per_second: u32) -> u32 {
    let sampler = match kind {
        1 => Sampler::AlwaysOff,
        2 => Sampler::TraceIdRatio(Ratio::new(ratio)),
        3 => Sampler::RateLimited(RateLimited::new(per_second, ratio)),
        _ => Sampler::AlwaysOn,
    };
    store_sampler(sampler)
}

/// ParentBased around samplers made before; each is consumed.
#[wasm_bindgen]
pub fn sampler_parent_based(
    root: u32,
    remote_sampled: u32,
    remote_not_sampled: u32,
    local_sampled: u32,
    local_not_sampled: u32,
) -> u32 {
    let take = |id: u32, default: Sampler| {
        registry::with(|r| r.samplers.get_mut(id as usize).and_then(Option::take))
            .unwrap_or(default)
    };
    let pb = ParentBased {
        root: take(root, Sampler::AlwaysOn),
        remote_parent_sampled: take(remote_sampled, Sampler::AlwaysOn),
        remote_parent_not_sampled: take(remote_not_sampled, Sampler::AlwaysOff),
        local_parent_sampled: take(local_sampled, Sampler::AlwaysOn),
        local_parent_not_sampled: take(local_not_sampled, Sampler::AlwaysOff),
    };
    store_sampler(Sampler::ParentBased(Box::new(pb)))
}

fn store_sampler(sampler: Sampler) -> u32 {
    registry::with(|r| {
        r.samplers.push(Some(sampler));
        r.samplers.len() as u32 - 1
    })
}

/// A provider with `resource` (a record of attributes) and a sampler made
/// before (`u32::MAX` for the default, ParentBased(AlwaysOn)).
#[wasm_bindgen]
pub fn provider_new(resource: &[u8], sampler: u32) -> Result<u32, JsError> {
    let attributes = record::parse_attributes(resource).map_err(|e| JsError::new(e.0))?;
    Ok(registry::with(|r| {
        let sampler = r
            .samplers
            .get_mut(sampler as usize)
            .and_then(Option::take)
            .unwrap_or_default();
        r.add_provider(&attributes, sampler)
    }))
}

/// The index of a tracer's instrumentation scope within its provider.
#[wasm_bindgen]
pub fn scope_new(provider: u32, name: &str, version: &str) -> u32 {
    registry::with(|r| r.add_scope(provider, name, version))
}

/// The provider's sampling decision for a new span. `parent`: 0 none,
/// 1 local sampled, 2 local not sampled, 3 remote sampled, 4 remote not sampled.
#[wasm_bindgen]
pub fn sample(provider: u32, trace_id: &str, parent: u8, now_ms: f64) -> bool {
    let Some(trace_id) = TraceId::from_hex(trace_id) else {
        return false;
    };
    let parent = match parent {
        1 => Parent::Local { sampled: true },
        2 => Parent::Local { sampled: false },
        3 => Parent::Remote { sampled: true },
        4 => Parent::Remote { sampled: false },
        _ => Parent::None,
    };
    let now = clock::epoch_ns(now_ms);
    registry::with(|r| {
        r.provider(provider)
            .sampler
            .should_sample(&trace_id, parent, now)
    })
}

static RECORD: Global<Vec<u8>> = Global::new(Vec::new());

/// Where the facade copies a batch's span records: a buffer of at least
/// `capacity` bytes in linear memory. Cheaper than passing a string or an
/// array: nothing allocated, one copy.
#[wasm_bindgen]
pub fn record_buffer(capacity: u32) -> u32 {
    RECORD.with(|buffer| {
        if buffer.len() < capacity as usize {
            buffer.resize(capacity as usize, 0);
        }
        buffer.as_ptr() as u32
    })
}

static META: Global<Vec<f64>> = Global::new(Vec::new());

/// Where the facade writes each record's scope index, start and end (three
/// numbers a span) before `encode_batch`.
#[wasm_bindgen]
pub fn meta_buffer(capacity: u32) -> u32 {
    META.with(|buffer| {
        if buffer.len() < capacity as usize {
            buffer.resize(capacity as usize, 0.0);
        }
        buffer.as_ptr() as u32
    })
}

static LAST_BATCH_SPANS: Global<u32> = Global::new(0);
static LAST_INVALID: Global<u32> = Global::new(0);

/// Encodes `count` ended spans into one request body: their records are the
/// first `length` bytes of the record buffer (length-prefixed), their
/// scope and times the first `3 * count` numbers of the meta buffer. With
/// `room` > 0 the body is gzip-compressed and holds as many leading spans as
/// fit in `room` bytes. `last_batch_spans()` then tells how many records were
/// taken, `last_batch_invalid()` how many of them could not be read.
#[wasm_bindgen]
pub fn encode_batch(
    provider: u32,
    protobuf: bool,
    count: u32,
    length: u32,
    room: u32,
) -> Option<Vec<u8>> {
    let result = RECORD.with(|records| {
        META.with(|meta| {
            let records = records.get(..length as usize)?;
            let meta = meta.get(..count as usize * 3)?;
            let room = (room > 0).then_some(room as usize);
            registry::with(|r| r.encode_records(provider, protobuf as usize, records, meta, room))
        })
    });
    let (body, taken, invalid) = result.unwrap_or((Vec::new(), count, count));
    LAST_BATCH_SPANS.with(|n| *n = taken);
    LAST_INVALID.with(|n| *n = invalid);
    (!body.is_empty()).then_some(body)
}

#[wasm_bindgen]
pub fn last_batch_invalid() -> u32 {
    LAST_INVALID.with(|n| *n)
}

#[wasm_bindgen]
pub fn last_batch_spans() -> u32 {
    LAST_BATCH_SPANS.with(|n| *n)
}
