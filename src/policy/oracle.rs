//! The oracle: an offline bound that knows the future.
//!
//! When an environment turns idle, the oracle knows when its function's next request arrives.
//! Keeping the environment until then costs `gap × memory` of idle memory and saves one cold
//! start; the oracle keeps it exactly when that cost is at most `max_gb_s`, and evicts it at
//! once otherwise. For one environment per function this is the best any policy can do that
//! decides gap by gap: at a given idle-memory budget no policy has fewer cold starts (it
//! spends memory only on the gaps that end in a reuse, cheapest first). Sweeping `max_gb_s`
//! traces that frontier, so every other policy's curve can be read as a distance from it.
//!
//! With many concurrent environments of one function the next arrival may be served by
//! another idle environment; an environment still idle when "its" arrival has passed is then
//! judged again against the following gap (`reconsider_on_expiry`), so it stays while the
//! function's upcoming gaps are cheap. The bound is exact for one environment per function
//! and approximate beyond.

use crate::policy::{FunctionInfo, IdleDecision, Policy};
use crate::time::SimTime;

/// The oracle policy; see the module docs.
#[derive(Clone, Debug)]
pub struct Oracle {
    max_gb_s: f64,
    memory_gb: Vec<f64>,
}

impl Oracle {
    /// Keeps idle gaps whose idle memory is at most `max_gb_s` GB-seconds.
    pub fn new(max_gb_s: f64) -> Self {
        Oracle {
            max_gb_s,
            memory_gb: Vec::new(),
        }
    }
}

impl Policy for Oracle {
    fn start(&mut self, functions: &[FunctionInfo]) {
        self.memory_gb = functions
            .iter()
            .map(|f| f.memory_mb as f64 / 1024.0)
            .collect();
    }

    fn on_idle(&mut self, _func: u32, _env: u32, _now: SimTime) -> IdleDecision {
        IdleDecision::EvictNow
    }

    fn reconsider_on_expiry(&self) -> bool {
        true
    }

    fn on_idle_knowing(
        &mut self,
        func: u32,
        _env: u32,
        now: SimTime,
        next: Option<SimTime>,
    ) -> IdleDecision {
        let Some(next) = next else {
            return IdleDecision::EvictNow; // no request will come
        };
        let gap_s = next.saturating_sub(now) as f64 / 1e9;
        let mem = self.memory_gb.get(func as usize).copied().unwrap_or(0.0);
        if gap_s * mem <= self.max_gb_s {
            // Expiring at the arrival's own instant is enough: that arrival was scheduled
            // first, so it runs first and finds the environment still idle.
            IdleDecision::ExpireAt(next)
        } else {
            IdleDecision::EvictNow
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_cheap_gaps() {
        let mut o = Oracle::new(10.0);
        o.start(&[FunctionInfo {
            name: "f".into(),
            memory_mb: 2048,
            mean_cold_start_s: 0.3,
        }]);
        let s = 1_000_000_000;
        // 2 GB × 5 s = 10 GB-s: kept until the arrival; 2 GB × 6 s = 12: evicted.
        assert_eq!(
            o.on_idle_knowing(0, 0, s, Some(6 * s)),
            IdleDecision::ExpireAt(6 * s)
        );
        assert_eq!(
            o.on_idle_knowing(0, 0, s, Some(7 * s)),
            IdleDecision::EvictNow
        );
        assert_eq!(o.on_idle_knowing(0, 0, s, None), IdleDecision::EvictNow);
    }
}
