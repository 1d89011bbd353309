//! Settings of the `batch` and `memory_limiter` processors, with the Collector's
//! keys and defaults.

use std::time::Duration;

use serde::Deserialize;

use super::values;

/// The Collector's batch defaults.
pub const DEFAULT_SEND_BATCH_SIZE: usize = 8192;
pub const DEFAULT_BATCH_TIMEOUT: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchProcessorConfig {
    #[serde(default, deserialize_with = "values::timeout")]
    pub timeout: Option<Duration>,
    pub send_batch_size: Option<usize>,
    /// 0 or absent: no upper bound, as in the Collector.
    pub send_batch_max_size: Option<usize>,
}

impl BatchProcessorConfig {
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_BATCH_TIMEOUT)
    }

    /// 0 means "send on timeout only" in the Collector; we keep that.
    pub fn send_batch_size(&self) -> usize {
        self.send_batch_size.unwrap_or(DEFAULT_SEND_BATCH_SIZE)
    }

    pub fn send_batch_max_size(&self) -> Option<usize> {
        self.send_batch_max_size.filter(|n| *n > 0)
    }

    pub(super) fn check(&self) -> Result<(), (&'static str, String)> {
        if let Some(max) = self.send_batch_max_size() {
            if max < self.send_batch_size() {
                return Err((
                    "send_batch_max_size",
                    format!(
                        "{max} is less than send_batch_size ({}); it must be 0 (no limit) or at least send_batch_size",
                        self.send_batch_size()
                    ),
                ));
            }
        }
        if self.timeout() == Duration::ZERO && self.send_batch_size() == 0 {
            return Err((
                "timeout",
                "timeout 0 with send_batch_size 0 would never send; set one of them".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryLimiterConfig {
    #[serde(deserialize_with = "values::check_interval")]
    pub check_interval: Duration,
    #[serde(default)]
    pub limit_mib: u64,
    #[serde(default)]
    pub spike_limit_mib: u64,
    #[serde(default)]
    pub limit_percentage: u64,
    #[serde(default)]
    pub spike_limit_percentage: u64,
}

impl MemoryLimiterConfig {
    pub(super) fn check(&self) -> Result<(), (&'static str, String)> {
        if self.check_interval == Duration::ZERO {
            return Err(("check_interval", "must be greater than 0".into()));
        }
        match (self.limit_mib, self.limit_percentage) {
            (0, 0) => {
                return Err((
                    "limit_mib",
                    "set limit_mib (or limit_percentage): the memory the collector may use".into(),
                ))
            }
            (m, p) if m > 0 && p > 0 => {
                return Err((
                    "limit_percentage",
                    "set limit_mib or limit_percentage, not both".into(),
                ))
            }
            _ => {}
        }
        if self.limit_mib > 0 && self.spike_limit_mib >= self.limit_mib {
            return Err((
                "spike_limit_mib",
                format!(
                    "{} must be less than limit_mib ({})",
                    self.spike_limit_mib, self.limit_mib
                ),
            ));
        }
        if self.limit_percentage > 100 {
            return Err(("limit_percentage", "must be at most 100".into()));
        }
        if self.limit_percentage > 0 && self.spike_limit_percentage >= self.limit_percentage {
            return Err((
                "spike_limit_percentage",
                "must be less than limit_percentage".into(),
            ));
        }
        Ok(())
    }
}
