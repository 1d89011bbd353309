//! A network exporter's `sending_queue`: a bounded channel of requests and
//! `num_consumers` tasks that send them with retries. A full queue refuses new
//! requests (the receivers answer "retry later"); data in the queue is sent or,
//! after retries are exhausted, counted and logged as failed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{error, warn};

use super::backend::Backend;
use super::retry::send_with_retry;
use crate::config::{ComponentId, QueueConfig, RetryConfig};
use crate::consumer::{ConsumeError, Mode, Refusal, Traces};
use crate::telemetry::ExporterMetrics;

type Item = (Arc<Traces>, u64);

/// A reserved place in the queue.
pub type Slot = mpsc::OwnedPermit<Item>;

/// A backend with its retry policy and, unless `sending_queue.enabled: false`, a queue.
pub struct Sender {
    id: ComponentId,
    backend: Arc<dyn Backend>,
    retry: Arc<RetryConfig>,
    metrics: Arc<ExporterMetrics>,
    tx: Mutex<Option<mpsc::Sender<Item>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    counts: Arc<Counts>,
}

impl Sender {
    pub fn start(
        id: &ComponentId,
        backend: Arc<dyn Backend>,
        queue: &QueueConfig,
        retry: &RetryConfig,
        metrics: Arc<ExporterMetrics>,
    ) -> Sender {
        let retry = Arc::new(retry.clone());
        let counts = Arc::new(Counts::default());
        let (tx, workers) = if queue.enabled {
            let (tx, rx) = mpsc::channel::<Item>(queue.queue_size);
            metrics
                .queue_capacity
                .store(queue.queue_size as u64, Ordering::Relaxed);
            let rx = Arc::new(tokio::sync::Mutex::new(rx));
            let workers = (0..queue.num_consumers)
                .map(|_| {
                    tokio::spawn(work(
                        id.clone(),
                        Arc::clone(&rx),
                        Arc::clone(&backend),
                        Arc::clone(&retry),
                        Arc::clone(&metrics),
                        Arc::clone(&counts),
                    ))
                })
                .collect();
            (Some(tx), workers)
        } else {
            (None, Vec::new())
        };
        Sender {
            id: id.clone(),
            backend,
            retry,
            metrics,
            tx: Mutex::new(tx),
            workers: Mutex::new(workers),
            counts,
        }
    }

    pub fn is_queued(&self) -> bool {
        !self.workers.lock().unwrap().is_empty()
    }

    /// Reserves a place for a request of `spans` spans: at once or refused
    /// (`Try`), or when one frees up (`Wait`). `None` when there is no queue.
    pub async fn reserve(&self, mode: Mode, spans: u64) -> Result<Option<Slot>, ConsumeError> {
        let tx = self.tx.lock().unwrap().clone();
        let Some(tx) = tx else {
            if self.is_queued() {
                return Err(ConsumeError::refused(
                    Refusal::ShuttingDown,
                    format!("exporter {}: shutting down", self.id),
                    Duration::from_secs(5),
                ));
            }
            return Ok(None);
        };
        let slot = match mode {
            Mode::Try => tx.try_reserve_owned().map_err(|_| {
                self.metrics
                    .enqueue_failed
                    .fetch_add(spans, Ordering::Relaxed);
                ConsumeError::refused(
                    Refusal::QueueFull,
                    format!(
                        "exporter {}: the sending queue is full ({} requests wait for the backend); retry later",
                        self.id,
                        self.metrics.queue_capacity.load(Ordering::Relaxed)
                    ),
                    Duration::from_secs(5),
                )
            })?,
            Mode::Wait => tx.reserve_owned().await.map_err(|_| {
                ConsumeError::Failed(format!("exporter {}: the queue is closed", self.id))
            })?,
        };
        Ok(Some(slot))
    }

    /// Puts a request in the place reserved for it.
    pub fn enqueue(&self, slot: Slot, traces: Arc<Traces>, spans: u64) {
        self.metrics.queue_size.fetch_add(1, Ordering::Relaxed);
        self.counts.queued.fetch_add(spans, Ordering::Relaxed);
        slot.send((traces, spans));
    }

    /// Sends without a queue, the caller waiting through the retries.
    pub async fn send_now(&self, traces: &Arc<Traces>, spans: u64) -> Result<(), ConsumeError> {
        match send_with_retry(&self.id, &*self.backend, traces, &self.retry).await {
            Ok(outcome) => {
                record(&self.id, &self.metrics, spans, outcome.rejected);
                Ok(())
            }
            Err(message) => {
                self.metrics.failed.fetch_add(spans, Ordering::Relaxed);
                Err(ConsumeError::Failed(format!(
                    "exporter {}: {message}",
                    self.id
                )))
            }
        }
    }

    /// Closes the queue and waits until it is sent, or until `deadline`; returns
    /// how many spans were still unsent then (they are counted as failed).
    pub async fn shutdown(&self, deadline: tokio::time::Instant) -> u64 {
        drop(self.tx.lock().unwrap().take());
        let workers: Vec<JoinHandle<()>> = std::mem::take(&mut *self.workers.lock().unwrap());
        let mut lost = 0;
        for mut worker in workers {
            if tokio::time::timeout_at(deadline, &mut worker)
                .await
                .is_err()
            {
                worker.abort();
                let _ = worker.await;
            }
        }
        // Aborted workers leave their request in flight and the rest queued.
        lost += self.counts.in_flight.swap(0, Ordering::Relaxed);
        lost += self.counts.queued.swap(0, Ordering::Relaxed);
        self.metrics.queue_size.store(0, Ordering::Relaxed);
        if lost > 0 {
            self.metrics.failed.fetch_add(lost, Ordering::Relaxed);
        }
        lost
    }
}

/// Spans a queue holds and spans being sent, for what shutdown could not send.
#[derive(Default)]
struct Counts {
    queued: AtomicU64,
    in_flight: AtomicU64,
}

fn record(id: &ComponentId, metrics: &ExporterMetrics, spans: u64, rejected: u64) {
    let rejected = rejected.min(spans);
    metrics.sent.fetch_add(spans - rejected, Ordering::Relaxed);
    if rejected > 0 {
        metrics.failed.fetch_add(rejected, Ordering::Relaxed);
        warn!(exporter = %id, rejected, "the backend rejected some spans");
    }
}

async fn work(
    id: ComponentId,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Item>>>,
    backend: Arc<dyn Backend>,
    retry: Arc<RetryConfig>,
    metrics: Arc<ExporterMetrics>,
    counts: Arc<Counts>,
) {
    loop {
        let item = rx.lock().await.recv().await;
        let Some((traces, spans)) = item else { return };
        metrics.queue_size.fetch_sub(1, Ordering::Relaxed);
        counts.queued.fetch_sub(spans, Ordering::Relaxed);
        counts.in_flight.fetch_add(spans, Ordering::Relaxed);
        match send_with_retry(&id, &*backend, &traces, &retry).await {
            Ok(outcome) => record(&id, &metrics, spans, outcome.rejected),
            Err(message) => {
                metrics.failed.fetch_add(spans, Ordering::Relaxed);
                error!(exporter = %id, spans, "spans not exported: {message}");
            }
        }
        counts.in_flight.fetch_sub(spans, Ordering::Relaxed);
    }
}
