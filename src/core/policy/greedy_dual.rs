//! Caching-style keep-alive: keep every idle environment until memory runs out, then evict by
//! a priority.
//!
//! - [`GreedyDual`]: Fuerst and Sharma, "FaasCache: Keeping Serverless Computing Alive with
//!   Greedy-Dual Caching" (ASPLOS 2021). Each environment's priority, set whenever it is used,
//!   is `clock + frequency × cost ÷ size`, with the function's invocation count as frequency,
//!   its mean cold-start delay as cost and its memory as size. The victim is the idle
//!   environment of lowest priority, and the clock becomes that priority, so long-unused
//!   environments age relative to fresh ones.
//! - [`Lru`]: the idle environment used least recently.

use crate::core::ids::{EnvId, FuncId};
use crate::core::policy::{Candidate, FunctionInfo, IdleDecision, Policy};
use crate::core::time::Instant;

/// Greedy-Dual keep-alive (FaasCache).
#[derive(Clone, Debug, Default)]
pub struct GreedyDual {
    clock: f64,
    /// Per function: invocations so far, and cost ÷ size (seconds per MB).
    freq: Vec<u64>,
    cost_per_mb: Vec<f64>,
    /// Per environment slot: its priority.
    priority: Vec<f64>,
}

impl GreedyDual {
    /// The current clock (the priority of the last victim).
    pub fn clock(&self) -> f64 {
        self.clock
    }

    /// The priority of environment `env` (0 if never used).
    pub fn priority(&self, env: EnvId) -> f64 {
        self.priority.get(env.index()).copied().unwrap_or(0.0)
    }
}

impl Policy for GreedyDual {
    fn start(&mut self, functions: &[FunctionInfo]) {
        self.freq = vec![0; functions.len()];
        self.cost_per_mb = functions
            .iter()
            .map(|f| f.mean_cold_start_s / f.memory_mb.max(1) as f64)
            .collect();
    }

    #[inline]
    fn on_use(&mut self, func: FuncId, env: EnvId, _now: Instant) {
        let f = func.index();
        if f >= self.freq.len() {
            return;
        }
        self.freq[f] += 1;
        let e = env.index();
        if e >= self.priority.len() {
            self.priority.resize(e + 1, 0.0);
        }
        self.priority[e] = self.clock + self.freq[f] as f64 * self.cost_per_mb[f];
    }

    fn on_idle(&mut self, _func: FuncId, _env: EnvId, _now: Instant) -> IdleDecision {
        IdleDecision::KeepUntilEvicted
    }

    fn on_evict(&mut self, _func: FuncId, env: EnvId, _now: Instant) {
        if let Some(p) = self.priority.get_mut(env.index()) {
            *p = 0.0;
        }
    }

    fn victim(&mut self, candidates: &[Candidate], _now: Instant) -> Option<usize> {
        // Lowest priority; ties by longest idle, then id, so the choice is deterministic.
        let (i, c) = candidates.iter().enumerate().min_by(|(_, a), (_, b)| {
            self.priority(a.env)
                .total_cmp(&self.priority(b.env))
                .then(a.idle_since.cmp(&b.idle_since))
                .then(a.env.cmp(&b.env))
        })?;
        self.clock = self.clock.max(self.priority(c.env));
        Some(i)
    }
}

/// Least-recently-used keep-alive: keep everything, evict the longest idle under pressure.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lru;

impl Policy for Lru {
    fn on_idle(&mut self, _func: FuncId, _env: EnvId, _now: Instant) -> IdleDecision {
        IdleDecision::KeepUntilEvicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(memory_mb: u32, cold_s: f64) -> FunctionInfo {
        FunctionInfo {
            name: "f".into(),
            memory_mb,
            mean_cold_start_s: cold_s,
        }
    }

    fn cand(env: u32, func: u32, idle_since: u64) -> Candidate {
        Candidate {
            env: EnvId::new(env),
            func: FuncId::new(func),
            idle_since: Instant::from_ns(idle_since),
            memory_mb: 128,
        }
    }

    #[test]
    fn evicts_in_priority_order_and_advances_the_clock() {
        let mut g = GreedyDual::default();
        // f0: cheap to restart per MB; f1: costly; f2: costly and popular.
        g.start(&[info(1000, 0.1), info(100, 1.0), info(100, 1.0)]);
        let (f, e) = (FuncId::new, EnvId::new);
        g.on_use(f(0), e(10), Instant::from_ns(0)); // priority 0 + 1 × 0.0001
        g.on_use(f(1), e(11), Instant::from_ns(0)); // 0 + 1 × 0.01
        g.on_use(f(2), e(12), Instant::from_ns(0)); // 0 + 1 × 0.01
        g.on_use(f(2), e(12), Instant::from_ns(1)); // 0 + 2 × 0.01
        let mut c = vec![cand(10, 0, 5), cand(11, 1, 5), cand(12, 2, 5)];
        let v = g.victim(&c, Instant::from_ns(10)).unwrap();
        assert_eq!(c[v].env, e(10));
        assert!((g.clock() - 0.0001).abs() < 1e-15);
        c.remove(v);
        let v = g.victim(&c, Instant::from_ns(10)).unwrap();
        assert_eq!(c[v].env, e(11));
        assert!((g.clock() - 0.01).abs() < 1e-15);
        // A use after the clock moved starts from the clock: f0 used again now outranks the
        // older f2 environment only if clock + freq × cost beats it.
        g.on_use(f(0), e(10), Instant::from_ns(20)); // 0.01 + 2 × 0.0001 = 0.0102 < 0.02
        let c = vec![cand(10, 0, 30), cand(12, 2, 5)];
        assert_eq!(c[g.victim(&c, Instant::from_ns(40)).unwrap()].env, e(10));
    }

    #[test]
    fn lru_evicts_the_longest_idle() {
        let mut l = Lru;
        let c = vec![cand(3, 0, 50), cand(1, 1, 20), cand(2, 0, 20)];
        // Idle since 20 twice: the lower id wins the tie.
        assert_eq!(l.victim(&c, Instant::from_ns(100)), Some(1));
        assert_eq!(
            l.on_idle(FuncId::new(0), EnvId::new(0), Instant::ZERO),
            IdleDecision::KeepUntilEvicted
        );
    }
}
