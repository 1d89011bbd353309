//! Runs the real `wasmtrace-collector` binary on 127.0.0.1 and talks HTTP/1.1 to it
//! over a plain `TcpStream`, so the tests cost no HTTP client to compile.

#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_wasmtrace-collector");

/// The OTLP/JSON body from the spec's examples, written by hand.
pub const SPEC_JSON: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"scope":{"name":"t"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s","kind":1,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000","attributes":[{"key":"n","value":{"intValue":"5"}}]}]}]}]}"#;

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "wasmtrace-collector-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A config with OTLP/HTTP and OTLP/gRPC receivers on free ports, writing
/// every span to `file`, with no processor.
pub fn http_and_grpc_to_file(file: &Path) -> String {
    format!(
        "receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  file:
    path: {}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
",
        file.display()
    )
}

/// A config with an OTLP/HTTP receiver on 127.0.0.1:0 and the `file` and `debug`
/// exporters; `http_extra` is indented under `http:`. No processor runs, so a
/// 200 means the request's line is in the file.
pub fn config(file: &Path, http_extra: &str) -> String {
    let mut extra = String::new();
    for line in http_extra.lines() {
        extra.push_str("        ");
        extra.push_str(line);
        extra.push('\n');
    }
    format!(
        "receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
{extra}processors:
  batch:
    timeout: 50ms
exporters:
  file/local:
    path: {}
  debug:
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [file/local, debug]
",
        file.display()
    )
}

/// A running collector; killed on drop if still running.
pub struct Collector {
    pub dir: TempDir,
    pub port: u16,
    pub file: PathBuf,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Collector {
    /// Starts a collector with `config(.., http_extra)`.
    pub fn start(http_extra: &str) -> Collector {
        Collector::start_with(|file| config(file, http_extra), &[])
    }

    /// Starts a collector with the config `make(file)` gives for the file
    /// exporter's path, and extra command-line arguments.
    pub fn start_with(make: impl FnOnce(&Path) -> String, args: &[&str]) -> Collector {
        Collector::start_env(make, args, &[])
    }

    pub fn start_env(
        make: impl FnOnce(&Path) -> String,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Collector {
        let dir = TempDir::new();
        let file = dir.0.join("traces.jsonl");
        let config = dir.write("config.yaml", &make(&file));
        let mut child = Command::new(BIN)
            .arg("--config")
            .arg(&config)
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wasmtrace-collector");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(port) = listening_port(&line) {
                    let _ = port_tx.send(port);
                }
                sink.lock().unwrap().push(line);
            }
        });
        let port = match port_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "collector did not log its port; stderr:\n{}",
                    logs.lock().unwrap().join("\n")
                );
            }
        };
        Collector {
            dir,
            port,
            file,
            child,
            logs,
        }
    }

    pub fn request(&self, method: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        request(self.port, method, "/v1/traces", headers, body)
    }

    pub fn post(&self, content_type: &str, body: &[u8]) -> Response {
        self.request("POST", &[("Content-Type", content_type)], body)
    }

    /// The port logged for `what` ("OTLP/gRPC receiver", "health_check extension", ...).
    pub fn port_of(&self, what: &str) -> u16 {
        let line = self.wait_for_log(&format!("{what} listening on "));
        let rest = line.split(&format!("{what} listening on ")).nth(1).unwrap();
        let addr = rest.split_whitespace().next().unwrap();
        addr.rsplit_once(':')
            .unwrap()
            .1
            .trim_end_matches("/metrics")
            .parse()
            .unwrap()
    }

    /// Waits up to 10 s until the file holds at least `spans` spans; returns its lines.
    pub fn wait_spans(&self, spans: usize) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let lines = self.lines();
            let n: usize = lines.iter().map(span_count).sum();
            if n >= spans {
                return lines;
            }
            if Instant::now() > deadline {
                panic!(
                    "only {n} of {spans} spans reached the file; stderr:\n{}",
                    self.logs.lock().unwrap().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// The file exporter's lines, parsed.
    pub fn lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect()
    }

    /// Waits up to 10 s for a stderr line containing `needle`.
    pub fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(line) = self
                .logs
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(needle))
            {
                return line.clone();
            }
            if Instant::now() > deadline {
                panic!(
                    "no log line containing {needle:?}; stderr:\n{}",
                    self.logs.lock().unwrap().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(&mut self) -> (ExitStatus, Vec<String>) {
        self.signal_term();
        self.wait_exit()
    }

    pub fn signal_term(&self) {
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(sent.success());
    }

    /// Waits up to 30 s for the process to exit.
    pub fn wait_exit(&mut self) -> (ExitStatus, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "collector did not exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // Let the reader thread take the last lines.
        std::thread::sleep(Duration::from_millis(100));
        let logs = self.logs.lock().unwrap().clone();
        (status, logs)
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spans in one OTLP/JSON line.
pub fn span_count(line: &serde_json::Value) -> usize {
    line["resourceSpans"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|rs| rs["scopeSpans"].as_array().into_iter().flatten())
        .map(|ss| ss["spans"].as_array().map_or(0, Vec::len))
        .sum()
}

/// Every span in the file's lines, in order.
pub fn all_spans(lines: &[serde_json::Value]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .flat_map(|l| l["resourceSpans"].as_array().cloned().unwrap_or_default())
        .flat_map(|rs| rs["scopeSpans"].as_array().cloned().unwrap_or_default())
        .flat_map(|ss| ss["spans"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// A free port on 127.0.0.1 (closed again, so a child can bind it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Reads the port from `... OTLP/HTTP receiver listening on 127.0.0.1:PORT`.
pub fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split("OTLP/HTTP receiver listening on ").nth(1)?;
    let addr = rest.split_whitespace().next()?;
    addr.rsplit_once(':')?.1.parse().ok()
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has_header(&self, name: &str) -> bool {
        self.header(name).is_some()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to collector");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413, 403) and close before reading a large body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// A stand-in OTLP/HTTP backend on 127.0.0.1: answers every request with
/// `status` (503 with `Retry-After: 1` until told otherwise) and keeps the
/// spans of the requests it answered 200.
pub struct Sink {
    pub port: u16,
    pub status: Arc<AtomicUsize>,
    pub requests: Arc<AtomicUsize>,
    pub spans: Arc<Mutex<Vec<String>>>,
}

impl Sink {
    pub fn start(status: u16) -> Sink {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = Sink {
            port,
            status: Arc::new(AtomicUsize::new(status as usize)),
            requests: Arc::new(AtomicUsize::new(0)),
            spans: Arc::new(Mutex::new(Vec::new())),
        };
        let (st, rq, sp) = (
            Arc::clone(&sink.status),
            Arc::clone(&sink.requests),
            Arc::clone(&sink.spans),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (st, rq, sp) = (Arc::clone(&st), Arc::clone(&rq), Arc::clone(&sp));
                std::thread::spawn(move || serve_sink(stream, &st, &rq, &sp));
            }
        });
        sink
    }

    pub fn span_names(&self) -> Vec<String> {
        self.spans.lock().unwrap().clone()
    }
}

/// Reads one HTTP/1.1 request: its head (lower-cased) and its body (by
/// Content-Length). `None` when the connection ends first.
pub fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf.truncate(head_end + length);
    Some((head, buf.split_off(head_end)))
}

fn serve_sink(
    mut stream: TcpStream,
    status: &AtomicUsize,
    requests: &AtomicUsize,
    spans: &Mutex<Vec<String>>,
) {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((head, body)) = read_request(&mut stream) else {
        return;
    };
    requests.fetch_add(1, Ordering::SeqCst);
    let code = status.load(Ordering::SeqCst);
    let body = &body[..];
    if code == 200 {
        let data = if head.contains("content-encoding: gzip") {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
            out
        } else {
            body.to_vec()
        };
        let request = ExportTraceServiceRequest::decode(&data[..]).expect("the sink gets protobuf");
        let mut names = spans.lock().unwrap();
        for rs in request.resource_spans {
            for ss in rs.scope_spans {
                names.extend(ss.spans.into_iter().map(|s| s.name));
            }
        }
    }
    let reason = if code == 200 { "OK" } else { "Unavailable" };
    let answer = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.write_all(answer.as_bytes());
}

/// An OTLP protobuf request with one resource and `names.len()` spans.
pub fn proto_spans(names: &[&str]) -> Vec<u8> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message;
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| Span {
                        trace_id: vec![0x11; 16],
                        span_id: vec![i as u8 + 1; 8],
                        name: (*n).into(),
                        start_time_unix_nano: 1_700_000_000_000_000_000,
                        end_time_unix_nano: 1_700_000_000_100_000_000,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

/// Waits up to `secs` for `check` to hold.
pub fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}
