//! The `file` exporter: one OTLP/JSON line per received request.
//!
//! Each line is a `TracesData` object (`{"resourceSpans":[...]}`) with hex ids,
//! camelCase keys and 64-bit integers as strings, default-valued fields left out:
//! the form the OpenTelemetry Collector's file exporter writes, so the same tools
//! read both. Lines are flushed one by one so a reader sees each request at once.

use std::path::PathBuf;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
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
        let line = json_line(request);
        let mut file = self.file.lock().await;
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

/// The request as one OTLP/JSON line, newline included.
pub fn json_line(request: &ExportTraceServiceRequest) -> Vec<u8> {
    let mut value = serde_json::to_value(request).expect("OTLP messages serialize to JSON");
    drop_defaults(&mut value);
    let mut line = serde_json::to_vec(&value).expect("a JSON value serializes");
    line.push(b'\n');
    line
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
            map.retain(|key, v| {
                ANY_VALUE_KEYS.contains(&key.as_str())
                    || !match v {
                        Value::Null => true,
                        Value::String(s) => s.is_empty(),
                        Value::Number(n) => n.as_f64() == Some(0.0),
                        Value::Array(a) => a.is_empty(),
                        _ => false,
                    }
            });
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
