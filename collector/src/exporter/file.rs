//! The `file` exporter: one OTLP/JSON line per received request.
//!
//! Each line is a `TracesData` object (`{"resourceSpans":[...]}`) with hex ids,
//! camelCase keys and 64-bit integers as strings, default-valued fields left out:
//! the form the OpenTelemetry Collector's file exporter writes, so the same tools
//! read both. Lines are flushed one by one so a reader sees each request at once.

use std::path::PathBuf;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::ResourceSpans;
use serde_json::Value;
use tokio::fs::{File, OpenOptions};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use crate::config::{ComponentId, FileExporterConfig, FileFormat};

#[derive(Debug)]
pub struct FileExporter {
    id: ComponentId,
    path: PathBuf,
    // One writer at a time keeps lines from interleaving.
    file: Mutex<File>,
}

impl FileExporter {
    pub async fn open(
        id: &ComponentId,
        config: &FileExporterConfig,
    ) -> Result<FileExporter, String> {
        let FileFormat::Json = config.format;
        let error = |message: String| move |source: std::io::Error| format!("{message}: {source}");
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(error(format!("cannot create directory {}", dir.display())))?;
        }
        let mut options = OpenOptions::new();
        options.create(true);
        // Like the Collector: `append: false` starts each run with an empty file.
        if config.append {
            options.append(true);
        } else {
            options.write(true).truncate(true);
        }
        let file = options
            .open(&config.path)
            .await
            .map_err(error(format!("cannot open {}", config.path.display())))?;
        Ok(FileExporter {
            id: id.clone(),
            path: config.path.clone(),
            file: Mutex::new(file),
        })
    }

    pub fn id(&self) -> &ComponentId {
        &self.id
    }

    pub async fn export(&self, request: &ExportTraceServiceRequest) -> Result<(), String> {
        // Encoded under the lock: one JSON tree in memory at a time, however
        // many requests arrive together.
        let mut file = self.file.lock().await;
        let line = json_line(request);
        let written = async {
            file.write_all(&line).await?;
            file.flush().await
        };
        written
            .await
            .map_err(|source| self.error("cannot write", source))
    }

    pub async fn shutdown(&self) -> Result<(), String> {
        let mut file = self.file.lock().await;
        file.flush()
            .await
            .map_err(|source| self.error("cannot flush", source))?;
        file.sync_all()
            .await
            .map_err(|source| self.error("cannot sync", source))
    }

    fn error(&self, what: &str, source: std::io::Error) -> String {
        format!(
            "exporter {}: {what} {}: {source}",
            self.id,
            self.path.display()
        )
    }
}

/// The request as one OTLP/JSON line, newline included. Written span by span,
/// so memory holds one span's JSON tree at a time, not the whole batch's.
pub fn json_line(request: &ExportTraceServiceRequest) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.push(b'{');
    if !request.resource_spans.is_empty() {
        out.extend_from_slice(b"\"resourceSpans\":[");
        for (i, rs) in request.resource_spans.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_resource_spans(&mut out, rs);
        }
        out.push(b']');
    }
    out.extend_from_slice(b"}\n");
    out
}

// Keys in the order serde_json's map writes them (sorted), as before.
fn write_resource_spans(out: &mut Vec<u8>, rs: &ResourceSpans) {
    let mut object = Object::new(out);
    object.field("resource", &rs.resource);
    object.field("schemaUrl", &rs.schema_url);
    object.list("scopeSpans", &rs.scope_spans, |out, ss| {
        let mut object = Object::new(out);
        object.field("schemaUrl", &ss.schema_url);
        object.field("scope", &ss.scope);
        object.list("spans", &ss.spans, write_json);
        object.close();
    });
    object.close();
}

/// Writes `{"key":value,...}`, leaving out default values.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>) -> Object<'a> {
        out.push(b'{');
        Object { out, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn field<T: serde::Serialize>(&mut self, key: &str, value: &T) {
        let mut value = serde_json::to_value(value).expect("OTLP messages serialize to JSON");
        drop_defaults(&mut value);
        if !is_default(&value) {
            self.key(key);
            serde_json::to_writer(&mut *self.out, &value).expect("writing to memory");
        }
    }

    fn list<T>(&mut self, key: &str, items: &[T], mut write: impl FnMut(&mut Vec<u8>, &T)) {
        if items.is_empty() {
            return;
        }
        self.key(key);
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write(self.out, item);
        }
        self.out.push(b']');
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

fn write_json<T: serde::Serialize>(out: &mut Vec<u8>, value: &T) {
    let mut value = serde_json::to_value(value).expect("OTLP messages serialize to JSON");
    drop_defaults(&mut value);
    serde_json::to_writer(out, &value).expect("writing to memory");
}

/// What proto3 JSON writers leave out.
fn is_default(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The keys of `AnyValue`'s one-of: their zero values (`""`, `0`, `false`) are data.
const ANY_VALUE_KEYS: [&str; 8] = [
    "stringValue",
    "boolValue",
    "intValue",
    "doubleValue",
    "arrayValue",
    "kvlistValue",
    "bytesValue",
    "stringValueStrindex",
];

/// Removes null, empty-string, zero and empty-array fields, as proto3 JSON writers do,
/// except inside `AnyValue` where such values are meaningful.
fn drop_defaults(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(drop_defaults),
        Value::Object(map) => {
            map.retain(|key, v| ANY_VALUE_KEYS.contains(&key.as_str()) || !is_default(v));
            map.values_mut().for_each(drop_defaults);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    fn attr(key: &str, value: any_value::Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    #[test]
    fn line_is_otlp_json_without_defaults() {
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span {
                        trace_id: vec![0xab; 16],
                        span_id: vec![0x01; 8],
                        name: "s".into(),
                        kind: 3,
                        start_time_unix_nano: 1_544_712_660_000_000_000,
                        end_time_unix_nano: 1_544_712_661_000_000_000,
                        attributes: vec![
                            attr("empty", any_value::Value::StringValue(String::new())),
                            attr("zero", any_value::Value::DoubleValue(0.0)),
                            attr("no", any_value::Value::BoolValue(false)),
                            attr("n", any_value::Value::IntValue(0)),
                        ],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let line = json_line(&request);
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
        let v: Value = serde_json::from_slice(&line).unwrap();
        let span = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(span["traceId"], "abababababababababababababababab");
        assert_eq!(span["spanId"], "0101010101010101");
        assert_eq!(span["kind"], 3);
        assert_eq!(span["startTimeUnixNano"], "1544712660000000000");
        assert!(span.get("parentSpanId").is_none(), "{span}");
        assert!(span.get("traceState").is_none(), "{span}");
        assert!(span.get("events").is_none(), "{span}");
        assert_eq!(
            span["attributes"][0]["value"],
            serde_json::json!({"stringValue": ""})
        );
        assert_eq!(
            span["attributes"][1]["value"],
            serde_json::json!({"doubleValue": 0.0})
        );
        assert_eq!(
            span["attributes"][2]["value"],
            serde_json::json!({"boolValue": false})
        );
        assert_eq!(
            span["attributes"][3]["value"],
            serde_json::json!({"intValue": "0"})
        );
        assert!(v["resourceSpans"][0].get("schemaUrl").is_none());
    }

    /// Span by span gives the same bytes as the whole request as one JSON tree.
    #[test]
    fn streamed_line_equals_the_whole_tree() {
        use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
        use opentelemetry_proto::tonic::resource::v1::Resource;
        let span = |name: &str| Span {
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            name: name.into(),
            kind: 2,
            attributes: vec![attr("k", any_value::Value::StringValue("v".into()))],
            ..Default::default()
        };
        let request = ExportTraceServiceRequest {
            resource_spans: vec![
                ResourceSpans {
                    resource: Some(Resource {
                        attributes: vec![attr(
                            "service.name",
                            any_value::Value::StringValue("s".into()),
                        )],
                        ..Default::default()
                    }),
                    schema_url: "https://opentelemetry.io/schemas/1.21.0".into(),
                    scope_spans: vec![
                        ScopeSpans {
                            scope: Some(InstrumentationScope {
                                name: "lib".into(),
                                version: "1".into(),
                                ..Default::default()
                            }),
                            spans: vec![span("a"), span("b")],
                            schema_url: "x".into(),
                        },
                        ScopeSpans::default(),
                    ],
                },
                ResourceSpans {
                    resource: Some(Resource::default()),
                    scope_spans: vec![ScopeSpans {
                        spans: vec![span("c")],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                ResourceSpans::default(),
            ],
        };
        let mut whole = serde_json::to_value(&request).unwrap();
        drop_defaults(&mut whole);
        let mut expected = serde_json::to_vec(&whole).unwrap();
        expected.push(b'\n');
        assert_eq!(
            String::from_utf8(json_line(&request)).unwrap(),
            String::from_utf8(expected).unwrap()
        );
        assert_eq!(json_line(&ExportTraceServiceRequest::default()), b"{}\n");
    }

    #[tokio::test]
    async fn appends_or_truncates_like_the_collector() {
        let dir = std::env::temp_dir().join(format!("wasmtrace-file-{}", std::process::id()));
        let path = dir.join("nested").join("out.jsonl");
        let id = ComponentId::parse("file").unwrap();
        let config = |append| FileExporterConfig {
            path: path.clone(),
            append,
            format: FileFormat::Json,
        };
        let request = ExportTraceServiceRequest::default();
        for append in [false, true] {
            let e = FileExporter::open(&id, &config(append)).await.unwrap();
            e.export(&request).await.unwrap();
            e.shutdown().await.unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n{}\n");
        let e = FileExporter::open(&id, &config(false)).await.unwrap();
        e.shutdown().await.unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
