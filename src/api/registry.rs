//! The page's providers (and, for the Rust API, their samplers and their
//! processors' queues of encoded spans). Handles given to JavaScript are
//! indexes here.

#[cfg(feature = "otel")]
use crate::core::batch::{BatchConfig, Offer, SpanQueue};
#[cfg(feature = "otel")]
use crate::core::sampler::Sampler;
use crate::core::span::KeyValue;
#[cfg(feature = "otel")]
use crate::core::span::SpanData;
use crate::core::{gzip, otlp_json, otlp_proto, record};
use crate::web::clock;
use crate::web::global::Global;
use alloc::vec::Vec;

/// Whether this build encodes OTLP/protobuf. The npm package's default
/// module leaves it out (most pages send JSON, and protobuf is 0.73 KB of
/// the download); its `wasmtrace/protobuf` module has it.
pub const PROTOBUF: bool = cfg!(feature = "protobuf");

/// Encoded once per encoding: index 0 OTLP/JSON, 1 OTLP/protobuf.
pub struct Provider {
    resource: [Vec<u8>; 2],
    scopes: [Vec<Vec<u8>>; 2],
    #[cfg(feature = "otel")]
    processors: Vec<u32>,
    /// The facade samples in JavaScript (js/samplers.js).
    #[cfg(feature = "otel")]
    pub sampler: Sampler,
}

#[cfg(feature = "otel")]
struct Processor {
    provider: u32,
    queue: SpanQueue,
    /// 0 OTLP/JSON, 1 OTLP/protobuf.
    encoding: usize,
}

/// The request body of `spans`, in place of what `out` held.
fn write_request_body<F: AsRef<[u8]>>(
    out: &mut Vec<u8>,
    provider: &Provider,
    encoding: usize,
    spans: &[(u32, F)],
) {
    let (resource, scopes) = (
        &provider.resource[encoding & 1],
        &provider.scopes[encoding & 1],
    );
    if PROTOBUF && encoding == 1 {
        *out = otlp_proto::request_body(resource, scopes, spans);
    } else {
        out.clear();
        otlp_json::write_request_body(out, resource, scopes, spans);
    }
}

/// An OTLP/protobuf batch's span fragments, one after another; kept from
/// one batch to the next, like the input and output buffers, so that
/// WebAssembly memory (which never shrinks) holds one batch's worth of
/// each, not a new block per batch.
static ARENA: Global<Vec<u8>> = Global::new(Vec::new());

pub struct Registry {
    providers: Vec<Provider>,
    #[cfg(feature = "otel")]
    processors: Vec<Processor>,
}

static REGISTRY: Global<Registry> = Global::new(Registry {
    providers: Vec::new(),
    #[cfg(feature = "otel")]
    processors: Vec::new(),
});

pub fn with<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    REGISTRY.with(f)
}

/// `span_end`'s answer, as bits: which processors (by their index in the
/// provider, up to 8) have a full batch, whether a span was queued (arm the
/// timers), whether one was dropped.
#[cfg(feature = "otel")]
pub const QUEUED: u32 = 1 << 8;
#[cfg(feature = "otel")]
pub const DROPPED: u32 = 1 << 9;

impl Registry {
    /// A provider sampling as OpenTelemetry's default, ParentBased(AlwaysOn)
    /// (the Rust API may set another sampler on it).
    pub fn add_provider(&mut self, resource: &[KeyValue]) -> u32 {
        self.providers.push(Provider {
            resource: [
                otlp_json::resource_prefix(resource),
                if PROTOBUF {
                    otlp_proto::resource_prefix(resource)
                } else {
                    Vec::new()
                },
            ],
            scopes: [Vec::new(), Vec::new()],
            #[cfg(feature = "otel")]
            processors: Vec::new(),
            #[cfg(feature = "otel")]
            sampler: Sampler::default(),
        });
        self.providers.len() as u32 - 1
    }

    pub fn provider(&mut self, id: u32) -> Option<&mut Provider> {
        self.providers.get_mut(id as usize)
    }

    #[cfg(feature = "otel")]
    pub fn add_processor(&mut self, provider: u32, config: BatchConfig, protobuf: bool) -> u32 {
        let id = self.processors.len() as u32;
        self.processors.push(Processor {
            provider,
            queue: SpanQueue::new(config),
            encoding: protobuf as usize,
        });
        self.providers[provider as usize].processors.push(id);
        id
    }

    /// The scope's index, or `u32::MAX` for an unknown provider.
    pub fn add_scope(&mut self, provider: u32, name: &[u8], version: &[u8]) -> u32 {
        let Some(provider) = self.provider(provider) else {
            return u32::MAX;
        };
        let [json, proto] = &mut provider.scopes;
        json.push(otlp_json::scope_prefix(name, version));
        proto.push(if PROTOBUF {
            otlp_proto::scope_prefix(name, version)
        } else {
            Vec::new()
        });
        json.len() as u32 - 1
    }

    /// Encodes the span once and offers it to each of the provider's processors.
    /// `size_hint`: the record's length; the JSON fragment is about twice it,
    /// and sizing it right saves a reallocation per span.
    #[cfg(feature = "otel")]
    pub fn on_end(&mut self, provider: u32, scope: u32, span: &SpanData, size_hint: usize) -> u32 {
        // Each encoding the processors need, made once.
        let mut fragments: [Option<Vec<u8>>; 2] = [None, None];
        let mut answer = 0;
        let processors = &self.providers[provider as usize].processors;
        // The last processor needing an encoding takes it without a copy.
        let mut last_of = [usize::MAX; 2];
        for (i, &p) in processors.iter().enumerate() {
            last_of[self.processors[p as usize].encoding] = i;
        }
        for (i, &p) in processors.iter().enumerate() {
            let processor = &mut self.processors[p as usize];
            let fragment = fragments[processor.encoding].get_or_insert_with(|| {
                let mut out = Vec::with_capacity(size_hint * 2 + 256);
                if processor.encoding == 1 {
                    otlp_proto::push_span(&mut out, span);
                } else {
                    otlp_json::push_span(&mut out, span);
                }
                out
            });
            let fragment = if last_of[processor.encoding] == i {
                core::mem::take(fragment)
            } else {
                fragment.clone()
            };
            answer |= match processor.queue.offer((scope, fragment)) {
                Offer::Queued => QUEUED,
                Offer::BatchReady => QUEUED | (1 << i.min(7)),
                Offer::Dropped => DROPPED,
            };
        }
        answer
    }

    /// The next request body of at most `max_bytes` of spans (at least one
    /// span), and how many spans it holds; `None` when the queue is empty.
    #[cfg(feature = "otel")]
    pub fn take_batch(&mut self, processor: u32, max_bytes: usize) -> Option<(Vec<u8>, u32)> {
        let p = &mut self.processors[processor as usize];
        let batch = p.queue.take_batch(max_bytes);
        if batch.is_empty() {
            return None;
        }
        let provider = &self.providers[p.provider as usize];
        let mut body = Vec::new();
        write_request_body(&mut body, provider, p.encoding, &batch);
        Some((body, batch.len() as u32))
    }

    /// Page hide: the next gzip body of at most `room` bytes (at least one
    /// span), and how many spans it holds.
    #[cfg(feature = "otel")]
    pub fn take_gzip_batch(&mut self, processor: u32, room: usize) -> Option<(Vec<u8>, u32)> {
        let p = &mut self.processors[processor as usize];
        let provider = &self.providers[p.provider as usize];
        // JSON spans compress about eight-fold; start from that guess.
        let count = p.queue.batch_len(room.saturating_mul(8));
        if count == 0 {
            return None;
        }
        let spans = p.queue.peek(count);
        let (packed, used) = gzip::fit_leading(spans.len(), room, |body, n| {
            write_request_body(
                body,
                provider,
                p.encoding,
                spans.get(..n).unwrap_or_default(),
            )
        });
        p.queue.remove(used);
        Some((packed, used as u32))
    }

    /// Encodes span records handed over in bulk (the JavaScript facade keeps
    /// ended spans until a batch leaves, so WebAssembly memory only ever
    /// holds the batch being sent): `records` is a run of length-prefixed
    /// records (see `record`), `meta` their scope index, start and end (three
    /// little-endian f64 a record; times in milliseconds relative to
    /// `performance.timeOrigin`). Records that cannot be read are skipped
    /// and counted in the second value. With `room`, the
    /// body is gzip-compressed and holds as many leading spans as fit in it.
    pub fn encode_records(
        &self,
        provider: u32,
        encoding: usize,
        records: &[u8],
        meta: &[u8],
        room: Option<usize>,
        out: &mut Vec<u8>,
    ) -> Option<(u32, u32)> {
        let provider = self.providers.get(provider as usize)?;
        if encoding == 1 && !PROTOBUF {
            // The facade checks this when a processor attaches.
            return None;
        }
        let count = meta.len() / 24;
        if PROTOBUF && encoding == 1 {
            return ARENA.with(|arena| encode_protobuf(provider, records, meta, room, out, arena));
        }
        let Some(room) = room else {
            let invalid = write_json_records(out, provider, records, meta, count);
            return (invalid < count).then_some((count as u32, invalid as u32));
        };
        let mut invalid = 0;
        let (packed, taken) = gzip::fit_leading(count, room, |body, n| {
            invalid = write_json_records(body, provider, records, meta, n);
        });
        *out = packed;
        (invalid < taken).then_some((taken as u32, invalid as u32))
    }
}

/// The OTLP/JSON body of the first `count` records, in place of what `out`
/// held; how many of them could not be written.
fn write_json_records(
    out: &mut Vec<u8>,
    provider: &Provider,
    records: &[u8],
    meta: &[u8],
    count: usize,
) -> usize {
    out.clear();
    let (resource, scopes) = (&provider.resource[0], &provider.scopes[0]);
    otlp_json::write_records_body(out, resource, scopes, records, meta, count, clock::epoch_ns)
}

/// `encode_records` for OTLP/protobuf, whose nested lengths need every
/// span's encoding first: the fragments go into `arena`, then the body.
fn encode_protobuf(
    provider: &Provider,
    records: &[u8],
    meta: &[u8],
    room: Option<usize>,
    out: &mut Vec<u8>,
    arena: &mut Vec<u8>,
) -> Option<(u32, u32)> {
    arena.clear();
    arena.reserve(records.len() + 256);
    let count = meta.len() / 24;
    let mut ends = Vec::new();
    // Records cut short are never read: not written, as for JSON.
    let mut invalid = count - record::records(records).take(count).count();
    for (i, record) in record::records(records).take(count).enumerate() {
        let (scope, start, end) = record::span_numbers(meta, i);
        match record::parse(record, clock::epoch_ns(start), clock::epoch_ns(end)) {
            Ok(span) if scope < provider.scopes[1].len() => {
                otlp_proto::push_span(arena, &span);
                ends.push((scope as u32, arena.len()));
            }
            _ => invalid += 1,
        }
    }
    let mut start = 0;
    let fragments: Vec<(u32, &[u8])> = ends
        .iter()
        .map(|&(scope, end)| {
            let fragment = arena.get(start..end).unwrap_or_default();
            start = end;
            (scope, fragment)
        })
        .collect();
    if fragments.is_empty() {
        return None;
    }
    let Some(room) = room else {
        write_request_body(out, provider, 1, &fragments);
        return Some(((fragments.len() + invalid) as u32, invalid as u32));
    };
    let (packed, used) = gzip::fit_leading(fragments.len(), room, |body, n| {
        write_request_body(body, provider, 1, fragments.get(..n).unwrap_or_default())
    });
    *out = packed;
    // Invalid records count as taken only once every valid one is.
    let taken = if used == fragments.len() {
        used + invalid
    } else {
        used
    };
    Some((taken as u32, invalid as u32))
}
