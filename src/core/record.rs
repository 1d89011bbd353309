//! The compact text record in which the JavaScript facade hands a finished
//! span to WebAssembly in a single call (one string crosses, not one call per
//! attribute).
//!
//! Layout: 32 hex trace id, 16 hex span id, 16 hex parent span id (zeros for a
//! root), one digit of JavaScript `SpanKind`, the name as a string, then
//! sections, each a tag character:
//! - `A` key value: an attribute;
//! - `!` code-digit message: the status;
//! - `T` string: the W3C trace state;
//! - `E` name offset count: an event, `offset` the decimal nanoseconds from
//!   the span's start (may be negative), then `count` attributes (key value);
//! - `L` 32 hex trace id, 16 hex span id, trace state string, count: a link
//!   and its attributes;
//! - `D` attributes events links: what span limits dropped, each `<n>:`.
//!
//! A string is `<length>:<text>` with the length in UTF-16 code units, which is
//! what JavaScript's `.length` counts. A value is `s` string, `b0`/`b1`,
//! `i` string of decimal digits, `d` string of `String(number)` then 16 hex
//! digits of its IEEE bits (big-endian), or
//! `a<count>:` followed by that many values.

use super::ids::{SpanId, TraceId};
use super::span::{Dropped, Event, KeyValue, Link, SpanData, SpanKind, Status, StatusCode, Value};
use alloc::vec::Vec;

/// Why a record could not be read; records come from our own facade, so this
/// points at a bug, and the span is dropped and reported rather than guessed.
#[derive(Debug, PartialEq, Eq)]
pub struct RecordError(pub &'static str);

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, RecordError> {
        let b = *self
            .text
            .as_bytes()
            .get(self.at)
            .ok_or(RecordError("record ends early"))?;
        self.at += 1;
        Ok(b)
    }

    fn fixed(&mut self, len: usize) -> Result<&'a str, RecordError> {
        let end = self.at + len;
        let s = self
            .text
            .get(self.at..end)
            .ok_or(RecordError("record ends early"))?;
        self.at = end;
        Ok(s)
    }

    fn number(&mut self) -> Result<usize, RecordError> {
        let mut n: usize = 0;
        let mut digits = 0;
        loop {
            match self.byte()? {
                b':' if digits > 0 => return Ok(n),
                c @ b'0'..=b'9' if digits < 9 => {
                    n = n * 10 + (c - b'0') as usize;
                    digits += 1;
                }
                _ => return Err(RecordError("bad length")),
            }
        }
    }

    /// A `<utf16 length>:<text>` string.
    fn string(&mut self) -> Result<&'a str, RecordError> {
        // `get` rather than indexing: no panic paths, which would pull the
        // formatting machinery into the shipped module.
        let units = self.number()?;
        let rest = self.text.get(self.at..).ok_or(RecordError("bad string"))?;
        // Fast path: ASCII text has one byte per UTF-16 unit.
        if let Some(ascii) = rest.get(..units).filter(|s| s.is_ascii()) {
            self.at += units;
            return Ok(ascii);
        }
        let mut counted = 0;
        let mut end = None;
        for (offset, ch) in rest.char_indices() {
            if counted == units {
                end = Some(offset);
                break;
            }
            counted += ch.len_utf16();
        }
        let end = match end {
            Some(end) => end,
            None if counted == units => rest.len(),
            None => return Err(RecordError("string overruns record")),
        };
        self.at += end;
        rest.get(..end).ok_or(RecordError("bad string"))
    }

    fn value(&mut self, depth: u8) -> Result<Value<'a>, RecordError> {
        Ok(match self.byte()? {
            b's' => Value::Str(self.string()?),
            b'b' => Value::Bool(self.byte()? == b'1'),
            b'i' => Value::Int(parse_i64(self.string()?)?),
            b'd' => {
                let text = self.string()?;
                let mut bits = [0u8; 8];
                crate::core::ids::decode_hex(self.fixed(16)?.as_bytes(), &mut bits)
                    .ok_or(RecordError("bad double"))?;
                Value::Double {
                    text,
                    bits: u64::from_be_bytes(bits),
                }
            }
            b'a' if depth == 0 => {
                let count = self.number()?;
                let mut items = Vec::with_capacity(count.min(64));
                for _ in 0..count {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            _ => return Err(RecordError("bad value tag")),
        })
    }
}

impl<'a> Reader<'a> {
    fn attribute(&mut self) -> Result<KeyValue<'a>, RecordError> {
        let key = self.string()?;
        let value = self.value(0)?;
        Ok(KeyValue { key, value })
    }

    fn attributes(&mut self) -> Result<Vec<KeyValue<'a>>, RecordError> {
        let count = self.number()?;
        let mut list = Vec::with_capacity(count.min(128));
        for _ in 0..count {
            list.push(self.attribute()?);
        }
        Ok(list)
    }
}

fn parse_i64(text: &str) -> Result<i64, RecordError> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || digits.len() > 19 {
        return Err(RecordError("bad integer"));
    }
    let mut n: i64 = 0;
    for c in digits.bytes() {
        if !c.is_ascii_digit() {
            return Err(RecordError("bad integer"));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add((c - b'0') as i64))
            .ok_or(RecordError("integer out of range"))?;
    }
    Ok(if negative { -n } else { n })
}

/// Reads a run of `<length>:<text>` strings, stopping at the first malformed one.
pub fn strings(text: &str) -> impl Iterator<Item = &str> {
    let mut r = Reader { text, at: 0 };
    core::iter::from_fn(move || {
        if r.at < text.len() {
            r.string().ok()
        } else {
            None
        }
    })
}

/// Reads a list of `A` attribute sections (a resource's attributes).
pub fn parse_attributes(text: &str) -> Result<Vec<KeyValue<'_>>, RecordError> {
    let mut r = Reader { text, at: 0 };
    let mut attributes = Vec::new();
    while r.at < text.len() {
        if r.byte()? != b'A' {
            return Err(RecordError("bad section tag"));
        }
        attributes.push(r.attribute()?);
    }
    Ok(attributes)
}

/// Reads a record into a [`SpanData`] that borrows from `text`. Times come
/// separately, as numbers.
pub fn parse(text: &str, start_ns: u64, end_ns: u64) -> Result<SpanData<'_>, RecordError> {
    let mut r = Reader { text, at: 0 };
    let trace_id = TraceId::from_hex(r.fixed(32)?).ok_or(RecordError("bad trace id"))?;
    let span_id = SpanId::from_hex(r.fixed(16)?).ok_or(RecordError("bad span id"))?;
    let parent_span_id = SpanId::from_hex(r.fixed(16)?);
    let kind = SpanKind::from_js(r.byte()?.wrapping_sub(b'0'));
    let name = r.string()?;
    let mut span = SpanData {
        trace_id,
        span_id,
        parent_span_id,
        name,
        kind,
        start_ns,
        end_ns,
        trace_state: "",
        attributes: Vec::with_capacity(8),
        events: Vec::new(),
        links: Vec::new(),
        status: Status::default(),
        dropped: Dropped::default(),
    };
    while r.at < text.len() {
        match r.byte()? {
            b'A' => span.attributes.push(r.attribute()?),
            b'T' => span.trace_state = r.string()?,
            b'E' => {
                let name = r.string()?;
                let offset = parse_i64(r.string()?)?;
                let time_ns = start_ns.saturating_add_signed(offset);
                let attributes = r.attributes()?;
                span.events.push(Event {
                    name,
                    time_ns,
                    attributes,
                });
            }
            b'L' => {
                let trace_id =
                    TraceId::from_hex(r.fixed(32)?).ok_or(RecordError("bad link trace id"))?;
                let span_id =
                    SpanId::from_hex(r.fixed(16)?).ok_or(RecordError("bad link span id"))?;
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
                    attributes: r.number()? as u32,
                    events: r.number()? as u32,
                    links: r.number()? as u32,
                };
            }
            b'!' => {
                span.status.code = match r.byte()? {
                    b'1' => StatusCode::Ok,
                    b'2' => StatusCode::Error,
                    _ => StatusCode::Unset,
                };
                span.status.message = r.string()?;
            }
            _ => return Err(RecordError("bad section tag")),
        }
    }
    Ok(span)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};
    use alloc::{format, vec};

    const IDS: &str = "5b8efff798038103d269b633813fc60ceee19b7ec3c1b1740000000000000000";

    /// Packs a string as the JavaScript facade does.
    fn s(text: &str) -> String {
        format!("{}:{}", text.encode_utf16().count(), text)
    }

    #[test]
    fn reads_a_record_with_every_value_type() {
        let text = format!(
            "{IDS}2{}A{}s{}A{}b1A{}i{}A{}d{}A{}a2:s{}i{}!2{}",
            s("GET"),
            s("str"),
            s("h\u{e9}llo \u{1f600}"),
            s("flag"),
            s("int"),
            s("-7"),
            s("dbl"),
            s("1.5") + "3ff8000000000000",
            s("arr"),
            s("x"),
            s("9"),
            s("failed"),
        );
        let span = parse(&text, 10, 20).unwrap();
        assert_eq!(span.name, "GET");
        assert_eq!(span.kind, SpanKind::Client);
        assert_eq!(span.parent_span_id, None);
        assert_eq!(span.trace_id.to_hex(), "5b8efff798038103d269b633813fc60c");
        assert_eq!(span.span_id.to_hex(), "eee19b7ec3c1b174");
        assert_eq!((span.start_ns, span.end_ns), (10, 20));
        let values: Vec<_> = span.attributes.iter().map(|kv| kv.value.clone()).collect();
        assert_eq!(
            values,
            vec![
                Value::Str("h\u{e9}llo \u{1f600}"),
                Value::Bool(true),
                Value::Int(-7),
                Value::Double {
                    text: "1.5",
                    bits: 1.5f64.to_bits()
                },
                Value::Array(vec![Value::Str("x"), Value::Int(9)]),
            ]
        );
        assert_eq!(span.status.code, StatusCode::Error);
        assert_eq!(span.status.message, "failed");
    }

    #[test]
    fn reads_events_links_trace_state_and_dropped_counts() {
        let text = format!(
            "{IDS}0{}T{}E{}{}1:{}s{}E{}{}0:L5b8efff798038103d269b633813fc60daaaaaaaaaaaaaaaa{}1:{}b0D1:2:3:",
            s("n"),
            s("k=v"),
            s("exception"),
            s("1500"),
            s("exception.message"),
            s("boom"),
            s("early"),
            s("-20"),
            s(""),
            s("ok"),
        );
        let span = parse(&text, 1000, 5000).unwrap();
        assert_eq!(span.trace_state, "k=v");
        assert_eq!(span.events.len(), 2);
        assert_eq!(
            (span.events[0].name, span.events[0].time_ns),
            ("exception", 2500)
        );
        assert_eq!(span.events[0].attributes[0].value, Value::Str("boom"));
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
        let text = format!(
            "5b8efff798038103d269b633813fc60ceee19b7ec3c1b17400f067aa0ba902b70{}",
            s("child")
        );
        let span = parse(&text, 0, 0).unwrap();
        assert_eq!(span.parent_span_id.unwrap().to_hex(), "00f067aa0ba902b7");
        assert_eq!(span.kind, SpanKind::Internal);
    }

    #[test]
    fn malformed_records_are_errors_not_panics() {
        for bad in [
            String::new(),
            IDS[..40].to_string(),
            format!("{IDS}0"),
            format!("{IDS}09:short"),
            format!("{IDS}0{}A{}x", s("n"), s("k")),
            format!("{IDS}0{}A{}i{}", s("n"), s("k"), s("12a")),
            format!("{IDS}0{}A{}a1:a1:s1:x", s("n"), s("k")),
            format!("{IDS}0{}Z", s("n")),
            format!("{IDS}0{}A{}i{}", s("n"), s("k"), s("99999999999999999999")),
        ] {
            assert!(parse(&bad, 0, 0).is_err(), "{bad}");
        }
    }
}
