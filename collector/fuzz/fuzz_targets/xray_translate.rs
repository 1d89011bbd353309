//! Decoded requests translated to X-Ray segment documents and trimmed to
//! 64 KB: every document must be JSON within the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtrace_collector::config::ComponentId;
use wasmtrace_collector::exporter::awsxray::{documents, translate::Options, trim};
use wasmtrace_collector::receiver::decode::decode_protobuf;

fuzz_target!(|data: &[u8]| {
    let Ok(traces) = decode_protobuf(data) else { return };
    let options = Options {
        indexed_attributes: vec!["a".into()],
        index_all_attributes: data.len() % 2 == 0,
        log_groups: vec![],
    };
    let id = ComponentId::parse("awsxray").unwrap();
    let (docs, _) = documents(&id, &traces, &options);
    for (_, doc) in docs {
        assert!(doc.len() <= trim::MAX_DOCUMENT_BYTES);
        let _: serde_json::Value = serde_json::from_str(&doc).unwrap();
    }
});
