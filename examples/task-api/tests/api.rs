//! The task API as a process: its JSON API, its CORS for the app's origin
//! (preflights that ask for the trace headers), its errors, and a clean exit
//! on SIGTERM. (Its spans are checked end to end by e2e/demo.test.mjs, with
//! the collector.) Also makes `cargo test` build the binary the end-to-end
//! test runs.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Api {
    child: Child,
    port: u16,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Api {
    fn start() -> Api {
        let dir = std::env::temp_dir().join(format!(
            "task-api-test-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_task-api"))
            .env("TASK_API_ADDR", format!("127.0.0.1:{port}"))
            .env("TASK_API_DB", dir.join("tasks.db"))
            .env("TASK_API_ALLOWED_ORIGINS", "http://127.0.0.1:5173")
            // Nothing listens there: exporting fails quietly, serving goes on.
            .env(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{}", free_port()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start task-api");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "task-api did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Api {
            child,
            port,
            _dir: TempDir(dir),
        }
    }

    /// One HTTP/1.1 request; the status, the headers (lower-case names) and the body.
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut text = format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{}\r\nconnection: close\r\ncontent-length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        text.push_str("\r\n");
        text.push_str(body);
        stream.write_all(text.as_bytes()).unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let mut lines = head.lines();
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    fn json(&self, method: &str, path: &str, body: &str) -> Reply {
        self.request(method, path, &[("content-type", "application/json")], body)
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[test]
fn tasks_are_listed_added_completed_and_deleted() {
    let api = Api::start();
    let r = api.request("GET", "/api/tasks", &[], "");
    assert_eq!((r.status, r.body.as_str()), (200, "[]"));
    assert_eq!(r.header("content-type"), Some("application/json"));

    let r = api.json("POST", "/api/tasks", r#"{"title":"  Water the plants "}"#);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body,
        r#"{"id":1,"title":"Water the plants","done":false}"#
    );

    let r = api.json("PATCH", "/api/tasks/1", r#"{"done":true}"#);
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"id":1,"title":"Water the plants","done":true}"#)
    );
    let r = api.request("GET", "/api/tasks", &[], "");
    assert_eq!(
        r.body,
        r#"[{"id":1,"title":"Water the plants","done":true}]"#
    );

    let r = api.request("DELETE", "/api/tasks/1", &[], "");
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    let r = api.request("GET", "/api/tasks", &[], "");
    assert_eq!(r.body, "[]");
}

#[test]
fn bad_requests_get_json_errors() {
    let api = Api::start();
    let r = api.json("POST", "/api/tasks", r#"{"title":"   "}"#);
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error":"a title is 1 to 200 characters"}"#)
    );
    let r = api.json("PATCH", "/api/tasks/99", r#"{"done":true}"#);
    assert_eq!(
        (r.status, r.body.as_str()),
        (404, r#"{"error":"no task 99"}"#)
    );
    let r = api.request("DELETE", "/api/tasks/99", &[], "");
    assert_eq!(r.status, 404);
    let r = api.json("POST", "/api/tasks", "not json");
    assert_eq!(r.status, 400);
}

#[test]
fn cors_lets_the_app_send_trace_headers() {
    let api = Api::start();
    let preflight = api.request(
        "OPTIONS",
        "/api/tasks/1",
        &[
            ("origin", "http://127.0.0.1:5173"),
            ("access-control-request-method", "PATCH"),
            (
                "access-control-request-headers",
                "content-type,traceparent,tracestate,baggage,x-amzn-trace-id",
            ),
        ],
        "",
    );
    assert_eq!(preflight.status, 200);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("http://127.0.0.1:5173")
    );
    let allowed = preflight.header("access-control-allow-headers").unwrap();
    for h in [
        "content-type",
        "traceparent",
        "tracestate",
        "baggage",
        "x-amzn-trace-id",
    ] {
        assert!(allowed.contains(h), "{h} in {allowed}");
    }
    assert!(preflight
        .header("access-control-allow-methods")
        .unwrap()
        .contains("PATCH"));

    let other = api.request(
        "GET",
        "/api/tasks",
        &[("origin", "http://evil.example")],
        "",
    );
    assert_eq!(other.header("access-control-allow-origin"), None);
    // A request with an X-Ray header alone is served as any other.
    let r = api.request(
        "GET",
        "/api/tasks",
        &[
            ("origin", "http://127.0.0.1:5173"),
            (
                "x-amzn-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            ),
        ],
        "",
    );
    assert_eq!((r.status, r.body.as_str()), (200, "[]"));
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:5173")
    );
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_cleanly() {
    let mut api = Api::start();
    api.json("POST", "/api/tasks", r#"{"title":"x"}"#);
    let status = Command::new("kill")
        .args(["-TERM", &api.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = api.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "task-api did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    api.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(exit.success(), "{exit:?}\n{err}");
    assert!(err.contains("task-api stopped"), "{err}");
}
