//! The `batch` processor: gathers requests and hands them on when
//! `send_batch_size` spans are waiting or `timeout` has passed since the first,
//! cut to `send_batch_max_size` — the Collector's rules.
//!
//! A request is accepted at once (its spans move into the batch, no copy). The
//! batch is handed on by a task of its own, which waits for room downstream;
//! while it waits the batch keeps filling up to a bound, beyond which new
//! requests are refused so the receivers push back. Nothing is dropped.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::trace::v1::ResourceSpans;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::error;

use super::split::{count, span_count, split};
use crate::config::{BatchProcessorConfig, ComponentId};
use crate::consumer::{Chain, ConsumeError, Mode, Refusal, Traces};
use crate::telemetry::{ProcessorMetrics, Telemetry};

/// Pending spans are refused beyond this many (or twice the batch size if larger).
const MIN_CAPACITY: usize = 16_384;

pub struct Batcher {
    id: ComponentId,
    size: usize,
    max_size: Option<usize>,
    timeout: Duration,
    capacity: usize,
    state: Mutex<Pending>,
    wake: Notify,
    closing: AtomicBool,
    /// Spans taken from the batch and not yet handed on.
    handing: AtomicUsize,
    metrics: Arc<ProcessorMetrics>,
    task: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Default)]
struct Pending {
    resource_spans: Vec<ResourceSpans>,
    spans: usize,
    since: Option<Instant>,
}

impl Batcher {
    /// Starts the batcher's task, which hands batches to `next`.
    pub fn start(
        id: &ComponentId,
        pipeline: &str,
        config: &BatchProcessorConfig,
        next: Chain,
        telemetry: &Telemetry,
    ) -> Arc<Batcher> {
        let size = config.send_batch_size();
        let max_size = config.send_batch_max_size();
        let batcher = Arc::new(Batcher {
            id: id.clone(),
            size,
            max_size,
            timeout: config.timeout(),
            capacity: MIN_CAPACITY.max(2 * size.max(max_size.unwrap_or(0))),
            state: Mutex::new(Pending::default()),
            wake: Notify::new(),
            closing: AtomicBool::new(false),
            handing: AtomicUsize::new(0),
            metrics: telemetry.processor(id, pipeline),
            task: Mutex::new(None),
        });
        let task = tokio::spawn(Arc::clone(&batcher).run(next));
        *batcher.task.lock().unwrap() = Some(task);
        batcher
    }

    /// Takes the request's spans into the batch, or refuses if the batch is full.
    pub fn add(&self, traces: Traces) -> Result<(), ConsumeError> {
        let n = span_count(&traces);
        if n == 0 {
            return Ok(());
        }
        if self.closing.load(Ordering::Relaxed) {
            return Err(ConsumeError::refused(
                Refusal::ShuttingDown,
                "the collector is shutting down",
                Duration::from_secs(5),
            ));
        }
        let mut state = self.state.lock().unwrap();
        if state.spans > 0 && state.spans + n > self.capacity {
            drop(state);
            self.metrics.refused.fetch_add(n as u64, Ordering::Relaxed);
            return Err(ConsumeError::refused(
                Refusal::QueueFull,
                format!(
                    "processor {}: {} spans are waiting for the exporters, the most it holds; retry later",
                    self.id, self.capacity
                ),
                Duration::from_secs(1),
            ));
        }
        let first = state.spans == 0;
        state.resource_spans.extend(traces.resource_spans);
        state.spans += n;
        if first {
            state.since = Some(Instant::now());
        }
        let full = self.size > 0 && state.spans >= self.size;
        self.metrics
            .pending
            .store(state.spans as u64, Ordering::Relaxed);
        drop(state);
        if first || full {
            self.wake.notify_one();
        }
        Ok(())
    }

    /// Hands on everything pending, then stops the task. Call after the receivers stop.
    pub async fn shutdown(&self) {
        self.closing.store(true, Ordering::Relaxed);
        self.wake.notify_one();
        let task = self.task.lock().unwrap().take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// Spans accepted and not yet handed on: waiting, or being handed on.
    pub fn unsent(&self) -> usize {
        self.state.lock().unwrap().spans + self.handing.load(Ordering::Relaxed)
    }

    async fn run(self: Arc<Self>, next: Chain) {
        loop {
            let closing = self.closing.load(Ordering::Relaxed);
            let due = {
                let state = self.state.lock().unwrap();
                let now = closing || (self.size > 0 && state.spans >= self.size);
                // Due at once when full or closing, else `timeout` after the first span.
                state
                    .since
                    .map(|since| if now { since } else { since + self.timeout })
            };
            match due {
                None if closing => return,
                None => self.wake.notified().await,
                Some(at) if at > Instant::now() => {
                    tokio::select! {
                        () = self.wake.notified() => {}
                        () = tokio::time::sleep_until(at) => {}
                    }
                }
                Some(_) => {
                    let taken = {
                        let mut state = self.state.lock().unwrap();
                        state.since = None;
                        self.handing.store(state.spans, Ordering::Relaxed);
                        state.spans = 0;
                        std::mem::take(&mut state.resource_spans)
                    };
                    self.metrics.pending.store(0, Ordering::Relaxed);
                    self.hand_on(taken, &next).await;
                }
            }
        }
    }

    async fn hand_on(&self, resource_spans: Vec<ResourceSpans>, next: &Chain) {
        let parts = match self.max_size {
            Some(max) if count(&resource_spans) > max => split(resource_spans, max),
            _ => vec![Traces { resource_spans }],
        };
        for part in parts {
            let n = span_count(&part);
            // In Wait mode only a permanent failure comes back; it has been logged
            // and counted by the exporter, so say which batch it hit.
            if let Err(e) = next.consume(part, Mode::Wait).await {
                error!(processor = %self.id, spans = n, "a batch could not be exported: {e}");
            }
            self.handing.fetch_sub(n, Ordering::Relaxed);
        }
    }
}
