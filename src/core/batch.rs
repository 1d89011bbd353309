//! The batch span processor's decisions, without its timers: a bounded queue
//! of encoded spans that says when a batch is full, counts what it had to
//! drop, and hands out batches that fit a size budget.

use alloc::vec::Vec;

/// A batch's spans grouped by scope, as both OTLP encodings nest them:
/// the scopes that have spans, in the order they were made, each with its
/// encoded prefix and its spans' fragments in order. A span of an unknown
/// scope is left out.
pub fn by_scope<'a, F: AsRef<[u8]>>(
    scopes: &'a [Vec<u8>],
    spans: &'a [(u32, F)],
) -> impl Iterator<Item = (&'a [u8], impl Iterator<Item = &'a [u8]>)> {
    scopes
        .iter()
        .enumerate()
        .filter(move |&(scope, _)| of_scope(spans, scope).next().is_some())
        .map(move |(scope, prefix)| (prefix.as_slice(), of_scope(spans, scope)))
}

/// The fragments of the spans of one scope, in order: a pass over the
/// batch per scope, as a page makes a handful of scopes.
pub fn of_scope<F: AsRef<[u8]>>(spans: &[(u32, F)], scope: usize) -> impl Iterator<Item = &[u8]> {
    spans
        .iter()
        .filter(move |(s, _)| *s as usize == scope)
        .map(|(_, fragment)| fragment.as_ref())
}

/// OpenTelemetry's `BatchSpanProcessor` options, with its defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchConfig {
    pub max_queue_size: usize,
    pub max_export_batch_size: usize,
    pub scheduled_delay_millis: u32,
    pub export_timeout_millis: u32,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_queue_size: 2048,
            max_export_batch_size: 512,
            scheduled_delay_millis: 5000,
            export_timeout_millis: 30000,
        }
    }
}

impl BatchConfig {
    /// A batch larger than the queue can never fill, so it is clamped, as
    /// OpenTelemetry JS does; zero sizes would stall the processor.
    pub fn normalized(mut self) -> Self {
        self.max_queue_size = self.max_queue_size.max(1);
        self.max_export_batch_size = self.max_export_batch_size.clamp(1, self.max_queue_size);
        self
    }
}

/// What the processor should do after a span was offered.
#[derive(Debug, PartialEq, Eq)]
pub enum Offer {
    /// Queued; make sure the timer runs.
    Queued,
    /// Queued, and a full batch is waiting: export now.
    BatchReady,
    /// The queue was full; the span was counted as dropped.
    Dropped,
}

/// An encoded span and the index of its instrumentation scope.
pub type Encoded = (u32, Vec<u8>);

#[derive(Debug)]
pub struct SpanQueue {
    config: BatchConfig,
    /// Oldest first. A `Vec` rather than a `VecDeque`: batches leave from
    /// the front by a short memmove, and the shipped module stays smaller.
    spans: Vec<Encoded>,
    dropped: u64,
}

impl SpanQueue {
    pub fn new(config: BatchConfig) -> Self {
        SpanQueue {
            config: config.normalized(),
            spans: Vec::new(),
            dropped: 0,
        }
    }

    pub fn config(&self) -> &BatchConfig {
        &self.config
    }

    pub fn offer(&mut self, span: Encoded) -> Offer {
        if self.spans.len() >= self.config.max_queue_size {
            self.dropped += 1;
            return Offer::Dropped;
        }
        self.spans.push(span);
        if self.spans.len() >= self.config.max_export_batch_size {
            Offer::BatchReady
        } else {
            Offer::Queued
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The number of spans dropped since the last call, for the diagnostic
    /// logger to report once rather than per span.
    pub fn take_dropped(&mut self) -> u64 {
        core::mem::take(&mut self.dropped)
    }

    /// How many spans the next batch holds: at most `max_export_batch_size`
    /// whose fragments add up to at most `max_bytes`, but at least one when
    /// any is queued, so an oversized span cannot block the queue.
    pub fn batch_len(&self, max_bytes: usize) -> usize {
        let mut bytes = 0;
        let mut count = 0;
        for (_, fragment) in self.spans.iter() {
            if count == self.config.max_export_batch_size
                || (count > 0 && bytes + fragment.len() > max_bytes)
            {
                break;
            }
            bytes += fragment.len() + 1;
            count += 1;
        }
        count
    }

    /// The first `count` queued spans, left in the queue (see [`Self::remove`]).
    pub fn peek(&self, count: usize) -> &[Encoded] {
        &self.spans[..count.min(self.spans.len())]
    }

    pub fn remove(&mut self, count: usize) {
        self.spans.drain(..count.min(self.spans.len()));
    }

    /// Removes the next batch (see [`Self::batch_len`]).
    pub fn take_batch(&mut self, max_bytes: usize) -> Vec<Encoded> {
        let count = self.batch_len(max_bytes);
        self.spans.drain(..count).collect()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::vec;

    fn span(len: usize) -> Encoded {
        (0, vec![b'x'; len])
    }

    #[test]
    fn defaults_are_opentelemetrys() {
        let c = BatchConfig::default();
        assert_eq!(
            (
                c.max_queue_size,
                c.max_export_batch_size,
                c.scheduled_delay_millis,
                c.export_timeout_millis
            ),
            (2048, 512, 5000, 30000)
        );
    }

    #[test]
    fn signals_a_full_batch_and_counts_drops() {
        let mut q = SpanQueue::new(BatchConfig {
            max_queue_size: 3,
            max_export_batch_size: 2,
            ..BatchConfig::default()
        });
        assert_eq!(q.offer(span(1)), Offer::Queued);
        assert_eq!(q.offer(span(1)), Offer::BatchReady);
        assert_eq!(q.offer(span(1)), Offer::BatchReady);
        assert_eq!(q.offer(span(1)), Offer::Dropped);
        assert_eq!(q.offer(span(1)), Offer::Dropped);
        assert_eq!(q.take_dropped(), 2);
        assert_eq!(q.take_dropped(), 0);
        assert_eq!(q.len(), 3);
    }

    #[test]
    fn batches_respect_count_and_byte_budget() {
        let mut q = SpanQueue::new(BatchConfig {
            max_export_batch_size: 3,
            ..BatchConfig::default()
        });
        for len in [10, 10, 10, 10, 100, 10] {
            q.offer(span(len));
        }
        assert_eq!(q.take_batch(usize::MAX).len(), 3);
        // 10 fits, 100 does not: the budget stops the batch.
        assert_eq!(q.take_batch(50).len(), 1);
        // An oversized span still goes alone rather than blocking.
        assert_eq!(q.take_batch(50).len(), 1);
        assert_eq!(q.take_batch(50).len(), 1);
        assert!(q.take_batch(50).is_empty());
    }

    #[test]
    fn batch_size_is_clamped_to_queue_size() {
        let q = SpanQueue::new(BatchConfig {
            max_queue_size: 10,
            max_export_batch_size: 100,
            ..BatchConfig::default()
        });
        assert_eq!(q.config().max_export_batch_size, 10);
    }
}
