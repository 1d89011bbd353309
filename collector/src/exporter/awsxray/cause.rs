//! `fault`, `error`, `throttle` and `cause`: from the HTTP status when there is
//! one (4xx error, 429 throttle, 5xx fault), else from the span status; the
//! cause lists the span's `exception` events, with stacks parsed by the
//! language in `telemetry.sdk.language` (V8 for webjs/nodejs, Java, Python).

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{json, Map, Value as Json};

use super::attrs::Attrs;

/// Stack frames kept per exception before the document is trimmed further.
const MAX_FRAMES: usize = 100;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub fault: bool,
    pub error: bool,
    pub throttle: bool,
}

pub fn outcome(span: &Span, attrs: &Attrs) -> Outcome {
    let status = attrs
        .int("http.status_code")
        .or_else(|| attrs.int("http.response.status_code"));
    match status {
        Some(s @ 400..=499) => Outcome {
            error: true,
            throttle: s == 429,
            fault: false,
        },
        Some(500..=599) => Outcome {
            fault: true,
            ..Outcome::default()
        },
        _ => Outcome {
            fault: span_status(span) == StatusCode::Error,
            ..Outcome::default()
        },
    }
}

fn span_status(span: &Span) -> StatusCode {
    span.status
        .as_ref()
        .and_then(|s| StatusCode::try_from(s.code).ok())
        .unwrap_or(StatusCode::Unset)
}

/// The `cause` object, if the span recorded exceptions or ended in error.
pub fn cause(span: &Span, attrs: &Attrs, language: Option<&str>) -> Option<Json> {
    let remote = matches!(
        SpanKind::try_from(span.kind),
        Ok(SpanKind::Client | SpanKind::Producer)
    );
    let mut exceptions = Vec::new();
    for event in span.events.iter().filter(|e| e.name == "exception") {
        let ev = Attrs::new(&event.attributes);
        let mut ex = Map::new();
        ex.insert("id".into(), Json::from(exception_id()));
        if let Some(t) = ev.str("exception.type") {
            ex.insert("type".into(), Json::from(t));
        }
        if let Some(m) = ev.str("exception.message") {
            ex.insert("message".into(), Json::from(m));
        }
        ex.insert("remote".into(), Json::from(remote));
        if let Some(trace) = ev.str("exception.stacktrace") {
            let stack = parse_stack(&trace, language.unwrap_or(""));
            if !stack.is_empty() {
                ex.insert("stack".into(), Json::Array(stack));
            }
        }
        exceptions.push(Json::Object(ex));
    }
    if exceptions.is_empty() && span_status(span) == StatusCode::Error {
        let message = span
            .status
            .as_ref()
            .map(|s| s.message.clone())
            .filter(|m| !m.is_empty())
            .or_else(|| attrs.str("http.status_text"));
        if let Some(message) = message {
            exceptions.push(json!({"id": exception_id(), "message": message}));
        }
    }
    (!exceptions.is_empty()).then(|| json!({ "exceptions": exceptions }))
}

/// 16 random hex digits, as X-Ray exception ids are.
fn exception_id() -> String {
    format!("{:016x}", crate::random::next_u64())
}

/// Frames `{label, path, line}` from a stack trace in the language's format.
pub fn parse_stack(trace: &str, language: &str) -> Vec<Json> {
    let frames: Vec<Json> = match language {
        "javascript" | "nodejs" | "webjs" => trace.lines().filter_map(v8_frame).collect(),
        "java" => trace.lines().filter_map(java_frame).collect(),
        "python" => python_frames(trace),
        _ => Vec::new(),
    };
    frames.into_iter().take(MAX_FRAMES).collect()
}

fn frame(label: &str, path: &str, line: Option<i64>) -> Json {
    let mut f = Map::new();
    if !label.is_empty() {
        f.insert("label".into(), Json::from(label));
    }
    if !path.is_empty() {
        f.insert("path".into(), Json::from(path));
    }
    if let Some(l) = line {
        f.insert("line".into(), Json::from(l));
    }
    Json::Object(f)
}

/// `    at fn (path:line:col)` or `    at path:line:col`.
fn v8_frame(line: &str) -> Option<Json> {
    let rest = line.trim().strip_prefix("at ")?;
    let (label, location) = match rest.rfind(" (") {
        Some(i) if rest.ends_with(')') => (&rest[..i], &rest[i + 2..rest.len() - 1]),
        _ => ("", rest),
    };
    let (path, line_no) = split_location(location);
    Some(frame(label, path, line_no))
}

/// `path:line:col` → (path, line); the path may itself hold colons (URLs).
fn split_location(location: &str) -> (&str, Option<i64>) {
    let mut parts = location.rsplitn(3, ':');
    let col = parts.next();
    let line = parts.next();
    match (line.and_then(|l| l.parse().ok()), col, parts.next()) {
        (Some(l), Some(c), Some(path)) if c.parse::<i64>().is_ok() => (path, Some(l)),
        _ => (location, None),
    }
}

/// `\tat com.example.Foo.bar(Foo.java:42)`.
fn java_frame(line: &str) -> Option<Json> {
    let rest = line.trim().strip_prefix("at ")?;
    let open = rest.find('(')?;
    let label = &rest[..open];
    let inside = rest[open + 1..].trim_end_matches(')');
    let (path, line_no) = match inside.rsplit_once(':') {
        Some((p, l)) => (p, l.parse().ok()),
        None => (inside, None),
    };
    Some(frame(label, path, line_no))
}

/// `  File "path", line N, in label`, innermost first as X-Ray lists frames.
fn python_frames(trace: &str) -> Vec<Json> {
    let mut frames: Vec<Json> = trace
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("File \"")?;
            let (path, rest) = rest.split_once('"')?;
            let rest = rest.trim_start_matches(',').trim();
            let (line_part, label) = match rest.split_once(", in ") {
                Some((l, label)) => (l, label),
                None => (rest, ""),
            };
            let line_no = line_part.trim().strip_prefix("line ")?.trim().parse().ok();
            Some(frame(label, path, line_no))
        })
        .collect();
    frames.reverse();
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v8_stacks() {
        let trace = "TypeError: x is undefined\n    at handler (https://app.example.com/main.js:10:15)\n    at https://app.example.com/vendor.js:2:3\n    at new Promise (<anonymous>)";
        let frames = parse_stack(trace, "webjs");
        assert_eq!(
            frames[0],
            json!({"label": "handler", "path": "https://app.example.com/main.js", "line": 10})
        );
        assert_eq!(
            frames[1],
            json!({"path": "https://app.example.com/vendor.js", "line": 2})
        );
        assert_eq!(
            frames[2],
            json!({"label": "new Promise", "path": "<anonymous>"})
        );
    }

    #[test]
    fn java_and_python_stacks() {
        let java = "java.lang.IllegalStateException: boom\n\tat com.example.Foo.bar(Foo.java:42)\n\tat com.example.Main.main(Main.java)";
        let frames = parse_stack(java, "java");
        assert_eq!(
            frames[0],
            json!({"label": "com.example.Foo.bar", "path": "Foo.java", "line": 42})
        );
        assert_eq!(
            frames[1],
            json!({"label": "com.example.Main.main", "path": "Main.java"})
        );
        let python = "Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\n    run()\n  File \"/app/lib.py\", line 7, in run\n    raise ValueError()\nValueError";
        let frames = parse_stack(python, "python");
        assert_eq!(
            frames[0],
            json!({"label": "run", "path": "/app/lib.py", "line": 7})
        );
        assert_eq!(
            frames[1],
            json!({"label": "<module>", "path": "/app/main.py", "line": 3})
        );
        assert!(parse_stack(java, "go").is_empty());
    }
}
