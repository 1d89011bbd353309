//! Reading OTLP attributes for the translation: lookup by key, values as
//! text, integer or JSON, and bookkeeping of which keys a block consumed (those
//! are left out of annotations and metadata).

use std::collections::HashSet;

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use serde_json::Value as Json;

/// One span's (or resource's) attributes.
pub struct Attrs<'a> {
    list: &'a [KeyValue],
    used: std::cell::RefCell<HashSet<&'a str>>,
}

impl<'a> Attrs<'a> {
    pub fn new(list: &'a [KeyValue]) -> Attrs<'a> {
        Attrs {
            list,
            used: Default::default(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.list
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
            .and_then(|v| v.value.as_ref())
    }

    /// A string value (or a number or bool written as text).
    pub fn str(&self, key: &str) -> Option<String> {
        self.get(key).and_then(text)
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            Value::IntValue(i) => Some(*i),
            Value::DoubleValue(d) if d.fract() == 0.0 => Some(*d as i64),
            Value::StringValue(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The first of `keys` that is present, as text; marks it consumed.
    pub fn take_first(&self, keys: &[&'a str]) -> Option<String> {
        keys.iter().find_map(|k| {
            let v = self.str(k)?;
            self.used.borrow_mut().insert(k);
            Some(v)
        })
    }

    pub fn take_int(&self, keys: &[&'a str]) -> Option<i64> {
        keys.iter().find_map(|k| {
            let v = self.int(k)?;
            self.used.borrow_mut().insert(k);
            Some(v)
        })
    }

    pub fn mark(&self, key: &'a str) {
        self.used.borrow_mut().insert(key);
    }

    pub fn has_any(&self, keys: &[&str]) -> bool {
        keys.iter().any(|k| self.get(k).is_some())
    }

    /// Attributes no block consumed, in order.
    pub fn unused(&self) -> impl Iterator<Item = (&'a str, &'a Value)> + '_ {
        let used = self.used.borrow().clone();
        self.list.iter().filter_map(move |kv| {
            let v = kv.value.as_ref()?.value.as_ref()?;
            (!used.contains(kv.key.as_str())).then_some((kv.key.as_str(), v))
        })
    }
}

pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::StringValue(s) => Some(s.clone()),
        Value::IntValue(i) => Some(i.to_string()),
        Value::DoubleValue(d) => Some(d.to_string()),
        Value::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The value as JSON: arrays and maps nested, bytes as base64.
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::StringValue(s) => Json::from(s.as_str()),
        Value::BoolValue(b) => Json::from(*b),
        Value::IntValue(i) => Json::from(*i),
        Value::DoubleValue(d) => serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Value::ArrayValue(a) => Json::Array(a.values.iter().map(any_to_json).collect()),
        Value::KvlistValue(kv) => Json::Object(
            kv.values
                .iter()
                .map(|kv| {
                    (
                        kv.key.clone(),
                        kv.value.as_ref().map_or(Json::Null, any_to_json),
                    )
                })
                .collect(),
        ),
        Value::BytesValue(b) => Json::from(base64(b)),
        #[allow(unreachable_patterns)]
        _ => Json::Null,
    }
}

fn any_to_json(v: &AnyValue) -> Json {
    v.value.as_ref().map_or(Json::Null, to_json)
}

/// Whether X-Ray can index the value as an annotation.
pub fn annotatable(v: &Value) -> bool {
    matches!(
        v,
        Value::StringValue(_) | Value::BoolValue(_) | Value::IntValue(_) | Value::DoubleValue(_)
    )
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
