//! One OTLP span → one X-Ray segment document, after the Collector's awsxray
//! exporter: segment or independent subsegment, the name by its precedence
//! rules, `http`, `aws`, `sql`, `fault`/`error`/`throttle`, `cause`,
//! annotations for indexed attributes (keys sanitized), metadata for the rest,
//! `origin`, and the X-Ray trace-id form.

use std::collections::HashSet;

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Map, Value as Json};
use wasmtrace::core::ids::TraceId;

use super::attrs::{annotatable, to_json, Attrs};
use super::{aws, cause, http};

/// X-Ray indexes at most this many annotations; more go to metadata.
pub const MAX_ANNOTATIONS: usize = 50;
/// The longest segment name X-Ray takes.
pub const MAX_NAME: usize = 200;

/// The exporter settings the translation uses.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub indexed_attributes: Vec<String>,
    pub index_all_attributes: bool,
    pub log_groups: Vec<String>,
}

/// The segment document for `span`, or why there cannot be one.
pub fn segment(
    span: &Span,
    resource: Option<&Resource>,
    options: &Options,
) -> Result<Json, String> {
    let trace_id: [u8; 16] = span
        .trace_id
        .as_slice()
        .try_into()
        .map_err(|_| format!("trace id has {} bytes, not 16", span.trace_id.len()))?;
    if span.span_id.len() != 8 {
        return Err(format!("span id has {} bytes, not 8", span.span_id.len()));
    }
    let kind = SpanKind::try_from(span.kind).unwrap_or(SpanKind::Unspecified);
    let has_parent = !span.parent_span_id.is_empty();
    let subsegment = kind != SpanKind::Server && has_parent;
    let attrs = Attrs::new(&span.attributes);
    let no_attributes = Vec::new();
    let res = Attrs::new(resource.map_or(&no_attributes, |r| &r.attributes));

    let mut doc = Map::new();
    let (name, namespace) = name_and_namespace(span, kind, &attrs, &res);
    doc.insert("name".into(), Json::from(name));
    doc.insert("id".into(), Json::from(hex(&span.span_id)));
    doc.insert(
        "trace_id".into(),
        Json::from(TraceId(trace_id).to_xray_text()),
    );
    doc.insert("start_time".into(), seconds(span.start_time_unix_nano));
    if span.end_time_unix_nano == 0 {
        doc.insert("in_progress".into(), Json::from(true));
    } else {
        doc.insert("end_time".into(), seconds(span.end_time_unix_nano));
    }
    if has_parent {
        doc.insert("parent_id".into(), Json::from(hex(&span.parent_span_id)));
    }
    if subsegment {
        doc.insert("type".into(), Json::from("subsegment"));
        if let Some(ns) = namespace {
            doc.insert("namespace".into(), Json::from(ns));
        }
    }

    let outcome = cause::outcome(span, &attrs);
    doc.insert("fault".into(), Json::from(outcome.fault));
    doc.insert("error".into(), Json::from(outcome.error));
    doc.insert("throttle".into(), Json::from(outcome.throttle));
    let language = res.str("telemetry.sdk.language");
    if let Some(c) = cause::cause(span, &attrs, language.as_deref()) {
        doc.insert("cause".into(), c);
    }
    if !subsegment {
        if let Some(origin) = aws::origin(&res) {
            doc.insert("origin".into(), Json::from(origin));
        }
    }
    if let Some(user) = attrs.take_first(&["enduser.id"]) {
        doc.insert("user".into(), Json::from(user));
    }
    if let Some(h) = http::http(&attrs, kind) {
        doc.insert("http".into(), h);
    }
    if let Some(a) = aws::aws(&attrs, &res, &options.log_groups) {
        doc.insert("aws".into(), a);
    }
    if let Some(s) = aws::sql(&span.name, &attrs) {
        doc.insert("sql".into(), s);
    }
    if let Some(s) = aws::service(&res) {
        doc.insert("service".into(), s);
    }

    let (annotations, metadata) = annotations_and_metadata(&attrs, &res, !subsegment, options);
    if !annotations.is_empty() {
        doc.insert("annotations".into(), Json::Object(annotations));
    }
    if !metadata.is_empty() {
        doc.insert("metadata".into(), Json::Object(metadata));
    }
    let links: Vec<Json> = span
        .links
        .iter()
        .filter_map(|link| {
            let id: [u8; 16] = link.trace_id.as_slice().try_into().ok()?;
            let mut l = Map::new();
            l.insert("trace_id".into(), Json::from(TraceId(id).to_xray_text()));
            l.insert("id".into(), Json::from(hex(&link.span_id)));
            if !link.attributes.is_empty() {
                let a: Map<String, Json> = Attrs::new(&link.attributes)
                    .unused()
                    .map(|(k, v)| (k.to_owned(), to_json(v)))
                    .collect();
                l.insert("attributes".into(), Json::Object(a));
            }
            Some(Json::Object(l))
        })
        .collect();
    if !links.is_empty() {
        doc.insert("links".into(), Json::Array(links));
    }
    Ok(Json::Object(doc))
}

/// The segment name, first hit of the Collector's precedence, and the subsegment namespace.
fn name_and_namespace(
    span: &Span,
    kind: SpanKind,
    attrs: &Attrs,
    res: &Attrs,
) -> (String, Option<&'static str>) {
    let aws_api = attrs.str("rpc.system").as_deref() == Some("aws-api");
    let remote_service = attrs.str("aws.remote.service");
    let namespace = if aws_api || attrs.get("aws.service").is_some() {
        Some("aws")
    } else if kind == SpanKind::Client
        || (matches!(kind, SpanKind::Producer | SpanKind::Consumer) && remote_service.is_some())
    {
        Some("remote")
    } else {
        None
    };
    let local_root = attrs.str("aws.span.kind").as_deref() == Some("LOCAL_ROOT");
    let by_kind = match kind {
        SpanKind::Server => attrs.str("aws.local.service"),
        SpanKind::Internal if local_root => attrs.str("aws.local.service"),
        SpanKind::Client | SpanKind::Producer | SpanKind::Consumer => remote_service.map(|s| {
            if aws_api {
                let s = s.strip_prefix("AWS.SDK.").unwrap_or(&s);
                s.strip_prefix("AWS::").unwrap_or(s).to_owned()
            } else {
                s
            }
        }),
        _ => None,
    };
    let name = by_kind
        .or_else(|| attrs.str("peer.service"))
        .or_else(|| attrs.str("aws.service"))
        .or_else(|| database_name(attrs))
        .or_else(|| {
            (kind == SpanKind::Server)
                .then(|| res.str("service.name"))
                .flatten()
        })
        .or_else(|| attrs.str("rpc.service"))
        .or_else(|| attrs.str("http.host"))
        .or_else(|| attrs.str("net.peer.name"))
        .unwrap_or_else(|| span.name.clone());
    (fix_segment_name(&name), namespace)
}

/// `db.name`, with `@host` when `db.connection_string` names one.
fn database_name(attrs: &Attrs) -> Option<String> {
    let name = attrs.str("db.name")?;
    let host = attrs.str("db.connection_string").and_then(|c| {
        let c = c.strip_prefix("jdbc:").unwrap_or(&c).to_owned();
        let rest = c.split_once("://")?.1;
        let authority = rest.split(['/', '?']).next()?;
        let host = authority.rsplit('@').next()?;
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host,
        };
        (!host.is_empty()).then(|| host.to_owned())
    });
    Some(match host {
        Some(h) => format!("{name}@{h}"),
        None => name,
    })
}

/// Keeps what X-Ray allows in a name (letters, digits, whitespace and
/// `_ . : / % & # = + \ - @`), at most 200 characters; empty becomes "span".
pub fn fix_segment_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/%&#=+\\-@".contains(*c))
        .take(MAX_NAME)
        .collect();
    if kept.is_empty() {
        "span".into()
    } else {
        kept
    }
}

/// ASCII letters, digits and `.` stay; anything else becomes `_`.
pub fn fix_annotation_key(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn annotations_and_metadata(
    attrs: &Attrs,
    res: &Attrs,
    with_resource: bool,
    options: &Options,
) -> (Map<String, Json>, Map<String, Json>) {
    let mut indexed: HashSet<String> = options.indexed_attributes.iter().cloned().collect();
    if let Some(Value::ArrayValue(list)) = attrs.get("aws.xray.annotations") {
        attrs.mark("aws.xray.annotations");
        indexed.extend(list.values.iter().filter_map(|v| match v.value.as_ref()? {
            Value::StringValue(s) => Some(s.clone()),
            _ => None,
        }));
    }
    let mut annotations = Map::new();
    let mut metadata = Map::new();
    let mut default = Map::new();
    let mut place = |key: String, value: &Value| {
        if let (Some(ns), Value::StringValue(text)) =
            (key.strip_prefix("aws.xray.metadata."), value)
        {
            if let Ok(Json::Object(parsed)) = serde_json::from_str::<Json>(text) {
                if ns == "default" {
                    default.extend(parsed);
                } else {
                    metadata.insert(ns.to_owned(), Json::Object(parsed));
                }
                return;
            }
        }
        let wanted = options.index_all_attributes || indexed.contains(&key);
        if wanted && annotatable(value) && annotations.len() < MAX_ANNOTATIONS {
            annotations.insert(fix_annotation_key(&key), to_json(value));
        } else {
            default.insert(key, to_json(value));
        }
    };
    for (key, value) in attrs.unused() {
        place(key.to_owned(), value);
    }
    if with_resource {
        for (key, value) in res.unused() {
            place(format!("otel.resource.{key}"), value);
        }
    }
    if !default.is_empty() {
        metadata.insert("default".into(), Json::Object(default));
    }
    (annotations, metadata)
}

fn seconds(nanos: u64) -> Json {
    // Microseconds are X-Ray's precision; rounding there keeps the float short.
    let micros = (nanos + 500) / 1000;
    serde_json::Number::from_f64(micros as f64 / 1e6).map_or(Json::Null, Json::Number)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
