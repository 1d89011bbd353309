//! Counting and cutting OTLP requests by spans, keeping each span with its
//! resource and scope (copied into every part a resource is cut into).

use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};

use crate::consumer::Traces;

/// How many spans a request carries.
pub fn span_count(traces: &Traces) -> usize {
    count(&traces.resource_spans)
}

pub fn count(resource_spans: &[ResourceSpans]) -> usize {
    resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len())
        .sum()
}

/// Cuts `resource_spans` into requests of at most `max` spans each, in order.
pub fn split(resource_spans: Vec<ResourceSpans>, max: usize) -> Vec<Traces> {
    assert!(max > 0, "split needs a positive size");
    let mut out = Vec::new();
    let mut current: Vec<ResourceSpans> = Vec::new();
    let mut room = max;
    for mut rs in resource_spans {
        let scopes = std::mem::take(&mut rs.scope_spans);
        let mut part = empty_like(&rs);
        for mut ss in scopes {
            while !ss.spans.is_empty() {
                if room == 0 {
                    if !part.scope_spans.is_empty() {
                        current.push(std::mem::replace(&mut part, empty_like(&rs)));
                    }
                    out.push(Traces {
                        resource_spans: std::mem::take(&mut current),
                    });
                    room = max;
                }
                let take = room.min(ss.spans.len());
                let rest = ss.spans.split_off(take);
                let head = ScopeSpans {
                    spans: std::mem::replace(&mut ss.spans, rest),
                    ..scope_like(&ss)
                };
                part.scope_spans.push(head);
                room -= take;
            }
        }
        if !part.scope_spans.is_empty() {
            current.push(part);
        }
    }
    if !current.is_empty() {
        out.push(Traces {
            resource_spans: current,
        });
    }
    out
}

fn empty_like(rs: &ResourceSpans) -> ResourceSpans {
    ResourceSpans {
        resource: rs.resource.clone(),
        scope_spans: Vec::new(),
        schema_url: rs.schema_url.clone(),
    }
}

fn scope_like(ss: &ScopeSpans) -> ScopeSpans {
    ScopeSpans {
        scope: ss.scope.clone(),
        spans: Vec::new(),
        schema_url: ss.schema_url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::Span;

    fn rs(scopes: &[usize], tag: u8) -> ResourceSpans {
        ResourceSpans {
            schema_url: format!("r{tag}"),
            scope_spans: scopes
                .iter()
                .enumerate()
                .map(|(i, n)| ScopeSpans {
                    schema_url: format!("s{i}"),
                    spans: (0..*n)
                        .map(|k| Span {
                            name: format!("{tag}.{i}.{k}"),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn names(t: &Traces) -> Vec<String> {
        t.resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| s.name.clone())
            .collect()
    }

    #[test]
    fn cuts_at_span_boundaries_and_keeps_order_and_context() {
        let input = vec![rs(&[3, 2], 1), rs(&[4], 2)];
        let parts = split(input, 4);
        let sizes: Vec<usize> = parts.iter().map(span_count).collect();
        assert_eq!(sizes, [4, 4, 1]);
        let all: Vec<String> = parts.iter().flat_map(names).collect();
        assert_eq!(
            all,
            ["1.0.0", "1.0.1", "1.0.2", "1.1.0", "1.1.1", "2.0.0", "2.0.1", "2.0.2", "2.0.3"]
        );
        // The second part starts mid-resource 1: its resource and scope came along.
        assert_eq!(parts[1].resource_spans[0].schema_url, "r1");
        assert_eq!(parts[1].resource_spans[0].scope_spans[0].schema_url, "s1");
        assert_eq!(parts[1].resource_spans[1].schema_url, "r2");
    }

    #[test]
    fn exact_fit_and_empty() {
        let parts = split(vec![rs(&[2], 1), rs(&[2], 2)], 2);
        assert_eq!(parts.len(), 2);
        assert!(split(vec![], 5).is_empty());
        let parts = split(vec![rs(&[5], 1)], 100);
        assert_eq!(parts.len(), 1);
        assert_eq!(span_count(&parts[0]), 5);
    }
}
