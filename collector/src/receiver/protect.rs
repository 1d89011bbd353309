//! Opt-in protection for a public browser endpoint: a required header (an API
//! key the page sends) and a per-client token-bucket rate limit. Both are off
//! unless configured; CORS preflights are never subject to them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName};

use crate::config::{RateLimitConfig, RequiredHeaderConfig};

/// A header every export request must carry with one of the configured values.
#[derive(Debug)]
pub struct RequiredHeader {
    name: HeaderName,
    values: Vec<Vec<u8>>,
}

impl RequiredHeader {
    pub fn new(config: &RequiredHeaderConfig) -> RequiredHeader {
        RequiredHeader {
            name: HeaderName::try_from(config.name.as_str()).expect("validated header name"),
            values: config
                .values
                .iter()
                .filter(|v| !v.is_empty())
                .map(|v| v.as_bytes().to_vec())
                .collect(),
        }
    }

    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// Compares in constant time per candidate so the key cannot be guessed by timing.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(given) = headers.get(&self.name) else {
            return false;
        };
        let given = given.as_bytes();
        self.values
            .iter()
            .fold(false, |ok, v| ok | constant_time_eq(v, given))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Clients tracked at most; idle ones are forgotten first when it fills.
const MAX_CLIENTS: usize = 10_000;

/// A token bucket per client address.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    client_ip_header: Option<HeaderName>,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn new(config: &RateLimitConfig) -> RateLimiter {
        RateLimiter {
            rate: config.requests_per_second,
            burst: config.burst() as f64,
            client_ip_header: config
                .client_ip_header
                .as_deref()
                .and_then(|h| HeaderName::try_from(h).ok()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The client's address: the configured header's first entry, else the peer.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        self.client_ip_header
            .as_ref()
            .and_then(|h| headers.get(h))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(peer)
    }

    /// Takes a token for `client`, or says how long until one is there.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap();
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            // Forget clients whose bucket has refilled: they lose nothing.
            let full_after = Duration::from_secs_f64(self.burst / self.rate);
            buckets.retain(|_, b| now.duration_since(b.at) < full_after);
            if buckets.len() >= MAX_CLIENTS {
                let oldest = buckets.iter().min_by_key(|(_, b)| b.at).map(|(k, _)| *k);
                if let Some(k) = oldest {
                    buckets.remove(&k);
                }
            }
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn required_header_matches_any_configured_value() {
        let r = RequiredHeader::new(&RequiredHeaderConfig {
            name: "X-Api-Key".into(),
            values: vec!["old".into(), "new".into(), String::new()],
        });
        let mut h = HeaderMap::new();
        assert!(!r.allows(&h));
        h.insert("x-api-key", HeaderValue::from_static("new"));
        assert!(r.allows(&h));
        h.insert("x-api-key", HeaderValue::from_static("ne"));
        assert!(!r.allows(&h));
        h.insert("x-api-key", HeaderValue::from_static(""));
        assert!(!r.allows(&h), "an empty configured value must not match");
    }

    #[test]
    fn bucket_allows_burst_then_rate() {
        let limiter = RateLimiter::new(&RateLimitConfig {
            requests_per_second: 2.0,
            burst: Some(3),
            client_ip_header: None,
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(a, t0).is_ok());
        }
        let wait = limiter.check(a, t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert!(
            limiter.check(b, t0).is_ok(),
            "clients have their own buckets"
        );
        assert!(limiter.check(a, t0 + Duration::from_millis(500)).is_ok());
        assert!(limiter.check(a, t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn client_address_from_header() {
        let limiter = RateLimiter::new(&RateLimitConfig {
            requests_per_second: 1.0,
            burst: None,
            client_ip_header: Some("x-forwarded-for".into()),
        });
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(limiter.client(peer, &h), peer);
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 10.0.0.1"),
        );
        assert_eq!(
            limiter.client(peer, &h),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        h.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(limiter.client(peer, &h), peer);
    }
}
