//! The `awsxray` exporter: each span becomes a segment document (`translate`),
//! trimmed to 64 KB (`trim`), sent with `PutTraceSegments` in batches of at most
//! 50 through the AWS SDK (`client`). Documents X-Ray leaves unprocessed are
//! sent again when the reason is passing (throttling, server errors) and
//! otherwise logged one by one and counted as rejected — never ignored.

mod attrs;
mod aws;
mod cause;
pub mod client;
mod http;
pub mod translate;
pub mod trim;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_xray::config::http::HttpResponse;
use aws_sdk_xray::error::SdkError;
use aws_sdk_xray::operation::put_trace_segments::PutTraceSegmentsError;
use aws_sdk_xray::Client;
use tracing::{debug, warn};

use super::backend::{Backend, SendError, SendFuture, SendOutcome};
use crate::config::{AwsXrayExporterConfig, ComponentId};
use crate::consumer::Traces;
use translate::Options;

/// PutTraceSegments takes at most this many documents per call.
pub const MAX_PER_CALL: usize = 50;
/// Tries for documents X-Ray left unprocessed for a passing reason.
const UNPROCESSED_TRIES: u32 = 3;

pub struct XrayBackend {
    id: ComponentId,
    client: Client,
    options: Options,
}

impl XrayBackend {
    pub async fn new(
        id: &ComponentId,
        config: &AwsXrayExporterConfig,
    ) -> Result<XrayBackend, String> {
        Ok(XrayBackend {
            id: id.clone(),
            client: client::build(config).await?,
            options: Options {
                indexed_attributes: config.indexed_attributes.clone(),
                index_all_attributes: config.index_all_attributes,
                log_groups: config.aws_log_groups.clone(),
            },
        })
    }

    /// Segment documents for every span, as JSON text; spans that cannot be
    /// translated are counted.
    pub fn documents(&self, traces: &Traces) -> (Vec<(String, String)>, u64) {
        documents(&self.id, traces, &self.options)
    }

    /// Sends one batch; returns how many documents were finally refused.
    async fn put(&self, batch: Vec<(String, String)>) -> Result<u64, SendError> {
        let mut pending = batch;
        let mut rejected = 0u64;
        for attempt in 1..=UNPROCESSED_TRIES {
            let response = self
                .client
                .put_trace_segments()
                .set_trace_segment_documents(Some(pending.iter().map(|(_, d)| d.clone()).collect()))
                .send()
                .await
                .map_err(classify)?;
            let unprocessed = response.unprocessed_trace_segments();
            if unprocessed.is_empty() {
                return Ok(rejected);
            }
            let mut again = Vec::new();
            for u in unprocessed {
                let id = u.id().unwrap_or_default();
                let code = u.error_code().unwrap_or_default();
                let message = u.message().unwrap_or_default();
                let passing = is_passing(code);
                if passing && attempt < UNPROCESSED_TRIES {
                    if let Some(doc) = pending.iter().find(|(i, _)| i == id) {
                        again.push(doc.clone());
                        continue;
                    }
                }
                rejected += 1;
                warn!(
                    exporter = %self.id,
                    segment = id,
                    error_code = code,
                    "X-Ray did not take a segment: {message}"
                );
            }
            if again.is_empty() {
                return Ok(rejected);
            }
            debug!(exporter = %self.id, count = again.len(), attempt, "sending unprocessed segments again");
            tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            pending = again;
        }
        Ok(rejected)
    }
}

/// The translation of a whole request: (segment id, document) pairs, and the
/// number of spans that could not be translated.
pub fn documents(
    id: &ComponentId,
    traces: &Traces,
    options: &Options,
) -> (Vec<(String, String)>, u64) {
    let mut out = Vec::new();
    let mut failed = 0;
    for rs in &traces.resource_spans {
        for span in rs.scope_spans.iter().flat_map(|ss| &ss.spans) {
            match translate::segment(span, rs.resource.as_ref(), options) {
                Ok(doc) => {
                    let segment_id = doc["id"].as_str().unwrap_or_default().to_owned();
                    let (text, trimmed) = trim::fit(doc, trim::MAX_DOCUMENT_BYTES);
                    if trimmed {
                        warn!(exporter = %id, segment = %segment_id, "segment over 64 KB: trimmed (see metadata.wasmtrace)");
                    }
                    out.push((segment_id, text));
                }
                Err(e) => {
                    failed += 1;
                    warn!(exporter = %id, span = %span.name, "span not translated to a segment: {e}");
                }
            }
        }
    }
    (out, failed)
}

/// Error codes worth sending the document again for.
fn is_passing(code: &str) -> bool {
    let c = code.to_ascii_lowercase();
    c.contains("throttl")
        || c.contains("internal")
        || c.contains("unavailable")
        || c.starts_with('5')
}

impl Backend for XrayBackend {
    fn send<'a>(&'a self, traces: &'a Arc<Traces>) -> SendFuture<'a> {
        Box::pin(async move {
            let (docs, untranslatable) = self.documents(traces);
            let mut rejected = untranslatable;
            let mut docs = docs.into_iter().peekable();
            while docs.peek().is_some() {
                let batch: Vec<_> = docs.by_ref().take(MAX_PER_CALL).collect();
                rejected += self.put(batch).await?;
            }
            Ok(SendOutcome { rejected })
        })
    }
}

/// Throttling, server errors and transport failures are retried; other
/// client errors (bad request, access denied) are not.
fn classify(e: SdkError<PutTraceSegmentsError, HttpResponse>) -> SendError {
    let message = format!(
        "PutTraceSegments failed: {}",
        aws_sdk_xray::error::DisplayErrorContext(&e)
    );
    match &e {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            if status == 429 || status >= 500 {
                SendError::Retryable {
                    message,
                    retry_after: None,
                }
            } else {
                SendError::Permanent(message)
            }
        }
        SdkError::ConstructionFailure(_) => SendError::Permanent(message),
        _ => SendError::Retryable {
            message,
            retry_after: None,
        },
    }
}
