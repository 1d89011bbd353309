//! OTLP/JSON decoding as the Collector reads it (snake_case, enum names, ...).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtrace_collector::receiver::decode::decode_json;
use wasmtrace_collector::receiver::drop_invalid_spans;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut traces) = decode_json(data) {
        let _ = drop_invalid_spans(&mut traces);
    }
});
