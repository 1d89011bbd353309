//! `retry_on_failure`: exponential backoff with jitter, honouring the backend's
//! own retry delay (`Retry-After`, gRPC `RetryInfo`) when it gives one.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tracing::info;

use super::backend::{Backend, SendError, SendOutcome};
use crate::config::{ComponentId, RetryConfig};
use crate::consumer::Traces;

/// Sends until success, a permanent error, or `max_elapsed_time`; the error
/// text says why it gave up.
pub async fn send_with_retry(
    id: &ComponentId,
    backend: &dyn Backend,
    traces: &Arc<Traces>,
    retry: &RetryConfig,
) -> Result<SendOutcome, String> {
    let started = Instant::now();
    let mut interval = retry.initial_interval();
    let mut attempt = 1u32;
    loop {
        let (message, retry_after) = match backend.send(traces).await {
            Ok(outcome) => return Ok(outcome),
            Err(SendError::Permanent(m)) => return Err(m),
            Err(SendError::Retryable {
                message,
                retry_after,
            }) => (message, retry_after),
        };
        if !retry.enabled {
            return Err(format!("{message} (retry_on_failure is disabled)"));
        }
        let wait = retry_after.unwrap_or_else(|| jitter(interval, retry.randomization_factor()));
        let max_elapsed = retry.max_elapsed_time();
        if max_elapsed > Duration::ZERO && started.elapsed() + wait > max_elapsed {
            return Err(format!(
                "{message} (gave up after {attempt} attempts in {:?}, max_elapsed_time {max_elapsed:?})",
                started.elapsed()
            ));
        }
        info!(exporter = %id, attempt, "send failed, retrying in {wait:?}: {message}");
        tokio::time::sleep(wait).await;
        attempt += 1;
        interval = interval
            .mul_f64(retry.multiplier())
            .min(retry.max_interval());
    }
}

/// `interval` ± `factor`, uniformly.
fn jitter(interval: Duration, factor: f64) -> Duration {
    let delta = interval.as_secs_f64() * factor;
    let low = interval.as_secs_f64() - delta;
    Duration::from_secs_f64((low + crate::random::unit() * 2.0 * delta).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct Flaky {
        fail: u32,
        calls: AtomicU32,
        permanent: bool,
    }

    impl Backend for Flaky {
        fn send<'a>(&'a self, _: &'a Arc<Traces>) -> super::super::backend::SendFuture<'a> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::Relaxed);
                if self.permanent {
                    return Err(SendError::Permanent("400 bad".into()));
                }
                if n < self.fail {
                    Err(SendError::Retryable {
                        message: "503".into(),
                        retry_after: None,
                    })
                } else {
                    Ok(SendOutcome::default())
                }
            })
        }
    }

    fn id() -> ComponentId {
        ComponentId::parse("otlp").unwrap()
    }

    fn quick(max_elapsed_ms: u64) -> RetryConfig {
        RetryConfig {
            initial_interval: Some(Duration::from_millis(5)),
            max_interval: Some(Duration::from_millis(20)),
            max_elapsed_time: Some(Duration::from_millis(max_elapsed_ms)),
            ..RetryConfig::default()
        }
    }

    #[tokio::test]
    async fn retries_then_succeeds_or_gives_up() {
        let b = Flaky {
            fail: 3,
            calls: AtomicU32::new(0),
            permanent: false,
        };
        send_with_retry(&id(), &b, &Arc::new(Traces::default()), &quick(5_000))
            .await
            .unwrap();
        assert_eq!(b.calls.load(Ordering::Relaxed), 4);

        let b = Flaky {
            fail: u32::MAX,
            calls: AtomicU32::new(0),
            permanent: false,
        };
        let e = send_with_retry(&id(), &b, &Arc::new(Traces::default()), &quick(100))
            .await
            .unwrap_err();
        assert!(e.contains("gave up after"), "{e}");
        assert!(b.calls.load(Ordering::Relaxed) > 2);

        let b = Flaky {
            fail: 0,
            calls: AtomicU32::new(0),
            permanent: true,
        };
        let e = send_with_retry(&id(), &b, &Arc::new(Traces::default()), &quick(5_000))
            .await
            .unwrap_err();
        assert_eq!(e, "400 bad");
        assert_eq!(b.calls.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..1000 {
            let d = jitter(Duration::from_secs(10), 0.5);
            assert!(
                d >= Duration::from_secs(5) && d <= Duration::from_secs(15),
                "{d:?}"
            );
        }
    }
}
