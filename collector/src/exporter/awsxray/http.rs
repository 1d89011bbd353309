//! The segment's `http` block from both generations of HTTP semantic
//! conventions (`http.method`, `http.url`, ... and `http.request.method`,
//! `url.full`, ...), as the Collector's awsxray exporter reads them.

use std::net::IpAddr;

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use serde_json::{Map, Value as Json};

use super::attrs::Attrs;

/// Any of these makes a span an HTTP span.
const HTTP_KEYS: &[&str] = &[
    "http.method",
    "http.request.method",
    "http.url",
    "url.full",
    "http.status_code",
    "http.response.status_code",
    "http.target",
    "url.path",
    "http.user_agent",
    "user_agent.original",
    "http.client_ip",
    "http.scheme",
    "url.scheme",
    "http.host",
    "http.server_name",
];

/// Read into `http` whether or not the URL needed them.
const URL_PARTS: &[&str] = &[
    "http.scheme",
    "http.host",
    "http.target",
    "http.server_name",
    "net.host.name",
    "net.host.port",
    "net.peer.name",
    "net.peer.port",
    "net.peer.ip",
];

pub fn http(attrs: &Attrs<'_>, kind: SpanKind) -> Option<Json> {
    if !attrs.has_any(HTTP_KEYS) {
        return None;
    }
    let mut request = Map::new();
    if let Some(m) = attrs.take_first(&["http.method", "http.request.method"]) {
        request.insert("method".into(), Json::from(m));
    }
    if let Some(ua) = attrs.take_first(&["http.user_agent", "user_agent.original"]) {
        request.insert("user_agent".into(), Json::from(ua));
    }
    if let Some(ip) = attrs.take_first(&["http.client_ip"]) {
        request.insert("client_ip".into(), Json::from(ip));
        request.insert("x_forwarded_for".into(), Json::from(true));
    } else if let Some(ip) = ["net.peer.ip", "network.peer.address", "client.address"]
        .iter()
        .find_map(|k| {
            let v = attrs.str(k)?;
            v.parse::<IpAddr>().ok()?;
            attrs.mark(k);
            Some(v)
        })
    {
        request.insert("client_ip".into(), Json::from(ip));
    }
    if let Some(url) = url(attrs, kind) {
        request.insert("url".into(), Json::from(url));
    }

    let mut response = Map::new();
    if let Some(status) = attrs.take_int(&["http.status_code", "http.response.status_code"]) {
        response.insert("status".into(), Json::from(status));
    }
    let length = attrs
        .take_int(&[
            "http.response_content_length",
            "http.response.body.size",
            "http.response.header.content-length",
        ])
        .unwrap_or(0);
    response.insert("content_length".into(), Json::from(length));

    // The parts a URL is made of count as used even when a full URL was given.
    for key in URL_PARTS {
        if attrs.get(key).is_some() {
            attrs.mark(key);
        }
    }
    let mut http = Map::new();
    if !request.is_empty() {
        http.insert("request".into(), Json::Object(request));
    }
    http.insert("response".into(), Json::Object(response));
    Some(Json::Object(http))
}

/// `http.url`/`url.full` as given, else built from scheme, host, port and target.
fn url(attrs: &Attrs<'_>, kind: SpanKind) -> Option<String> {
    if let Some(full) = attrs.take_first(&["http.url", "url.full"]) {
        return Some(full);
    }
    let scheme = attrs
        .take_first(&["http.scheme", "url.scheme"])
        .unwrap_or_else(|| "http".into());
    let (host, port) = if kind == SpanKind::Server {
        (
            attrs.take_first(&[
                "http.host",
                "http.server_name",
                "net.host.name",
                "host.name",
                "server.address",
            ])?,
            attrs.take_int(&["net.host.port", "server.port"]),
        )
    } else {
        (
            attrs.take_first(&[
                "http.host",
                "net.peer.name",
                "net.peer.ip",
                "server.address",
            ])?,
            attrs.take_int(&["net.peer.port", "server.port"]),
        )
    };
    let target = match attrs.take_first(&["http.target"]) {
        Some(t) => t,
        None => match attrs.take_first(&["url.path"]) {
            Some(path) => match attrs.take_first(&["url.query"]) {
                Some(q) if !q.is_empty() => format!("{path}?{q}"),
                _ => path,
            },
            None => "/".into(),
        },
    };
    let default_port = matches!(
        (scheme.as_str(), port),
        ("http", Some(80)) | ("https", Some(443))
    );
    // `http.host` may already carry the port.
    let port = match port {
        Some(p) if !default_port && !host.contains(':') => format!(":{p}"),
        _ => String::new(),
    };
    Some(format!("{scheme}://{host}{port}{target}"))
}
