//! What a network exporter implements: one attempt to send one request, saying
//! whether a failure is worth retrying.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::consumer::Traces;

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<SendOutcome, SendError>> + Send + 'a>>;

/// Requests are shared (`Arc`) so a backend can encode one without copying it.
pub trait Backend: Send + Sync + 'static {
    fn send<'a>(&'a self, traces: &'a Arc<Traces>) -> SendFuture<'a>;
}

/// A send that went through; the backend may still have refused some spans.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SendOutcome {
    /// Spans the backend rejected for good (OTLP partial success, X-Ray unprocessed).
    pub rejected: u64,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SendError {
    /// Worth another try, after `retry_after` if the backend said so.
    #[error("{message}")]
    Retryable {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Trying again cannot help (bad request, auth refused).
    #[error("{0}")]
    Permanent(String),
}
