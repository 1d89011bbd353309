//! Host tests of the translation, case by case from the Collector's rules
//! (its translator tests: segment/subsegment, names, http, aws, sql, cause,
//! annotations and metadata, origin, trace ids).

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link, SpanKind};
use opentelemetry_proto::tonic::trace::v1::{status, Span, Status};
use serde_json::{json, Value as Json};

use super::translate::{fix_annotation_key, fix_segment_name, segment, Options};

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}
fn s(key: &str, v: &str) -> KeyValue {
    kv(key, Value::StringValue(v.into()))
}
fn i(key: &str, v: i64) -> KeyValue {
    kv(key, Value::IntValue(v))
}

const TRACE: [u8; 16] = [
    0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36,
];

fn span(kind: SpanKind, parent: bool, name: &str, attributes: Vec<KeyValue>) -> Span {
    Span {
        trace_id: TRACE.to_vec(),
        span_id: vec![0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7],
        parent_span_id: if parent {
            vec![0x53, 0x99, 0x5c, 0x3f, 0x42, 0xcd, 0x8a, 0xd8]
        } else {
            vec![]
        },
        name: name.into(),
        kind: kind as i32,
        start_time_unix_nano: 1_700_000_000_123_456_000,
        end_time_unix_nano: 1_700_000_001_000_000_000,
        attributes,
        ..Default::default()
    }
}

fn resource(attributes: Vec<KeyValue>) -> Resource {
    Resource {
        attributes,
        ..Default::default()
    }
}

fn doc(span: &Span, res: &Resource) -> Json {
    segment(span, Some(res), &Options::default()).unwrap()
}

fn web_resource() -> Resource {
    resource(vec![
        s("service.name", "task-web"),
        s("telemetry.sdk.name", "opentelemetry"),
        s("telemetry.sdk.language", "webjs"),
        s("telemetry.sdk.version", "2.0.0"),
    ])
}

#[test]
fn server_span_is_a_segment_named_by_service_name() {
    let d = doc(
        &span(SpanKind::Server, true, "GET /api", vec![]),
        &web_resource(),
    );
    assert_eq!(d["name"], "task-web");
    assert_eq!(d["id"], "00f067aa0ba902b7");
    assert_eq!(d["parent_id"], "53995c3f42cd8ad8");
    assert_eq!(d["trace_id"], "1-4bf92f35-77b34da6a3ce929d0e0e4736");
    assert!(
        d.get("type").is_none(),
        "SERVER spans are segments even with a parent"
    );
    assert_eq!(d["start_time"], json!(1_700_000_000.123456));
    assert_eq!(d["end_time"], json!(1_700_000_001.0));
    assert_eq!(
        (
            d["fault"].clone(),
            d["error"].clone(),
            d["throttle"].clone()
        ),
        (json!(false), json!(false), json!(false))
    );
}

#[test]
fn child_non_server_spans_are_subsegments_roots_are_segments() {
    let child = doc(
        &span(SpanKind::Internal, true, "render", vec![]),
        &web_resource(),
    );
    assert_eq!(child["type"], "subsegment");
    assert_eq!(
        child["name"], "render",
        "non-server spans are not named by service.name"
    );
    let root = doc(
        &span(SpanKind::Internal, false, "documentLoad", vec![]),
        &web_resource(),
    );
    assert!(root.get("type").is_none());
    assert!(root.get("parent_id").is_none());
    assert_eq!(root["name"], "documentLoad");
    let client_root = doc(
        &span(SpanKind::Client, false, "GET", vec![]),
        &web_resource(),
    );
    assert!(client_root.get("type").is_none());
}

#[test]
fn resource_attributes_only_on_segments() {
    let res = resource(vec![
        s("service.name", "svc"),
        s("deployment.environment", "prod"),
    ]);
    let seg = doc(&span(SpanKind::Server, false, "x", vec![]), &res);
    assert_eq!(
        seg["metadata"]["default"]["otel.resource.deployment.environment"],
        "prod"
    );
    let sub = doc(&span(SpanKind::Client, true, "x", vec![]), &res);
    assert!(sub.get("metadata").is_none(), "{sub}");
}

#[test]
fn aws_sdk_client_span() {
    let d = doc(
        &span(
            SpanKind::Client,
            true,
            "DynamoDB.GetItem",
            vec![
                s("rpc.system", "aws-api"),
                s("rpc.service", "DynamoDB"),
                s("rpc.method", "GetItem"),
                s("aws.region", "us-west-2"),
                s(
                    "aws.request_id",
                    "18BO1FEPJSSAOGNJEDPTPCMIU7VV4KQNSO5AEMVJF66Q9ASUAAJG",
                ),
                s("aws.table_name", "otel-dev-Testing"),
            ],
        ),
        &resource(vec![s("service.name", "svc")]),
    );
    assert_eq!(d["name"], "DynamoDB");
    assert_eq!(d["namespace"], "aws");
    assert_eq!(d["type"], "subsegment");
    assert_eq!(d["aws"]["operation"], "GetItem");
    assert_eq!(d["aws"]["region"], "us-west-2");
    assert_eq!(d["aws"]["table_name"], "otel-dev-Testing");
    assert_eq!(
        d["aws"]["request_id"],
        "18BO1FEPJSSAOGNJEDPTPCMIU7VV4KQNSO5AEMVJF66Q9ASUAAJG"
    );
    let default = &d["metadata"]["default"];
    assert!(
        default.get("aws.region").is_none(),
        "consumed keys stay out of metadata: {default}"
    );
    assert_eq!(default["rpc.service"], "DynamoDB");
}

#[test]
fn name_precedence() {
    let res = resource(vec![s("service.name", "svc")]);
    let name = |kind, attrs| doc(&span(kind, true, "op", attrs), &res)["name"].clone();
    // 1. aws.local.service (SERVER) / aws.remote.service (CLIENT), AWS.SDK. prefix stripped.
    assert_eq!(
        name(
            SpanKind::Server,
            vec![s("aws.local.service", "local"), s("peer.service", "p")]
        ),
        "local"
    );
    assert_eq!(
        name(
            SpanKind::Client,
            vec![
                s("aws.remote.service", "AWS.SDK.S3"),
                s("rpc.system", "aws-api")
            ]
        ),
        "S3"
    );
    assert_eq!(
        name(
            SpanKind::Client,
            vec![
                s("aws.remote.service", "AWS::SQS"),
                s("rpc.system", "aws-api")
            ]
        ),
        "SQS"
    );
    assert_eq!(
        name(
            SpanKind::Client,
            vec![s("aws.remote.service", "AWS.SDK.S3")]
        ),
        "AWS.SDK.S3"
    );
    // 2. peer.service beats the rest.
    assert_eq!(
        name(
            SpanKind::Client,
            vec![s("peer.service", "cats-table"), s("aws.service", "x")]
        ),
        "cats-table"
    );
    // 3. aws.service.
    assert_eq!(
        name(
            SpanKind::Client,
            vec![s("aws.service", "S3"), s("db.name", "d")]
        ),
        "S3"
    );
    // 4. db.name@host from the connection string.
    assert_eq!(
        name(
            SpanKind::Client,
            vec![
                s("db.name", "customers"),
                s(
                    "db.connection_string",
                    "jdbc:postgresql://db.dev.example.com:3306"
                ),
                s("rpc.service", "r")
            ]
        ),
        "customers@db.dev.example.com"
    );
    // 5. service.name, for SERVER spans only.
    assert_eq!(name(SpanKind::Server, vec![s("rpc.service", "r")]), "svc");
    // 6. rpc.service, 7. http.host, 8. net.peer.name, 9. the span name.
    assert_eq!(
        name(
            SpanKind::Client,
            vec![s("rpc.service", "r"), s("http.host", "h")]
        ),
        "r"
    );
    assert_eq!(
        name(
            SpanKind::Client,
            vec![s("http.host", "foo.com"), s("net.peer.name", "n")]
        ),
        "foo.com"
    );
    assert_eq!(
        name(SpanKind::Client, vec![s("net.peer.name", "bar.com")]),
        "bar.com"
    );
    assert_eq!(name(SpanKind::Client, vec![]), "op");
}

#[test]
fn segment_names_are_sanitized() {
    assert_eq!(
        fix_segment_name("<subDomain>.example.com"),
        "subDomain.example.com"
    );
    assert_eq!(fix_segment_name("<>"), "span");
    assert_eq!(
        fix_segment_name("a:b/c%d&e#f=g+h\\i-j@k l_m"),
        "a:b/c%d&e#f=g+h\\i-j@k l_m"
    );
    assert_eq!(fix_segment_name("Grüße!"), "Grüße");
    assert_eq!(fix_segment_name(&"x".repeat(300)).len(), 200);
}

#[test]
fn http_client_span_from_old_conventions() {
    let d = doc(
        &span(
            SpanKind::Client,
            true,
            "HTTP GET",
            vec![
                s("http.method", "GET"),
                s("http.url", "https://api.example.com/tasks?id=1"),
                i("http.status_code", 200),
                s("http.user_agent", "Mozilla/5.0"),
                s("http.host", "api.example.com"),
            ],
        ),
        &web_resource(),
    );
    assert_eq!(d["name"], "api.example.com");
    assert_eq!(d["namespace"], "remote");
    assert_eq!(d["http"]["request"]["method"], "GET");
    assert_eq!(
        d["http"]["request"]["url"],
        "https://api.example.com/tasks?id=1"
    );
    assert_eq!(d["http"]["request"]["user_agent"], "Mozilla/5.0");
    assert_eq!(d["http"]["response"]["status"], 200);
    assert_eq!(d["http"]["response"]["content_length"], 0);
    assert!(d["metadata"]["default"].get("http.method").is_none());
}

#[test]
fn http_server_url_is_built_from_stable_conventions() {
    let d = doc(
        &span(
            SpanKind::Server,
            false,
            "GET /tasks",
            vec![
                s("http.request.method", "POST"),
                s("url.scheme", "https"),
                s("server.address", "task.example.com"),
                i("server.port", 443),
                s("url.path", "/tasks"),
                s("url.query", "page=2"),
                i("http.response.status_code", 201),
                s("client.address", "203.0.113.7"),
                s("user_agent.original", "curl/8"),
            ],
        ),
        &resource(vec![s("service.name", "api")]),
    );
    let h = &d["http"];
    assert_eq!(h["request"]["method"], "POST");
    assert_eq!(h["request"]["url"], "https://task.example.com/tasks?page=2");
    assert_eq!(h["request"]["client_ip"], "203.0.113.7");
    assert!(h["request"].get("x_forwarded_for").is_none());
    assert_eq!(h["request"]["user_agent"], "curl/8");
    assert_eq!(h["response"]["status"], 201);

    let d = doc(
        &span(
            SpanKind::Server,
            false,
            "x",
            vec![
                s("http.method", "GET"),
                s("http.client_ip", "198.51.100.1"),
                s("net.peer.ip", "10.0.0.1"),
                s("http.host", "h.example.com"),
                i("net.host.port", 8080),
                s("http.target", "/a"),
            ],
        ),
        &resource(vec![]),
    );
    assert_eq!(d["http"]["request"]["client_ip"], "198.51.100.1");
    assert_eq!(d["http"]["request"]["x_forwarded_for"], true);
    assert_eq!(d["http"]["request"]["url"], "http://h.example.com:8080/a");
    assert!(doc(
        &span(SpanKind::Server, false, "x", vec![s("a", "b")]),
        &resource(vec![])
    )
    .get("http")
    .is_none());
}

#[test]
fn fault_error_throttle() {
    let res = resource(vec![]);
    let flags = |attrs: Vec<KeyValue>, code: status::StatusCode| {
        let mut sp = span(SpanKind::Server, false, "x", attrs);
        sp.status = Some(Status {
            code: code as i32,
            message: String::new(),
        });
        let d = doc(&sp, &res);
        (
            d["fault"].as_bool().unwrap(),
            d["error"].as_bool().unwrap(),
            d["throttle"].as_bool().unwrap(),
        )
    };
    use status::StatusCode::{Error, Ok, Unset};
    assert_eq!(
        flags(vec![i("http.status_code", 429)], Unset),
        (false, true, true)
    );
    assert_eq!(
        flags(vec![i("http.status_code", 404)], Error),
        (false, true, false)
    );
    assert_eq!(
        flags(vec![i("http.response.status_code", 503)], Ok),
        (true, false, false)
    );
    assert_eq!(
        flags(vec![s("http.status_code", "500")], Unset),
        (true, false, false)
    );
    assert_eq!(
        flags(vec![i("http.status_code", 200)], Error),
        (true, false, false)
    );
    assert_eq!(flags(vec![], Error), (true, false, false));
    assert_eq!(flags(vec![], Unset), (false, false, false));
}

#[test]
fn cause_from_exception_events() {
    let mut sp = span(
        SpanKind::Client,
        true,
        "fetch",
        vec![s("http.method", "GET")],
    );
    sp.events = vec![Event {
        name: "exception".into(),
        attributes: vec![
            s("exception.type", "TypeError"),
            s("exception.message", "Failed to fetch"),
            s(
                "exception.stacktrace",
                "TypeError: Failed to fetch\n    at load (https://app.example.com/app.js:12:7)",
            ),
        ],
        ..Default::default()
    }];
    sp.status = Some(Status {
        code: status::StatusCode::Error as i32,
        message: "ignored".into(),
    });
    let d = doc(&sp, &web_resource());
    let ex = &d["cause"]["exceptions"][0];
    assert_eq!(ex["type"], "TypeError");
    assert_eq!(ex["message"], "Failed to fetch");
    assert_eq!(ex["remote"], true, "CLIENT spans call out");
    assert_eq!(ex["id"].as_str().unwrap().len(), 16);
    assert!(ex["id"]
        .as_str()
        .unwrap()
        .chars()
        .all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        ex["stack"][0],
        json!({"label": "load", "path": "https://app.example.com/app.js", "line": 12})
    );
    assert_eq!(d["cause"]["exceptions"].as_array().unwrap().len(), 1);

    let mut failed = span(SpanKind::Server, false, "x", vec![]);
    failed.status = Some(Status {
        code: status::StatusCode::Error as i32,
        message: "db down".into(),
    });
    let d = doc(&failed, &resource(vec![]));
    assert_eq!(d["cause"]["exceptions"][0]["message"], "db down");
    assert!(doc(
        &span(SpanKind::Server, false, "x", vec![]),
        &resource(vec![])
    )
    .get("cause")
    .is_none());
}

#[test]
fn annotations_for_indexed_attributes_metadata_for_the_rest() {
    let sp = span(
        SpanKind::Server,
        false,
        "x",
        vec![
            s("user.tier", "gold"),
            i("cart.items", 3),
            kv(
                "flags",
                Value::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(Value::BoolValue(true)),
                    }],
                }),
            ),
            s("Key@1", "v"),
            s("enduser.id", "u-42"),
            kv(
                "aws.xray.annotations",
                Value::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(Value::StringValue("Key@1".into())),
                    }],
                }),
            ),
            s("aws.xray.metadata.checkout", r#"{"step": 2}"#),
        ],
    );
    let res = resource(vec![s("service.name", "shop")]);
    let options = Options {
        indexed_attributes: vec![
            "user.tier".into(),
            "flags".into(),
            "otel.resource.service.name".into(),
        ],
        ..Options::default()
    };
    let d = segment(&sp, Some(&res), &options).unwrap();
    assert_eq!(d["annotations"]["user.tier"], "gold");
    assert_eq!(
        d["annotations"]["Key_1"], "v",
        "named by aws.xray.annotations, key sanitized"
    );
    assert_eq!(d["annotations"]["otel.resource.service.name"], "shop");
    assert!(
        d["annotations"].get("flags").is_none(),
        "arrays cannot be annotations"
    );
    assert_eq!(d["metadata"]["default"]["flags"], json!([true]));
    assert_eq!(d["metadata"]["default"]["cart.items"], 3);
    assert_eq!(d["metadata"]["checkout"], json!({"step": 2}));
    assert_eq!(d["user"], "u-42");
    assert!(d["metadata"]["default"].get("enduser.id").is_none());
    assert!(d["metadata"]["default"]
        .get("aws.xray.annotations")
        .is_none());

    let all = Options {
        index_all_attributes: true,
        ..Options::default()
    };
    let d = segment(&sp, Some(&res), &all).unwrap();
    assert_eq!(d["annotations"]["cart.items"], 3);
    assert_eq!(d["annotations"]["otel.resource.service.name"], "shop");
    assert_eq!(d["metadata"]["default"]["flags"], json!([true]));
}

#[test]
fn annotation_keys_are_sanitized() {
    assert_eq!(fix_annotation_key("Key@1"), "Key_1");
    assert_eq!(
        fix_annotation_key("otel.resource.service.name"),
        "otel.resource.service.name"
    );
    assert_eq!(fix_annotation_key("a-b c/d"), "a_b_c_d");
}

#[test]
fn sql_for_sql_databases_only() {
    let d = doc(
        &span(
            SpanKind::Client,
            true,
            "SELECT customers",
            vec![
                s("db.system", "postgresql"),
                s("db.name", "customers"),
                s(
                    "db.connection_string",
                    "jdbc:postgresql://db.dev.example.com:3306",
                ),
                s("db.user", "readonly"),
                s("db.statement", "SELECT * FROM customers WHERE id = ?"),
            ],
        ),
        &resource(vec![]),
    );
    assert_eq!(d["name"], "customers@db.dev.example.com");
    assert_eq!(d["namespace"], "remote");
    assert_eq!(d["sql"]["database_type"], "postgresql");
    assert_eq!(d["sql"]["url"], "SELECT customers");
    assert_eq!(
        d["sql"]["connection_string"],
        "jdbc:postgresql://db.dev.example.com:3306/customers"
    );
    assert_eq!(d["sql"]["user"], "readonly");
    assert_eq!(
        d["sql"]["sanitized_query"],
        "SELECT * FROM customers WHERE id = ?"
    );
    let d = doc(
        &span(SpanKind::Client, true, "GET", vec![s("db.system", "redis")]),
        &resource(vec![]),
    );
    assert!(d.get("sql").is_none());
}

#[test]
fn origin_aws_block_and_service_version() {
    let res = resource(vec![
        s("service.name", "api"),
        s("service.version", "1.4.2"),
        s("cloud.provider", "aws"),
        s("cloud.platform", "aws_eks"),
        s("cloud.account.id", "123456789012"),
        s("k8s.cluster.name", "prod"),
        s("k8s.pod.name", "api-7d9"),
        s("container.id", "abc123"),
        s("telemetry.sdk.name", "opentelemetry"),
        s("telemetry.sdk.language", "java"),
        s("telemetry.sdk.version", "1.40.0"),
    ]);
    let d = doc(&span(SpanKind::Server, false, "x", vec![]), &res);
    assert_eq!(d["origin"], "AWS::EKS::Container");
    assert_eq!(d["aws"]["account_id"], "123456789012");
    assert_eq!(
        d["aws"]["eks"],
        json!({"cluster_name": "prod", "pod": "api-7d9", "container_id": "abc123"})
    );
    assert_eq!(d["aws"]["xray"]["sdk"], "opentelemetry for java");
    assert_eq!(d["aws"]["xray"]["sdk_version"], "1.40.0");
    assert_eq!(d["service"]["version"], "1.4.2");

    let ec2 = resource(vec![
        s("cloud.platform", "aws_ec2"),
        s("host.id", "i-0123"),
        s("host.type", "m5.large"),
    ]);
    let d = doc(&span(SpanKind::Server, false, "x", vec![]), &ec2);
    assert_eq!(d["origin"], "AWS::EC2::Instance");
    assert_eq!(d["aws"]["ec2"]["instance_id"], "i-0123");
    assert_eq!(d["aws"]["ec2"]["instance_size"], "m5.large");

    let fargate = resource(vec![
        s("cloud.platform", "aws_ecs"),
        s("aws.ecs.launchtype", "fargate"),
    ]);
    assert_eq!(
        doc(&span(SpanKind::Server, false, "x", vec![]), &fargate)["origin"],
        "AWS::ECS::Fargate"
    );
    let gcp = resource(vec![
        s("cloud.provider", "gcp"),
        s("cloud.platform", "aws_ec2"),
    ]);
    let d = doc(&span(SpanKind::Server, false, "x", vec![]), &gcp);
    assert!(d.get("origin").is_none() && d.get("aws").is_none(), "{d}");
    let sub = doc(&span(SpanKind::Client, true, "x", vec![]), &res);
    assert!(
        sub.get("origin").is_none(),
        "origin describes the service: segments only"
    );
}

#[test]
fn links_in_xray_form_and_bad_ids_refused() {
    let mut sp = span(SpanKind::Consumer, true, "process", vec![]);
    sp.links = vec![Link {
        trace_id: TRACE.to_vec(),
        span_id: vec![1; 8],
        attributes: vec![s("kind", "batch")],
        ..Default::default()
    }];
    let d = doc(&sp, &resource(vec![]));
    assert_eq!(
        d["links"],
        json!([{"trace_id": "1-4bf92f35-77b34da6a3ce929d0e0e4736", "id": "0101010101010101", "attributes": {"kind": "batch"}}])
    );
    assert!(
        d.get("namespace").is_none(),
        "CONSUMER without aws.remote.service has no namespace"
    );

    let mut bad = span(SpanKind::Server, false, "x", vec![]);
    bad.trace_id = vec![1; 8];
    assert!(segment(&bad, None, &Options::default())
        .unwrap_err()
        .contains("8 bytes"));
    let mut open = span(SpanKind::Server, false, "x", vec![]);
    open.end_time_unix_nano = 0;
    let d = segment(&open, None, &Options::default()).unwrap();
    assert_eq!(d["in_progress"], true);
    assert!(d.get("end_time").is_none());
}
