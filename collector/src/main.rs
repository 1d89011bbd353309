//! The `wasmtrace-collector` command: run a config, or only check it.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tracing_subscriber::EnvFilter;
use wasmtrace_collector::config::{values::parse_duration, Config};
use wasmtrace_collector::memory::{counting_enabled, CountingAllocator};
use wasmtrace_collector::pipeline::{shutdown_signal, Service, DEFAULT_SHUTDOWN_TIMEOUT};

// Lets the memory limiter see live heap bytes rather than the resident size.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const USAGE: &str = "\
usage: wasmtrace-collector [run] --config FILE [--shutdown-timeout DURATION]
       wasmtrace-collector validate --config FILE
       wasmtrace-collector --help | --version

The config file uses the OpenTelemetry Collector's YAML keys (receivers,
processors, exporters, extensions, service), with ${env:NAME} substitution.
`validate` checks it and exits 0, or prints what is wrong and exits 1.
On SIGTERM or Ctrl-C the collector stops receiving and sends what it holds
within --shutdown-timeout (default 20s); it exits 1 if spans were lost.
RUST_LOG sets the log filter (default: service.telemetry.logs.level, or info).";

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Run(PathBuf, Duration),
    Validate(PathBuf),
    Help,
    Version,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut subcommand: Option<String> = None;
    let mut config: Option<PathBuf> = None;
    let mut timeout = DEFAULT_SHUTDOWN_TIMEOUT;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" | "help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--config" | "-c" => {
                let value = args.next().ok_or("--config needs a file name")?;
                set_config(&mut config, value)?;
            }
            _ if arg.starts_with("--config=") => {
                set_config(&mut config, arg["--config=".len()..].to_owned())?;
            }
            "--shutdown-timeout" => {
                let value = args.next().ok_or("--shutdown-timeout needs a duration")?;
                timeout = parse_duration(&value).map_err(|e| format!("--shutdown-timeout: {e}"))?;
            }
            _ if arg.starts_with("--shutdown-timeout=") => {
                timeout = parse_duration(&arg["--shutdown-timeout=".len()..])
                    .map_err(|e| format!("--shutdown-timeout: {e}"))?;
            }
            "run" | "validate" if subcommand.is_none() && config.is_none() => {
                subcommand = Some(arg)
            }
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    let config = config.ok_or("missing --config FILE")?;
    Ok(match subcommand.as_deref() {
        Some("validate") => Command::Validate(config),
        _ => Command::Run(config, timeout),
    })
}

fn set_config(slot: &mut Option<PathBuf>, value: String) -> Result<(), String> {
    if value.is_empty() {
        return Err("--config needs a file name".into());
    }
    if slot.replace(PathBuf::from(value)).is_some() {
        return Err("--config given twice (only one config file is supported)".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let command = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Command::Version => {
            println!("wasmtrace-collector {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Validate(path) => {
            init_logging(None);
            match Config::load(&path) {
                Ok(config) => {
                    warn_unset(&config);
                    println!("{}: the config is valid", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Run(path, timeout) => {
            let config = match Config::load(&path) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            init_logging(config.service.telemetry.logs.level.map(|l| l.as_str()));
            counting_enabled();
            warn_unset(&config);
            match run(config, timeout) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn warn_unset(config: &Config) {
    for name in &config.unset_env {
        tracing::warn!("environment variable {name} is not set; the config uses an empty value");
    }
}

fn run(config: Config, timeout: Duration) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let service = Service::start(&config, timeout).await?;
        service.run(shutdown_signal()).await?;
        Ok(())
    })
}

/// Logs go to stderr, plain when it is not a terminal so scripts can read them.
fn init_logging(level: Option<&str>) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(level.unwrap_or("info")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn command_lines() {
        let cfg = || PathBuf::from("c.yaml");
        let run = || Command::Run(cfg(), DEFAULT_SHUTDOWN_TIMEOUT);
        assert_eq!(parse(&["--config", "c.yaml"]), Ok(run()));
        assert_eq!(parse(&["--config=c.yaml"]), Ok(run()));
        assert_eq!(parse(&["run", "--config", "c.yaml"]), Ok(run()));
        assert_eq!(
            parse(&["--config=c.yaml", "--shutdown-timeout", "3s"]),
            Ok(Command::Run(cfg(), Duration::from_secs(3)))
        );
        assert!(parse(&["--config=c.yaml", "--shutdown-timeout=soon"]).is_err());
        assert_eq!(
            parse(&["validate", "--config=c.yaml"]),
            Ok(Command::Validate(cfg()))
        );
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-V"]), Ok(Command::Version));
    }

    #[test]
    fn bad_command_lines() {
        assert!(parse(&[]).unwrap_err().contains("missing --config"));
        assert!(parse(&["--config"]).is_err());
        assert!(parse(&["--config="]).is_err());
        assert!(parse(&["--config=a", "--config=b"])
            .unwrap_err()
            .contains("twice"));
        assert!(parse(&["serve", "--config=a"])
            .unwrap_err()
            .contains("`serve`"));
        assert!(parse(&["--config=a", "validate"]).is_err());
    }
}
