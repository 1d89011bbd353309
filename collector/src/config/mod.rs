//! The config file: the OpenTelemetry Collector's YAML layout read into typed structs.
//!
//! Keys are the Collector's own, so a Collector config that only uses components we
//! have runs here unchanged. Unknown keys are errors: serde_yaml names the key's path
//! and line. Sections left empty (`processors:`) are accepted, as the Collector does.

use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// Where the OTLP/HTTP receiver listens when `endpoint` is absent.
pub const DEFAULT_HTTP_ENDPOINT: &str = "0.0.0.0:4318";
/// The Collector's default `max_request_body_size` (20 MiB), counted after decompression.
pub const DEFAULT_MAX_REQUEST_BODY_SIZE: u64 = 20 * 1024 * 1024;
/// The Collector's default `traces_url_path`.
pub const DEFAULT_TRACES_URL_PATH: &str = "/v1/traces";

/// Why a config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<ConfigError>,
    },
    /// Malformed YAML, an unknown key or a value of the wrong type; the message
    /// carries the key's path, line and column.
    #[error("{0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("the config is empty: it needs receivers, exporters and service.pipelines")]
    Empty,
    /// Well-formed YAML whose parts do not fit together.
    #[error("{0}")]
    Invalid(String),
}

/// The whole config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub receivers: Components<ReceiverConfig>,
    #[serde(default)]
    pub processors: Components<ProcessorConfig>,
    #[serde(default)]
    pub exporters: Components<ExporterConfig>,
    #[serde(default, deserialize_with = "nullable")]
    pub service: ServiceConfig,
}

impl Config {
    /// Reads and validates the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::from_yaml(&text).map_err(|e| ConfigError::InFile {
            path: path.to_owned(),
            source: Box::new(e),
        })
    }

    /// Parses and validates a config held in memory.
    pub fn from_yaml(text: &str) -> Result<Config, ConfigError> {
        // serde_yaml's own message for an empty document ("EOF while parsing") helps no one.
        let blank = text.lines().all(|l| {
            let l = l.trim();
            l.is_empty() || l.starts_with('#') || l == "---"
        });
        if blank {
            return Err(ConfigError::Empty);
        }
        let config: Config = serde_yaml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what the types cannot: pipelines name defined components, endpoints parse.
    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |msg: String| Err(ConfigError::Invalid(msg));
        for (id, receiver) in self.receivers.iter() {
            match receiver {
                ReceiverConfig::Otlp(otlp) => {
                    let Some(http) = &otlp.protocols.http else {
                        return invalid(format!(
                            "receivers.{id}: no protocol enabled; add `protocols: {{http: {{}}}}`"
                        ));
                    };
                    http.validate(&format!("receivers.{id}.protocols.http"))?;
                }
            }
        }
        if self.service.pipelines.is_empty() {
            return invalid(
                "service.pipelines: no pipeline defined; add `traces: {receivers: [otlp], exporters: [...]}`"
                    .into(),
            );
        }
        for (name, pipeline) in self.service.pipelines.iter() {
            let at = format!("service.pipelines.{name}");
            if pipeline.receivers.is_empty() {
                return invalid(format!("{at}: needs at least one receiver"));
            }
            if pipeline.exporters.is_empty() {
                return invalid(format!("{at}: needs at least one exporter"));
            }
            check_refs(&at, "receiver", &pipeline.receivers, |id| {
                self.receivers.get(id).is_some()
            })?;
            check_refs(&at, "processor", &pipeline.processors, |id| {
                self.processors.get(id).is_some()
            })?;
            check_refs(&at, "exporter", &pipeline.exporters, |id| {
                self.exporters.get(id).is_some()
            })?;
        }
        Ok(())
    }
}

fn check_refs(
    at: &str,
    kind: &str,
    ids: &[ComponentId],
    defined: impl Fn(&ComponentId) -> bool,
) -> Result<(), ConfigError> {
    for (i, id) in ids.iter().enumerate() {
        if !defined(id) {
            return Err(ConfigError::Invalid(format!(
                "{at}: {kind} \"{id}\" is not defined; define it under `{kind}s:` or remove it from the pipeline"
            )));
        }
        if ids[..i].contains(id) {
            return Err(ConfigError::Invalid(format!(
                "{at}: {kind} \"{id}\" is listed more than once"
            )));
        }
    }
    Ok(())
}

/// A component id in the Collector's `type[/name]` form, e.g. `otlp` or `file/local`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentId {
    id: String,
    type_len: usize,
}

impl ComponentId {
    pub fn parse(s: &str) -> Result<ComponentId, String> {
        let (ty, name) = match s.split_once('/') {
            Some((ty, name)) => (ty, Some(name)),
            None => (s, None),
        };
        let valid_type = ty.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_type {
            return Err(format!(
                "invalid component id \"{s}\": the type before `/` must be a letter followed by letters, digits or `_`"
            ));
        }
        if name.is_some_and(|n| n.trim().is_empty()) {
            return Err(format!(
                "invalid component id \"{s}\": the name after `/` must not be empty"
            ));
        }
        Ok(ComponentId {
            id: s.to_owned(),
            type_len: ty.len(),
        })
    }

    /// The part before `/`, which picks the implementation.
    pub fn type_name(&self) -> &str {
        &self.id[..self.type_len]
    }

    pub fn as_str(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl<'de> Deserialize<'de> for ComponentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ComponentId::parse(&s).map_err(de::Error::custom)
    }
}

/// One section of components (`receivers:`, `exporters:`, `service.pipelines:`), in file order.
#[derive(Debug, Clone)]
pub struct Components<T>(Vec<(ComponentId, T)>);

impl<T> Default for Components<T> {
    fn default() -> Self {
        Components(Vec::new())
    }
}

impl<T> Components<T> {
    pub fn iter(&self) -> impl Iterator<Item = (&ComponentId, &T)> {
        self.0.iter().map(|(id, c)| (id, c))
    }

    pub fn get(&self, id: &ComponentId) -> Option<&T> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, c)| c)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// A kind of component whose settings depend on the type in its id.
pub trait ComponentKind: Sized {
    /// Singular noun used in messages ("receiver").
    const KIND: &'static str;
    const SUPPORTED: &'static [&'static str];
    /// Reads the settings for a component of type `ty` from the current map value.
    fn next_value<'de, A: MapAccess<'de>>(ty: &str, map: &mut A) -> Result<Self, A::Error>;
}

impl<'de, T: ComponentKind> Deserialize<'de> for Components<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: ComponentKind> Visitor<'de> for V<T> {
            type Value = Components<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a map of {} ids to their settings", T::KIND)
            }
            // `processors:` with nothing after it is null in YAML.
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Components::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Components::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(ComponentId, T)> = Vec::new();
                while let Some(id) = map.next_key_seed(KeySeed::<T>(PhantomData))? {
                    if out.iter().any(|(i, _)| *i == id) {
                        return Err(de::Error::custom(format!(
                            "{} \"{id}\" is defined twice",
                            T::KIND
                        )));
                    }
                    let value = T::next_value(id.type_name(), &mut map)?;
                    out.push((id, value));
                }
                Ok(Components(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Reads a component id key and checks its type there, so errors point at the key's line.
struct KeySeed<T>(PhantomData<T>);

impl<'de, T: ComponentKind> de::DeserializeSeed<'de> for KeySeed<T> {
    type Value = ComponentId;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ComponentId, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, T: ComponentKind> Visitor<'de> for KeySeed<T> {
    type Value = ComponentId;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} id such as `{}`", T::KIND, T::SUPPORTED[0])
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<ComponentId, E> {
        let id = ComponentId::parse(key).map_err(E::custom)?;
        if !T::SUPPORTED.contains(&id.type_name()) {
            return Err(E::custom(format!(
                "unknown {} type `{}` in \"{id}\"; supported: {}",
                T::KIND,
                id.type_name(),
                T::SUPPORTED.join(", ")
            )));
        }
        Ok(id)
    }
}

/// Settings that must be given: an empty value is an error at the value's line.
struct Required<T>(&'static str, PhantomData<T>);

impl<'de, T: Deserialize<'de>> de::DeserializeSeed<'de> for Required<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Required<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Err(E::custom(self.0))
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Err(E::custom(self.0))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

/// Reads a component's settings, where an empty value (`debug:`) means all defaults.
fn settings<'de, A: MapAccess<'de>, T: Deserialize<'de> + Default>(
    map: &mut A,
) -> Result<T, A::Error> {
    Ok(map.next_value::<Option<T>>()?.unwrap_or_default())
}

/// `deserialize_with` for fields where an empty value means the default.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `deserialize_with` for sections whose mere presence turns them on (`http:` alone
/// enables OTLP/HTTP with defaults, as in the Collector).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(Some(Option::<T>::deserialize(d)?.unwrap_or_default()))
}

// ---------------------------------------------------------------- receivers

#[derive(Debug, Clone)]
pub enum ReceiverConfig {
    Otlp(OtlpReceiverConfig),
}

impl ComponentKind for ReceiverConfig {
    const KIND: &'static str = "receiver";
    const SUPPORTED: &'static [&'static str] = &["otlp"];
    fn next_value<'de, A: MapAccess<'de>>(ty: &str, map: &mut A) -> Result<Self, A::Error> {
        match ty {
            "otlp" => Ok(ReceiverConfig::Otlp(settings(map)?)),
            _ => unreachable!("type checked against SUPPORTED"),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpReceiverConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub protocols: OtlpProtocols,
}

/// `protocols:` of the OTLP receiver. gRPC is not implemented yet, so `grpc:` is
/// reported as an unknown key rather than silently ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpProtocols {
    #[serde(default, deserialize_with = "present")]
    pub http: Option<HttpServerConfig>,
}

/// The Collector's `confighttp` server settings that we support.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpServerConfig {
    pub endpoint: Option<String>,
    pub cors: Option<CorsConfig>,
    pub max_request_body_size: Option<u64>,
    pub traces_url_path: Option<String>,
}

impl HttpServerConfig {
    /// The `host:port` to bind; an empty host (`:4318`) means every interface, as in Go.
    pub fn endpoint(&self) -> String {
        match self.endpoint.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_HTTP_ENDPOINT.to_owned(),
            Some(e) if e.starts_with(':') => format!("0.0.0.0{e}"),
            Some(e) => e.to_owned(),
        }
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

    fn validate(&self, at: &str) -> Result<(), ConfigError> {
        let endpoint = self.endpoint();
        let port_ok = endpoint
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !port_ok {
            return Err(ConfigError::Invalid(format!(
                "{at}.endpoint: \"{endpoint}\" is not host:port (for example 0.0.0.0:4318)"
            )));
        }
        if self.max_request_body_size == Some(0) {
            return Err(ConfigError::Invalid(format!(
                "{at}.max_request_body_size: must be greater than 0"
            )));
        }
        if !self.traces_url_path().starts_with('/') {
            return Err(ConfigError::Invalid(format!(
                "{at}.traces_url_path: must start with `/`"
            )));
        }
        Ok(())
    }
}

/// The `cors:` block of an HTTP server. CORS is on only when `allowed_origins` is non-empty.
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

// --------------------------------------------------------------- processors

#[derive(Debug, Clone)]
pub enum ProcessorConfig {
    Batch(BatchProcessorConfig),
}

impl ComponentKind for ProcessorConfig {
    const KIND: &'static str = "processor";
    const SUPPORTED: &'static [&'static str] = &["batch"];
    fn next_value<'de, A: MapAccess<'de>>(ty: &str, map: &mut A) -> Result<Self, A::Error> {
        match ty {
            "batch" => Ok(ProcessorConfig::Batch(settings(map)?)),
            _ => unreachable!("type checked against SUPPORTED"),
        }
    }
}

/// The Collector's `batch` settings; accepted so configs carry over, not acted on yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchProcessorConfig {
    pub timeout: Option<String>,
    pub send_batch_size: Option<u32>,
    pub send_batch_max_size: Option<u32>,
}

// ---------------------------------------------------------------- exporters

#[derive(Debug, Clone)]
pub enum ExporterConfig {
    File(FileExporterConfig),
    Debug(DebugExporterConfig),
}

impl ComponentKind for ExporterConfig {
    const KIND: &'static str = "exporter";
    const SUPPORTED: &'static [&'static str] = &["file", "debug"];
    fn next_value<'de, A: MapAccess<'de>>(ty: &str, map: &mut A) -> Result<Self, A::Error> {
        match ty {
            "file" => Ok(ExporterConfig::File(map.next_value_seed(Required(
                "the file exporter needs `path: FILE` to know where to write",
                PhantomData,
            ))?)),
            "debug" => Ok(ExporterConfig::Debug(settings(map)?)),
            _ => unreachable!("type checked against SUPPORTED"),
        }
    }
}

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

// ------------------------------------------------------------------ service

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    #[serde(default)]
    pub pipelines: Components<PipelineConfig>,
}

/// One `service.pipelines` entry. Only `traces` pipelines exist so far.
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
    fn next_value<'de, A: MapAccess<'de>>(_ty: &str, map: &mut A) -> Result<Self, A::Error> {
        settings(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:4318
        cors:
          allowed_origins: ["http://localhost:5173", "https://*.example.com"]
          allowed_headers: ["traceparent"]
          max_age: 7200
exporters:
  file/local:
    path: ./traces.jsonl
  debug: {}
processors:
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [file/local, debug]
"#;

    fn err(yaml: &str) -> String {
        Config::from_yaml(yaml).unwrap_err().to_string()
    }

    #[test]
    fn full_example_parses() {
        let c = Config::from_yaml(FULL).unwrap();
        assert!(c.processors.is_empty());
        let (id, ReceiverConfig::Otlp(otlp)) = c.receivers.iter().next().unwrap();
        assert_eq!(id.as_str(), "otlp");
        let http = otlp.protocols.http.as_ref().unwrap();
        assert_eq!(http.endpoint(), "127.0.0.1:4318");
        let cors = http.cors.as_ref().unwrap();
        assert_eq!(cors.allowed_origins.len(), 2);
        assert_eq!(cors.allowed_headers, ["traceparent"]);
        assert_eq!(cors.max_age, 7200);
        let ids: Vec<_> = c.exporters.iter().map(|(id, _)| id.type_name()).collect();
        assert_eq!(ids, ["file", "debug"]);
        let file = c.exporters.iter().find_map(|(_, e)| match e {
            ExporterConfig::File(f) => Some(f),
            _ => None,
        });
        assert_eq!(file.unwrap().path, Path::new("./traces.jsonl"));
        assert!(!file.unwrap().append);
    }

    #[test]
    fn defaults_when_keys_or_values_are_absent() {
        let c = Config::from_yaml(
            "receivers:\n  otlp:\n    protocols:\n      http:\nexporters:\n  debug:\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n",
        )
        .unwrap();
        let (_, ReceiverConfig::Otlp(otlp)) = c.receivers.iter().next().unwrap();
        let http = otlp
            .protocols
            .http
            .as_ref()
            .expect("bare `http:` enables HTTP");
        assert_eq!(http.endpoint(), "0.0.0.0:4318");
        assert_eq!(http.max_request_body_size(), 20 * 1024 * 1024);
        assert_eq!(http.traces_url_path(), "/v1/traces");
        assert!(http.cors.is_none());
        let (_, ExporterConfig::Debug(d)) = c.exporters.iter().next().unwrap() else {
            panic!("expected debug exporter");
        };
        assert_eq!(d.verbosity, Verbosity::Basic);

        let c = Config::from_yaml(&FULL.replace("127.0.0.1:4318", "")).unwrap();
        let (_, ReceiverConfig::Otlp(otlp)) = c.receivers.iter().next().unwrap();
        assert_eq!(
            otlp.protocols.http.as_ref().unwrap().endpoint(),
            DEFAULT_HTTP_ENDPOINT
        );
    }

    #[test]
    fn empty_sections_are_accepted() {
        let yaml = FULL
            .replace("processors:\n", "processors: {}\n")
            .replace("      processors: []\n", "      processors:\n");
        let c = Config::from_yaml(&yaml).unwrap();
        assert!(c.processors.is_empty());
        let (_, p) = c.service.pipelines.iter().next().unwrap();
        assert!(p.processors.is_empty());
    }

    #[test]
    fn unknown_key_names_the_key_and_its_line() {
        let yaml = FULL.replace("endpoint: 127", "endpont: 127");
        let e = err(&yaml);
        assert!(e.contains("endpont"), "{e}");
        assert!(e.contains("line 6"), "{e}");
        assert!(e.contains("receivers.otlp.protocols.http"), "{e}");

        let e = err(&FULL.replace("  debug: {}", "  debug: {verbose: true}"));
        assert!(e.contains("verbose") && e.contains("line 14"), "{e}");

        let e = err(&format!("{FULL}extensions: [health_check]\n"));
        assert!(e.contains("extensions") && e.contains("line 22"), "{e}");
    }

    #[test]
    fn unknown_component_type_is_an_error_with_its_line() {
        let e = err(&FULL.replace("  debug: {}", "  kafka: {}"));
        assert!(e.contains("unknown exporter type `kafka`"), "{e}");
        assert!(e.contains("line 14"), "{e}");
    }

    #[test]
    fn undefined_component_in_pipeline_is_named() {
        let e = err(&FULL.replace("exporters: [file/local, debug]", "exporters: [file/other]"));
        assert!(e.contains("service.pipelines.traces"), "{e}");
        assert!(e.contains("exporter \"file/other\" is not defined"), "{e}");

        let e = err(&FULL.replace("processors: []", "processors: [batch]"));
        assert!(e.contains("processor \"batch\" is not defined"), "{e}");

        let e = err(&FULL.replace("receivers: [otlp]", "receivers: [otlp/2]"));
        assert!(e.contains("receiver \"otlp/2\" is not defined"), "{e}");
    }

    #[test]
    fn batch_processor_and_named_ids_are_accepted() {
        let yaml = FULL
            .replace("processors:\n", "processors:\n  batch:\n    timeout: 1s\n")
            .replace("processors: []", "processors: [batch]");
        let c = Config::from_yaml(&yaml).unwrap();
        assert_eq!(c.processors.len(), 1);
    }

    #[test]
    fn pipeline_needs_receivers_and_exporters() {
        let e = err(&FULL.replace("      exporters: [file/local, debug]\n", ""));
        assert!(e.contains("needs at least one exporter"), "{e}");
        let e = err(&FULL.replace("      receivers: [otlp]\n", "      receivers: []\n"));
        assert!(e.contains("needs at least one receiver"), "{e}");
    }

    #[test]
    fn only_traces_pipelines() {
        let e = err(&FULL.replace("    traces:\n", "    metrics:\n"));
        assert!(e.contains("unknown pipeline type `metrics`"), "{e}");
    }

    #[test]
    fn component_id_forms() {
        let id = ComponentId::parse("file/local").unwrap();
        assert_eq!(id.type_name(), "file");
        assert_eq!(id.to_string(), "file/local");
        assert_eq!(ComponentId::parse("otlp").unwrap().type_name(), "otlp");
        assert!(ComponentId::parse("/x").is_err());
        assert!(ComponentId::parse("file/").is_err());
        assert!(ComponentId::parse("9lives").is_err());
    }

    #[test]
    fn bad_endpoint_and_missing_path() {
        let e = err(&FULL.replace("127.0.0.1:4318", "localhost"));
        assert!(e.contains("endpoint") && e.contains("host:port"), "{e}");
        let e = err(&FULL.replace("    path: ./traces.jsonl\n", ""));
        assert!(e.contains("needs `path") && e.contains("line 12"), "{e}");
        let e = err(&FULL.replace("    path: ./traces.jsonl\n", "    append: true\n"));
        assert!(
            e.contains("missing field `path`") && e.contains("line 13"),
            "{e}"
        );
    }

    #[test]
    fn missing_service_means_no_pipelines() {
        let e = err("receivers:\n  otlp:\n    protocols:\n      http:\nservice:\n");
        assert!(e.contains("service.pipelines: no pipeline defined"), "{e}");
        let e = err("receivers:\n  otlp:\n");
        assert!(e.contains("receivers.otlp: no protocol enabled"), "{e}");
    }

    #[test]
    fn empty_file_is_explained() {
        assert!(matches!(
            Config::from_yaml("# nothing\n\n"),
            Err(ConfigError::Empty)
        ));
    }
}
