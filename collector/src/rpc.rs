//! `google.rpc.Status` and `google.rpc.RetryInfo`, the error details OTLP uses:
//! the body of OTLP/HTTP error responses, and the retry delay carried by gRPC
//! statuses (`grpc-status-details-bin`) in both directions.

use std::time::Duration;

use prost::Message;
use serde::{Deserialize, Serialize};

pub const RETRY_INFO_TYPE: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// `google.rpc.Status`. Over HTTP we send `code` and `message` only (the delay
/// goes in `Retry-After`); over gRPC `details` may carry a `RetryInfo`.
#[derive(Clone, PartialEq, Message, Serialize, Deserialize)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    #[serde(default)]
    pub code: i32,
    #[prost(string, tag = "2")]
    #[serde(default)]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    #[serde(skip)]
    pub details: Vec<ProtoAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoAny {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, Message)]
pub struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// gRPC status codes used here.
pub mod code {
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const PERMISSION_DENIED: i32 = 7;
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    pub const INTERNAL: i32 = 13;
    pub const UNAVAILABLE: i32 = 14;
    pub const UNAUTHENTICATED: i32 = 16;
}

/// The encoded `google.rpc.Status` for `grpc-status-details-bin`, with a RetryInfo.
pub fn status_with_retry(code: i32, message: &str, delay: Duration) -> Vec<u8> {
    let info = RetryInfo {
        retry_delay: Some(ProtoDuration {
            seconds: delay.as_secs() as i64,
            nanos: delay.subsec_nanos() as i32,
        }),
    };
    RpcStatus {
        code,
        message: message.to_owned(),
        details: vec![ProtoAny {
            type_url: RETRY_INFO_TYPE.into(),
            value: info.encode_to_vec(),
        }],
    }
    .encode_to_vec()
}

/// The RetryInfo delay in encoded status details, if there is one.
pub fn retry_delay(details: &[u8]) -> Option<Duration> {
    let status = RpcStatus::decode(details).ok()?;
    let any = status
        .details
        .iter()
        .find(|a| a.type_url.ends_with("google.rpc.RetryInfo"))?;
    let d = RetryInfo::decode(&any.value[..]).ok()?.retry_delay?;
    if d.seconds < 0 || d.nanos < 0 {
        return None;
    }
    Some(Duration::new(d.seconds as u64, d.nanos as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_info_round_trips() {
        let bytes = status_with_retry(code::UNAVAILABLE, "busy", Duration::from_millis(1500));
        assert_eq!(retry_delay(&bytes), Some(Duration::from_millis(1500)));
        let plain = RpcStatus {
            code: 3,
            message: "x".into(),
            details: vec![],
        };
        assert_eq!(retry_delay(&plain.encode_to_vec()), None);
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"code":3,"message":"x"}"#
        );
    }
}
