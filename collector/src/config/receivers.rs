//! Settings of the `otlp` receiver: `protocols.http` (the Collector's confighttp
//! keys we support, plus two opt-in protections for public browser endpoints)
//! and `protocols.grpc`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::values::{self, opt_listen, ListenAddress};
use super::{nullable, present};

pub const DEFAULT_HTTP_ENDPOINT: &str = "0.0.0.0:4318";
pub const DEFAULT_GRPC_ENDPOINT: &str = "0.0.0.0:4317";
/// The Collector's default `max_request_body_size` (20 MiB), counted after decompression.
pub const DEFAULT_MAX_REQUEST_BODY_SIZE: u64 = 20 * 1024 * 1024;
/// The Collector's default `traces_url_path`.
pub const DEFAULT_TRACES_URL_PATH: &str = "/v1/traces";
/// grpc-go's default receive limit, which the Collector keeps.
pub const DEFAULT_MAX_RECV_MSG_SIZE_MIB: usize = 4;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpReceiverConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub protocols: OtlpProtocols,
}

/// `protocols:`; a protocol key present, even empty, turns it on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpProtocols {
    #[serde(default, deserialize_with = "present")]
    pub http: Option<HttpServerConfig>,
    #[serde(default, deserialize_with = "present")]
    pub grpc: Option<GrpcServerConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpServerConfig {
    #[serde(default, deserialize_with = "opt_listen")]
    pub endpoint: Option<ListenAddress>,
    pub cors: Option<CorsConfig>,
    pub max_request_body_size: Option<u64>,
    pub traces_url_path: Option<String>,
    /// Extra headers on every response, as the Collector's `response_headers`.
    #[serde(default, deserialize_with = "nullable")]
    pub response_headers: BTreeMap<String, String>,
    /// wasmtrace's own: a header every POST must carry (off when absent).
    pub required_header: Option<RequiredHeaderConfig>,
    /// wasmtrace's own: a per-client request rate limit (off when absent).
    pub rate_limit: Option<RateLimitConfig>,
}

impl HttpServerConfig {
    pub fn endpoint(&self) -> String {
        self.endpoint
            .as_ref()
            .map_or(DEFAULT_HTTP_ENDPOINT.to_owned(), |e| e.to_string())
    }

    pub fn max_request_body_size(&self) -> u64 {
        self.max_request_body_size
            .unwrap_or(DEFAULT_MAX_REQUEST_BODY_SIZE)
    }

    pub fn traces_url_path(&self) -> &str {
        self.traces_url_path
            .as_deref()
            .unwrap_or(DEFAULT_TRACES_URL_PATH)
    }

    /// Checks across keys; returns (key under this block, message).
    pub(super) fn check(&self) -> Result<(), (&'static str, String)> {
        if self.max_request_body_size == Some(0) {
            return Err(("max_request_body_size", "must be greater than 0".into()));
        }
        if !self.traces_url_path().starts_with('/') {
            return Err(("traces_url_path", "must start with `/`".into()));
        }
        for (name, value) in &self.response_headers {
            let ok = axum::http::HeaderName::try_from(name.as_str()).is_ok()
                && axum::http::HeaderValue::try_from(value.as_str()).is_ok();
            if !ok {
                return Err((
                    "response_headers",
                    format!("\"{name}: {value}\" is not a valid HTTP header"),
                ));
            }
        }
        if let Some(r) = &self.required_header {
            if axum::http::HeaderName::try_from(r.name.as_str()).is_err() {
                return Err((
                    "required_header",
                    format!("\"{}\" is not a valid header name", r.name),
                ));
            }
            if r.values.iter().all(|v| v.is_empty()) {
                return Err((
                    "required_header",
                    "`values` lists no non-empty value, so every request would be refused; set one (e.g. values: [\"${env:API_KEY}\"]) or remove the block".into(),
                ));
            }
        }
        if let Some(r) = &self.rate_limit {
            if r.requests_per_second.is_nan() || r.requests_per_second <= 0.0 {
                return Err((
                    "rate_limit",
                    "requests_per_second must be greater than 0".into(),
                ));
            }
        }
        Ok(())
    }
}

/// The `cors:` block. CORS is on only when `allowed_origins` is non-empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_origins: Vec<String>,
    /// Added to the default safe list (accept, content-type, x-requested-with), not
    /// replacing it as the Collector does.
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_headers: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub exposed_headers: Vec<String>,
    /// Seconds a browser may cache a preflight answer; 0 sends no `Access-Control-Max-Age`.
    #[serde(default, deserialize_with = "nullable")]
    pub max_age: u32,
}

/// A header that every export request must carry with one of `values`, e.g.
/// `{name: x-api-key, values: ["${env:WEB_KEY}"]}`. Preflights are exempt (browsers
/// send no custom headers in them); add the name to `cors.allowed_headers`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredHeaderConfig {
    pub name: String,
    pub values: Vec<String>,
}

/// A token bucket per client: `requests_per_second` sustained, `burst` at once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    pub requests_per_second: f64,
    #[serde(default, deserialize_with = "values::burst")]
    pub burst: Option<usize>,
    /// Take the client's address from this header's first entry (e.g.
    /// `x-forwarded-for` behind a load balancer) instead of the TCP peer.
    pub client_ip_header: Option<String>,
}

impl RateLimitConfig {
    pub fn burst(&self) -> usize {
        self.burst
            .unwrap_or_else(|| (self.requests_per_second * 2.0).ceil().max(1.0) as usize)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrpcServerConfig {
    #[serde(default, deserialize_with = "opt_listen")]
    pub endpoint: Option<ListenAddress>,
    /// Only `tcp`, the Collector's default, is supported.
    pub transport: Option<GrpcTransport>,
    #[serde(default, deserialize_with = "values::max_recv_msg_size_mib")]
    pub max_recv_msg_size_mib: Option<usize>,
    #[serde(default, deserialize_with = "values::max_concurrent_streams")]
    pub max_concurrent_streams: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GrpcTransport {
    Tcp,
}

impl GrpcServerConfig {
    pub fn endpoint(&self) -> String {
        self.endpoint
            .as_ref()
            .map_or(DEFAULT_GRPC_ENDPOINT.to_owned(), |e| e.to_string())
    }

    pub fn max_recv_msg_size(&self) -> usize {
        self.max_recv_msg_size_mib
            .unwrap_or(DEFAULT_MAX_RECV_MSG_SIZE_MIB)
            .saturating_mul(1024 * 1024)
    }
}
