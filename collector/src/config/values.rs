//! Value types shared by several components' settings: Go-style durations,
//! `host:port` endpoints, sizes. Each checks itself while the YAML is read, so a
//! bad value is reported with its key and line.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// Parses a Go duration (`200ms`, `5s`, `1m30s`, `1.5h`), as the Collector writes them.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let err = || {
        format!("\"{text}\" is not a duration; write a number and a unit, e.g. 200ms, 5s, 1m30s")
    };
    let s = text.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(err());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(err)?;
        let number: f64 = rest[..num_len].parse().map_err(|_| err())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(err()),
        };
        total += number * seconds;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| err())
}

/// A Go duration.
pub fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(de::Error::custom)
}

/// An optional Go duration (empty means unset).
pub fn opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => parse_duration(&t).map(Some).map_err(de::Error::custom),
    }
}

/// serde_yaml places an error raised inside a value at the start of the map
/// that holds it; these wrappers put the key in front of the message
/// (`key: message`) so `Config` can point at the key's own line.
macro_rules! keyed {
    ($($name:ident = $key:literal $inner:ident -> $ty:ty;)*) => {$(
        pub fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
            $inner(d).map_err(|e| de::Error::custom(format!(concat!($key, ": {}"), e)))
        }
    )*};
}

keyed! {
    timeout = "timeout" opt_duration -> Option<Duration>;
    check_interval = "check_interval" duration -> Duration;
    initial_interval = "initial_interval" opt_duration -> Option<Duration>;
    max_interval = "max_interval" opt_duration -> Option<Duration>;
    max_elapsed_time = "max_elapsed_time" opt_duration -> Option<Duration>;
    queue_size = "queue_size" positive -> Option<usize>;
    num_consumers = "num_consumers" positive -> Option<usize>;
    num_workers = "num_workers" positive -> Option<usize>;
    burst = "burst" positive -> Option<usize>;
    max_recv_msg_size_mib = "max_recv_msg_size_mib" positive -> Option<usize>;
    max_concurrent_streams = "max_concurrent_streams" positive -> Option<usize>;
}

/// A `host:port` to listen on; an empty host (`:4318`) means every interface, as in Go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddress(String);

impl ListenAddress {
    pub fn parse(text: &str) -> Result<ListenAddress, String> {
        let t = text.trim();
        let t = if t.starts_with(':') {
            format!("0.0.0.0{t}")
        } else {
            t.to_owned()
        };
        let ok = t
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !ok {
            return Err(format!(
                "\"{text}\" is not host:port (for example 0.0.0.0:4318 or 127.0.0.1:0)"
            ));
        }
        Ok(ListenAddress(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ListenAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ListenAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ListenAddress::parse(&text).map_err(de::Error::custom)
    }
}

/// `deserialize_with` for an optional `endpoint` where empty means the default.
pub fn opt_listen<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ListenAddress>, D::Error> {
    listen_named(d, "endpoint")
}

/// `deserialize_with` for an optional `address` where empty means unset.
pub fn opt_address<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ListenAddress>, D::Error> {
    listen_named(d, "address")
}

fn listen_named<'de, D: Deserializer<'de>>(
    d: D,
    key: &str,
) -> Result<Option<ListenAddress>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => ListenAddress::parse(&t)
            .map(Some)
            .map_err(|e| de::Error::custom(format!("{key}: {e}"))),
    }
}

/// `deserialize_with` for a count that must be at least 1.
pub fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    match Option::<usize>::deserialize(d)? {
        Some(0) => Err(de::Error::custom("must be at least 1")),
        v => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("10us"), Ok(Duration::from_micros(10)));
        for bad in ["", "5", "s", "5 s", "5sec", "-1s", "1e3s"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("not a duration"), "{bad}: {e}");
        }
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(
            ListenAddress::parse(":4318").unwrap().as_str(),
            "0.0.0.0:4318"
        );
        assert_eq!(ListenAddress::parse("[::1]:0").unwrap().as_str(), "[::1]:0");
        assert!(ListenAddress::parse("localhost").is_err());
        assert!(ListenAddress::parse("h:99999").is_err());
    }
}
