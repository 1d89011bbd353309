//! Settings of the exporters: `file`, `debug`, `nop`, the network ones (`otlp`,
//! `otlphttp`, `awsxray`) and the `sending_queue` / `retry_on_failure` blocks
//! they share, with the Collector's keys and defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::nullable;
use super::values;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileExporterConfig {
    pub path: PathBuf,
    /// As in the Collector: false truncates the file at start, true keeps what is there.
    #[serde(default)]
    pub append: bool,
    #[serde(default)]
    pub format: FileFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// One OTLP/JSON `TracesData` per line.
    #[default]
    Json,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebugExporterConfig {
    #[serde(default)]
    pub verbosity: Verbosity,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verbosity {
    /// One summary line per request.
    #[default]
    Basic,
    /// The summary plus one line per span.
    Normal,
    Detailed,
}

/// `nop` takes no settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NopExporterConfig {}

/// Compression of exported requests; the Collector's default is gzip.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compression {
    #[default]
    Gzip,
    None,
}

impl<'de> Deserialize<'de> for Compression {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        match text.trim().to_ascii_lowercase().as_str() {
            "gzip" => Ok(Compression::Gzip),
            "" | "none" => Ok(Compression::None),
            other => Err(serde::de::Error::custom(format!(
                "compression: \"{other}\" is not supported; use gzip or none"
            ))),
        }
    }
}

/// The part of the Collector's `configtls` client settings we support.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsClientConfig {
    /// Plain text instead of TLS (gRPC endpoints without a scheme).
    #[serde(default)]
    pub insecure: bool,
    /// A PEM file of CA certificates to trust instead of the system's.
    pub ca_file: Option<PathBuf>,
}

/// `sending_queue`: how many requests wait for the backend; when full, the
/// receivers are told to retry later instead of the data being dropped.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "ten", deserialize_with = "num_consumers")]
    pub num_consumers: usize,
    #[serde(default = "thousand", deserialize_with = "queue_size")]
    pub queue_size: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            enabled: true,
            num_consumers: 10,
            queue_size: 1000,
        }
    }
}

/// `retry_on_failure`: exponential backoff with jitter, the Collector's defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default, deserialize_with = "values::initial_interval")]
    pub initial_interval: Option<Duration>,
    #[serde(default, deserialize_with = "values::max_interval")]
    pub max_interval: Option<Duration>,
    /// 0 retries forever.
    #[serde(default, deserialize_with = "values::max_elapsed_time")]
    pub max_elapsed_time: Option<Duration>,
    pub multiplier: Option<f64>,
    pub randomization_factor: Option<f64>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            enabled: true,
            initial_interval: None,
            max_interval: None,
            max_elapsed_time: None,
            multiplier: None,
            randomization_factor: None,
        }
    }
}

impl RetryConfig {
    pub fn initial_interval(&self) -> Duration {
        self.initial_interval.unwrap_or(Duration::from_secs(5))
    }
    pub fn max_interval(&self) -> Duration {
        self.max_interval.unwrap_or(Duration::from_secs(30))
    }
    pub fn max_elapsed_time(&self) -> Duration {
        self.max_elapsed_time.unwrap_or(Duration::from_secs(300))
    }
    pub fn multiplier(&self) -> f64 {
        self.multiplier.unwrap_or(1.5)
    }
    pub fn randomization_factor(&self) -> f64 {
        self.randomization_factor.unwrap_or(0.5)
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        if self.multiplier() < 1.0 {
            return Err(("retry_on_failure", "multiplier must be at least 1".into()));
        }
        if !(0.0..=1.0).contains(&self.randomization_factor()) {
            return Err((
                "retry_on_failure",
                "randomization_factor must be between 0 and 1".into(),
            ));
        }
        Ok(())
    }
}

/// `otlp`: OTLP/gRPC to another collector or backend.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpExporterConfig {
    /// `host:port`, or a URL with `http://` (plain) or `https://` (TLS).
    pub endpoint: String,
    #[serde(default, deserialize_with = "nullable")]
    pub tls: TlsClientConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub compression: Compression,
    #[serde(default, deserialize_with = "values::timeout")]
    pub timeout: Option<Duration>,
    #[serde(default, deserialize_with = "nullable")]
    pub sending_queue: QueueConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub retry_on_failure: RetryConfig,
}

impl OtlpExporterConfig {
    pub(super) fn check(&self) -> Result<(), (&'static str, String)> {
        if self.endpoint.trim().is_empty() {
            return Err((
                "endpoint",
                "is empty; set host:port of the OTLP/gRPC backend".into(),
            ));
        }
        check_headers(&self.headers)?;
        self.retry_on_failure.check()
    }
}

/// `otlphttp`: OTLP/HTTP to another collector or backend.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpHttpExporterConfig {
    /// Base URL; `/v1/traces` is appended.
    pub endpoint: Option<String>,
    /// The full URL, used as is; wins over `endpoint`.
    pub traces_endpoint: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub tls: TlsClientConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub compression: Compression,
    #[serde(default)]
    pub encoding: HttpEncoding,
    #[serde(default, deserialize_with = "values::timeout")]
    pub timeout: Option<Duration>,
    #[serde(default, deserialize_with = "nullable")]
    pub sending_queue: QueueConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub retry_on_failure: RetryConfig,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HttpEncoding {
    #[default]
    Proto,
    Json,
}

impl OtlpHttpExporterConfig {
    /// The URL requests go to.
    pub fn traces_url(&self) -> String {
        if let Some(url) = self.traces_endpoint.as_deref().filter(|u| !u.is_empty()) {
            return url.to_owned();
        }
        let base = self.endpoint.as_deref().unwrap_or_default();
        format!("{}/v1/traces", base.trim_end_matches('/'))
    }

    pub(super) fn check(&self) -> Result<(), (&'static str, String)> {
        let url = self.traces_url();
        let (key, given) = if self.traces_endpoint.is_some() {
            (
                "traces_endpoint",
                self.traces_endpoint.clone().unwrap_or_default(),
            )
        } else {
            ("endpoint", self.endpoint.clone().unwrap_or_default())
        };
        if given.trim().is_empty() {
            return Err((
                "endpoint",
                "set `endpoint` (e.g. http://collector:4318) or `traces_endpoint`".into(),
            ));
        }
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.parse::<axum::http::Uri>().is_err()
        {
            return Err((
                key,
                format!("\"{given}\" is not an http:// or https:// URL"),
            ));
        }
        check_headers(&self.headers)?;
        self.retry_on_failure.check()
    }
}

/// `awsxray`: PutTraceSegments to AWS X-Ray.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsXrayExporterConfig {
    /// Else the standard chain (AWS_REGION, profile, instance metadata).
    pub region: Option<String>,
    /// Override of the service URL (e.g. a local stand-in).
    pub endpoint: Option<String>,
    /// Assume this role (STS) on top of the standard credentials.
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub indexed_attributes: Vec<String>,
    #[serde(default)]
    pub index_all_attributes: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub aws_log_groups: Vec<String>,
    /// Concurrent PutTraceSegments calls (the Collector's default is 8).
    #[serde(default, deserialize_with = "values::num_workers")]
    pub num_workers: Option<usize>,
    pub request_timeout_seconds: Option<u64>,
    /// Retries inside the AWS SDK for one call (the Collector's default is 2).
    pub max_retries: Option<u32>,
    #[serde(default, deserialize_with = "nullable")]
    pub sending_queue: QueueConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub retry_on_failure: RetryConfig,
}

impl AwsXrayExporterConfig {
    pub(super) fn check(&self) -> Result<(), (&'static str, String)> {
        if let Some(e) = &self.endpoint {
            if !(e.starts_with("http://") || e.starts_with("https://")) {
                return Err((
                    "endpoint",
                    format!("\"{e}\" is not an http:// or https:// URL"),
                ));
            }
        }
        if self.request_timeout_seconds == Some(0) {
            return Err(("request_timeout_seconds", "must be at least 1".into()));
        }
        self.retry_on_failure.check()
    }
}

fn check_headers(headers: &BTreeMap<String, String>) -> Result<(), (&'static str, String)> {
    for (name, value) in headers {
        let ok = axum::http::HeaderName::try_from(name.as_str()).is_ok()
            && axum::http::HeaderValue::try_from(value.as_str()).is_ok();
        if !ok {
            return Err((
                "headers",
                format!("\"{name}: {value}\" is not a valid HTTP header"),
            ));
        }
    }
    Ok(())
}

fn yes() -> bool {
    true
}
fn ten() -> usize {
    10
}
fn thousand() -> usize {
    1000
}
fn num_consumers<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    values::num_consumers(d).map(|v| v.unwrap_or(1))
}
fn queue_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    values::queue_size(d).map(|v| v.unwrap_or(1))
}
