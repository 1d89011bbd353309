//! The `memory_limiter` processor: refuses data while the collector's memory is
//! above the soft limit (`limit_mib − spike_limit_mib`), so receivers answer
//! 503 / UNAVAILABLE and clients retry, instead of data being accepted and lost.
//!
//! Memory is sampled every `check_interval` by a background task (the hot path
//! only reads a flag). What is measured is described in `crate::memory`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use crate::config::MemoryLimiterConfig;
use crate::consumer::{ConsumeError, Refusal};
use crate::memory;

const MIB: u64 = 1024 * 1024;

#[derive(Debug)]
pub struct MemoryLimiter {
    soft_limit: u64,
    hard_limit: u64,
    interval: Duration,
    over: AtomicBool,
    used: AtomicU64,
}

impl MemoryLimiter {
    /// Takes a first sample now and starts the sampling task.
    pub fn start(config: &MemoryLimiterConfig) -> Arc<MemoryLimiter> {
        let (hard, spike) = if config.limit_mib > 0 {
            (config.limit_mib * MIB, config.spike_limit_mib * MIB)
        } else {
            let total = memory::total_bytes().unwrap_or(0);
            (
                total / 100 * config.limit_percentage,
                total / 100 * config.spike_limit_percentage,
            )
        };
        // The Collector's default spike allowance is a fifth of the limit.
        let spike = if spike == 0 { hard / 5 } else { spike };
        let limiter = Arc::new(MemoryLimiter {
            soft_limit: hard.saturating_sub(spike),
            hard_limit: hard,
            interval: config.check_interval,
            over: AtomicBool::new(false),
            used: AtomicU64::new(0),
        });
        limiter.sample();
        let weak = Arc::downgrade(&limiter);
        let interval = config.check_interval;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match weak.upgrade() {
                    Some(l) => l.sample(),
                    None => return,
                }
            }
        });
        limiter
    }

    fn sample(&self) {
        let used = memory::used_bytes();
        self.used.store(used, Ordering::Relaxed);
        let over = used > self.soft_limit;
        if over != self.over.swap(over, Ordering::Relaxed) {
            if over {
                warn!(
                    used_mib = used / MIB,
                    soft_limit_mib = self.soft_limit / MIB,
                    hard_limit_mib = self.hard_limit / MIB,
                    "memory above the soft limit: refusing data until it falls"
                );
            } else {
                info!(
                    used_mib = used / MIB,
                    "memory below the soft limit again: accepting data"
                );
            }
        }
    }

    fn retry_after(&self) -> Duration {
        self.interval.max(Duration::from_secs(1))
    }

    /// Refuses while over the soft limit.
    pub fn check(&self) -> Result<(), ConsumeError> {
        if !self.over.load(Ordering::Relaxed) {
            return Ok(());
        }
        Err(ConsumeError::refused(
            Refusal::MemoryLimit,
            format!(
                "the collector is using {} MiB, above its memory_limiter soft limit of {} MiB; retry later",
                self.used.load(Ordering::Relaxed) / MIB,
                self.soft_limit / MIB
            ),
            self.retry_after(),
        ))
    }

    /// Waits until under the soft limit (for data already accepted by a batch).
    pub async fn wait_below(&self) {
        while self.over.load(Ordering::Relaxed) {
            tokio::time::sleep(self.interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_over_the_soft_limit() {
        // The test process surely uses more than 1 MiB minus the spike allowance.
        let limiter = MemoryLimiter::start(&MemoryLimiterConfig {
            check_interval: Duration::from_millis(10),
            limit_mib: 1,
            spike_limit_mib: 0,
            limit_percentage: 0,
            spike_limit_percentage: 0,
        });
        match limiter.check() {
            Err(ConsumeError::Refused {
                kind,
                reason,
                retry_after,
            }) => {
                assert_eq!(kind, Refusal::MemoryLimit);
                assert!(reason.contains("memory_limiter soft limit"), "{reason}");
                assert_eq!(retry_after, Duration::from_secs(1));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let roomy = MemoryLimiter::start(&MemoryLimiterConfig {
            check_interval: Duration::from_millis(10),
            limit_mib: 1 << 20,
            spike_limit_mib: 0,
            limit_percentage: 0,
            spike_limit_percentage: 0,
        });
        assert!(roomy.check().is_ok());
        let hard = (1 << 20) * MIB;
        assert_eq!(roomy.soft_limit, hard - hard / 5);
    }
}
