//! Bad input, end to end: truncated and random protobuf, invalid JSON, wrong
//! types, ids of the wrong length, gzip bombs, bodies over the limit, wrong
//! methods and content types. Each gets the right status and a message that
//! says what was wrong; the collector keeps serving, and the good requests sent
//! alongside all land.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{all_spans, gzip, proto_spans, Collector, SPEC_JSON};
use prost::Message;
use wasmtrace_collector::rpc::RpcStatus;

const PROTO: &str = "application/x-protobuf";
const JSON: &str = "application/json";

/// The error message of a 4xx answer, in whichever encoding it came.
fn message(r: &common::Response) -> String {
    match r.header("content-type") {
        Some(JSON) => r.json()["message"].as_str().unwrap_or_default().to_owned(),
        Some(PROTO) => {
            RpcStatus::decode(&r.body[..])
                .expect("a google.rpc.Status")
                .message
        }
        _ => r.text(),
    }
}

fn expect(c: &Collector, headers: &[(&str, &str)], body: &[u8], status: u16, says: &str) {
    let r = c.request("POST", headers, body);
    assert_eq!(r.status, status, "{headers:?}: {}", r.text());
    let m = message(&r);
    assert!(m.contains(says), "{headers:?}: expected {says:?} in {m:?}");
}

/// A tiny deterministic generator for the random bodies.
fn random_bytes(seed: &mut u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed as u8
        })
        .collect()
}

#[test]
fn every_bad_request_is_answered_and_good_ones_still_land() {
    let c = Collector::start("max_request_body_size: 1048576");
    let proto = [("Content-Type", PROTO)];
    let json = [("Content-Type", JSON)];
    let mut good = 0;
    let mut send_good = |c: &Collector| {
        good += 1;
        let r = c.post(PROTO, &proto_spans(&[&format!("good{good}")]));
        assert_eq!(r.status, 200, "{}", r.text());
    };

    // Protobuf: truncated, length past the end, wrong wire type.
    let whole = proto_spans(&["cut"]);
    expect(
        &c,
        &proto,
        &whole[..whole.len() / 2],
        400,
        "not a protobuf ExportTraceServiceRequest",
    );
    expect(
        &c,
        &proto,
        &[0x0a, 0xff, 0xff, 0xff, 0x0f],
        400,
        "not a protobuf",
    );
    expect(&c, &proto, &[0x0b], 400, "not a protobuf");
    send_good(&c);

    // JSON: not JSON, not an object, wrong types, bad ids.
    expect(&c, &json, b"{\"resourceSpans\": [", 400, "not valid JSON");
    expect(&c, &json, b"[]", 400, "expected a JSON object");
    expect(
        &c,
        &json,
        br#"{"resourceSpans": "many"}"#,
        400,
        "ExportTraceServiceRequest",
    );
    let with = |field: &str, value: &str| {
        SPEC_JSON.replace(
            &format!("\"{field}\":\"s\""),
            &format!("\"{field}\":{value}"),
        )
    };
    expect(
        &c,
        &json,
        with("name", "5").as_bytes(),
        400,
        "ExportTraceServiceRequest",
    );
    expect(
        &c,
        &json,
        SPEC_JSON
            .replace("\"kind\":1", "\"kind\":\"sideways\"")
            .as_bytes(),
        400,
        "ExportTraceServiceRequest",
    );
    expect(
        &c,
        &json,
        SPEC_JSON
            .replace("5b8efff798038103d269b633813fc60c", "5b8efff798")
            .as_bytes(),
        400,
        "traceId: must be 16 bytes",
    );
    expect(
        &c,
        &json,
        SPEC_JSON
            .replace("eee19b7ec3c1b174", "W47/95gDgQPSabYzgT/GDA==")
            .as_bytes(),
        400,
        "not base64",
    );
    expect(
        &c,
        &json,
        SPEC_JSON
            .replace("eee19b7ec3c1b174", "zzzzzzzzzzzzzzzz")
            .as_bytes(),
        400,
        "hex",
    );
    send_good(&c);

    // Compression: unknown, broken, and a gzip bomb refused without inflating it all.
    expect(
        &c,
        &[("Content-Type", JSON), ("Content-Encoding", "br")],
        SPEC_JSON.as_bytes(),
        400,
        "unsupported Content-Encoding \"br\"",
    );
    expect(
        &c,
        &[("Content-Type", PROTO), ("Content-Encoding", "gzip")],
        b"\x1f\x8b\x08\x00garbage",
        400,
        "not valid gzip data",
    );
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        bomb.write_all(&zeros).unwrap();
    }
    let bomb = bomb.finish().unwrap();
    assert!(
        bomb.len() < 400_000,
        "256 MiB packed into {} bytes",
        bomb.len()
    );
    let started = Instant::now();
    expect(
        &c,
        &[("Content-Type", PROTO), ("Content-Encoding", "gzip")],
        &bomb,
        413,
        "max_request_body_size (1048576 bytes, counted after decompression)",
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the bomb was not inflated in full"
    );
    send_good(&c);

    // Size: a plain body over the limit.
    expect(
        &c,
        &proto,
        &vec![0u8; 2 << 20],
        413,
        "larger than max_request_body_size",
    );

    // Methods and content types.
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let r = c.request(method, &proto, b"");
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("POST"));
        assert!(r.text().contains("supported: [POST]"));
    }
    for content_type in ["text/plain", "application/protobuf", "multipart/form-data"] {
        let r = c.post(content_type, SPEC_JSON.as_bytes());
        assert_eq!(r.status, 415, "{content_type}");
        assert!(r.text().contains("application/x-protobuf"), "{}", r.text());
    }
    let r = c.request("POST", &[], SPEC_JSON.as_bytes());
    assert_eq!(r.status, 415, "no Content-Type");
    assert_eq!(
        common::request(c.port, "POST", "/v1/logs", &proto, b"").status,
        404
    );
    send_good(&c);

    // Random bodies: decoded or refused, never a crash; each answered.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..200 {
        let body = random_bytes(&mut seed, 1 + i * 7 % 600);
        let (ct, body) = if i % 3 == 0 {
            (JSON, body)
        } else {
            (PROTO, body)
        };
        let r = c.post(ct, &body);
        assert!(
            matches!(r.status, 200 | 400),
            "random body {i}: {} {}",
            r.status,
            r.text()
        );
        let r = c.post(PROTO, &gzip(&body));
        assert!(
            matches!(r.status, 200 | 400),
            "gzipped random body {i}: {}",
            r.status
        );
    }
    send_good(&c);

    // Every good request is in the file, and nothing else with a "good" name is missing.
    let lines = c.wait_spans(good);
    let names: Vec<String> = all_spans(&lines)
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .filter(|n| n.starts_with("good"))
        .collect();
    let want: Vec<String> = (1..=good).map(|i| format!("good{i}")).collect();
    assert_eq!(names, want);
}

#[test]
fn good_requests_are_not_lost_while_bad_ones_flood_in() {
    let c = std::sync::Arc::new(Collector::start(""));
    let flood = {
        let c = std::sync::Arc::clone(&c);
        std::thread::spawn(move || {
            let mut seed = 42u64;
            for _ in 0..300 {
                let body = random_bytes(&mut seed, 64);
                let r = c.post(
                    PROTO,
                    &[&[0x0a, 0xff, 0xff, 0xff, 0x0f][..], &body].concat(),
                );
                assert_eq!(r.status, 400);
            }
        })
    };
    for i in 0..100 {
        let r = c.post(PROTO, &proto_spans(&[&format!("ok{i}")]));
        assert_eq!(r.status, 200, "{}", r.text());
    }
    flood.join().unwrap();
    assert_eq!(all_spans(&c.wait_spans(100)).len(), 100);
}
