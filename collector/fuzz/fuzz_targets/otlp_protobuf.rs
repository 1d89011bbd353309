//! The OTLP/HTTP and gRPC receivers' protobuf decoding, then the id checks
//! that decide partial success.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtrace_collector::receiver::decode::decode_protobuf;
use wasmtrace_collector::receiver::drop_invalid_spans;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut traces) = decode_protobuf(data) {
        let _ = drop_invalid_spans(&mut traces);
    }
});
