//! The load generator: `connections` keep-alive connections, each sending one
//! request at a time, either on a fixed schedule (`--rate`) or back to back.
//!
//! OTLP/HTTP goes over a plain HTTP/1.1 client on `TcpStream` (each request's
//! bytes are built once, before the clock starts, so the generator spends its
//! CPU on the socket, not on encoding); OTLP/gRPC goes through tonic.

use crate::args::Args;
use crate::spans;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Distinct requests cycled through (distinct ids, same shape).
const DISTINCT_REQUESTS: u64 = 64;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Protocol {
    HttpProtobuf,
    HttpJson,
    Grpc,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
            Protocol::Grpc => "grpc",
        }
    }
}

struct Plan {
    protocol: Protocol,
    host: String,
    path: String,
    rate: f64,
    duration: Duration,
    connections: usize,
    spans_per_request: usize,
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    requests: u64,
    ok_requests: u64,
    accepted_spans: u64,
    rejected_spans: u64,
    refused_spans: u64,
    statuses: BTreeMap<String, u64>,
    errors: u64,
    first_error: Option<String>,
    latencies_us: Vec<u32>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.ok_requests += other.ok_requests;
        self.accepted_spans += other.accepted_spans;
        self.rejected_spans += other.rejected_spans;
        self.refused_spans += other.refused_spans;
        for (k, v) in other.statuses {
            *self.statuses.entry(k).or_default() += v;
        }
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.latencies_us.extend(other.latencies_us);
    }

    fn error(&mut self, e: impl std::fmt::Display) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(e.to_string());
        }
    }

    /// Records one answered request: `status` is the HTTP status or gRPC code name,
    /// `ok` whether it was a success, `rejected` the partial-success count.
    fn answer(&mut self, spans: u64, status: String, ok: bool, rejected: u64, took: Duration) {
        self.requests += 1;
        *self.statuses.entry(status).or_default() += 1;
        self.latencies_us
            .push(took.as_micros().min(u32::MAX as u128) as u32);
        if ok {
            self.ok_requests += 1;
            let rejected = rejected.min(spans);
            self.accepted_spans += spans - rejected;
            self.rejected_spans += rejected;
        } else {
            self.refused_spans += spans;
        }
    }
}

pub fn main(mut args: Args) -> Result<(), String> {
    let target = args.string("target").ok_or("--target URL is required")?;
    let encoding = args.string("encoding").unwrap_or_else(|| "protobuf".into());
    let threads: usize = args.get("threads", 1)?;
    let (protocol, rest) = if let Some(rest) = target.strip_prefix("grpc://") {
        (Protocol::Grpc, rest)
    } else if let Some(rest) = target.strip_prefix("http://") {
        match encoding.as_str() {
            "protobuf" | "proto" => (Protocol::HttpProtobuf, rest),
            "json" => (Protocol::HttpJson, rest),
            other => return Err(format!("--encoding: `{other}` is not protobuf or json")),
        }
    } else {
        return Err(format!("--target: `{target}` is not http://… or grpc://…"));
    };
    let (host, path) = match rest.split_once('/') {
        Some((h, p)) => (h.to_owned(), format!("/{p}")),
        None => (rest.to_owned(), "/v1/traces".to_owned()),
    };
    let plan = Plan {
        protocol,
        host,
        path,
        rate: args.get("rate", 0.0)?,
        duration: Duration::from_secs_f64(args.get("duration", 5.0)?),
        connections: args.get::<usize>("connections", 4)?.max(1),
        spans_per_request: args.get::<usize>("spans-per-request", 100)?.max(1),
    };
    args.finish()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let report = runtime.block_on(run(plan))?;
    println!("{report}");
    Ok(())
}

async fn run(plan: Plan) -> Result<String, String> {
    let requests: Vec<ExportTraceServiceRequest> = (0..DISTINCT_REQUESTS)
        .map(|seed| spans::request(seed, plan.spans_per_request))
        .collect();
    // Time between two requests on one connection; zero sends back to back.
    let interval = if plan.rate > 0.0 {
        Duration::from_secs_f64(plan.connections as f64 * plan.spans_per_request as f64 / plan.rate)
    } else {
        Duration::ZERO
    };
    let plan = Arc::new(plan);
    let started = Instant::now();
    let deadline = started + plan.duration;
    let mut tasks = Vec::new();
    match plan.protocol {
        Protocol::Grpc => {
            let requests = Arc::new(requests);
            for c in 0..plan.connections {
                let (plan, requests) = (plan.clone(), requests.clone());
                let offset = interval.mul_f64(c as f64 / plan.connections as f64);
                tasks.push(tokio::spawn(async move {
                    grpc_connection(&plan, &requests, c, started + offset, interval, deadline).await
                }));
            }
        }
        _ => {
            let wires: Arc<Vec<Vec<u8>>> = Arc::new(
                requests
                    .iter()
                    .map(|r| http_request_bytes(&plan, r))
                    .collect::<Result<_, _>>()?,
            );
            for c in 0..plan.connections {
                let (plan, wires) = (plan.clone(), wires.clone());
                let offset = interval.mul_f64(c as f64 / plan.connections as f64);
                tasks.push(tokio::spawn(async move {
                    http_connection(&plan, &wires, c, started + offset, interval, deadline).await
                }));
            }
        }
    }
    let mut total = Tally::default();
    for task in tasks {
        total.merge(task.await.map_err(|e| e.to_string())?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(report(&plan, total, elapsed))
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn report(plan: &Plan, mut t: Tally, elapsed: f64) -> String {
    t.latencies_us.sort_unstable();
    let l = &t.latencies_us;
    let mean = if l.is_empty() {
        0.0
    } else {
        l.iter().map(|&v| v as f64).sum::<f64>() / l.len() as f64
    };
    serde_json::json!({
        "protocol": plan.protocol.name(),
        "target": format!("{}{}", plan.host, if plan.protocol == Protocol::Grpc { "" } else { &plan.path }),
        "connections": plan.connections,
        "spans_per_request": plan.spans_per_request,
        "offered_spans_per_s": if plan.rate > 0.0 { Some(plan.rate) } else { None },
        "elapsed_s": elapsed,
        "requests": t.requests,
        "ok_requests": t.ok_requests,
        "accepted_spans": t.accepted_spans,
        "rejected_spans": t.rejected_spans,
        "refused_spans": t.refused_spans,
        "statuses": t.statuses,
        "errors": t.errors,
        "first_error": t.first_error,
        "achieved_spans_per_s": t.accepted_spans as f64 / elapsed,
        "latency_us": {
            "p50": percentile(l, 50.0), "p90": percentile(l, 90.0), "p99": percentile(l, 99.0),
            "max": l.last().copied().unwrap_or(0), "mean": mean,
        },
    })
    .to_string()
}

/// Waits for the connection's next slot; false once the run is over.
async fn next_slot(slot: &mut Instant, interval: Duration, deadline: Instant) -> bool {
    if *slot >= deadline || Instant::now() >= deadline {
        return false;
    }
    if !interval.is_zero() {
        tokio::time::sleep_until((*slot).into()).await;
        *slot += interval;
    }
    true
}

// ---------------------------------------------------------------- OTLP/HTTP

fn http_request_bytes(plan: &Plan, request: &ExportTraceServiceRequest) -> Result<Vec<u8>, String> {
    let (content_type, body) = match plan.protocol {
        Protocol::HttpJson => (
            "application/json",
            serde_json::to_vec(request).map_err(|e| e.to_string())?,
        ),
        _ => ("application/x-protobuf", request.encode_to_vec()),
    };
    let mut wire = format!(
        "POST {} HTTP/1.1\r\nhost: {}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
        plan.path,
        plan.host,
        body.len()
    )
    .into_bytes();
    wire.extend_from_slice(&body);
    Ok(wire)
}

struct HttpAnswer {
    status: u16,
    body: Vec<u8>,
    close: bool,
}

async fn read_answer(reader: &mut BufReader<TcpStream>) -> Result<HttpAnswer, String> {
    let mut line = String::new();
    if reader
        .read_line(&mut line)
        .await
        .map_err(|e| e.to_string())?
        == 0
    {
        return Err("the collector closed the connection".into());
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {line:?}"))?;
    let mut length = None;
    let mut chunked = false;
    let mut close = false;
    loop {
        line.clear();
        if reader
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?
            == 0
        {
            return Err("connection closed inside the response headers".into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            match name.as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader
                .read_line(&mut line)
                .await
                .map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| format!("bad chunk size {line:?}"))?;
            let mut chunk = vec![0; size + 2];
            reader
                .read_exact(&mut chunk)
                .await
                .map_err(|e| e.to_string())?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader
            .read_exact(&mut body)
            .await
            .map_err(|e| e.to_string())?;
    } else if status != 204 && status != 304 {
        close = true;
        reader
            .read_to_end(&mut body)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(HttpAnswer {
        status,
        body,
        close,
    })
}

/// The partial-success `rejectedSpans` of a 200 answer, in either encoding.
fn rejected_spans(protocol: Protocol, body: &[u8]) -> u64 {
    if body.is_empty() {
        return 0;
    }
    if protocol == Protocol::HttpJson {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
            return 0;
        };
        let r = &v["partialSuccess"]["rejectedSpans"];
        r.as_u64()
            .or_else(|| r.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(0)
    } else {
        ExportTraceServiceResponse::decode(body)
            .ok()
            .and_then(|r| r.partial_success)
            .map(|p| p.rejected_spans.max(0) as u64)
            .unwrap_or(0)
    }
}

async fn http_connection(
    plan: &Plan,
    wires: &[Vec<u8>],
    index: usize,
    mut slot: Instant,
    interval: Duration,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let spans = plan.spans_per_request as u64;
    let mut conn: Option<BufReader<TcpStream>> = None;
    let mut n = index;
    while next_slot(&mut slot, interval, deadline).await {
        if conn.is_none() {
            match TcpStream::connect(&plan.host).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    conn = Some(BufReader::with_capacity(16 * 1024, s));
                }
                Err(e) => {
                    tally.error(format!("connect {}: {e}", plan.host));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            }
        }
        let reader = conn.as_mut().expect("connected above");
        let wire = &wires[n % wires.len()];
        n += 1;
        let sent = Instant::now();
        if let Err(e) = reader.get_mut().write_all(wire).await {
            tally.error(format!("send: {e}"));
            conn = None;
            continue;
        }
        match read_answer(reader).await {
            Ok(answer) => {
                let ok = (200..300).contains(&answer.status);
                let rejected = if ok {
                    rejected_spans(plan.protocol, &answer.body)
                } else {
                    0
                };
                tally.answer(
                    spans,
                    answer.status.to_string(),
                    ok,
                    rejected,
                    sent.elapsed(),
                );
                if answer.close {
                    conn = None;
                }
            }
            Err(e) => {
                tally.error(e);
                conn = None;
            }
        }
    }
    tally
}

// ---------------------------------------------------------------- OTLP/gRPC

async fn grpc_connection(
    plan: &Plan,
    requests: &[ExportTraceServiceRequest],
    index: usize,
    mut slot: Instant,
    interval: Duration,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let spans = plan.spans_per_request as u64;
    let uri = format!("http://{}", plan.host);
    let mut client = None;
    let mut n = index;
    while next_slot(&mut slot, interval, deadline).await {
        if client.is_none() {
            match tonic::transport::Endpoint::from_shared(uri.clone()) {
                Ok(endpoint) => match endpoint.tcp_nodelay(true).connect().await {
                    Ok(channel) => client = Some(TraceServiceClient::new(channel)),
                    Err(e) => {
                        tally.error(format!("connect {uri}: {e}"));
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                },
                Err(e) => {
                    tally.error(e);
                    return tally;
                }
            }
        }
        let c = client.as_mut().expect("connected above");
        let request = requests[n % requests.len()].clone();
        n += 1;
        let sent = Instant::now();
        match c.export(request).await {
            Ok(response) => {
                let rejected = response
                    .into_inner()
                    .partial_success
                    .map(|p| p.rejected_spans.max(0) as u64)
                    .unwrap_or(0);
                tally.answer(spans, "OK".into(), true, rejected, sent.elapsed());
            }
            Err(status) => {
                let code = format!("{:?}", status.code()).to_uppercase();
                match status.code() {
                    // The collector answered and refused: pushback or bad data.
                    tonic::Code::Unavailable
                    | tonic::Code::ResourceExhausted
                    | tonic::Code::InvalidArgument => {
                        tally.answer(spans, code, false, 0, sent.elapsed())
                    }
                    _ => {
                        tally.error(format!("grpc {code}: {}", status.message()));
                        client = None;
                    }
                }
            }
        }
    }
    tally
}
