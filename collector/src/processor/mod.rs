//! Processors: steps between receivers and exporters in a pipeline.
//!
//! Only `batch` exists, and for now it passes requests straight through: each
//! request is already a batch from the browser SDK. Real batching (size, timeout)
//! and a memory limiter come later, in `batch.rs` and `memory_limiter.rs`.

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

use crate::config::{BatchProcessorConfig, ProcessorConfig};

/// One processor instance; each pipeline gets its own, as in the Collector.
#[derive(Debug)]
pub enum Processor {
    Batch(BatchProcessor),
}

impl Processor {
    pub fn new(config: &ProcessorConfig) -> Processor {
        match config {
            ProcessorConfig::Batch(c) => Processor::Batch(BatchProcessor::new(c)),
        }
    }

    pub fn process(
        &self,
        request: Arc<ExportTraceServiceRequest>,
    ) -> Arc<ExportTraceServiceRequest> {
        match self {
            Processor::Batch(b) => b.process(request),
        }
    }
}

#[derive(Debug)]
pub struct BatchProcessor;

impl BatchProcessor {
    pub fn new(_config: &BatchProcessorConfig) -> BatchProcessor {
        BatchProcessor
    }

    fn process(&self, request: Arc<ExportTraceServiceRequest>) -> Arc<ExportTraceServiceRequest> {
        request
    }
}
