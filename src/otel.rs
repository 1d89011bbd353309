//! wasmtrace behind the `opentelemetry` crate's API, for Rust web apps
//! (Leptos, Yew, Dioxus) compiled to WebAssembly: set [`WasmTracerProvider`]
//! as the global provider and use `opentelemetry::global::tracer` as usual.
//!
//! Spans go through the same core as the JavaScript SDK (X-Ray ids,
//! samplers, one OTLP/JSON encoding at end, the bounded queue); this module
//! adds a Rust-side exporter on the page's `fetch`: a full batch or the
//! scheduled delay sends, `force_flush` sends everything, and page hide sends
//! gzip bodies with keepalive. Behind the `otel` feature, so the npm package
//! does not carry it.

use crate::api::registry::{self, QUEUED};
use crate::core::batch::BatchConfig;
use crate::core::ids::{SpanId as CoreSpanId, TraceId as CoreTraceId};
use crate::core::sampler::{Parent, Sampler};
use crate::core::span::{self as core_span, Dropped, SpanData, SpanKind as CoreKind, StatusCode};
use crate::web::global::Global;
use crate::web::{clock, random};
use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use js_sys::{Object, Reflect, Uint8Array};
use opentelemetry::trace::{
    Link, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Array, Context, InstrumentationScope, KeyValue, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(js_namespace = performance, js_name = timeOrigin, thread_local_v2)]
    static TIME_ORIGIN: f64;
    #[wasm_bindgen(js_name = fetch)]
    fn fetch(url: &str, init: &Object) -> js_sys::Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &JsValue, millis: u32) -> JsValue;
    #[wasm_bindgen(js_name = addEventListener)]
    fn add_event_listener(event: &str, callback: &JsValue);
}

/// Builds a [`WasmTracerProvider`].
pub struct Builder {
    resource: Vec<(String, String)>,
    url: String,
    config: BatchConfig,
    sampler: Option<Sampler>,
    xray_ids: bool,
}

impl Builder {
    /// A resource attribute, such as `service.name`.
    pub fn with_resource_attribute(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.resource.push((key.into(), value.into()));
        self
    }

    /// Where spans go (`http://localhost:4318/v1/traces` by default).
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    pub fn with_batch_config(mut self, config: BatchConfig) -> Self {
        self.config = config;
        self
    }

    pub fn with_sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// W3C random trace ids instead of X-Ray's time-prefixed ones.
    pub fn with_random_ids(mut self) -> Self {
        self.xray_ids = false;
        self
    }

    pub fn build(self) -> WasmTracerProvider {
        clock::set_origin_millis(TIME_ORIGIN.with(|t| *t));
        let mut resource: Vec<(String, String)> = [
            ("service.name", "unknown_service"),
            ("telemetry.sdk.language", "rust"),
            ("telemetry.sdk.name", "wasmtrace"),
            ("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
        ]
        .iter()
        .filter(|(k, _)| !self.resource.iter().any(|(key, _)| key == k))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        resource.extend(self.resource);
        let attributes: Vec<core_span::KeyValue> = resource
            .iter()
            .map(|(k, v)| core_span::KeyValue {
                key: k.as_bytes(),
                value: core_span::Value::Str(v.as_bytes()),
            })
            .collect();
        let delay = self.config.scheduled_delay_millis;
        let (provider, processor) = registry::with(|r| {
            let provider = r.add_provider(&attributes);
            if let (Some(sampler), Some(p)) = (self.sampler, r.provider(provider)) {
                p.sampler = sampler;
            }
            (provider, r.add_processor(provider, self.config, false))
        });
        let this = WasmTracerProvider {
            provider,
            processor,
            url: self.url,
            delay,
            xray_ids: self.xray_ids,
        };
        let on_hide = this.clone();
        add_event_listener(
            "pagehide",
            &Closure::<dyn Fn()>::new(move || on_hide.flush_on_hide()).into_js_value(),
        );
        this
    }
}

/// The provider: cheap to clone, `Send + Sync` as the global API asks (the
/// page's WebAssembly runs on one thread; state lives in the registry).
#[derive(Clone, Debug)]
pub struct WasmTracerProvider {
    provider: u32,
    processor: u32,
    url: String,
    delay: u32,
    xray_ids: bool,
}

static TIMERS: Global<Vec<u32>> = Global::new(Vec::new());

impl WasmTracerProvider {
    pub fn builder() -> Builder {
        Builder {
            resource: Vec::new(),
            url: "http://localhost:4318/v1/traces".into(),
            config: BatchConfig::default(),
            sampler: None,
            xray_ids: true,
        }
    }

    /// Sends every queued span; fails with the first request that failed.
    pub async fn force_flush(&self) -> Result<(), JsValue> {
        while let Some((body, _)) = registry::with(|r| r.take_batch(self.processor, usize::MAX)) {
            post(&self.url, &body, false).await?;
        }
        Ok(())
    }

    fn flush_on_hide(&self) {
        while let Some((body, _)) = registry::with(|r| r.take_gzip_batch(self.processor, 60 * 1024))
        {
            let request = post_gzip_keepalive(&self.url, &body);
            wasm_bindgen_futures::spawn_local(async move {
                let _ = JsFuture::from(request).await;
            });
        }
    }

    fn on_end(&self, scope: u32, span: &SpanData) {
        let answer = registry::with(|r| r.on_end(self.provider, scope, span, 256));
        if answer & 1 != 0 {
            let this = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = this.force_flush().await;
            });
        } else if answer & QUEUED != 0 && !TIMERS.with(|t| t.contains(&self.processor)) {
            TIMERS.with(|t| t.push(self.processor));
            let this = self.clone();
            let callback = Closure::once_into_js(move || {
                TIMERS.with(|t| t.retain(|&p| p != this.processor));
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = this.force_flush().await;
                });
            });
            set_timeout(&callback, self.delay);
        }
    }
}

fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &key.into(), value);
}

fn request(url: &str, body: &[u8], gzip: bool, keepalive: bool) -> js_sys::Promise {
    let headers = Object::new();
    set(&headers, "content-type", &"application/json".into());
    if gzip {
        set(&headers, "content-encoding", &"gzip".into());
    }
    let init = Object::new();
    set(&init, "method", &"POST".into());
    set(&init, "headers", &headers);
    set(&init, "body", &Uint8Array::from(body).into());
    set(&init, "keepalive", &keepalive.into());
    fetch(url, &init)
}

fn post_gzip_keepalive(url: &str, body: &[u8]) -> js_sys::Promise {
    request(url, body, true, true)
}

async fn post(url: &str, body: &[u8], keepalive: bool) -> Result<(), JsValue> {
    let response = JsFuture::from(request(url, body, false, keepalive)).await?;
    let status = Reflect::get(&response, &"status".into())?
        .as_f64()
        .unwrap_or(0.0);
    if (200.0..300.0).contains(&status) {
        Ok(())
    } else {
        Err(JsValue::from_str(&alloc::format!(
            "OTLP export to {url} failed: HTTP {status}"
        )))
    }
}

impl opentelemetry::trace::TracerProvider for WasmTracerProvider {
    type Tracer = WasmTracer;

    fn tracer_with_scope(&self, scope: InstrumentationScope) -> WasmTracer {
        let index = registry::with(|r| {
            r.add_scope(
                self.provider,
                scope.name().as_bytes(),
                scope.version().unwrap_or("").as_bytes(),
            )
        });
        WasmTracer {
            provider: self.clone(),
            scope: index,
        }
    }
}

#[derive(Clone, Debug)]
pub struct WasmTracer {
    provider: WasmTracerProvider,
    scope: u32,
}

fn now_ns() -> u64 {
    clock::epoch_ns(performance_now())
}

fn epoch_ns(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

impl opentelemetry::trace::Tracer for WasmTracer {
    type Span = WasmSpan;

    fn build_with_context(
        &self,
        builder: opentelemetry::trace::SpanBuilder,
        parent_cx: &Context,
    ) -> WasmSpan {
        let parent = parent_cx
            .has_active_span()
            .then(|| parent_cx.span().span_context().clone())
            .filter(SpanContext::is_valid);
        let trace_id = match &parent {
            Some(p) => CoreTraceId(p.trace_id().to_bytes()),
            None if self.provider.xray_ids => {
                CoreTraceId::xray((now_ns() / 1_000_000_000) as u32, random::bytes())
            }
            None => CoreTraceId::random(random::bytes()),
        };
        let decision = match &parent {
            None => Parent::None,
            Some(p) if p.is_remote() => Parent::Remote {
                sampled: p.is_sampled(),
            },
            Some(p) => Parent::Local {
                sampled: p.is_sampled(),
            },
        };
        let sampled = registry::with(|r| {
            r.provider(self.provider.provider)
                .is_some_and(|p| p.sampler.should_sample(&trace_id, decision, now_ns()))
        });
        let span_id = CoreSpanId::random(random::bytes());
        let flags = if sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        let trace_state = parent
            .as_ref()
            .map_or_else(TraceState::default, |p| p.trace_state().clone());
        let context = SpanContext::new(
            TraceId::from_bytes(trace_id.0),
            SpanId::from_bytes(span_id.0),
            flags,
            false,
            trace_state,
        );
        WasmSpan {
            tracer: self.clone(),
            context,
            parent: parent.map(|p| CoreSpanId(p.span_id().to_bytes())),
            name: builder.name,
            kind: builder.span_kind.unwrap_or(SpanKind::Internal),
            start_ns: builder.start_time.map_or_else(now_ns, epoch_ns),
            attributes: builder.attributes.unwrap_or_default(),
            events: builder
                .events
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.name, epoch_ns(e.timestamp), e.attributes))
                .collect(),
            links: builder.links.unwrap_or_default(),
            status: Status::Unset,
            recording: sampled,
        }
    }
}

/// A span of the Rust API; it records until it ends.
#[derive(Debug)]
pub struct WasmSpan {
    tracer: WasmTracer,
    context: SpanContext,
    parent: Option<CoreSpanId>,
    name: Cow<'static, str>,
    kind: SpanKind,
    start_ns: u64,
    attributes: Vec<KeyValue>,
    events: Vec<(Cow<'static, str>, u64, Vec<KeyValue>)>,
    links: Vec<Link>,
    status: Status,
    recording: bool,
}

/// Borrows an attribute value; doubles are written to `texts` first (the
/// core keeps doubles as text, as JavaScript gives them).
fn value<'a>(value: &'a Value, texts: &'a [String], next_text: &mut usize) -> core_span::Value<'a> {
    let mut double = |f: f64| {
        *next_text += 1;
        core_span::Value::Double {
            text: texts[*next_text - 1].as_bytes(),
            bits: f.to_bits(),
        }
    };
    match value {
        Value::Bool(b) => core_span::Value::Bool(*b),
        Value::I64(n) => core_span::Value::Int(*n),
        Value::F64(f) => double(*f),
        Value::String(s) => core_span::Value::Str(s.as_str().as_bytes()),
        Value::Array(Array::Bool(v)) => {
            core_span::Value::Array(v.iter().map(|b| core_span::Value::Bool(*b)).collect())
        }
        Value::Array(Array::I64(v)) => {
            core_span::Value::Array(v.iter().map(|n| core_span::Value::Int(*n)).collect())
        }
        Value::Array(Array::F64(v)) => {
            core_span::Value::Array(v.iter().map(|f| double(*f)).collect())
        }
        Value::Array(Array::String(v)) => core_span::Value::Array(
            v.iter()
                .map(|s| core_span::Value::Str(s.as_str().as_bytes()))
                .collect(),
        ),
        _ => core_span::Value::Str(b""),
    }
}

fn double_texts<'a>(values: impl Iterator<Item = &'a Value>, texts: &mut Vec<String>) {
    for v in values {
        match v {
            Value::F64(f) => texts.push(f.to_string()),
            Value::Array(Array::F64(fs)) => texts.extend(fs.iter().map(f64::to_string)),
            _ => {}
        }
    }
}

fn key_values<'a>(
    list: &'a [KeyValue],
    texts: &'a [String],
    next: &mut usize,
) -> Vec<core_span::KeyValue<'a>> {
    list.iter()
        .map(|kv| core_span::KeyValue {
            key: kv.key.as_str().as_bytes(),
            value: value(&kv.value, texts, next),
        })
        .collect()
}

impl opentelemetry::trace::Span for WasmSpan {
    fn add_event<T: Into<Cow<'static, str>>>(&mut self, name: T, attributes: Vec<KeyValue>) {
        self.add_event_with_timestamp(
            name,
            UNIX_EPOCH + Duration::from_nanos(now_ns()),
            attributes,
        );
    }

    fn add_event_with_timestamp<T: Into<Cow<'static, str>>>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        attributes: Vec<KeyValue>,
    ) {
        if self.recording {
            self.events
                .push((name.into(), epoch_ns(timestamp), attributes));
        }
    }

    fn span_context(&self) -> &SpanContext {
        &self.context
    }

    fn is_recording(&self) -> bool {
        self.recording
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        if self.recording {
            self.attributes.retain(|kv| kv.key != attribute.key);
            self.attributes.push(attribute);
        }
    }

    fn set_status(&mut self, status: Status) {
        // Ok is final; Unset never overrides.
        if self.recording && self.status != Status::Ok && status != Status::Unset {
            self.status = status;
        }
    }

    fn update_name<T: Into<Cow<'static, str>>>(&mut self, new_name: T) {
        if self.recording {
            self.name = new_name.into();
        }
    }

    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        if self.recording && span_context.is_valid() {
            self.links.push(Link::new(span_context, attributes, 0));
        }
    }

    fn end(&mut self) {
        self.end_with_timestamp(UNIX_EPOCH + Duration::from_nanos(now_ns()));
    }

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        if !self.recording {
            return;
        }
        self.recording = false;
        let mut texts = Vec::new();
        double_texts(self.attributes.iter().map(|kv| &kv.value), &mut texts);
        for (_, _, attributes) in &self.events {
            double_texts(attributes.iter().map(|kv| &kv.value), &mut texts);
        }
        for link in &self.links {
            double_texts(link.attributes.iter().map(|kv| &kv.value), &mut texts);
        }
        let mut next = 0;
        let attributes = key_values(&self.attributes, &texts, &mut next);
        let events = self
            .events
            .iter()
            .map(|(name, time_ns, attributes)| core_span::Event {
                name: name.as_bytes(),
                time_ns: *time_ns,
                attributes: key_values(attributes, &texts, &mut next),
            })
            .collect();
        let trace_states: Vec<String> = self
            .links
            .iter()
            .map(|l| l.span_context.trace_state().header())
            .collect();
        let links = self
            .links
            .iter()
            .zip(&trace_states)
            .map(|(link, state)| core_span::Link {
                trace_id: CoreTraceId(link.span_context.trace_id().to_bytes()),
                span_id: CoreSpanId(link.span_context.span_id().to_bytes()),
                trace_state: state.as_bytes(),
                attributes: key_values(&link.attributes, &texts, &mut next),
            })
            .collect();
        let trace_state = self.context.trace_state().header();
        let (code, message) = match &self.status {
            Status::Unset => (StatusCode::Unset, ""),
            Status::Ok => (StatusCode::Ok, ""),
            Status::Error { description } => (StatusCode::Error, description.as_ref()),
        };
        let span = SpanData {
            trace_id: CoreTraceId(self.context.trace_id().to_bytes()),
            span_id: CoreSpanId(self.context.span_id().to_bytes()),
            parent_span_id: self.parent,
            name: self.name.as_bytes(),
            kind: match self.kind {
                SpanKind::Server => CoreKind::Server,
                SpanKind::Client => CoreKind::Client,
                SpanKind::Producer => CoreKind::Producer,
                SpanKind::Consumer => CoreKind::Consumer,
                SpanKind::Internal => CoreKind::Internal,
            },
            start_ns: self.start_ns,
            end_ns: epoch_ns(timestamp),
            trace_state: trace_state.as_bytes(),
            attributes,
            events,
            links,
            status: core_span::Status {
                code,
                message: message.as_bytes(),
            },
            dropped: Dropped::default(),
        };
        self.tracer.provider.on_end(self.tracer.scope, &span);
    }
}

impl Drop for WasmSpan {
    /// A span dropped without `end` ends then, as the SDK's spans do.
    fn drop(&mut self) {
        if self.recording {
            opentelemetry::trace::Span::end(self);
        }
    }
}
