//! What the JavaScript facade (`js/wasm.js`) calls. These exports are the
//! package's internals, not its public API: the facade owns the class and
//! option names users see. Plain C-ABI exports, without wasm-bindgen's
//! generated glue: strings go in through the input buffer (UTF-8, one after
//! another, with their byte lengths as arguments) and come back through the
//! output buffer (the export returns the length, -1 for none).

mod propagation;
pub(crate) mod registry;

use crate::core::record;
use crate::web::clock;
use crate::web::global::Global;
use alloc::vec::Vec;

static INPUT: Global<Vec<u8>> = Global::new(Vec::new());
static OUTPUT: Global<Vec<u8>> = Global::new(Vec::new());

/// Where the facade writes a call's input: its strings, or a batch's span
/// records; at least `capacity` bytes.
#[no_mangle]
pub extern "C" fn input_buffer(capacity: u32) -> u32 {
    at_least(&INPUT, capacity)
}

/// The address of `buffer`, grown to at least `capacity` items first.
fn at_least<T: Copy + Default>(buffer: &Global<Vec<T>>, capacity: u32) -> u32 {
    buffer.with(|buffer| {
        if buffer.len() < capacity as usize {
            buffer.resize(capacity as usize, T::default());
        }
        buffer.as_ptr() as u32
    })
}

/// Where the last call that returned a length left its output.
#[no_mangle]
pub extern "C" fn output_ptr() -> u32 {
    OUTPUT.with(|buffer| buffer.as_ptr() as u32)
}

/// Runs `f` on the input's first bytes, `len` of them.
fn with_input<R>(len: u32, f: impl FnOnce(&[u8]) -> R) -> R {
    INPUT.with(|buffer| f(buffer.get(..len as usize).unwrap_or_default()))
}

/// Runs `f` on the input's two strings, of these byte lengths in order:
/// UTF-8, as the facade writes them with `TextEncoder`, and used as bytes.
fn with_two_strings<R>(first: u32, second: u32, f: impl FnOnce(&[u8], &[u8]) -> R) -> R {
    with_input(first + second, |bytes| {
        let (a, b) = bytes.split_at_checked(first as usize).unwrap_or_default();
        f(a, b)
    })
}

/// Leaves `bytes` as the call's output; returns its length.
fn output(bytes: Vec<u8>) -> i32 {
    let len = bytes.len() as i32;
    OUTPUT.with(|buffer| *buffer = bytes);
    len
}

/// Called once by `init()`.
#[no_mangle]
pub extern "C" fn set_time_origin(time_origin_ms: f64) {
    clock::set_origin_millis(time_origin_ms);
}

/// A provider with `resource` (the input's first `resource_len` bytes, `A`
/// record sections); -1 when the resource cannot be read.
#[no_mangle]
pub extern "C" fn provider_new(resource_len: u32) -> i32 {
    with_input(resource_len, |resource| {
        let Ok(attributes) = record::parse_attributes(resource) else {
            return -1;
        };
        registry::with(|r| r.add_provider(&attributes) as i32)
    })
}

/// The index of a tracer's instrumentation scope (name and version from the
/// input) within its provider.
#[no_mangle]
pub extern "C" fn scope_new(provider: u32, name_len: u32, version_len: u32) -> u32 {
    with_two_strings(name_len, version_len, |name, version| {
        registry::with(|r| r.add_scope(provider, name, version))
    })
}

static LAST_BATCH_SPANS: Global<u32> = Global::new(0);
static LAST_INVALID: Global<u32> = Global::new(0);

/// Encodes `count` ended spans into one request body, left in the output
/// buffer; returns its length (-1 when no span could be read). Their records
/// are the input's first `length` bytes (length-prefixed); from the next
/// multiple of 8 come their scope, start and end, three f64 a span (which
/// JavaScript writes through a `Float64Array`: the input buffer's address
/// is a multiple of 8 too, as the allocator aligns blocks to their size
/// class, 16 bytes at least). With `room` > 0
/// the body is gzip-compressed and holds as many leading spans as fit in
/// `room` bytes. `last_batch_spans()` then tells how many records were
/// taken, `last_batch_invalid()` how many of them could not be read.
#[no_mangle]
pub extern "C" fn encode_batch(
    provider: u32,
    protobuf: bool,
    count: u32,
    length: u32,
    room: u32,
) -> i32 {
    let meta_at = (length as usize + 7) & !7;
    let result = INPUT.with(|input| {
        let records = input.get(..length as usize)?;
        let meta = input.get(meta_at..meta_at + count as usize * 24)?;
        let room = (room > 0).then_some(room as usize);
        OUTPUT.with(|out| {
            let encoding = protobuf as usize;
            registry::with(|r| r.encode_records(provider, encoding, records, meta, room, out))
        })
    });
    let (taken, invalid) = result.unwrap_or((count, count));
    LAST_BATCH_SPANS.with(|n| *n = taken);
    LAST_INVALID.with(|n| *n = invalid);
    match result {
        Some(_) => OUTPUT.with(|out| out.len() as i32),
        None => -1,
    }
}

/// Whether `encode_batch` can write OTLP/protobuf in this build.
#[no_mangle]
pub extern "C" fn protobuf_supported() -> bool {
    registry::PROTOBUF
}

#[no_mangle]
pub extern "C" fn last_batch_invalid() -> u32 {
    LAST_INVALID.with(|n| *n)
}

#[no_mangle]
pub extern "C" fn last_batch_spans() -> u32 {
    LAST_BATCH_SPANS.with(|n| *n)
}
