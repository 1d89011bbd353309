//! Receivers: how spans come in. Each decodes its transport into an OTLP
//! request, sets aside spans that cannot be valid (reported back as a partial
//! success), and hands the rest to the pipelines that list it.

pub mod cors;
pub mod decode;
pub mod json;
pub mod otlp_grpc;
pub mod otlp_http;
pub mod protect;

use crate::consumer::Traces;

/// Spans set aside from a request, and why (the first reason, for the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub spans: u64,
    pub message: String,
}

/// Removes spans whose ids cannot be valid: a trace id that is not 16 bytes or
/// is all zeros, a span id not 8 bytes or all zeros, a parent or link id of the
/// wrong length. A client sending base64 ids in JSON (a common mistake) is told
/// so instead of having mangled spans stored.
pub fn drop_invalid_spans(traces: &mut Traces) -> Option<Rejected> {
    let mut rejected: Option<Rejected> = None;
    for (r, rs) in traces.resource_spans.iter_mut().enumerate() {
        for (s, ss) in rs.scope_spans.iter_mut().enumerate() {
            let mut index = 0;
            ss.spans.retain(|span| {
                let i = index;
                index += 1;
                let Err(problem) = check_span(span) else {
                    return true;
                };
                let r = rejected.get_or_insert_with(|| Rejected {
                    spans: 0,
                    message: format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}].{problem}"),
                });
                r.spans += 1;
                false
            });
        }
    }
    if let Some(r) = &mut rejected {
        if r.spans > 1 {
            r.message = format!("{} spans rejected; the first: {}", r.spans, r.message);
        }
    }
    rejected
}

fn check_span(span: &opentelemetry_proto::tonic::trace::v1::Span) -> Result<(), String> {
    check_id("traceId", &span.trace_id, 16, false)?;
    check_id("spanId", &span.span_id, 8, false)?;
    check_id("parentSpanId", &span.parent_span_id, 8, true)?;
    for (l, link) in span.links.iter().enumerate() {
        check_id(&format!("links[{l}].traceId"), &link.trace_id, 16, false)?;
        check_id(&format!("links[{l}].spanId"), &link.span_id, 8, false)?;
    }
    Ok(())
}

fn check_id(field: &str, id: &[u8], len: usize, optional: bool) -> Result<(), String> {
    if id.is_empty() && optional {
        return Ok(());
    }
    if id.len() != len {
        return Err(format!(
            "{field}: must be {len} bytes ({} hex digits in JSON), got {} bytes",
            len * 2,
            id.len()
        ));
    }
    if id.iter().all(|b| *b == 0) {
        return Err(format!("{field}: must not be all zeros"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    fn traces(spans: Vec<(Vec<u8>, Vec<u8>)>) -> Traces {
        Traces {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: spans
                        .into_iter()
                        .map(|(trace_id, span_id)| Span {
                            trace_id,
                            span_id,
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn valid_spans_pass() {
        let mut t = traces(vec![(vec![1; 16], vec![2; 8])]);
        assert_eq!(drop_invalid_spans(&mut t), None);
        assert_eq!(t.resource_spans[0].scope_spans[0].spans.len(), 1);
    }

    #[test]
    fn bad_ids_are_removed_and_named() {
        let mut t = traces(vec![
            (vec![1; 16], vec![2; 8]),
            (vec![1; 12], vec![2; 8]),
            (vec![1; 16], vec![0; 8]),
            (vec![], vec![2; 8]),
        ]);
        let r = drop_invalid_spans(&mut t).unwrap();
        assert_eq!(r.spans, 3);
        assert!(r.message.starts_with("3 spans rejected"), "{}", r.message);
        assert!(
            r.message
                .contains("spans[1].traceId: must be 16 bytes (32 hex digits in JSON), got 12"),
            "{}",
            r.message
        );
        assert_eq!(t.resource_spans[0].scope_spans[0].spans.len(), 1);

        let mut t = traces(vec![(vec![1; 16], vec![2; 6])]);
        let r = drop_invalid_spans(&mut t).unwrap();
        assert_eq!(r.spans, 1);
        assert!(r.message.contains("spans[0].spanId"), "{}", r.message);
    }
}
