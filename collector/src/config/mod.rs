//! The config file: the OpenTelemetry Collector's YAML layout read into typed structs.
//!
//! Keys are the Collector's own, so a Collector config that only uses components we
//! have runs here unchanged. `${env:NAME}` references are expanded first (`env`).
//! Unknown keys and bad values are errors that name the key's path and line
//! (serde_yaml reports those it meets; checks across keys find the line with
//! `line_of`). Sections left empty (`processors:`) are accepted, as the Collector does.

mod env;
pub mod exporters;
pub mod processors;
pub mod receivers;
pub mod service;
pub mod values;

use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

pub use env::{expand as expand_env, EnvError};
pub use exporters::*;
pub use processors::*;
pub use receivers::*;
pub use service::*;

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
    #[error("${{env:...}} substitution failed at {0}")]
    Env(#[from] EnvError),
    #[error("the config is empty: it needs receivers, exporters and service.pipelines")]
    Empty,
    /// Well-formed YAML whose parts do not fit together.
    #[error("{key}{}: {message}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Invalid {
        key: String,
        line: Option<usize>,
        message: String,
    },
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
    #[serde(default)]
    pub extensions: Components<ExtensionConfig>,
    #[serde(default, deserialize_with = "nullable")]
    pub service: ServiceConfig,
    /// Environment variables the file named that were unset (they became empty).
    #[serde(skip)]
    pub unset_env: Vec<String>,
}

impl Config {
    /// Reads, expands and validates the config file at `path`.
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

    /// Parses a config held in memory, reading `${env:...}` from the process environment.
    pub fn from_yaml(text: &str) -> Result<Config, ConfigError> {
        Config::from_yaml_with_env(text, |name| std::env::var(name).ok())
    }

    pub fn from_yaml_with_env(
        text: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        // serde_yaml's own message for an empty document ("EOF while parsing") helps no one.
        let blank = text.lines().all(|l| {
            let l = l.trim();
            l.is_empty() || l.starts_with('#') || l == "---"
        });
        if blank {
            return Err(ConfigError::Empty);
        }
        let expanded = env::expand(text, lookup)?;
        let mut config: Config =
            serde_yaml::from_str(&expanded.text).map_err(|e| relocate(e, &expanded.text))?;
        config.unset_env = expanded.unset;
        config.validate(&expanded.text)?;
        Ok(config)
    }

    /// Checks what the types cannot: pipelines name defined components, keys agree.
    fn validate(&self, text: &str) -> Result<(), ConfigError> {
        let invalid = |key: String, message: String| {
            let path: Vec<&str> = key.split('.').collect();
            Err(ConfigError::Invalid {
                line: line_of(text, &path),
                key,
                message,
            })
        };
        let at = |section: &str, id: &ComponentId, sub: &str, key: &str| {
            let mut k = format!("{section}.{id}");
            for part in [sub, key] {
                if !part.is_empty() {
                    k.push('.');
                    k.push_str(part);
                }
            }
            k
        };
        for (id, receiver) in self.receivers.iter() {
            let ReceiverConfig::Otlp(otlp) = receiver;
            let p = &otlp.protocols;
            if p.http.is_none() && p.grpc.is_none() {
                return invalid(
                    at("receivers", id, "", ""),
                    "no protocol enabled; add `protocols: {http: {}}` and/or `protocols: {grpc: {}}`"
                        .into(),
                );
            }
            if let Some(http) = &p.http {
                if let Err((key, message)) = http.check() {
                    return invalid(at("receivers", id, "protocols.http", key), message);
                }
            }
            if let (Some(http), Some(grpc)) = (&p.http, &p.grpc) {
                let (h, g) = (http.endpoint(), grpc.endpoint());
                if h == g && !h.ends_with(":0") {
                    return invalid(
                        at("receivers", id, "protocols.grpc", "endpoint"),
                        format!("{g} is also the http endpoint; give each protocol its own port"),
                    );
                }
            }
        }
        for (id, processor) in self.processors.iter() {
            let checked = match processor {
                ProcessorConfig::Batch(b) => b.check(),
                ProcessorConfig::MemoryLimiter(m) => m.check(),
            };
            if let Err((key, message)) = checked {
                return invalid(at("processors", id, "", key), message);
            }
        }
        for (id, exporter) in self.exporters.iter() {
            let checked = match exporter {
                ExporterConfig::Otlp(c) => c.check(),
                ExporterConfig::OtlpHttp(c) => c.check(),
                ExporterConfig::AwsXray(c) => c.check(),
                _ => Ok(()),
            };
            if let Err((key, message)) = checked {
                return invalid(at("exporters", id, "", key), message);
            }
        }
        check_refs(
            "service.extensions",
            "extension",
            &self.service.extensions,
            |id| self.extensions.get(id).is_some(),
        )
        .or_else(|m| invalid("service.extensions".into(), m))?;
        if self.service.pipelines.is_empty() {
            return invalid(
                "service.pipelines".into(),
                "no pipeline defined; add `traces: {receivers: [otlp], exporters: [...]}`".into(),
            );
        }
        for (name, pipeline) in self.service.pipelines.iter() {
            let key = |list: &str| format!("service.pipelines.{name}.{list}");
            if pipeline.receivers.is_empty() {
                return invalid(key("receivers"), "needs at least one receiver".into());
            }
            if pipeline.exporters.is_empty() {
                return invalid(key("exporters"), "needs at least one exporter".into());
            }
            check_refs("receivers", "receiver", &pipeline.receivers, |id| {
                self.receivers.get(id).is_some()
            })
            .or_else(|m| invalid(key("receivers"), m))?;
            check_refs("processors", "processor", &pipeline.processors, |id| {
                self.processors.get(id).is_some()
            })
            .or_else(|m| invalid(key("processors"), m))?;
            let batches = pipeline
                .processors
                .iter()
                .filter(|id| id.type_name() == "batch")
                .count();
            if batches > 1 {
                return invalid(
                    key("processors"),
                    "lists more than one batch processor; one batches already".into(),
                );
            }
            check_refs("exporters", "exporter", &pipeline.exporters, |id| {
                self.exporters.get(id).is_some()
            })
            .or_else(|m| invalid(key("exporters"), m))?;
        }
        Ok(())
    }
}

/// Points an error raised inside a value at the key's own line: serde_yaml
/// places it at the start of the enclosing map, and our value checks name the
/// key first (`path: key: message`).
fn relocate(e: serde_yaml::Error, text: &str) -> ConfigError {
    let full = e.to_string();
    let Some((path, rest)) = full.split_once(": ") else {
        return ConfigError::Yaml(e);
    };
    let Some((key, message)) = rest.split_once(": ") else {
        return ConfigError::Yaml(e);
    };
    let is_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    if !is_key || path.contains(' ') {
        return ConfigError::Yaml(e);
    }
    let mut parts: Vec<&str> = path.split('.').collect();
    parts.push(key);
    let Some(line) = line_of(text, &parts) else {
        return ConfigError::Yaml(e);
    };
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    ConfigError::Invalid {
        key: format!("{path}.{key}"),
        line: Some(line),
        message: message.to_owned(),
    }
}

/// The 1-based line of a key path such as `receivers.otlp.protocols.http`, found
/// by walking block-style YAML by indentation (flow-style maps are not searched).
pub fn line_of(text: &str, path: &[&str]) -> Option<usize> {
    let mut found = None;
    let mut min_indent = 0usize;
    let mut start = 0usize;
    let lines: Vec<&str> = text.lines().collect();
    for key in path {
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            if found.is_some() && indent < min_indent {
                break; // left the parent's block
            }
            let name = trimmed.trim_start_matches("- ");
            let matches = name
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
                || name
                    .strip_prefix(&format!("\"{key}\""))
                    .is_some_and(|rest| rest.trim_start().starts_with(':'));
            if matches && indent >= min_indent {
                hit = Some((i, indent));
                break;
            }
        }
        let (i, indent) = hit?;
        found = Some(i + 1);
        min_indent = indent + 1;
        start = i + 1;
    }
    found
}

/// Every id is defined and listed once; the error says which is not.
fn check_refs(
    section: &str,
    kind: &str,
    ids: &[ComponentId],
    defined: impl Fn(&ComponentId) -> bool,
) -> Result<(), String> {
    for (i, id) in ids.iter().enumerate() {
        if !defined(id) {
            return Err(format!(
                "{kind} \"{id}\" is not defined; define it under `{section}:` or remove it from this list"
            ));
        }
        if ids[..i].contains(id) {
            return Err(format!("{kind} \"{id}\" is listed more than once"));
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
    // Deserializing through Option keeps serde_yaml's positions for errors inside.
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        Option::<T>::deserialize(d)?.ok_or_else(|| de::Error::custom(self.0))
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

// ------------------------------------------------------------ component kinds

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

#[derive(Debug, Clone)]
pub enum ProcessorConfig {
    Batch(BatchProcessorConfig),
    MemoryLimiter(MemoryLimiterConfig),
}

impl ComponentKind for ProcessorConfig {
    const KIND: &'static str = "processor";
    const SUPPORTED: &'static [&'static str] = &["batch", "memory_limiter"];
    fn next_value<'de, A: MapAccess<'de>>(ty: &str, map: &mut A) -> Result<Self, A::Error> {
        match ty {
            "batch" => Ok(ProcessorConfig::Batch(settings(map)?)),
            "memory_limiter" => Ok(ProcessorConfig::MemoryLimiter(map.next_value_seed(
                Required(
                    "memory_limiter needs `check_interval` and `limit_mib` (e.g. {check_interval: 1s, limit_mib: 400})",
                    PhantomData,
                ),
            )?)),
            _ => unreachable!("type checked against SUPPORTED"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum ExporterConfig {
    File(FileExporterConfig),
    Debug(DebugExporterConfig),
    Nop(NopExporterConfig),
    Otlp(OtlpExporterConfig),
    OtlpHttp(OtlpHttpExporterConfig),
    AwsXray(AwsXrayExporterConfig),
}

impl ComponentKind for ExporterConfig {
    const KIND: &'static str = "exporter";
    const SUPPORTED: &'static [&'static str] =
        &["file", "debug", "nop", "otlp", "otlphttp", "awsxray"];
    fn next_value<'de, A: MapAccess<'de>>(ty: &str, map: &mut A) -> Result<Self, A::Error> {
        match ty {
            "file" => Ok(ExporterConfig::File(map.next_value_seed(Required(
                "the file exporter needs `path: FILE` to know where to write",
                PhantomData,
            ))?)),
            "debug" => Ok(ExporterConfig::Debug(settings(map)?)),
            "nop" => Ok(ExporterConfig::Nop(settings(map)?)),
            "otlp" => Ok(ExporterConfig::Otlp(map.next_value_seed(Required(
                "the otlp exporter needs `endpoint: host:port`",
                PhantomData,
            ))?)),
            "otlphttp" => Ok(ExporterConfig::OtlpHttp(map.next_value_seed(Required(
                "the otlphttp exporter needs `endpoint: http(s)://host:port`",
                PhantomData,
            ))?)),
            "awsxray" => Ok(ExporterConfig::AwsXray(settings(map)?)),
            _ => unreachable!("type checked against SUPPORTED"),
        }
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
        assert!(
            e.contains("receivers.otlp (line 2): no protocol enabled"),
            "{e}"
        );
    }

    #[test]
    fn empty_file_is_explained() {
        assert!(matches!(
            Config::from_yaml("# nothing\n\n"),
            Err(ConfigError::Empty)
        ));
    }

    /// The issue's `otel-web` config, byte for byte.
    pub const REFERENCE: &str = "receivers:
  otlp:
    protocols:
      http:
        cors:
          allowed_origins:
            - \"https://task.example.com\"
processors:
exporters:
  awsxray:
    region: ap-northeast-1
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [awsxray]
";

    #[test]
    fn the_reference_config_validates_unchanged() {
        let c = Config::from_yaml(REFERENCE).unwrap();
        let (_, ReceiverConfig::Otlp(otlp)) = c.receivers.iter().next().unwrap();
        let http = otlp.protocols.http.as_ref().unwrap();
        assert_eq!(http.endpoint(), "0.0.0.0:4318");
        assert_eq!(
            http.cors.as_ref().unwrap().allowed_origins,
            ["https://task.example.com"]
        );
        assert!(otlp.protocols.grpc.is_none());
        let (_, ExporterConfig::AwsXray(x)) = c.exporters.iter().next().unwrap() else {
            panic!("expected awsxray");
        };
        assert_eq!(x.region.as_deref(), Some("ap-northeast-1"));
        assert!(!x.index_all_attributes);
    }

    #[test]
    fn the_sidecar_config_validates() {
        let sidecar = REFERENCE.replace(
            "      http:\n        cors:\n          allowed_origins:\n            - \"https://task.example.com\"\n",
            "      grpc:\n",
        );
        let c = Config::from_yaml(&sidecar).unwrap();
        let (_, ReceiverConfig::Otlp(otlp)) = c.receivers.iter().next().unwrap();
        assert!(otlp.protocols.http.is_none());
        let grpc = otlp.protocols.grpc.as_ref().unwrap();
        assert_eq!(grpc.endpoint(), "0.0.0.0:4317");
        assert_eq!(grpc.max_recv_msg_size(), 4 * 1024 * 1024);
    }

    const EVERYTHING: &str = "receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${env:GRPC_ENDPOINT}
        max_recv_msg_size_mib: 8
      http:
        endpoint: 0.0.0.0:${env:HTTP_PORT:-4318}
        required_header: {name: x-api-key, values: [\"${env:API_KEY}\"]}
        rate_limit: {requests_per_second: 50, burst: 100}
        response_headers: {x-served-by: wasmtrace}
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 400
    spike_limit_mib: 100
  batch:
    timeout: 1s
    send_batch_size: 1000
    send_batch_max_size: 2000
exporters:
  otlp:
    endpoint: tempo:4317
    tls: {insecure: true}
    headers: {x-tenant: web}
    compression: none
    sending_queue: {queue_size: 50, num_consumers: 2}
    retry_on_failure: {initial_interval: 1s, max_elapsed_time: 1m}
  otlphttp:
    endpoint: https://otlp.example.com
    encoding: json
    timeout: 10s
  awsxray:
    region: eu-west-1
    endpoint: http://127.0.0.1:5000
    role_arn: arn:aws:iam::123456789012:role/xray
    indexed_attributes: [user.tier]
    index_all_attributes: false
  nop:
extensions:
  health_check:
    endpoint: 127.0.0.1:13133
service:
  extensions: [health_check]
  telemetry:
    logs: {level: debug}
    metrics: {address: 127.0.0.1:8888}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlp, otlphttp, awsxray, nop]
";

    fn env(name: &str) -> Option<String> {
        match name {
            "GRPC_ENDPOINT" => Some("127.0.0.1:4317".into()),
            "API_KEY" => Some("s3cr#t: x".into()),
            _ => None,
        }
    }

    #[test]
    fn every_supported_key_with_env_substitution() {
        let c = Config::from_yaml_with_env(EVERYTHING, env).unwrap();
        let (_, ReceiverConfig::Otlp(otlp)) = c.receivers.iter().next().unwrap();
        assert_eq!(
            otlp.protocols.grpc.as_ref().unwrap().endpoint(),
            "127.0.0.1:4317"
        );
        let http = otlp.protocols.http.as_ref().unwrap();
        assert_eq!(http.endpoint(), "0.0.0.0:4318");
        assert_eq!(http.required_header.as_ref().unwrap().values, ["s3cr#t: x"]);
        assert_eq!(http.rate_limit.as_ref().unwrap().burst(), 100);
        let batch = c.processors.iter().find_map(|(_, p)| match p {
            ProcessorConfig::Batch(b) => Some(b),
            _ => None,
        });
        let batch = batch.unwrap();
        assert_eq!(batch.timeout(), std::time::Duration::from_secs(1));
        assert_eq!(batch.send_batch_max_size(), Some(2000));
        let otlp_exp = c.exporters.iter().find_map(|(_, e)| match e {
            ExporterConfig::Otlp(o) => Some(o),
            _ => None,
        });
        let otlp_exp = otlp_exp.unwrap();
        assert_eq!(otlp_exp.compression, Compression::None);
        assert_eq!(otlp_exp.sending_queue.queue_size, 50);
        assert_eq!(
            otlp_exp.retry_on_failure.max_elapsed_time(),
            std::time::Duration::from_secs(60)
        );
        let http_exp = c.exporters.iter().find_map(|(_, e)| match e {
            ExporterConfig::OtlpHttp(o) => Some(o),
            _ => None,
        });
        assert_eq!(
            http_exp.unwrap().traces_url(),
            "https://otlp.example.com/v1/traces"
        );
        assert_eq!(c.service.extensions.len(), 1);
        assert_eq!(c.service.telemetry.logs.level, Some(LogLevel::Debug));
        assert!(c.unset_env.is_empty(), "{:?}", c.unset_env);
    }

    #[test]
    fn bad_values_name_the_key_and_line() {
        let yaml = |from: &str, to: &str| {
            let changed = EVERYTHING.replace(from, to);
            assert_ne!(changed, EVERYTHING, "{from} not in the config");
            Config::from_yaml_with_env(&changed, env)
                .unwrap_err()
                .to_string()
        };
        let e = yaml("timeout: 1s", "timeout: soon");
        assert!(e.contains("not a duration") && e.contains("line 18"), "{e}");
        let e = yaml("send_batch_max_size: 2000", "send_batch_max_size: 10");
        assert!(
            e.contains("processors.batch.send_batch_max_size (line 20)"),
            "{e}"
        );
        let e = yaml("spike_limit_mib: 100", "spike_limit_mib: 400");
        assert!(
            e.contains("processors.memory_limiter.spike_limit_mib (line 16)"),
            "{e}"
        );
        let e = yaml("compression: none", "compression: zstd");
        assert!(e.contains("zstd") && e.contains("line 26"), "{e}");
        let e = yaml("encoding: json", "encoding: yaml");
        assert!(e.contains("yaml") && e.contains("line 31"), "{e}");
        let e = yaml("queue_size: 50", "queue_size: 0");
        assert!(e.contains("at least 1") && e.contains("line 27"), "{e}");
        let e = yaml(
            "endpoint: https://otlp.example.com",
            "endpoint: otlp.example.com",
        );
        assert!(e.contains("exporters.otlphttp.endpoint (line 30)"), "{e}");
        let e = yaml(
            "    region: eu-west-1\n",
            "    region: eu-west-1\n    regoin: x\n",
        );
        assert!(
            e.contains("unknown field `regoin`") && e.contains("line 35"),
            "{e}"
        );
        let e = yaml("extensions: [health_check]", "extensions: [health_check/2]");
        assert!(e.contains("service.extensions (line 44)"), "{e}");
        assert!(e.contains("\"health_check/2\" is not defined"), "{e}");
        let e = yaml(
            "[memory_limiter, batch]",
            "[memory_limiter, batch, batch/2]",
        );
        assert!(
            e.contains("processor \"batch/2\" is not defined") && e.contains("line 51"),
            "{e}"
        );
        let e = yaml("${env:GRPC_ENDPOINT}", "${file:/etc/x}");
        assert!(
            e.contains("line 5") && e.contains("only the `env` provider"),
            "{e}"
        );
        let e = yaml("  nop:\n", "  zipkin:\n");
        assert!(
            e.contains("unknown exporter type `zipkin`") && e.contains("line 39"),
            "{e}"
        );
    }

    #[test]
    fn unset_variables_are_reported() {
        let c = Config::from_yaml_with_env(EVERYTHING, |_| None).unwrap_err();
        // GRPC_ENDPOINT empty means the default endpoint, but API_KEY empty
        // leaves required_header with no value: refused with the key named.
        let e = c.to_string();
        assert!(
            e.contains("receivers.otlp.protocols.http.required_header"),
            "{e}"
        );
    }
}
