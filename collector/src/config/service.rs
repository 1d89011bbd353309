//! The `extensions:` section (`health_check`) and `service:` (which extensions
//! run, the pipelines, and the collector's own logs and metrics).

use serde::Deserialize;

use super::values::{opt_address, opt_listen, ListenAddress};
use super::{nullable, ComponentId, ComponentKind, Components};

pub const DEFAULT_HEALTH_CHECK_ENDPOINT: &str = "0.0.0.0:13133";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub extensions: Vec<ComponentId>,
    #[serde(default, deserialize_with = "nullable")]
    pub telemetry: TelemetryConfig,
    #[serde(default)]
    pub pipelines: Components<PipelineConfig>,
}

/// One `service.pipelines` entry. Only `traces` pipelines exist.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub receivers: Vec<ComponentId>,
    #[serde(default, deserialize_with = "nullable")]
    pub processors: Vec<ComponentId>,
    #[serde(default, deserialize_with = "nullable")]
    pub exporters: Vec<ComponentId>,
}

impl ComponentKind for PipelineConfig {
    const KIND: &'static str = "pipeline";
    const SUPPORTED: &'static [&'static str] = &["traces"];
    fn next_value<'de, A: serde::de::MapAccess<'de>>(
        _ty: &str,
        map: &mut A,
    ) -> Result<Self, A::Error> {
        super::settings(map)
    }
}

/// `service.telemetry`: the collector's own logs and metrics.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub logs: LogsConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub metrics: MetricsConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    /// `debug`, `info`, `warn` or `error`; RUST_LOG wins when set.
    pub level: Option<LogLevel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// Where Prometheus `/metrics` is served besides the health_check port.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    #[serde(default, deserialize_with = "opt_address")]
    pub address: Option<ListenAddress>,
    /// `none` turns `/metrics` off everywhere; other levels all serve the same set.
    pub level: Option<MetricsLevel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricsLevel {
    None,
    Basic,
    Normal,
    Detailed,
}

#[derive(Debug, Clone)]
pub enum ExtensionConfig {
    HealthCheck(HealthCheckConfig),
}

impl ComponentKind for ExtensionConfig {
    const KIND: &'static str = "extension";
    const SUPPORTED: &'static [&'static str] = &["health_check"];
    fn next_value<'de, A: serde::de::MapAccess<'de>>(
        ty: &str,
        map: &mut A,
    ) -> Result<Self, A::Error> {
        match ty {
            "health_check" => Ok(ExtensionConfig::HealthCheck(super::settings(map)?)),
            _ => unreachable!("type checked against SUPPORTED"),
        }
    }
}

/// The Collector's `health_check` extension: `GET /` on 13133 answers 200 while
/// the collector serves and 503 once it is shutting down.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckConfig {
    #[serde(default, deserialize_with = "opt_listen")]
    pub endpoint: Option<ListenAddress>,
    pub path: Option<String>,
}

impl HealthCheckConfig {
    pub fn endpoint(&self) -> String {
        self.endpoint
            .as_ref()
            .map_or(DEFAULT_HEALTH_CHECK_ENDPOINT.to_owned(), |e| e.to_string())
    }

    pub fn path(&self) -> &str {
        self.path
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or("/")
    }
}

/// Keeps `Components` reachable for the `extensions:` section type.
pub type Extensions = Components<ExtensionConfig>;
