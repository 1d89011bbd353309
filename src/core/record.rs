//! The compact binary record in which the JavaScript facade hands finished
//! spans to WebAssembly, a batch at a time (`core.js` writes it): one copy
//! into linear memory, not one call per span or attribute.
//!
//! A record is its length (u32), then: 32 hex digits of trace id, 16 of span
//! id, 16 of parent span id (zeros for a root), one byte of JavaScript
//! `SpanKind`, the name as a string, then sections, each a tag byte:
//! - `A` key value: an attribute;
//! - `!` code byte, message string: the status;
//! - `T` string: the W3C trace state;
//! - `E` name, f64 nanoseconds from the span's start (may be negative), then
//!   a counted attribute list: an event;
//! - `L` 32 + 16 hex digits, trace state string, counted attribute list: a link;
//! - `D` three u32: what span limits dropped (attributes, events, links).
//!
//! Numbers are little-endian; a string is its UTF-8 length (u32) then its
//! UTF-8, or, when the length's top bit is set, the rest of that u32 is the
//! offset in the batch of an earlier string with the same text (keys and
//! values repeat from span to span, and a reference is cheaper to write than
//! the text); a counted list is a u32 count then that many key value pairs. A
//! value is `s` string, `b` byte 0/1, `i` f64 holding a safe integer, `d`
//! string of `String(number)` then the f64, or `a` u32 count then that many
//! values.
//!
//! The `<utf16 length>:<text>` strings of [`strings`] are a separate, textual
//! packing the propagation API uses.

use super::ids::{SpanId, TraceId};
use super::span::{Dropped, Event, KeyValue, Link, SpanData, SpanKind, Status, StatusCode, Value};
use alloc::vec::Vec;

/// A record that could not be read. Records come from our own facade, so this
/// points at a bug, and the span is dropped and counted rather than guessed.
/// It carries no message: nothing shows one, and a `&str` in every `Result`
/// of the reader cost the shipped module 0.4 KB brotli.
#[derive(Debug, PartialEq, Eq)]
pub struct RecordError;

/// A string's length with this bit set is a reference to an earlier string.
const EARLIER: u32 = 1 << 31;

/// One record of a batch: the batch up to the record's end (the record may
/// refer to earlier strings), and where the record starts in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    upto_end: &'a [u8],
    start: usize,
}

impl<'a> Record<'a> {
    /// A record that is the whole of `bytes` (no earlier strings).
    pub fn whole(bytes: &'a [u8]) -> Self {
        Record {
            upto_end: bytes,
            start: 0,
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

// `get` rather than indexing throughout: no panic paths, which would pull
// the formatting machinery into the shipped module. The small readers are
// always inlined: a size-optimized build calls them otherwise, a call per
// field of every span.
impl<'a> Reader<'a> {
    fn of(record: Record<'a>) -> Self {
        Reader {
            bytes: record.upto_end,
            at: record.start,
        }
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    #[inline(always)]
    fn take(&mut self, len: usize) -> Result<&'a [u8], RecordError> {
        // The record ends before a field it announces.
        let end = self.at.checked_add(len).ok_or(RecordError)?;
        let bytes = self.bytes.get(self.at..end).ok_or(RecordError)?;
        self.at = end;
        Ok(bytes)
    }

    #[inline(always)]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], RecordError> {
        self.take(N)?.try_into().map_err(|_| RecordError)
    }

    #[inline(always)]
    fn byte(&mut self) -> Result<u8, RecordError> {
        Ok(self.array::<1>()?[0])
    }

    #[inline(always)]
    fn u32(&mut self) -> Result<u32, RecordError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    #[inline(always)]
    fn f64(&mut self) -> Result<f64, RecordError> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// UTF-8 as the facade wrote it (see `span`: not checked again), here
    /// or earlier in the batch: a text written out, before this reference.
    /// Not inlined: the reference path would be copied into every caller.
    fn string(&mut self) -> Result<&'a [u8], RecordError> {
        let len = self.u32()?;
        if len & EARLIER == 0 {
            return self.take(len as usize);
        }
        let mut earlier = Reader {
            bytes: self.bytes.get(..self.at - 4).ok_or(RecordError)?,
            at: (len & !EARLIER) as usize,
        };
        let len = earlier.u32()?;
        if len & EARLIER != 0 {
            return Err(RecordError);
        }
        earlier.take(len as usize)
    }

    fn value(&mut self, depth: u8) -> Result<Value<'a>, RecordError> {
        Ok(match self.byte()? {
            b's' => Value::Str(self.string()?),
            b'b' => Value::Bool(self.byte()? == 1),
            b'i' => {
                let n = self.f64()?;
                // Exact and in range, or the facade wrote something else.
                // (NaN fails the first test, a fraction or overflow the second.)
                let safe = (-9_007_199_254_740_991.0..=9_007_199_254_740_991.0).contains(&n);
                if !safe || n as i64 as f64 != n {
                    return Err(RecordError);
                }
                Value::Int(n as i64)
            }
            b'd' => {
                let text = self.string()?;
                Value::Double {
                    text,
                    bits: self.f64()?.to_bits(),
                }
            }
            b'a' if depth == 0 => {
                let count = self.u32()? as usize;
                let mut items = Vec::with_capacity(count.min(64));
                for _ in 0..count {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            _ => return Err(RecordError),
        })
    }

    fn attribute(&mut self) -> Result<KeyValue<'a>, RecordError> {
        let key = self.string()?;
        let value = self.value(0)?;
        Ok(KeyValue { key, value })
    }

    fn attributes(&mut self) -> Result<Vec<KeyValue<'a>>, RecordError> {
        let count = self.u32()? as usize;
        let mut list = Vec::with_capacity(count.min(128));
        for _ in 0..count {
            list.push(self.attribute()?);
        }
        Ok(list)
    }
}

/// Splits a batch's run of length-prefixed records; a malformed length ends the run.
pub fn records(bytes: &[u8]) -> impl Iterator<Item = Record<'_>> {
    let mut r = Reader::of(Record::whole(bytes));
    core::iter::from_fn(move || {
        if r.done() {
            return None;
        }
        let len = r.u32().ok()? as usize;
        let start = r.at;
        r.take(len).ok()?;
        Some(Record {
            upto_end: bytes.get(..r.at)?,
            start,
        })
    })
}

/// The scope index, start and end of the `index`th record of a batch: the
/// facade writes them apart from the records, three little-endian f64 a
/// record (times in milliseconds relative to `performance.timeOrigin`).
pub fn span_numbers(meta: &[u8], index: usize) -> (usize, f64, f64) {
    let number = |at: usize| {
        let at = index * 24 + at;
        meta.get(at..at + 8)
            .and_then(|bytes| bytes.try_into().ok())
            .map_or(0.0, f64::from_le_bytes)
    };
    (number(0) as usize, number(8), number(16))
}

/// Reads a list of `A` attribute sections (a resource's attributes).
pub fn parse_attributes(bytes: &[u8]) -> Result<Vec<KeyValue<'_>>, RecordError> {
    let mut r = Reader::of(Record::whole(bytes));
    let mut attributes = Vec::new();
    while !r.done() {
        if r.byte()? != b'A' {
            return Err(RecordError);
        }
        attributes.push(r.attribute()?);
    }
    Ok(attributes)
}

/// Reads one record (found by `records`) into a [`SpanData`] that
/// borrows from it. Times come separately, as numbers.
pub fn parse(record: Record<'_>, start_ns: u64, end_ns: u64) -> Result<SpanData<'_>, RecordError> {
    let mut r = Reader::of(record);
    let trace_id = TraceId::from_hex(r.take(32)?).ok_or(RecordError)?;
    let span_id = SpanId::from_hex(r.take(16)?).ok_or(RecordError)?;
    let parent_span_id = SpanId::from_hex(r.take(16)?);
    let kind = SpanKind::from_js(r.byte()?);
    let name = r.string()?;
    let mut span = SpanData {
        trace_id,
        span_id,
        parent_span_id,
        name,
        kind,
        start_ns,
        end_ns,
        trace_state: b"",
        attributes: Vec::with_capacity(8),
        events: Vec::new(),
        links: Vec::new(),
        status: Status::default(),
        dropped: Dropped::default(),
    };
    while !r.done() {
        match r.byte()? {
            b'A' => span.attributes.push(r.attribute()?),
            b'T' => span.trace_state = r.string()?,
            b'E' => {
                let name = r.string()?;
                let offset = r.f64()? as i64;
                let time_ns = start_ns.saturating_add_signed(offset);
                let attributes = r.attributes()?;
                span.events.push(Event {
                    name,
                    time_ns,
                    attributes,
                });
            }
            b'L' => {
                let trace_id = TraceId::from_hex(r.take(32)?).ok_or(RecordError)?;
                let span_id = SpanId::from_hex(r.take(16)?).ok_or(RecordError)?;
                let trace_state = r.string()?;
                let attributes = r.attributes()?;
                span.links.push(Link {
                    trace_id,
                    span_id,
                    trace_state,
                    attributes,
                });
            }
            b'D' => {
                span.dropped = Dropped {
                    attributes: r.u32()?,
                    events: r.u32()?,
                    links: r.u32()?,
                };
            }
            b'!' => {
                span.status.code = match r.byte()? {
                    1 => StatusCode::Ok,
                    2 => StatusCode::Error,
                    _ => StatusCode::Unset,
                };
                span.status.message = r.string()?;
            }
            _ => return Err(RecordError),
        }
    }
    Ok(span)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::vec;

    const IDS: &str = "5b8efff798038103d269b633813fc60ceee19b7ec3c1b1740000000000000000";

    /// Writes records as the JavaScript facade does.
    #[derive(Default)]
    struct W(Vec<u8>);

    impl W {
        fn ids(mut self, ids: &str, kind: u8, name: &str) -> Self {
            self.0.extend_from_slice(ids.as_bytes());
            self.0.push(kind);
            self.s(name)
        }
        fn tag(mut self, tag: u8) -> Self {
            self.0.push(tag);
            self
        }
        fn raw(mut self, bytes: &[u8]) -> Self {
            self.0.extend_from_slice(bytes);
            self
        }
        fn u32(self, n: u32) -> Self {
            self.raw(&n.to_le_bytes())
        }
        fn f64(self, n: f64) -> Self {
            self.raw(&n.to_le_bytes())
        }
        fn s(self, text: &str) -> Self {
            self.u32(text.len() as u32).raw(text.as_bytes())
        }
    }

    #[test]
    fn reads_a_record_with_every_value_type() {
        let w = W::default()
            .ids(IDS, 2, "GET")
            .tag(b'A')
            .s("str")
            .tag(b's')
            .s("h\u{e9}llo \u{1f600}")
            .tag(b'A')
            .s("flag")
            .tag(b'b')
            .tag(1)
            .tag(b'A')
            .s("int")
            .tag(b'i')
            .f64(-7.0)
            .tag(b'A')
            .s("dbl")
            .tag(b'd')
            .s("1.5")
            .f64(1.5)
            .tag(b'A')
            .s("arr")
            .tag(b'a')
            .u32(2)
            .tag(b's')
            .s("x")
            .tag(b'i')
            .f64(9.0)
            .tag(b'!')
            .tag(2)
            .s("failed");
        let span = parse(Record::whole(&w.0), 10, 20).unwrap();
        assert_eq!(span.name, b"GET");
        assert_eq!(span.kind, SpanKind::Client);
        assert_eq!(span.parent_span_id, None);
        assert_eq!(span.trace_id.to_hex(), "5b8efff798038103d269b633813fc60c");
        assert_eq!(span.span_id.to_hex(), "eee19b7ec3c1b174");
        assert_eq!((span.start_ns, span.end_ns), (10, 20));
        let values: Vec<_> = span.attributes.iter().map(|kv| kv.value.clone()).collect();
        assert_eq!(
            values,
            vec![
                Value::Str("h\u{e9}llo \u{1f600}".as_bytes()),
                Value::Bool(true),
                Value::Int(-7),
                Value::Double {
                    text: b"1.5",
                    bits: 1.5f64.to_bits()
                },
                Value::Array(vec![Value::Str(b"x"), Value::Int(9)]),
            ]
        );
        assert_eq!(span.status.code, StatusCode::Error);
        assert_eq!(span.status.message, b"failed");
    }

    #[test]
    fn reads_events_links_trace_state_and_dropped_counts() {
        let w = W::default()
            .ids(IDS, 0, "n")
            .tag(b'T')
            .s("k=v")
            .tag(b'E')
            .s("exception")
            .f64(1500.0)
            .u32(1)
            .s("exception.message")
            .tag(b's')
            .s("boom")
            .tag(b'E')
            .s("early")
            .f64(-20.0)
            .u32(0)
            .tag(b'L')
            .raw(b"5b8efff798038103d269b633813fc60daaaaaaaaaaaaaaaa")
            .s("")
            .u32(1)
            .s("ok")
            .tag(b'b')
            .tag(0)
            .tag(b'D')
            .u32(1)
            .u32(2)
            .u32(3);
        let span = parse(Record::whole(&w.0), 1000, 5000).unwrap();
        assert_eq!(span.trace_state, b"k=v");
        assert_eq!(span.events.len(), 2);
        assert_eq!(
            (span.events[0].name, span.events[0].time_ns),
            (&b"exception"[..], 2500)
        );
        assert_eq!(span.events[0].attributes[0].value, Value::Str(b"boom"));
        assert_eq!(span.events[1].time_ns, 980);
        assert_eq!(span.links[0].span_id.to_hex(), "aaaaaaaaaaaaaaaa");
        assert_eq!(span.links[0].attributes[0].value, Value::Bool(false));
        assert_eq!(
            span.dropped,
            Dropped {
                attributes: 1,
                events: 2,
                links: 3
            }
        );
    }

    #[test]
    fn a_parent_id_is_read_when_present() {
        let w = W::default().ids(
            "5b8efff798038103d269b633813fc60ceee19b7ec3c1b17400f067aa0ba902b7",
            0,
            "child",
        );
        let span = parse(Record::whole(&w.0), 0, 0).unwrap();
        assert_eq!(span.parent_span_id.unwrap().to_hex(), "00f067aa0ba902b7");
        assert_eq!(span.kind, SpanKind::Internal);
    }

    #[test]
    fn records_split_on_their_length_prefixes() {
        let one = W::default().ids(IDS, 0, "one").0;
        let two = W::default().ids(IDS, 1, "two").0;
        // Then a record whose length says more than there is.
        let run = [
            batch(&[one.clone(), two.clone()]),
            W::default().u32(99).raw(b"short").0,
        ]
        .concat();
        let split: Vec<_> = records(&run).collect();
        let texts: Vec<_> = split.iter().map(|r| &r.upto_end[r.start..]).collect();
        assert_eq!(texts, vec![&one[..], &two[..]]);
        assert_eq!(parse(split[1], 0, 0).unwrap().name, b"two");
    }

    /// A batch of records as the facade writes it.
    fn batch(records: &[Vec<u8>]) -> Vec<u8> {
        let mut w = W::default();
        for r in records {
            w = w.u32(r.len() as u32).raw(r);
        }
        w.0
    }

    #[test]
    fn a_string_may_refer_to_an_earlier_one_of_the_batch() {
        let first = W::default()
            .ids(IDS, 0, "span")
            .tag(b'A')
            .s("key")
            .tag(b's')
            .s("value")
            .0;
        // "span" is at 4 + 65 in the batch: its record's length, ids and kind first.
        let name_at = 4 + 65;
        let key_at = name_at + 4 + 4 + 1;
        let value_at = key_at + 4 + 3 + 1;
        let second = W::default()
            .raw(IDS.as_bytes())
            .tag(0)
            .u32(EARLIER | name_at)
            .tag(b'A')
            .u32(EARLIER | key_at)
            .tag(b's')
            .u32(EARLIER | value_at)
            .tag(b'E')
            .u32(EARLIER | key_at)
            .f64(0.0)
            .u32(0)
            .0;
        let run = batch(&[first, second]);
        let split: Vec<_> = records(&run).collect();
        let span = parse(split[1], 0, 0).unwrap();
        assert_eq!(span.name, b"span");
        assert_eq!(span.attributes[0].key, b"key");
        assert_eq!(span.attributes[0].value, Value::Str(b"value"));
        assert_eq!(span.events[0].name, b"key");
    }

    #[test]
    fn a_reference_only_reaches_back_to_a_written_string() {
        let first = W::default().ids(IDS, 0, "span").0;
        let name_at = 4 + 65;
        let refer = |at: u32| W::default().raw(IDS.as_bytes()).tag(0).u32(EARLIER | at).0;
        // To a reference, to itself, beyond the batch, to a length cut short.
        let to_reference = batch(&[
            first.clone(),
            refer(name_at),
            refer(4 + first.len() as u32 + 4 + 65),
        ]);
        let itself = batch(&[first.clone(), refer(4 + first.len() as u32 + 4 + 65)]);
        let beyond = batch(&[first.clone(), refer(1 << 30)]);
        let cut = batch(&[first.clone(), refer(name_at + 2)]);
        for (run, index) in [(&to_reference, 2), (&itself, 1), (&beyond, 1), (&cut, 1)] {
            let split: Vec<_> = records(run).collect();
            assert!(parse(split[index], 0, 0).is_err(), "{index} of {run:?}");
        }
        let fine: Vec<_> = records(&to_reference).collect();
        assert_eq!(parse(fine[1], 0, 0).unwrap().name, b"span");
    }

    #[test]
    fn malformed_records_are_errors_not_panics() {
        let named = || W::default().ids(IDS, 0, "n");
        for bad in [
            Vec::new(),
            IDS.as_bytes()[..40].to_vec(),
            W::default().raw(IDS.as_bytes()).tag(0).0,
            W::default()
                .raw(IDS.as_bytes())
                .tag(0)
                .u32(9)
                .raw(b"short")
                .0,
            named().tag(b'A').s("k").tag(b'x').0,
            named().tag(b'A').s("k").tag(b'i').f64(1.5).0,
            named().tag(b'A').s("k").tag(b'i').f64(1e300).0,
            named().tag(b'A').s("k").tag(b'i').f64(f64::NAN).0,
            named()
                .tag(b'A')
                .s("k")
                .tag(b'a')
                .u32(1)
                .tag(b'a')
                .u32(1)
                .tag(b's')
                .s("x")
                .0,
            named().tag(b'A').s("k").tag(b'a').u32(u32::MAX).0,
            named().tag(b'Z').0,
            named().tag(b'D').u32(1).0,
        ] {
            assert!(parse(Record::whole(&bad), 0, 0).is_err(), "{bad:?}");
        }
    }
}
