//! CORS for the HTTP receiver, so browsers on other origins can post spans.
//!
//! Follows the Collector's `cors:` block (rs/cors) with three deliberate differences:
//! `allowed_headers` adds to the default safe list instead of replacing it, the
//! origin is always echoed (never `*`, which browsers refuse with credentials), and
//! a request from a disallowed origin is refused (403) instead of being ingested.

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::config::CorsConfig;

/// Headers allowed whatever the config says; `content-type` matters most, because
/// OTLP's content types are not CORS-safelisted and so always trigger a preflight.
/// `content-encoding` too, so that browsers may send gzip (the Collector's
/// defaults leave it out, and compressed browser exports then fail).
pub const DEFAULT_ALLOWED_HEADERS: [&str; 4] = [
    "accept",
    "content-type",
    "content-encoding",
    "x-requested-with",
];

/// The only method the receiver serves.
const ALLOWED_METHOD: &str = "POST";

const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// One `allowed_origins` entry, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
enum OriginRule {
    Exact(String),
    /// Split at the first `*`: `https://*.example.com` → (`https://`, `.example.com`).
    Wildcard {
        prefix: String,
        suffix: String,
    },
}

impl OriginRule {
    fn matches(&self, origin: &str) -> bool {
        match self {
            OriginRule::Exact(o) => o == origin,
            OriginRule::Wildcard { prefix, suffix } => {
                origin.len() >= prefix.len() + suffix.len()
                    && origin.starts_with(prefix.as_str())
                    && origin.ends_with(suffix.as_str())
            }
        }
    }
}

/// A compiled `cors:` block.
#[derive(Debug, Clone)]
pub struct CorsPolicy {
    any_origin: bool,
    origins: Vec<OriginRule>,
    any_header: bool,
    /// Lower-cased: the defaults plus the configured ones.
    headers: Vec<String>,
    max_age: u32,
    expose_headers: Option<HeaderValue>,
}

impl CorsPolicy {
    /// `None` when `allowed_origins` is empty: CORS is off, as in the Collector.
    pub fn new(config: &CorsConfig) -> Option<CorsPolicy> {
        if config.allowed_origins.is_empty() {
            return None;
        }
        let mut any_origin = false;
        let mut origins = Vec::new();
        for entry in &config.allowed_origins {
            let entry = entry.trim().to_ascii_lowercase();
            if entry == "*" {
                any_origin = true;
            } else if let Some((prefix, suffix)) = entry.split_once('*') {
                origins.push(OriginRule::Wildcard {
                    prefix: prefix.to_owned(),
                    suffix: suffix.to_owned(),
                });
            } else {
                origins.push(OriginRule::Exact(entry));
            }
        }
        let (any_header, headers) = merge_allowed_headers(&config.allowed_headers);
        let exposed: Vec<&str> = config
            .exposed_headers
            .iter()
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
            .collect();
        let expose_headers = if exposed.is_empty() {
            None
        } else {
            HeaderValue::from_str(&exposed.join(", ")).ok()
        };
        Some(CorsPolicy {
            any_origin,
            origins,
            any_header,
            headers,
            max_age: config.max_age,
            expose_headers,
        })
    }

    /// Case-insensitive, as rs/cors does (browsers send the origin lower-case anyway).
    pub fn allows_origin(&self, origin: &str) -> bool {
        if self.any_origin {
            return true;
        }
        let origin = origin.to_ascii_lowercase();
        self.origins.iter().any(|rule| rule.matches(&origin))
    }

    /// Whether every header in an `Access-Control-Request-Headers` list is allowed.
    pub fn allows_headers(&self, requested: &str) -> bool {
        self.any_header || requested_headers(requested).all(|h| self.headers.contains(&h))
    }

    /// Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`): always
    /// 204, with the `Access-Control-Allow-*` headers only if origin, method and
    /// headers are all allowed (the browser then blocks the real request).
    pub fn preflight(&self, request: &HeaderMap) -> Response {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(VARY, HeaderValue::from_static(PREFLIGHT_VARY));

        let Some(origin) = request.get(ORIGIN) else {
            return response;
        };
        let origin_ok = origin.to_str().is_ok_and(|o| self.allows_origin(o));
        let method_ok = request
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| m.to_str().ok())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case(ALLOWED_METHOD));
        let requested = request
            .get(ACCESS_CONTROL_REQUEST_HEADERS)
            .map(|h| h.to_str().unwrap_or("\u{0}"));
        let headers_ok = requested.is_none_or(|r| self.allows_headers(r));
        if !(origin_ok && method_ok && headers_ok) {
            tracing::debug!(
                origin = ?origin,
                origin_ok,
                method_ok,
                headers_ok,
                "CORS preflight refused"
            );
            return response;
        }

        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHOD),
        );
        if let Some(list) = requested {
            let echoed: Vec<String> = requested_headers(list).collect();
            if !echoed.is_empty() {
                if let Ok(v) = HeaderValue::from_str(&echoed.join(", ")) {
                    headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, v);
                }
            }
        }
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        if self.max_age > 0 {
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from(self.max_age));
        }
        response
    }

    /// Adds the headers a browser needs to hand an allowed origin the response.
    pub fn decorate(&self, response: &mut Response, origin: &HeaderValue) {
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        if let Some(expose) = &self.expose_headers {
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
        headers.append(VARY, HeaderValue::from_static("Origin"));
    }
}

/// The defaults plus the configured names, lower-cased and without repeats; `*`
/// anywhere allows any header. Returns `(any, list)`.
pub fn merge_allowed_headers(configured: &[String]) -> (bool, Vec<String>) {
    let mut any = false;
    let mut list: Vec<String> = DEFAULT_ALLOWED_HEADERS.map(String::from).to_vec();
    for h in configured {
        let h = h.trim().to_ascii_lowercase();
        if h == "*" {
            any = true;
        } else if !h.is_empty() && !list.contains(&h) {
            list.push(h);
        }
    }
    (any, list)
}

fn requested_headers(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(origins: &[&str], headers: &[&str]) -> CorsPolicy {
        CorsPolicy::new(&CorsConfig {
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            allowed_headers: headers.iter().map(|s| s.to_string()).collect(),
            exposed_headers: vec![],
            max_age: 600,
        })
        .expect("origins given")
    }

    #[test]
    fn off_without_origins() {
        let config = CorsConfig {
            allowed_headers: vec!["traceparent".into()],
            ..Default::default()
        };
        assert!(CorsPolicy::new(&config).is_none());
    }

    #[test]
    fn exact_origins_ignore_case() {
        let p = policy(&["http://localhost:5173"], &[]);
        assert!(p.allows_origin("http://localhost:5173"));
        assert!(p.allows_origin("HTTP://LocalHost:5173"));
        assert!(!p.allows_origin("http://localhost:5174"));
        assert!(!p.allows_origin("http://localhost:5173.evil.com"));
        assert!(!p.allows_origin("null"));
    }

    #[test]
    fn wildcard_splits_at_first_star() {
        let p = policy(&["https://*.Example.com"], &[]);
        assert!(p.allows_origin("https://app.example.com"));
        assert!(p.allows_origin("https://a.b.example.com"));
        assert!(p.allows_origin("HTTPS://APP.EXAMPLE.COM"));
        assert!(!p.allows_origin("https://example.com"));
        assert!(!p.allows_origin("http://app.example.com"));
        assert!(!p.allows_origin("https://app.example.com.evil.io"));

        // Prefix and suffix may not overlap: "ab*ba" must not match "aba".
        let p = policy(&["ab*ba"], &[]);
        assert!(!p.allows_origin("aba"));
        assert!(p.allows_origin("abba"));

        // Only the first star splits; a later one is literal.
        let p = policy(&["http://*.a*"], &[]);
        assert!(p.allows_origin("http://x.a*"));
        assert!(!p.allows_origin("http://x.ab"));

        let p = policy(&["https://*", "http://*"], &[]);
        assert!(p.allows_origin("https://anything.dev"));
        assert!(!p.allows_origin("null"));
    }

    #[test]
    fn bare_star_allows_every_origin() {
        let p = policy(&["http://a", "*"], &[]);
        assert!(p.allows_origin("https://whatever.example"));
        assert!(p.allows_origin("null"));
    }

    #[test]
    fn configured_headers_add_to_the_defaults() {
        let (any, list) = merge_allowed_headers(&["TraceParent".into(), "content-type".into()]);
        assert!(!any);
        assert_eq!(
            list,
            [
                "accept",
                "content-type",
                "content-encoding",
                "x-requested-with",
                "traceparent"
            ]
        );
        let p = policy(&["*"], &["traceparent", "X-Api-Key"]);
        assert!(p.allows_headers("content-type"));
        assert!(p.allows_headers("Content-Type, traceparent , x-api-key"));
        assert!(p.allows_headers(""));
        assert!(!p.allows_headers("content-type, tracestate"));
        assert!(!p.allows_headers("authorization"));
    }

    #[test]
    fn star_header_allows_any() {
        let (any, _) = merge_allowed_headers(&["*".into()]);
        assert!(any);
        assert!(policy(&["*"], &["*"]).allows_headers("x-anything, authorization"));
    }

    fn preflight(p: &CorsPolicy, origin: &str, method: &str, headers: Option<&str>) -> Response {
        let mut req = HeaderMap::new();
        req.insert(ORIGIN, HeaderValue::from_str(origin).unwrap());
        req.insert(
            ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_str(method).unwrap(),
        );
        if let Some(h) = headers {
            req.insert(
                ACCESS_CONTROL_REQUEST_HEADERS,
                HeaderValue::from_str(h).unwrap(),
            );
        }
        p.preflight(&req)
    }

    #[test]
    fn preflight_allowed() {
        let p = policy(&["http://localhost:5173"], &["traceparent"]);
        let r = preflight(
            &p,
            "http://localhost:5173",
            "POST",
            Some("Content-Type,traceparent"),
        );
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let h = r.headers();
        assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "http://localhost:5173");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_METHODS], "POST");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_HEADERS], "content-type, traceparent");
        assert_eq!(h[ACCESS_CONTROL_MAX_AGE], "600");
        assert!(h[VARY].to_str().unwrap().starts_with("Origin"));
    }

    #[test]
    fn preflight_refused_carries_only_vary() {
        let p = policy(&["http://localhost:5173"], &[]);
        for r in [
            preflight(&p, "http://evil.test", "POST", None),
            preflight(&p, "http://localhost:5173", "DELETE", None),
            preflight(&p, "http://localhost:5173", "POST", Some("tracestate")),
        ] {
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
            let names: Vec<_> = r.headers().keys().map(|k| k.as_str()).collect();
            assert_eq!(names, ["vary"]);
        }
    }
}
