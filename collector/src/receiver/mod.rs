//! Receivers: how spans come in. Each decodes its transport into an
//! `ExportTraceServiceRequest` and hands it to the pipelines that list it.
//!
//! OTLP/HTTP lives in `otlp_http`; OTLP/gRPC will sit beside it in `otlp_grpc`.

pub mod cors;
pub mod otlp_http;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

/// Rejects ids of the wrong length, so a client sending base64 ids (a common
/// OTLP/JSON mistake) is told so instead of having its spans mangled downstream.
/// Empty ids pass, as in the Collector.
pub fn check_ids(request: &ExportTraceServiceRequest) -> Result<(), String> {
    fn check(at: impl Fn() -> String, field: &str, id: &[u8], len: usize) -> Result<(), String> {
        if id.is_empty() || id.len() == len {
            return Ok(());
        }
        Err(format!(
            "{}.{field}: an id must be {len} bytes ({} hex digits), got {} bytes",
            at(),
            len * 2,
            id.len()
        ))
    }
    for (r, rs) in request.resource_spans.iter().enumerate() {
        for (s, ss) in rs.scope_spans.iter().enumerate() {
            for (i, span) in ss.spans.iter().enumerate() {
                let at = || format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}]");
                check(at, "traceId", &span.trace_id, 16)?;
                check(at, "spanId", &span.span_id, 8)?;
                check(at, "parentSpanId", &span.parent_span_id, 8)?;
                for (l, link) in span.links.iter().enumerate() {
                    let at = || format!("{}.links[{l}]", at());
                    check(at, "traceId", &link.trace_id, 16)?;
                    check(at, "spanId", &link.span_id, 8)?;
                }
            }
        }
    }
    Ok(())
}

/// How many spans a request carries.
pub fn span_count(request: &ExportTraceServiceRequest) -> usize {
    request
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    fn request(trace_id: Vec<u8>, span_id: Vec<u8>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span {
                        trace_id,
                        span_id,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn id_lengths() {
        assert!(check_ids(&request(vec![1; 16], vec![2; 8])).is_ok());
        assert!(check_ids(&request(vec![], vec![])).is_ok());
        let e = check_ids(&request(vec![1; 12], vec![2; 8])).unwrap_err();
        assert!(
            e.contains("spans[0].traceId") && e.contains("got 12"),
            "{e}"
        );
        let e = check_ids(&request(vec![1; 16], vec![2; 6])).unwrap_err();
        assert!(e.contains("spanId"), "{e}");
        assert_eq!(span_count(&request(vec![], vec![])), 1);
    }
}
