//! Samplers, as OpenTelemetry names them, plus X-Ray's default rule: a
//! reservoir of N traces a second, then a fixed rate.

use super::ids::TraceId;
use alloc::boxed::Box;

/// What is known of the parent when a span starts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Parent {
    None,
    Local { sampled: bool },
    Remote { sampled: bool },
}

#[derive(Debug)]
pub enum Sampler {
    AlwaysOn,
    AlwaysOff,
    TraceIdRatio(Ratio),
    ParentBased(Box<ParentBased>),
    RateLimited(RateLimited),
}

#[derive(Debug)]
pub struct ParentBased {
    pub root: Sampler,
    pub remote_parent_sampled: Sampler,
    pub remote_parent_not_sampled: Sampler,
    pub local_parent_sampled: Sampler,
    pub local_parent_not_sampled: Sampler,
}

impl ParentBased {
    /// OpenTelemetry's defaults around `root`: follow the parent's decision.
    pub fn new(root: Sampler) -> ParentBased {
        ParentBased {
            root,
            remote_parent_sampled: Sampler::AlwaysOn,
            remote_parent_not_sampled: Sampler::AlwaysOff,
            local_parent_sampled: Sampler::AlwaysOn,
            local_parent_not_sampled: Sampler::AlwaysOff,
        }
    }
}

/// Samples a fixed fraction of traces, decided by the trace id alone so that
/// every service sampling at the same ratio agrees. Uses the id's last 8
/// bytes, which are random in both W3C and X-Ray ids (an X-Ray id's first 4
/// bytes are a timestamp).
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    bound: u64,
}

impl Ratio {
    pub fn new(ratio: f64) -> Ratio {
        let ratio = if ratio.is_nan() {
            0.0
        } else {
            ratio.clamp(0.0, 1.0)
        };
        // Compare in 63 bits so that 1.0 maps onto a bound above every value.
        Ratio {
            bound: (ratio * (1u64 << 63) as f64) as u64,
        }
    }

    pub fn samples(&self, trace_id: &TraceId) -> bool {
        let [_, _, _, _, _, _, _, _, low @ ..] = trace_id.0;
        (u64::from_be_bytes(low) >> 1) < self.bound
    }
}

/// X-Ray's default sampling rule: the first `per_second` traces in each
/// second, then `fixed_rate` of the rest.
#[derive(Debug)]
pub struct RateLimited {
    per_second: u32,
    fixed_rate: Ratio,
    second: u64,
    taken: u32,
}

impl RateLimited {
    pub fn new(per_second: u32, fixed_rate: f64) -> RateLimited {
        RateLimited {
            per_second,
            fixed_rate: Ratio::new(fixed_rate),
            second: u64::MAX,
            taken: 0,
        }
    }

    fn samples(&mut self, trace_id: &TraceId, now_ns: u64) -> bool {
        let second = now_ns / 1_000_000_000;
        if second != self.second {
            self.second = second;
            self.taken = 0;
        }
        if self.taken < self.per_second {
            self.taken += 1;
            return true;
        }
        self.fixed_rate.samples(trace_id)
    }
}

impl Default for Sampler {
    /// OpenTelemetry's default: ParentBased(AlwaysOn).
    fn default() -> Self {
        Sampler::ParentBased(Box::new(ParentBased::new(Sampler::AlwaysOn)))
    }
}

impl Sampler {
    pub fn should_sample(&mut self, trace_id: &TraceId, parent: Parent, now_ns: u64) -> bool {
        match self {
            Sampler::AlwaysOn => true,
            Sampler::AlwaysOff => false,
            Sampler::TraceIdRatio(ratio) => ratio.samples(trace_id),
            Sampler::RateLimited(limiter) => limiter.samples(trace_id, now_ns),
            Sampler::ParentBased(pb) => {
                let delegate = match parent {
                    Parent::None => &mut pb.root,
                    Parent::Remote { sampled: true } => &mut pb.remote_parent_sampled,
                    Parent::Remote { sampled: false } => &mut pb.remote_parent_not_sampled,
                    Parent::Local { sampled: true } => &mut pb.local_parent_sampled,
                    Parent::Local { sampled: false } => &mut pb.local_parent_not_sampled,
                };
                delegate.should_sample(trace_id, parent, now_ns)
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn id(n: u64) -> TraceId {
        let mut bytes = [0u8; 16];
        bytes[0] = 0x67;
        bytes[8..].copy_from_slice(&n.to_be_bytes());
        TraceId(bytes)
    }

    /// A spread of ids: a multiplicative hash stands in for random bytes.
    fn ids() -> impl Iterator<Item = TraceId> {
        (1..=20_000u64).map(|i| id(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    }

    #[test]
    fn ratio_samples_about_its_fraction_and_agrees_with_itself() {
        for ratio in [0.0, 0.1, 0.5, 1.0] {
            let r = Ratio::new(ratio);
            let sampled = ids().filter(|t| r.samples(t)).count() as f64 / 20_000.0;
            assert!(
                (sampled - ratio).abs() < 0.02,
                "ratio {ratio} sampled {sampled}"
            );
        }
        assert!(Ratio::new(1.0).samples(&id(u64::MAX)));
        assert!(!Ratio::new(0.0).samples(&id(0)));
        // Deterministic per trace id.
        let r = Ratio::new(0.3);
        assert!(ids().all(|t| r.samples(&t) == r.samples(&t)));
    }

    /// The decisions the facade's sampler (js/samplers.js) is held to as well.
    #[test]
    fn ratio_gives_the_shared_vectors_decisions() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/ratio-sampling.json")).unwrap();
        for case in vectors["cases"].as_array().unwrap() {
            let (ratio, id, sampled) = (
                case[0].as_f64().unwrap(),
                case[1].as_str().unwrap(),
                case[2].as_bool().unwrap(),
            );
            let id = TraceId::from_hex(id).unwrap();
            assert_eq!(Ratio::new(ratio).samples(&id), sampled, "{case}");
        }
    }

    #[test]
    fn parent_based_follows_the_parent_and_uses_root_for_roots() {
        let mut s = Sampler::default();
        let t = id(5);
        assert!(s.should_sample(&t, Parent::None, 0));
        assert!(s.should_sample(&t, Parent::Remote { sampled: true }, 0));
        assert!(!s.should_sample(&t, Parent::Remote { sampled: false }, 0));
        assert!(s.should_sample(&t, Parent::Local { sampled: true }, 0));
        assert!(!s.should_sample(&t, Parent::Local { sampled: false }, 0));
        let mut off = Sampler::ParentBased(Box::new(ParentBased::new(Sampler::AlwaysOff)));
        assert!(!off.should_sample(&t, Parent::None, 0));
        assert!(off.should_sample(&t, Parent::Local { sampled: true }, 0));
    }

    #[test]
    fn rate_limited_takes_its_reservoir_each_second_then_the_fixed_rate() {
        let mut s = Sampler::RateLimited(RateLimited::new(2, 0.0));
        let second = 1_700_000_000_000_000_000u64;
        let taken: usize = (0..10)
            .filter(|_| s.should_sample(&id(7), Parent::None, second))
            .count();
        assert_eq!(taken, 2);
        assert!(s.should_sample(&id(7), Parent::None, second + 1_000_000_000));
        let mut s = Sampler::RateLimited(RateLimited::new(1, 0.05));
        let sampled = ids()
            .filter(|t| s.should_sample(t, Parent::None, second))
            .count();
        // One from the reservoir, then about 5% of the rest.
        assert!((900..=1100).contains(&sampled), "{sampled}");
    }
}
