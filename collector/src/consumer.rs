//! What flows between components and how a component says "not now".
//!
//! A receiver hands a request to a [`TracesConsumer`] (every pipeline that lists
//! it); each pipeline is a [`Chain`] of processors ending in its exporters. A
//! component that cannot take data answers [`ConsumeError::Refused`] with a
//! delay, which receivers turn into 503/429 + `Retry-After` or a gRPC status
//! with `RetryInfo`: data is refused before it is accepted, never dropped after.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

use crate::exporter::Fanout;
use crate::processor::batch::Batcher;
use crate::processor::memory_limiter::MemoryLimiter;

/// The unit of data: one OTLP export request.
pub type Traces = ExportTraceServiceRequest;

/// Why data was refused; decides the status a client gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The memory limiter is over its soft limit (HTTP 503, gRPC UNAVAILABLE).
    MemoryLimit,
    /// A sending queue or batch buffer is full (HTTP 503, gRPC RESOURCE_EXHAUSTED).
    QueueFull,
    /// The collector is stopping (HTTP 503, gRPC UNAVAILABLE).
    ShuttingDown,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ConsumeError {
    /// Temporary: nothing was kept; the client should send again after `retry_after`.
    #[error("{reason}")]
    Refused {
        kind: Refusal,
        reason: String,
        retry_after: Duration,
    },
    /// The data cannot be stored (e.g. the file exporter cannot write).
    #[error("{0}")]
    Failed(String),
}

impl ConsumeError {
    pub fn refused(kind: Refusal, reason: impl Into<String>, retry_after: Duration) -> Self {
        ConsumeError::Refused {
            kind,
            reason: reason.into(),
            retry_after,
        }
    }
}

/// How a component waits for room downstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A client is waiting: refuse at once when full.
    Try,
    /// A batch being flushed: wait for room (the batch buffer pushes back instead).
    Wait,
}

/// One pipeline from a given point on: processors, then the exporters.
pub enum Chain {
    Limit(Arc<MemoryLimiter>, Box<Chain>),
    /// The batcher holds the rest of the chain.
    Batch(Arc<Batcher>),
    Export(Fanout),
}

/// A refusal that hands the data back when nothing has used it yet, so a
/// batch can keep it instead of losing it.
pub type Offered = (ConsumeError, Option<Traces>);

impl Chain {
    pub async fn consume(&self, traces: Traces, mode: Mode) -> Result<(), ConsumeError> {
        self.offer(traces, mode).await.map_err(|(e, _)| e)
    }

    /// Like `consume`, returning the request with a refusal that left it unused.
    pub async fn offer(&self, traces: Traces, mode: Mode) -> Result<(), Offered> {
        let mut node = self;
        loop {
            match node {
                Chain::Limit(limiter, next) => {
                    match mode {
                        Mode::Try => {
                            if let Err(e) = limiter.check() {
                                return Err((e, Some(traces)));
                            }
                        }
                        Mode::Wait => limiter.wait_below().await,
                    }
                    node = next;
                }
                Chain::Batch(batcher) => {
                    // The request that fills the batch hands it on itself, so the
                    // work is spread over the threads that receive.
                    if let Some(full) = batcher.add(traces)? {
                        Box::pin(batcher.hand_on_now(full)).await;
                    }
                    return Ok(());
                }
                Chain::Export(fanout) => return fanout.export(traces, mode).await,
            }
        }
    }
}

/// What a receiver hands its requests to: every pipeline that lists the receiver.
#[derive(Clone)]
pub struct TracesConsumer {
    pipelines: Arc<[Arc<Chain>]>,
}

impl TracesConsumer {
    pub fn new(pipelines: Vec<Arc<Chain>>) -> TracesConsumer {
        TracesConsumer {
            pipelines: pipelines.into(),
        }
    }

    /// Hands the request to every pipeline; a copy is made only for the second
    /// and later pipelines. The first refusal or failure is returned.
    pub async fn consume(&self, traces: Traces) -> Result<(), ConsumeError> {
        let (last, rest) = self
            .pipelines
            .split_last()
            .expect("a receiver feeds at least one pipeline");
        let mut result = Ok(());
        for chain in rest {
            if let Err(e) = chain.consume(traces.clone(), Mode::Try).await {
                result = result.and(Err(e));
            }
        }
        let last = last.consume(traces, Mode::Try).await;
        result.and(last)
    }
}
