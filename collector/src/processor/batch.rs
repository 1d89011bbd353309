//! The `batch` processor: gathers requests and hands them on when
//! `send_batch_size` spans are waiting or `timeout` has passed since the first,
//! cut to `send_batch_max_size` — the Collector's rules.
//!
//! A request is accepted at once (its spans move into the batch, no copy). The
//! request that fills the batch hands it on itself, spreading the work over the
//! receiving threads; if the exporters refuse it then, the batch goes back to
//! the batcher's own task, which also sends on timeout and waits for room.
//! While it waits the batch keeps filling up to a bound, beyond which new
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
use crate::consumer::{Chain, ConsumeError, Mode, Offered, Refusal, Traces};
use crate::telemetry::{ProcessorMetrics, Telemetry};

/// Pending spans are refused beyond this many (or four batches, if more).
const MIN_CAPACITY: usize = 32_768;

pub struct Batcher {
    id: ComponentId,
    size: usize,
    max_size: Option<usize>,
    timeout: Duration,
    capacity: usize,
    next: Chain,
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
    /// The exporters refused a full batch: send as soon as they take it.
    refused: bool,
}

impl Batcher {
    /// Starts the batcher's task; batches go to `next`.
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
            capacity: MIN_CAPACITY.max(4 * size.max(max_size.unwrap_or(0))),
            next,
            state: Mutex::new(Pending::default()),
            wake: Notify::new(),
            closing: AtomicBool::new(false),
            handing: AtomicUsize::new(0),
            metrics: telemetry.processor(id, pipeline),
            task: Mutex::new(None),
        });
        let task = tokio::spawn(Arc::clone(&batcher).run());
        *batcher.task.lock().unwrap() = Some(task);
        batcher
    }

    /// Takes the request's spans into the batch, or refuses (handing the request
    /// back) if the batch is full. When this request fills the batch, the batch
    /// is returned for the caller to hand on with [`Batcher::hand_on_now`].
    pub fn add(&self, traces: Traces) -> Result<Option<Vec<ResourceSpans>>, Offered> {
        let n = span_count(&traces);
        if n == 0 {
            return Ok(None);
        }
        if self.closing.load(Ordering::Relaxed) {
            let e = ConsumeError::refused(
                Refusal::ShuttingDown,
                "the collector is shutting down",
                Duration::from_secs(5),
            );
            return Err((e, Some(traces)));
        }
        let mut state = self.state.lock().unwrap();
        // Batches being handed on count too: a slow exporter must not let
        // requests pile up full batches in memory.
        let held = state.spans + self.handing.load(Ordering::Relaxed);
        if held > 0 && held + n > self.capacity {
            drop(state);
            self.metrics.refused.fetch_add(n as u64, Ordering::Relaxed);
            let e = ConsumeError::refused(
                Refusal::QueueFull,
                format!(
                    "processor {}: {} spans are waiting for the exporters, the most it holds; retry later",
                    self.id, self.capacity
                ),
                Duration::from_secs(1),
            );
            return Err((e, Some(traces)));
        }
        let first = state.spans == 0;
        state.resource_spans.extend(traces.resource_spans);
        state.spans += n;
        if first {
            state.since = Some(Instant::now());
        }
        let full = self.size > 0 && state.spans >= self.size && !state.refused;
        let taken = full.then(|| {
            self.handing.fetch_add(state.spans, Ordering::Relaxed);
            state.since = None;
            state.spans = 0;
            std::mem::take(&mut state.resource_spans)
        });
        self.metrics
            .pending
            .store(state.spans as u64, Ordering::Relaxed);
        drop(state);
        if first && !full {
            self.wake.notify_one(); // start the timeout
        }
        Ok(taken)
    }

    /// Hands a full batch on from the request that filled it. What the
    /// exporters refuse goes back to the batch for the task to send.
    pub async fn hand_on_now(&self, resource_spans: Vec<ResourceSpans>) {
        let mut parts = self.parts(resource_spans).into_iter();
        while let Some(part) = parts.next() {
            let n = span_count(&part);
            match self.next.offer(part, Mode::Try).await {
                Ok(()) => {}
                Err((_, Some(back))) => {
                    let rest: Vec<Traces> = std::iter::once(back).chain(parts).collect();
                    self.put_back(rest);
                    return;
                }
                Err((e, None)) => {
                    error!(processor = %self.id, spans = n, "a batch could not be exported: {e}");
                }
            }
            self.handing.fetch_sub(n, Ordering::Relaxed);
        }
    }

    /// Returns refused parts to the front of the batch and wakes the task.
    fn put_back(&self, parts: Vec<Traces>) {
        let n: usize = parts.iter().map(span_count).sum();
        let mut state = self.state.lock().unwrap();
        let newer = std::mem::take(&mut state.resource_spans);
        state
            .resource_spans
            .extend(parts.into_iter().flat_map(|p| p.resource_spans));
        state.resource_spans.extend(newer);
        state.spans += n;
        state.refused = true;
        state.since.get_or_insert_with(Instant::now);
        self.metrics
            .pending
            .store(state.spans as u64, Ordering::Relaxed);
        drop(state);
        self.handing.fetch_sub(n, Ordering::Relaxed);
        self.wake.notify_one();
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

    async fn run(self: Arc<Self>) {
        loop {
            let closing = self.closing.load(Ordering::Relaxed);
            let due = {
                let state = self.state.lock().unwrap();
                let now = closing || state.refused || (self.size > 0 && state.spans >= self.size);
                // Due at once when full, refused or closing, else `timeout` after the first span.
                state
                    .since
                    .map(|since| if now { since } else { since + self.timeout })
            };
            match due {
                None if closing => {
                    // Wait for batches still being handed on by requests.
                    while self.handing.load(Ordering::Relaxed) > 0 {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        if self.state.lock().unwrap().spans > 0 {
                            break;
                        }
                    }
                    if self.state.lock().unwrap().spans == 0 {
                        return;
                    }
                }
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
                        state.refused = false;
                        self.handing.fetch_add(state.spans, Ordering::Relaxed);
                        state.spans = 0;
                        std::mem::take(&mut state.resource_spans)
                    };
                    self.metrics.pending.store(0, Ordering::Relaxed);
                    self.hand_on_waiting(taken).await;
                }
            }
        }
    }

    /// Hands a batch on, waiting for room downstream.
    async fn hand_on_waiting(&self, resource_spans: Vec<ResourceSpans>) {
        for part in self.parts(resource_spans) {
            let n = span_count(&part);
            // In Wait mode only a permanent failure comes back; it has been logged
            // and counted by the exporter, so say which batch it hit.
            if let Err(e) = self.next.consume(part, Mode::Wait).await {
                error!(processor = %self.id, spans = n, "a batch could not be exported: {e}");
            }
            self.handing.fetch_sub(n, Ordering::Relaxed);
        }
    }

    fn parts(&self, resource_spans: Vec<ResourceSpans>) -> Vec<Traces> {
        match self.max_size {
            Some(max) if count(&resource_spans) > max => split(resource_spans, max),
            _ => vec![Traces { resource_spans }],
        }
    }
}
