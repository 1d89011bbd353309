//! The AWS-specific parts of a segment: the `aws` block (resource: EC2, ECS,
//! Beanstalk, EKS, the SDK, log groups; span: operation, region, request id,
//! queue and table), `origin`, `service.version`, and the `sql` block.

use serde_json::{json, Map, Value as Json};

use super::attrs::Attrs;

/// The `aws` block, or `None` when the resource runs on another cloud.
pub fn aws(span: &Attrs, resource: &Attrs, log_groups: &[String]) -> Option<Json> {
    let provider = resource.str("cloud.provider");
    if provider.as_deref().is_some_and(|p| p != "aws") {
        return None;
    }
    let platform = resource.str("cloud.platform").unwrap_or_default();
    let mut aws = Map::new();
    let put = |map: &mut Map<String, Json>, key: &str, value: Option<String>| {
        if let Some(v) = value {
            map.insert(key.into(), Json::from(v));
        }
    };
    put(&mut aws, "account_id", resource.str("cloud.account.id"));

    if platform == "aws_ec2" || resource.get("host.id").is_some() {
        let mut ec2 = Map::new();
        put(&mut ec2, "instance_id", resource.str("host.id"));
        put(
            &mut ec2,
            "availability_zone",
            resource.str("cloud.availability_zone"),
        );
        put(&mut ec2, "instance_size", resource.str("host.type"));
        put(&mut ec2, "ami_id", resource.str("host.image.id"));
        if !ec2.is_empty() {
            aws.insert("ec2".into(), Json::Object(ec2));
        }
    }
    if platform == "aws_ecs" {
        let mut ecs = Map::new();
        put(&mut ecs, "container", resource.str("container.name"));
        put(&mut ecs, "container_id", resource.str("container.id"));
        put(
            &mut ecs,
            "availability_zone",
            resource.str("cloud.availability_zone"),
        );
        put(&mut ecs, "task_arn", resource.str("aws.ecs.task.arn"));
        put(&mut ecs, "cluster_arn", resource.str("aws.ecs.cluster.arn"));
        put(&mut ecs, "launch_type", resource.str("aws.ecs.launchtype"));
        aws.insert("ecs".into(), Json::Object(ecs));
    }
    if platform == "aws_elastic_beanstalk" {
        let mut eb = Map::new();
        put(
            &mut eb,
            "environment_name",
            resource.str("service.namespace"),
        );
        put(&mut eb, "version_label", resource.str("service.version"));
        if let Some(id) = resource.int("service.instance.id") {
            eb.insert("deployment_id".into(), Json::from(id));
        }
        aws.insert("elastic_beanstalk".into(), Json::Object(eb));
    }
    if platform == "aws_eks" || resource.get("k8s.cluster.name").is_some() {
        let mut eks = Map::new();
        put(&mut eks, "cluster_name", resource.str("k8s.cluster.name"));
        put(&mut eks, "pod", resource.str("k8s.pod.name"));
        put(&mut eks, "container_id", resource.str("container.id"));
        aws.insert("eks".into(), Json::Object(eks));
    }
    if let Some(name) = resource.str("telemetry.sdk.name") {
        let language = resource.str("telemetry.sdk.language").unwrap_or_default();
        let mut xray = Map::new();
        xray.insert("sdk".into(), Json::from(format!("{name} for {language}")));
        put(
            &mut xray,
            "sdk_version",
            resource.str("telemetry.sdk.version"),
        );
        xray.insert(
            "auto_instrumentation".into(),
            Json::from(resource.get("telemetry.auto.version").is_some()),
        );
        aws.insert("xray".into(), Json::Object(xray));
    }
    let groups: Vec<Json> = resource
        .str("aws.log.group.names")
        .map(|g| vec![g])
        .unwrap_or_else(|| log_groups.to_vec())
        .into_iter()
        .map(|g| json!({ "log_group": g }))
        .collect();
    if !groups.is_empty() {
        aws.insert("cloudwatch_logs".into(), Json::Array(groups));
    }

    put(
        &mut aws,
        "operation",
        span.take_first(&["aws.operation", "rpc.method"]),
    );
    if let Some(id) = span.take_first(&["aws.account_id"]) {
        aws.insert("account_id".into(), Json::from(id));
    }
    put(&mut aws, "region", span.take_first(&["aws.region"]));
    put(
        &mut aws,
        "request_id",
        span.take_first(&["aws.request_id", "aws.requestId"]),
    );
    put(
        &mut aws,
        "queue_url",
        span.take_first(&["aws.queue_url", "aws.queue.url", "messaging.url"]),
    );
    put(
        &mut aws,
        "table_name",
        span.take_first(&[
            "aws.table_name",
            "aws.table.name",
            "aws.dynamodb.table_names",
        ]),
    );
    (!aws.is_empty()).then_some(Json::Object(aws))
}

/// The AWS resource type the service runs on.
pub fn origin(resource: &Attrs) -> Option<&'static str> {
    if resource.str("cloud.provider").is_some_and(|p| p != "aws") {
        return None;
    }
    Some(match resource.str("cloud.platform")?.as_str() {
        "aws_app_runner" => "AWS::AppRunner::Service",
        "aws_eks" => "AWS::EKS::Container",
        "aws_elastic_beanstalk" => "AWS::ElasticBeanstalk::Environment",
        "aws_ecs" => match resource.str("aws.ecs.launchtype").as_deref() {
            Some("ec2") => "AWS::ECS::EC2",
            Some("fargate") => "AWS::ECS::Fargate",
            _ => "AWS::ECS::Container",
        },
        "aws_ec2" => "AWS::EC2::Instance",
        _ => return None,
    })
}

pub fn service(resource: &Attrs) -> Option<Json> {
    let version = resource
        .str("service.version")
        .or_else(|| resource.str("container.image.tag"))?;
    Some(json!({ "version": version }))
}

const SQL_SYSTEMS: &[&str] = &[
    "db2",
    "derby",
    "hive",
    "mariadb",
    "mssql",
    "mysql",
    "oracle",
    "postgresql",
    "sqlite",
    "teradata",
    "other_sql",
];

/// The `sql` block for SQL databases.
pub fn sql(span_name: &str, attrs: &Attrs) -> Option<Json> {
    let system = attrs.str("db.system")?;
    if !SQL_SYSTEMS.contains(&system.as_str()) {
        return None;
    }
    attrs.mark("db.system");
    let connection = attrs
        .take_first(&["db.connection_string"])
        .unwrap_or_else(|| "localhost".into());
    let database = attrs.take_first(&["db.name"]).unwrap_or_default();
    let mut sql = Map::new();
    sql.insert("url".into(), Json::from(span_name));
    sql.insert(
        "connection_string".into(),
        Json::from(format!("{connection}/{database}")),
    );
    sql.insert("database_type".into(), Json::from(system));
    if let Some(user) = attrs.take_first(&["db.user"]) {
        sql.insert("user".into(), Json::from(user));
    }
    if let Some(query) = attrs.take_first(&["db.statement", "db.query.text"]) {
        sql.insert("sanitized_query".into(), Json::from(query));
    }
    Some(Json::Object(sql))
}
