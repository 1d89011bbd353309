//! The AWS SDK client for X-Ray: credentials from the standard chain (env,
//! profile, web identity on EKS, container and instance roles), optionally
//! assuming `role_arn`; `region` and `endpoint` from the config; HTTPS through
//! rustls with ring.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_xray::Client;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

use crate::config::AwsXrayExporterConfig;

/// The Collector's defaults for this exporter.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_RETRIES: u32 = 2;

/// The HTTPS client every AWS call uses (also STS and web identity).
pub fn http_client() -> aws_sdk_xray::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

pub async fn build(config: &AwsXrayExporterConfig) -> Result<Client, String> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http_client());
    if let Some(region) = config.region.as_deref().filter(|r| !r.is_empty()) {
        loader = loader.region(Region::new(region.to_owned()));
    }
    let shared = loader.load().await;
    if shared.region().is_none() {
        return Err(
            "no AWS region: set `region` in the exporter, or AWS_REGION in the environment".into(),
        );
    }
    let mut builder = aws_sdk_xray::config::Builder::from(&shared);
    if let Some(role) = config.role_arn.as_deref().filter(|r| !r.is_empty()) {
        let mut assume = aws_config::sts::AssumeRoleProvider::builder(role)
            .session_name("wasmtrace-collector")
            .configure(&shared);
        if let Some(id) = &config.external_id {
            assume = assume.external_id(id.clone());
        }
        builder = builder.credentials_provider(assume.build().await);
    }
    if let Some(endpoint) = config.endpoint.as_deref().filter(|e| !e.is_empty()) {
        builder = builder.endpoint_url(endpoint);
    }
    let timeout = config
        .request_timeout_seconds
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
    builder = builder
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(config.max_retries.unwrap_or(DEFAULT_MAX_RETRIES) + 1),
        )
        .timeout_config(TimeoutConfig::builder().operation_timeout(timeout).build());
    Ok(Client::from_conf(builder.build()))
}
