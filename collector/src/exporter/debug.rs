//! The `debug` exporter: a readable log line per request, for seeing data arrive.
//!
//! `verbosity: basic` (the default) logs one summary line; `normal` and `detailed`
//! add one line per span with its ids, kind, duration and status.

use std::fmt::Write;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::ResourceSpans;
use tracing::info;

use crate::config::{ComponentId, DebugExporterConfig, Verbosity};
use crate::processor::split::span_count;

/// Span names listed per resource before the summary cuts off.
const MAX_NAMES: usize = 10;

#[derive(Debug)]
pub struct DebugExporter {
    id: ComponentId,
    verbosity: Verbosity,
}

impl DebugExporter {
    pub fn new(id: &ComponentId, config: &DebugExporterConfig) -> DebugExporter {
        DebugExporter {
            id: id.clone(),
            verbosity: config.verbosity,
        }
    }

    pub fn id(&self) -> &ComponentId {
        &self.id
    }

    pub fn export(&self, request: &ExportTraceServiceRequest) {
        info!(exporter = %self.id, "{}", summary(request));
        if self.verbosity == Verbosity::Basic {
            return;
        }
        for rs in &request.resource_spans {
            for span in rs.scope_spans.iter().flat_map(|ss| &ss.spans) {
                let nanos = span
                    .end_time_unix_nano
                    .saturating_sub(span.start_time_unix_nano);
                info!(
                    exporter = %self.id,
                    "span {:?} trace_id={} span_id={} parent_span_id={} kind={} duration_ms={:.3} status={}",
                    span.name,
                    hex(&span.trace_id),
                    hex(&span.span_id),
                    hex(&span.parent_span_id),
                    span.kind,
                    nanos as f64 / 1e6,
                    span.status.as_ref().map_or(0, |s| s.code),
                );
            }
        }
    }
}

/// `2 spans, 1 resource: service.name="svc" spans=["GET /", "fetch"]`
pub fn summary(request: &ExportTraceServiceRequest) -> String {
    let spans = span_count(request);
    let resources = request.resource_spans.len();
    let mut out = format!(
        "{spans} span{}, {resources} resource{}:",
        plural(spans),
        plural(resources)
    );
    for (i, rs) in request.resource_spans.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let names: Vec<&str> = rs
            .scope_spans
            .iter()
            .flat_map(|ss| &ss.spans)
            .map(|s| s.name.as_str())
            .collect();
        let _ = write!(
            out,
            " service.name={:?} spans={:?}",
            service_name(rs).unwrap_or("unknown_service"),
            &names[..names.len().min(MAX_NAMES)]
        );
        if names.len() > MAX_NAMES {
            let _ = write!(out, " (+{} more)", names.len() - MAX_NAMES);
        }
    }
    out
}

fn service_name(rs: &ResourceSpans) -> Option<&str> {
    let attrs = &rs.resource.as_ref()?.attributes;
    let kv = attrs.iter().find(|kv| kv.key == "service.name")?;
    match kv.value.as_ref()?.value.as_ref()? {
        Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ScopeSpans, Span};

    fn resource(service: Option<&str>, names: &[&str]) -> ResourceSpans {
        ResourceSpans {
            resource: service.map(|s| Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: Some(AnyValue {
                        value: Some(Value::StringValue(s.into())),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: names
                    .iter()
                    .map(|n| Span {
                        name: n.to_string(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn summary_names_service_and_spans() {
        let request = ExportTraceServiceRequest {
            resource_spans: vec![resource(Some("web"), &["GET /", "fetch"])],
        };
        assert_eq!(
            summary(&request),
            r#"2 spans, 1 resource: service.name="web" spans=["GET /", "fetch"]"#
        );
    }

    #[test]
    fn summary_cuts_long_lists_and_handles_missing_service() {
        let names: Vec<String> = (0..12).map(|i| format!("s{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let request = ExportTraceServiceRequest {
            resource_spans: vec![resource(None, &["a"]), resource(Some("api"), &names)],
        };
        let s = summary(&request);
        assert!(
            s.starts_with("13 spans, 2 resources: service.name=\"unknown_service\" spans=[\"a\"];"),
            "{s}"
        );
        assert!(s.contains("\"s9\"] (+2 more)"), "{s}");
        assert!(!s.contains("s10"), "{s}");
    }

    #[test]
    fn hex_ids() {
        assert_eq!(hex(&[0x0a, 0xff]), "0aff");
    }
}
