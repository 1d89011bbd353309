//! A finished span as the encoders see it. Strings borrow from wherever the
//! span came from (the JavaScript record, or the Rust API's owned data), so
//! ending a span copies nothing it does not have to. They are UTF-8 bytes,
//! not `str`: both sources only make valid UTF-8 (the facade writes with
//! `TextEncoder`), the encoders copy bytes, and checking every string again
//! cost a tenth of the encoder's time.

use super::ids::{SpanId, TraceId};
use alloc::vec::Vec;

/// OTLP's span kinds, numbered as on the wire (JavaScript's `SpanKind` is one less).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpanKind {
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

impl SpanKind {
    /// From OpenTelemetry JS's numbering (INTERNAL = 0 … CONSUMER = 4).
    pub fn from_js(n: u8) -> SpanKind {
        match n {
            1 => SpanKind::Server,
            2 => SpanKind::Client,
            3 => SpanKind::Producer,
            4 => SpanKind::Consumer,
            _ => SpanKind::Internal,
        }
    }
}

/// An attribute value of any OTLP type.
#[derive(Clone, PartialEq, Debug)]
pub enum Value<'a> {
    Str(&'a [u8]),
    Bool(bool),
    Int(i64),
    /// A double as JavaScript's shortest text (`String(n)`, also JSON's) and
    /// as its IEEE bits (protobuf's): carrying both spares the shipped module
    /// a float formatter and a float parser.
    Double {
        text: &'a [u8],
        bits: u64,
    },
    Array(Vec<Value<'a>>),
}

#[derive(Clone, PartialEq, Debug)]
pub struct KeyValue<'a> {
    pub key: &'a [u8],
    pub value: Value<'a>,
}

/// OTLP status codes, numbered as on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum StatusCode {
    #[default]
    Unset = 0,
    Ok = 1,
    Error = 2,
}

#[derive(Clone, PartialEq, Debug, Default)]
pub struct Status<'a> {
    pub code: StatusCode,
    pub message: &'a [u8],
}

#[derive(Clone, PartialEq, Debug)]
pub struct Event<'a> {
    pub name: &'a [u8],
    pub time_ns: u64,
    pub attributes: Vec<KeyValue<'a>>,
}

#[derive(Clone, PartialEq, Debug)]
pub struct Link<'a> {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub trace_state: &'a [u8],
    pub attributes: Vec<KeyValue<'a>>,
}

/// What span limits cut off, reported on the wire as OTLP asks.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Dropped {
    pub attributes: u32,
    pub events: u32,
    pub links: u32,
}

#[derive(Clone, PartialEq, Debug)]
pub struct SpanData<'a> {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent_span_id: Option<SpanId>,
    pub name: &'a [u8],
    pub kind: SpanKind,
    pub start_ns: u64,
    pub end_ns: u64,
    pub trace_state: &'a [u8],
    pub attributes: Vec<KeyValue<'a>>,
    pub events: Vec<Event<'a>>,
    pub links: Vec<Link<'a>>,
    pub status: Status<'a>,
    pub dropped: Dropped,
}
