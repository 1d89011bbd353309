//! OTLP/JSON decoding as the Collector reads it: besides the spec's form
//! (camelCase keys, hex ids, 64-bit ints as strings or numbers) it accepts
//! snake_case keys and enum names, and ignores unknown keys.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use serde::Deserialize;
use serde_json::Value;

/// Decodes OTLP/JSON. Besides the spec's form (camelCase, hex ids, 64-bit ints as
/// strings or numbers) it accepts what the Collector also tolerates: snake_case keys
/// and enum names. Unknown keys are ignored, as the spec requires.
pub fn decode_json(data: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    let mut value: Value =
        serde_json::from_slice(data).map_err(|e| format!("the body is not valid JSON: {e}"))?;
    if !value.is_object() {
        return Err(
            "the body is not an OTLP/JSON ExportTraceServiceRequest: expected a JSON object".into(),
        );
    }
    normalize_json(&mut value);
    ExportTraceServiceRequest::deserialize(value).map_err(|e| {
        let e = e.to_string();
        // The hex decoder's messages do not say which field failed; name the usual cause.
        let hint = if [
            "invalid character",
            "odd number of digits",
            "invalid string length",
        ]
        .iter()
        .any(|m| e.contains(m))
        {
            " (traceId, spanId and parentSpanId must be hex strings, not base64)"
        } else {
            ""
        };
        format!("the body is not an OTLP/JSON ExportTraceServiceRequest: {e}{hint}")
    })
}

/// Rewrites snake_case keys to camelCase and enum names to numbers. Every object key
/// in OTLP/JSON is a field name (attribute keys are values), so renaming is safe.
fn normalize_json(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(normalize_json),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains('_')) {
                for (key, v) in std::mem::take(map) {
                    map.insert(camel_case(&key), v);
                }
            }
            for (key, v) in map.iter_mut() {
                let number = match (key.as_str(), &*v) {
                    ("kind", Value::String(name)) => span_kind(name),
                    ("code", Value::String(name)) => status_code(name),
                    _ => None,
                };
                match number {
                    Some(n) => *v = Value::from(n),
                    None => normalize_json(v),
                }
            }
        }
        _ => {}
    }
}

fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn span_kind(name: &str) -> Option<i32> {
    const NAMES: [&str; 6] = [
        "SPAN_KIND_UNSPECIFIED",
        "SPAN_KIND_INTERNAL",
        "SPAN_KIND_SERVER",
        "SPAN_KIND_CLIENT",
        "SPAN_KIND_PRODUCER",
        "SPAN_KIND_CONSUMER",
    ];
    NAMES.iter().position(|n| *n == name).map(|i| i as i32)
}

fn status_code(name: &str) -> Option<i32> {
    const NAMES: [&str; 3] = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
    NAMES.iter().position(|n| *n == name).map(|i| i as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_JSON: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"scope":{"name":"t"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s","kind":1,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000","attributes":[{"key":"n","value":{"intValue":"5"}}]}]}]}]}"#;

    #[test]
    fn decodes_spec_form_json() {
        use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
        let req = decode_json(SPEC_JSON.as_bytes()).unwrap();
        let rs = &req.resource_spans[0];
        let attr = &rs.resource.as_ref().unwrap().attributes[0];
        assert_eq!(attr.key, "service.name");
        assert_eq!(
            attr.value.as_ref().unwrap().value,
            Some(Any::StringValue("svc".into()))
        );
        let span = &rs.scope_spans[0].spans[0];
        assert_eq!(span.trace_id[0], 0x5b);
        assert_eq!(span.trace_id.len(), 16);
        assert_eq!(span.span_id[7], 0x74);
        assert_eq!(span.kind, 1);
        assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);
        assert_eq!(span.end_time_unix_nano, 1_544_712_661_000_000_000);
        assert_eq!(
            span.attributes[0].value.as_ref().unwrap().value,
            Some(Any::IntValue(5))
        );
    }

    #[test]
    fn decodes_collector_tolerated_forms() {
        let json = r#"{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"5B8EFFF798038103D269B633813FC60C","span_id":"EEE19B7EC3C1B174","name":"s","kind":"SPAN_KIND_SERVER","start_time_unix_nano":1544712660000000000,"status":{"code":"STATUS_CODE_ERROR"},"unknownField":1}]}]}]}"#;
        let req = decode_json(json.as_bytes()).unwrap();
        let span = &req.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(span.trace_id[0], 0x5b);
        assert_eq!(span.kind, 2);
        assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);
        assert_eq!(span.status.as_ref().unwrap().code, 2);
    }

    #[test]
    fn json_errors_say_what_is_wrong() {
        let e = decode_json(b"{\"resourceSpans\": [").unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        let e = decode_json(b"[1]").unwrap_err();
        assert!(e.contains("expected a JSON object"), "{e}");
        let bad = SPEC_JSON.replace(
            "5b8efff798038103d269b633813fc60c",
            "W47/95gDgQPSabYzgT/GDA==",
        );
        let e = decode_json(bad.as_bytes()).unwrap_err();
        assert!(e.contains("ExportTraceServiceRequest"), "{e}");
        assert!(e.contains("must be hex strings, not base64"), "{e}");
        let bad = SPEC_JSON.replace("\"1544712661000000000\"", "\"soon\"");
        let e = decode_json(bad.as_bytes()).unwrap_err();
        assert!(!e.contains("base64"), "{e}");
    }

    #[test]
    fn camel_case_keys() {
        assert_eq!(camel_case("start_time_unix_nano"), "startTimeUnixNano");
        assert_eq!(camel_case("traceId"), "traceId");
        assert_eq!(camel_case("_x"), "_x");
    }
}
