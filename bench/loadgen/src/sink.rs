//! The sink the collector's exporter forwards to: counts spans received over
//! OTLP/HTTP (protobuf or JSON, gzip or not) and OTLP/gRPC.
//!
//! Modes: `ok` answers at once; `slow=MS` answers after MS milliseconds;
//! `flaky=N` refuses every Nth request (HTTP 503 with `Retry-After: 1`, gRPC
//! UNAVAILABLE) and counts only the spans it accepted, so "count in = count
//! out" holds only if the collector retries what was refused.

use crate::args::Args;
use crate::spans;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Clone, Copy, Debug)]
enum Mode {
    Ok,
    Slow(Duration),
    Flaky(u64),
}

#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    accepted_requests: AtomicU64,
    refused_requests: AtomicU64,
    spans: AtomicU64,
    bytes: AtomicU64,
    decode_errors: AtomicU64,
}

struct Sink {
    mode: Mode,
    counts: Counts,
}

impl Sink {
    /// Decides the answer for one request: `true` accepts it.
    async fn admit(&self) -> bool {
        let n = self.counts.requests.fetch_add(1, Relaxed) + 1;
        match self.mode {
            Mode::Ok => true,
            Mode::Slow(d) => {
                tokio::time::sleep(d).await;
                true
            }
            Mode::Flaky(every) => !n.is_multiple_of(every),
        }
    }

    fn accepted(&self, spans: u64, bytes: u64) {
        self.counts.accepted_requests.fetch_add(1, Relaxed);
        self.counts.spans.fetch_add(spans, Relaxed);
        self.counts.bytes.fetch_add(bytes, Relaxed);
    }

    fn stats(&self) -> String {
        let c = &self.counts;
        serde_json::json!({
            "mode": format!("{:?}", self.mode),
            "requests": c.requests.load(Relaxed),
            "accepted_requests": c.accepted_requests.load(Relaxed),
            "refused_requests": c.refused_requests.load(Relaxed),
            "spans": c.spans.load(Relaxed),
            "bytes": c.bytes.load(Relaxed),
            "decode_errors": c.decode_errors.load(Relaxed),
        })
        .to_string()
    }
}

pub fn main(mut args: Args) -> Result<(), String> {
    let http = args.string("http");
    let grpc = args.string("grpc");
    let mode = match args.string("mode").as_deref() {
        None | Some("ok") => Mode::Ok,
        Some(m) if m.starts_with("slow=") => Mode::Slow(Duration::from_millis(
            m[5..]
                .parse()
                .map_err(|_| format!("--mode {m}: slow=MILLISECONDS"))?,
        )),
        Some(m) if m.starts_with("flaky=") => Mode::Flaky(
            m[6..]
                .parse::<u64>()
                .map_err(|_| format!("--mode {m}: flaky=N"))?
                .max(1),
        ),
        Some(m) => return Err(format!("--mode: `{m}` is not ok, slow=MS or flaky=N")),
    };
    args.finish()?;
    if http.is_none() && grpc.is_none() {
        return Err("give --http HOST:PORT, --grpc HOST:PORT or both".into());
    }
    let sink = Arc::new(Sink {
        mode,
        counts: Counts::default(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let mut tasks = Vec::new();
        if let Some(addr) = http {
            let listener = TcpListener::bind(&addr)
                .await
                .map_err(|e| format!("bind {addr}: {e}"))?;
            eprintln!(
                "sink: OTLP/HTTP on {}",
                listener.local_addr().map_err(|e| e.to_string())?
            );
            tasks.push(tokio::spawn(serve_http(listener, sink.clone())));
        }
        if let Some(addr) = grpc {
            let listener = TcpListener::bind(&addr)
                .await
                .map_err(|e| format!("bind {addr}: {e}"))?;
            eprintln!(
                "sink: OTLP/gRPC on {}",
                listener.local_addr().map_err(|e| e.to_string())?
            );
            let service = TraceServiceServer::new(GrpcSink(sink.clone()))
                .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
                .max_decoding_message_size(64 * 1024 * 1024);
            tasks.push(tokio::spawn(async move {
                let incoming = tokio_stream_listener(listener);
                let _ = tonic::transport::Server::builder()
                    .add_service(service)
                    .serve_with_incoming(incoming)
                    .await;
            }));
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate() => {}
        }
        eprintln!("sink: {}", sink.stats());
        Ok(())
    })
}

async fn terminate() {
    if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        s.recv().await;
    } else {
        std::future::pending::<()>().await;
    }
}

/// A `TcpListener` as the stream of connections tonic's server takes.
fn tokio_stream_listener(
    listener: TcpListener,
) -> impl tonic::codegen::tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let accepted = listener.accept().await.map(|(s, _)| {
                let _ = s.set_nodelay(true);
                s
            });
            if tx.send(accepted).await.is_err() {
                break;
            }
        }
    });
    ReceiverStream(rx)
}

struct ReceiverStream<T>(tokio::sync::mpsc::Receiver<T>);

impl<T> tonic::codegen::tokio_stream::Stream for ReceiverStream<T> {
    type Item = T;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}

// ---------------------------------------------------------------- HTTP

async fn serve_http(listener: TcpListener, sink: Arc<Sink>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let sink = sink.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let sink = sink.clone();
                async move { Ok::<_, hyper::Error>(handle_http(&sink, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn answer(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("static response parts are valid")
}

async fn handle_http(sink: &Sink, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if req.method() == hyper::Method::GET && req.uri().path() == "/stats" {
        return answer(
            StatusCode::OK,
            "application/json",
            sink.stats().into_bytes(),
        );
    }
    if req.method() != hyper::Method::POST {
        return answer(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            b"POST only".to_vec(),
        );
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let json = header("content-type").starts_with("application/json");
    let gzip = header("content-encoding") == "gzip";
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return answer(StatusCode::BAD_REQUEST, "text/plain", b"body".to_vec()),
    };
    let wire_bytes = body.len() as u64;
    let body = if gzip {
        let mut out = Vec::new();
        if flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut out)
            .is_err()
        {
            sink.counts.decode_errors.fetch_add(1, Relaxed);
            return answer(StatusCode::BAD_REQUEST, "text/plain", b"gzip".to_vec());
        }
        Bytes::from(out)
    } else {
        body
    };
    let decoded: Option<ExportTraceServiceRequest> = if json {
        serde_json::from_slice(&body).ok()
    } else {
        ExportTraceServiceRequest::decode(&body[..]).ok()
    };
    let Some(request) = decoded else {
        sink.counts.decode_errors.fetch_add(1, Relaxed);
        return answer(StatusCode::BAD_REQUEST, "text/plain", b"not OTLP".to_vec());
    };
    if !sink.admit().await {
        sink.counts.refused_requests.fetch_add(1, Relaxed);
        let mut r = answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            b"sink refuses (flaky mode)".to_vec(),
        );
        r.headers_mut()
            .insert("retry-after", hyper::header::HeaderValue::from_static("1"));
        return r;
    }
    sink.accepted(spans::count(&request), wire_bytes);
    if json {
        answer(StatusCode::OK, "application/json", b"{}".to_vec())
    } else {
        answer(
            StatusCode::OK,
            "application/x-protobuf",
            ExportTraceServiceResponse::default().encode_to_vec(),
        )
    }
}

// ---------------------------------------------------------------- gRPC

struct GrpcSink(Arc<Sink>);

#[tonic::async_trait]
impl TraceService for GrpcSink {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let request = request.into_inner();
        if !self.0.admit().await {
            self.0.counts.refused_requests.fetch_add(1, Relaxed);
            return Err(tonic::Status::unavailable("sink refuses (flaky mode)"));
        }
        self.0
            .accepted(spans::count(&request), request.encoded_len() as u64);
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}
