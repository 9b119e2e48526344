//! The oracle: an offline bound that knows the future.
//!
//! When an environment turns idle, the oracle knows when that environment is next used.
//! Keeping it until then costs `gap × memory` of idle memory and saves one cold start; the
//! oracle keeps it exactly when that cost is at most `max_gb_s`, and evicts it at once
//! otherwise. No policy that decides gap by gap does better: at a given idle-memory budget it
//! spends memory only on the gaps that end in a reuse, cheapest first. Sweeping `max_gb_s`
//! traces that frontier, so every other policy's curve can be read as a distance from it.
//!
//! It asks the simulation for each environment's own next use ([`Policy::foresight`]: a
//! window of `max_gb_s ÷ memory`, the longest gap worth keeping), not merely the function's
//! next arrival: with many concurrent environments of one function, an idle environment deep
//! in the routing order is next used only when the function's concurrency climbs back to it,
//! which may be hours after the next arrival. Under MRU routing that time is exact for the
//! environments it keeps (see [`Policy::on_idle_foreseeing`]), and then the oracle at
//! `ttl × memory` serves exactly the requests a fixed `ttl` serves warm, holding only the idle
//! time that ends in a reuse. An environment still idle when its foreseen use has passed (a
//! case the foresight does not cover, such as a call from another function taking it) is
//! judged again (`reconsider_on_expiry`).
//!
//! It bounds keep-alive decisions, not pre-warming: a policy that unloads an environment and
//! loads a new one just before the next request holds no idle memory through the gap, and on
//! a regular enough function it can beat the oracle (see docs/policies.md).

use crate::core::ids::{EnvId, FuncId};
use crate::core::policy::{FunctionInfo, IdleDecision, Policy};
use crate::core::time::{Instant, Span};

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

    fn on_idle(&mut self, _func: FuncId, _env: EnvId, _now: Instant) -> IdleDecision {
        IdleDecision::EvictNow
    }

    fn reconsider_on_expiry(&self) -> bool {
        true
    }

    fn foresight(&self, func: FuncId) -> Span {
        let mem = self.memory_gb.get(func.index()).copied().unwrap_or(0.0);
        if mem <= 0.0 {
            return Span::MAX;
        }
        // The longest gap worth keeping, plus a second so a gap at the threshold is seen.
        let s = self.max_gb_s / mem + 1.0;
        if s >= (u64::MAX / 1_000_000_000) as f64 {
            Span::MAX
        } else {
            Span::from_ns((s * 1e9) as u64)
        }
    }

    fn on_idle_foreseeing(
        &mut self,
        func: FuncId,
        env: EnvId,
        now: Instant,
        _next_arrival: Option<Instant>,
        next_use: Option<Instant>,
    ) -> IdleDecision {
        self.on_idle_knowing(func, env, now, next_use)
    }

    fn on_idle_knowing(
        &mut self,
        func: FuncId,
        _env: EnvId,
        now: Instant,
        next: Option<Instant>,
    ) -> IdleDecision {
        let Some(next) = next else {
            return IdleDecision::EvictNow; // no request will come
        };
        let gap_s = next.saturating_since(now).ns() as f64 / 1e9;
        let mem = self.memory_gb.get(func.index()).copied().unwrap_or(0.0);
        if gap_s * mem <= self.max_gb_s {
            // Expiring at the arrival's own instant is enough: when the timer comes first (it
            // was armed before that arrival was queued), the simulation judges the
            // environment again and re-arms the timer behind the arrival.
            IdleDecision::ExpireAt(next)
        } else {
            IdleDecision::EvictNow
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An oracle keeping gaps up to 10 GB-s, for one function of 2 GB.
    fn two_gb_oracle() -> Oracle {
        let mut o = Oracle::new(10.0);
        o.start(&[FunctionInfo {
            name: "f".into(),
            memory_mb: 2048,
            mean_cold_start_s: 0.3,
        }]);
        o
    }

    const F: FuncId = FuncId::new(0);
    const E: EnvId = EnvId::new(0);

    #[test]
    fn keeps_only_cheap_gaps() {
        let mut o = two_gb_oracle();
        let s = Span::from_secs(1);
        let at = |n: u64| Instant::ZERO + n * s;
        // 2 GB × 5 s = 10 GB-s: kept until the arrival; 2 GB × 6 s = 12: evicted.
        assert_eq!(
            o.on_idle_knowing(F, E, at(1), Some(at(6))),
            IdleDecision::ExpireAt(at(6))
        );
        assert_eq!(
            o.on_idle_knowing(F, E, at(1), Some(at(7))),
            IdleDecision::EvictNow
        );
        assert_eq!(o.on_idle_knowing(F, E, at(1), None), IdleDecision::EvictNow);
    }

    #[test]
    fn judges_the_environment_by_its_own_next_use() {
        let mut o = two_gb_oracle();
        let s = Span::from_secs(1);
        let at = |n: u64| Instant::ZERO + n * s;
        // A window of 10 GB-s ÷ 2 GB = 5 s, plus a second.
        assert_eq!(o.foresight(F), 6 * s);
        // The function's next arrival is at 2 s, but this environment is next used at 9 s.
        assert_eq!(
            o.on_idle_foreseeing(F, E, at(1), Some(at(2)), Some(at(9))),
            IdleDecision::EvictNow
        );
        assert_eq!(
            o.on_idle_foreseeing(F, E, at(1), Some(at(2)), Some(at(4))),
            IdleDecision::ExpireAt(at(4))
        );
        assert_eq!(
            o.on_idle_foreseeing(F, E, at(1), Some(at(2)), None),
            IdleDecision::EvictNow
        );
    }
}
