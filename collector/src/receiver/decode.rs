//! Request bodies to OTLP requests: undoing `Content-Encoding` within a size
//! limit, and decoding protobuf or JSON. Pure functions, shared by the HTTP
//! receiver and the fuzz targets.

use std::io::Read;

pub use axum::body::Bytes;
use prost::Message;

use crate::consumer::Traces;

pub use super::json::decode_json;

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the request body is larger than max_request_body_size ({limit} bytes, counted after decompression)")]
    TooLarge { limit: usize },
    #[error("{0}")]
    Invalid(String),
}

/// Undoes `Content-Encoding` (gzip, deflate or none), stopping as soon as the
/// output passes `limit`, so a small gzip bomb is refused without being inflated.
pub fn decompress(content_encoding: &str, raw: Bytes, limit: usize) -> Result<Bytes, DecodeError> {
    let name = content_encoding.trim().to_ascii_lowercase();
    let reader: Box<dyn Read + '_> = match name.as_str() {
        "" | "identity" => {
            if raw.len() > limit {
                return Err(DecodeError::TooLarge { limit });
            }
            return Ok(raw);
        }
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(&raw[..])),
        // HTTP's "deflate" is the zlib format.
        "deflate" => Box::new(flate2::read::ZlibDecoder::new(&raw[..])),
        other => {
            return Err(DecodeError::Invalid(format!(
                "unsupported Content-Encoding \"{other}\"; use gzip, deflate or none"
            )))
        }
    };
    let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(limit));
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Invalid(format!("the body is not valid {name} data: {e}")))?;
    if out.len() > limit {
        return Err(DecodeError::TooLarge { limit });
    }
    Ok(out.into())
}

/// Decodes a binary protobuf `ExportTraceServiceRequest`.
pub fn decode_protobuf(data: &[u8]) -> Result<Traces, DecodeError> {
    Traces::decode(data).map_err(|e| {
        DecodeError::Invalid(format!(
            "the body is not a protobuf ExportTraceServiceRequest: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The fuzz targets' property, on a bounded set of random inputs so it
    /// runs in every `cargo test`: each decoder returns, never panics.
    #[test]
    fn random_input_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let valid = crate::processor::split::span_count(&Traces::default());
        assert_eq!(valid, 0);
        for round in 0..3000 {
            let len = (next() % 512) as usize;
            let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if round % 4 == 0 && !data.is_empty() {
                // Start like a real request so decoding goes deeper.
                data[0] = 0x0a;
            }
            if let Ok(mut t) = decode_protobuf(&data) {
                let _ = super::super::drop_invalid_spans(&mut t);
            }
            let _ = decode_json(&data);
            let _ = decompress("gzip", Bytes::from(data.clone()), 1 << 16);
            let _ = decompress("deflate", Bytes::from(data), 1 << 16);
        }
    }

    fn gzip(data: &[u8]) -> Bytes {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(data).unwrap();
        Bytes::from(gz.finish().unwrap())
    }

    #[test]
    fn decompression_is_bounded() {
        let packed = gzip(&[b'a'; 10_000]);
        assert_eq!(
            decompress("gzip", packed.clone(), 10_000).unwrap().len(),
            10_000
        );
        assert_eq!(
            decompress("gzip", packed, 9_999).unwrap_err(),
            DecodeError::TooLarge { limit: 9_999 }
        );
        let e = decompress("br", Bytes::from_static(b"x"), 10).unwrap_err();
        assert!(e.to_string().contains("\"br\""), "{e}");
        assert!(matches!(
            decompress("gzip", Bytes::from_static(b"nope"), 10),
            Err(DecodeError::Invalid(_))
        ));
        assert_eq!(
            decompress("", Bytes::from_static(b"12345"), 4).unwrap_err(),
            DecodeError::TooLarge { limit: 4 }
        );
    }

    #[test]
    fn a_gzip_bomb_is_stopped_at_the_limit() {
        // 64 MiB of zeros packs into ~64 KiB; only limit+1 bytes are ever inflated.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            gz.write_all(&zeros).unwrap();
        }
        let bomb = Bytes::from(gz.finish().unwrap());
        assert!(bomb.len() < 200_000);
        let started = std::time::Instant::now();
        assert_eq!(
            decompress("gzip", bomb, 1 << 20).unwrap_err(),
            DecodeError::TooLarge { limit: 1 << 20 }
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn deflate_is_zlib() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"hello").unwrap();
        let out = decompress("deflate", Bytes::from(z.finish().unwrap()), 100).unwrap();
        assert_eq!(&out[..], b"hello");
    }

    #[test]
    fn protobuf_errors_say_what_is_wrong() {
        let e = decode_protobuf(&[0x0a, 0xff, 0x01]).unwrap_err();
        assert!(
            e.to_string()
                .contains("not a protobuf ExportTraceServiceRequest"),
            "{e}"
        );
    }
}
