//! The collector's own counters, rendered in the Prometheus text format for
//! `/metrics`. Names follow the Collector's (`otelcol_receiver_accepted_spans`,
//! `otelcol_exporter_queue_size`, ...) so existing dashboards and alerts carry over.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::config::ComponentId;

/// Counters of one receiver on one transport.
#[derive(Debug)]
pub struct ReceiverMetrics {
    pub id: ComponentId,
    pub transport: &'static str,
    /// Spans taken in and handed to the pipelines.
    pub accepted: AtomicU64,
    /// Spans turned away (bad data, limits, pushback) that the client must handle.
    pub refused: AtomicU64,
}

/// Counters of one exporter.
#[derive(Debug)]
pub struct ExporterMetrics {
    pub id: ComponentId,
    pub sent: AtomicU64,
    /// Spans given up on (permanent errors, retries exhausted, rejected by the backend).
    pub failed: AtomicU64,
    /// Spans the queue could not take, so the receivers pushed back.
    pub enqueue_failed: AtomicU64,
    /// Requests waiting in the sending queue.
    pub queue_size: AtomicU64,
    pub queue_capacity: AtomicU64,
}

/// Counters of one batch processor.
#[derive(Debug)]
pub struct ProcessorMetrics {
    pub id: ComponentId,
    pub pipeline: String,
    /// Spans waiting in the batch.
    pub pending: AtomicU64,
    pub refused: AtomicU64,
}

/// Every component's counters; cheap to clone and share.
#[derive(Debug, Default, Clone)]
pub struct Telemetry {
    inner: Arc<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    receivers: Mutex<Vec<Arc<ReceiverMetrics>>>,
    exporters: Mutex<Vec<Arc<ExporterMetrics>>>,
    processors: Mutex<Vec<Arc<ProcessorMetrics>>>,
}

impl Telemetry {
    pub fn receiver(&self, id: &ComponentId, transport: &'static str) -> Arc<ReceiverMetrics> {
        let m = Arc::new(ReceiverMetrics {
            id: id.clone(),
            transport,
            accepted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        });
        self.inner.receivers.lock().unwrap().push(Arc::clone(&m));
        m
    }

    pub fn exporter(&self, id: &ComponentId) -> Arc<ExporterMetrics> {
        let m = Arc::new(ExporterMetrics {
            id: id.clone(),
            sent: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            enqueue_failed: AtomicU64::new(0),
            queue_size: AtomicU64::new(0),
            queue_capacity: AtomicU64::new(0),
        });
        self.inner.exporters.lock().unwrap().push(Arc::clone(&m));
        m
    }

    pub fn processor(&self, id: &ComponentId, pipeline: &str) -> Arc<ProcessorMetrics> {
        let m = Arc::new(ProcessorMetrics {
            id: id.clone(),
            pipeline: pipeline.to_owned(),
            pending: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        });
        self.inner.processors.lock().unwrap().push(Arc::clone(&m));
        m
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let receivers = self.inner.receivers.lock().unwrap();
        let exporters = self.inner.exporters.lock().unwrap();
        let processors = self.inner.processors.lock().unwrap();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);

        let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, u64)>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in rows {
                let _ = writeln!(out, "{name}{{{labels}}} {value}");
            }
        };
        let rl = |m: &ReceiverMetrics| {
            format!(
                "receiver=\"{}\",transport=\"{}\"",
                escape(m.id.as_str()),
                m.transport
            )
        };
        let el = |m: &ExporterMetrics| format!("exporter=\"{}\"", escape(m.id.as_str()));
        let pl = |m: &ProcessorMetrics| {
            format!(
                "processor=\"{}\",pipeline=\"{}\"",
                escape(m.id.as_str()),
                escape(&m.pipeline)
            )
        };
        family(
            "otelcol_receiver_accepted_spans_total",
            "counter",
            "Spans the receiver took in and passed to the pipelines.",
            receivers
                .iter()
                .map(|m| (rl(m), load(&m.accepted)))
                .collect(),
        );
        family(
            "otelcol_receiver_refused_spans_total",
            "counter",
            "Spans the receiver turned away (bad data, limits, pushback).",
            receivers
                .iter()
                .map(|m| (rl(m), load(&m.refused)))
                .collect(),
        );
        family(
            "otelcol_processor_batch_pending_spans",
            "gauge",
            "Spans waiting in a batch processor.",
            processors
                .iter()
                .map(|m| (pl(m), load(&m.pending)))
                .collect(),
        );
        family(
            "otelcol_processor_refused_spans_total",
            "counter",
            "Spans a processor refused (memory limit, full batch buffer).",
            processors
                .iter()
                .map(|m| (pl(m), load(&m.refused)))
                .collect(),
        );
        family(
            "otelcol_exporter_sent_spans_total",
            "counter",
            "Spans the exporter delivered.",
            exporters.iter().map(|m| (el(m), load(&m.sent))).collect(),
        );
        family(
            "otelcol_exporter_send_failed_spans_total",
            "counter",
            "Spans the exporter gave up on (permanent errors, retries exhausted, rejected).",
            exporters.iter().map(|m| (el(m), load(&m.failed))).collect(),
        );
        family(
            "otelcol_exporter_enqueue_failed_spans_total",
            "counter",
            "Spans refused because the sending queue was full (the client was told to retry).",
            exporters
                .iter()
                .map(|m| (el(m), load(&m.enqueue_failed)))
                .collect(),
        );
        family(
            "otelcol_exporter_queue_size",
            "gauge",
            "Requests waiting in the exporter's sending queue.",
            exporters
                .iter()
                .map(|m| (el(m), load(&m.queue_size)))
                .collect(),
        );
        family(
            "otelcol_exporter_queue_capacity",
            "gauge",
            "The sending queue's capacity in requests.",
            exporters
                .iter()
                .map(|m| (el(m), load(&m.queue_capacity)))
                .collect(),
        );
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let t = Telemetry::default();
        let r = t.receiver(&ComponentId::parse("otlp").unwrap(), "http");
        r.accepted.fetch_add(3, Ordering::Relaxed);
        let e = t.exporter(&ComponentId::parse("otlp/\"x\"").unwrap());
        e.queue_size.store(2, Ordering::Relaxed);
        let text = t.render();
        assert!(
            text.contains(
                "otelcol_receiver_accepted_spans_total{receiver=\"otlp\",transport=\"http\"} 3\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("otelcol_exporter_queue_size{exporter=\"otlp/\\\"x\\\"\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE otelcol_exporter_sent_spans_total counter"));
    }
}
