//! Keep-alive, pre-warm and eviction policies.
//!
//! One trait, [`Policy`], makes every decision about idle environments: when an idle
//! environment expires, whether to unload it and pre-warm a fresh one later, and which idle
//! environment to evict when a host runs out of memory. The simulation calls it at a few
//! points of an environment's life and tells it about each function's arrivals and idle
//! times, so a policy can learn from history.
//!
//! The scenario names a built-in policy with `[keep_alive] kind = "..."` (the input layer's `KeepAliveSpec`);
//! [`Builtin`] dispatches to it with a `match` (no virtual call in the hot loop). A researcher
//! adds a policy by implementing [`Policy`] in their own crate and running it with
//! [`crate::simulate_with_policy`]; `examples/custom_policy.rs` shows how.
//!
//! ```
//! use faasim::core::ids::{EnvId, FuncId};
//! use faasim::core::policy::{IdleDecision, Policy};
//! use faasim::core::time::{Instant, Span};
//! /// Keeps every environment 5 minutes, 15 for the first function.
//! struct Favourite;
//! impl Policy for Favourite {
//!     fn on_idle(&mut self, func: FuncId, _env: EnvId, now: Instant) -> IdleDecision {
//!         let min = Span::from_secs(60);
//!         IdleDecision::ExpireAt(now + if func.index() == 0 { 15 * min } else { 5 * min })
//!     }
//! }
//! ```

mod forecast;
mod greedy_dual;
mod hybrid;
mod oracle;

pub use forecast::forecast;
pub use greedy_dual::{GreedyDual, Lru};
pub use hybrid::{HybridHistogram, HybridParams, IdleTimes};
pub use oracle::Oracle;

use crate::core::ids::{EnvId, FuncId};
use crate::core::time::{Instant, Span};
use std::sync::Arc;

/// What a policy knows about each function before the run.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionInfo {
    /// Name as reported.
    pub name: String,
    /// Memory of one environment, MB.
    pub memory_mb: u32,
    /// Mean cold-start delay, seconds (the cost of a miss, for cost-aware policies).
    pub mean_cold_start_s: f64,
}

/// An idle environment that could be evicted to free memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// The environment.
    pub env: EnvId,
    /// Its function.
    pub func: FuncId,
    /// When it became idle.
    pub idle_since: Instant,
    /// Memory it holds, MB.
    pub memory_mb: u32,
}

/// What to do with an environment that has just become idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleDecision {
    /// Evict it now (scale to zero).
    EvictNow,
    /// Evict it at this time unless it is used before.
    ExpireAt(Instant),
    /// Keep it until memory pressure makes [`Policy::victim`] choose it.
    KeepUntilEvicted,
    /// Evict it now, and pre-warm a fresh environment of the function at `prewarm_at` that
    /// expires at `expire_at` unless used (the hybrid policy's pre-warm window).
    Unload {
        /// When to start initializing the fresh environment.
        prewarm_at: Instant,
        /// When the fresh environment expires if unused.
        expire_at: Instant,
    },
}

/// Decides when idle environments expire, whether to pre-warm, and what to evict.
///
/// Ids: a [`FuncId`] is the function's position in the run's function list (in the order of
/// [`Policy::start`]'s slice); an [`EnvId`] is a slot that is reused after eviction, so a
/// policy that keeps per-environment state must reset it in [`Policy::on_evict`].
pub trait Policy: Send {
    /// Once, before the run, with every function (copies expanded).
    fn start(&mut self, _functions: &[FunctionInfo]) {}

    /// A request of `func` arrived at `now`. `idle_for` is the function's idle time: how long
    /// it had had no request in flight (`None` when a request was in flight, or for its first
    /// request).
    fn on_arrival(&mut self, _func: FuncId, _now: Instant, _idle_for: Option<Span>) {}

    /// A request started on `env` at `now` (warm, or when its cold start ended).
    fn on_use(&mut self, _func: FuncId, _env: EnvId, _now: Instant) {}

    /// `env` of `func` has no request left at `now`: decide its fate.
    fn on_idle(&mut self, func: FuncId, env: EnvId, now: Instant) -> IdleDecision;

    /// What the simulation actually calls when an environment turns idle: [`Policy::on_idle`]
    /// plus the time of the function's next arrival, which is already known to the simulator.
    /// Only offline bounds (the oracle) should look at it; the default ignores it.
    fn on_idle_knowing(
        &mut self,
        func: FuncId,
        env: EnvId,
        now: Instant,
        _next_arrival: Option<Instant>,
    ) -> IdleDecision {
        self.on_idle(func, env, now)
    }

    /// How far ahead of an idle time this policy wants to know each environment's own next use,
    /// for environments of `func`. [`Span::ZERO`], the default, asks for nothing, and the
    /// simulation calls [`Policy::on_idle_knowing`]. Above 0 the simulation draws the
    /// function's arrivals, and the work of each, that far ahead of the present (from the same
    /// streams and in the same order, so every draw is unchanged) and calls
    /// [`Policy::on_idle_foreseeing`] instead. Only offline bounds (the oracle) should ask.
    fn foresight(&self, _func: FuncId) -> Span {
        Span::ZERO
    }

    /// What the simulation calls instead of [`Policy::on_idle_knowing`] when
    /// [`Policy::foresight`] is above zero: also `next_use`, the time this very environment is
    /// next used if that falls within the foresight window (`None` when it is not used in it).
    ///
    /// Under `routing = "mru"` the idle environments form a stack: an arrival takes the one
    /// on top, and an environment that turns idle goes on top. So an environment with `k`
    /// others above it is taken by the first upcoming arrival that finds the function's
    /// requests in flight `k + 1` above their present number; the simulation walks the known
    /// ends of the requests in flight and the upcoming arrivals, each running for its own drawn
    /// work, to find it. This is exact when every arrival before that use is served warm,
    /// which holds for the environments the oracle keeps (the ones above it are used sooner, so
    /// they are kept too). It does not foresee invocations from other functions, async events
    /// or queue batches, requests waiting for a database connection or for their calls, nor
    /// environments taking more than one request at a time. Under `"lru"` the environment
    /// serves the `k + 1`-th upcoming arrival, with `k` the idle ones ahead of it; under other
    /// routings its next use is taken to be the function's next arrival. When the look-ahead
    /// (at most 32,768 arrivals per function) ends before the window does, `next_use` is its
    /// last arrival: keeping the environment until then and judging again (see
    /// [`Policy::reconsider_on_expiry`]) is the honest move. The default ignores `next_use`.
    fn on_idle_foreseeing(
        &mut self,
        func: FuncId,
        env: EnvId,
        now: Instant,
        next_arrival: Option<Instant>,
        _next_use: Option<Instant>,
    ) -> IdleDecision {
        self.on_idle_knowing(func, env, now, next_arrival)
    }

    /// `env` was evicted at `now` (it expired, was unloaded, or was chosen as a victim).
    fn on_evict(&mut self, _func: FuncId, _env: EnvId, _now: Instant) {}

    /// A host lacks memory: return the index in `candidates` (idle environments on that host,
    /// never empty) of the one to evict, or `None` to evict nothing. Default: the one idle the
    /// longest.
    fn victim(&mut self, candidates: &[Candidate], _now: Instant) -> Option<usize> {
        candidates
            .iter()
            .enumerate()
            .min_by_key(|(_, c)| (c.idle_since, c.env))
            .map(|(i, _)| i)
    }

    /// True when every `ExpireAt` is `now` plus one constant, so timers can use a FIFO lane.
    fn fifo_expiry(&self) -> bool {
        false
    }

    /// When an environment reaches its expiry still idle, ask [`Policy::on_idle_knowing`]
    /// again instead of evicting it (the oracle keeps an environment gap by gap).
    fn reconsider_on_expiry(&self) -> bool {
        false
    }
}

impl Policy for Box<dyn Policy> {
    fn start(&mut self, f: &[FunctionInfo]) {
        (**self).start(f)
    }
    fn on_arrival(&mut self, func: FuncId, now: Instant, idle_for: Option<Span>) {
        (**self).on_arrival(func, now, idle_for)
    }
    fn on_use(&mut self, func: FuncId, env: EnvId, now: Instant) {
        (**self).on_use(func, env, now)
    }
    fn on_idle(&mut self, func: FuncId, env: EnvId, now: Instant) -> IdleDecision {
        (**self).on_idle(func, env, now)
    }
    fn on_idle_knowing(
        &mut self,
        func: FuncId,
        env: EnvId,
        now: Instant,
        next: Option<Instant>,
    ) -> IdleDecision {
        (**self).on_idle_knowing(func, env, now, next)
    }
    fn foresight(&self, func: FuncId) -> Span {
        (**self).foresight(func)
    }
    fn on_idle_foreseeing(
        &mut self,
        func: FuncId,
        env: EnvId,
        now: Instant,
        next: Option<Instant>,
        next_use: Option<Instant>,
    ) -> IdleDecision {
        (**self).on_idle_foreseeing(func, env, now, next, next_use)
    }
    fn on_evict(&mut self, func: FuncId, env: EnvId, now: Instant) {
        (**self).on_evict(func, env, now)
    }
    fn victim(&mut self, c: &[Candidate], now: Instant) -> Option<usize> {
        (**self).victim(c, now)
    }
    fn fifo_expiry(&self) -> bool {
        (**self).fifo_expiry()
    }
    fn reconsider_on_expiry(&self) -> bool {
        (**self).reconsider_on_expiry()
    }
}

/// The keep-alive policy a plan carries, by name and parameters: a built-in or a registered
/// one; [`KeepAlive::build`] turns it into a running [`Builtin`].
#[derive(Clone, Debug, PartialEq)]
pub enum KeepAlive {
    /// Scale to zero at once.
    None,
    /// Keep an idle environment this long after its last use.
    Fixed {
        /// Idle time before eviction.
        ttl: Span,
    },
    /// Shahrad et al.'s hybrid histogram.
    HybridHistogram(HybridParams),
    /// FaasCache's Greedy-Dual.
    GreedyDual,
    /// Least recently used under memory pressure.
    Lru,
    /// The offline bound.
    Oracle {
        /// Largest idle gap × memory (GB-seconds) worth keeping an environment for.
        max_gb_s: f64,
    },
    /// A policy of a researcher's own, registered by name (`faasim::input::policies`).
    Custom(CustomPolicy),
}

/// A policy registered by name from outside faasim: its name, and how to make a fresh one,
/// parameters included, for each run.
#[derive(Clone)]
pub struct CustomPolicy {
    name: Arc<str>,
    make: Arc<dyn Fn() -> Box<dyn Policy> + Send + Sync>,
}

impl CustomPolicy {
    /// A policy called `name` whose runs start from `make()`.
    pub fn new(name: &str, make: impl Fn() -> Box<dyn Policy> + Send + Sync + 'static) -> Self {
        CustomPolicy {
            name: name.into(),
            make: Arc::new(make),
        }
    }

    /// The name it was registered under (what `[keep_alive] kind` says).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Debug for CustomPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CustomPolicy({:?})", self.name)
    }
}

impl PartialEq for CustomPolicy {
    /// The same registered policy with the same parameters (the same maker).
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && Arc::ptr_eq(&self.make, &other.make)
    }
}

impl KeepAlive {
    /// The running policy, in its starting state.
    pub fn build(&self) -> Builtin {
        match self {
            KeepAlive::None => Builtin::None,
            KeepAlive::Fixed { ttl } => Builtin::Fixed(*ttl),
            KeepAlive::HybridHistogram(p) => {
                Builtin::Hybrid(Box::new(HybridHistogram::new(p.clone())))
            }
            KeepAlive::GreedyDual => Builtin::GreedyDual(GreedyDual::default()),
            KeepAlive::Lru => Builtin::Lru(Lru),
            KeepAlive::Oracle { max_gb_s } => Builtin::Oracle(Oracle::new(*max_gb_s)),
            KeepAlive::Custom(c) => Builtin::Custom(Custom((c.make)())),
        }
    }
}

/// A registered policy while it runs (a virtual call per decision, for it alone).
pub struct Custom(Box<dyn Policy>);

impl std::fmt::Debug for Custom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Custom(..)")
    }
}

/// The built-in policies, dispatched by `match`; a registered one goes through its own arm.
#[derive(Debug)]
pub enum Builtin {
    /// Scale to zero.
    None,
    /// Fixed keep-alive of this length.
    Fixed(Span),
    /// Hybrid histogram.
    Hybrid(Box<HybridHistogram>),
    /// Greedy-Dual caching.
    GreedyDual(GreedyDual),
    /// LRU caching.
    Lru(Lru),
    /// The offline bound.
    Oracle(Oracle),
    /// A registered policy.
    Custom(Custom),
}

impl Policy for Builtin {
    fn start(&mut self, functions: &[FunctionInfo]) {
        match self {
            Builtin::Hybrid(h) => h.start(functions),
            Builtin::GreedyDual(g) => g.start(functions),
            Builtin::Oracle(o) => o.start(functions),
            Builtin::Custom(c) => c.0.start(functions),
            _ => {}
        }
    }

    #[inline]
    fn on_arrival(&mut self, func: FuncId, now: Instant, idle_for: Option<Span>) {
        match self {
            Builtin::Hybrid(h) => h.on_arrival(func, now, idle_for),
            Builtin::Custom(c) => c.0.on_arrival(func, now, idle_for),
            _ => {}
        }
    }

    #[inline]
    fn on_use(&mut self, func: FuncId, env: EnvId, now: Instant) {
        match self {
            Builtin::GreedyDual(g) => g.on_use(func, env, now),
            Builtin::Hybrid(h) => h.on_use(func, env, now),
            Builtin::Custom(c) => c.0.on_use(func, env, now),
            _ => {}
        }
    }

    #[inline]
    fn on_evict(&mut self, func: FuncId, env: EnvId, now: Instant) {
        match self {
            Builtin::GreedyDual(g) => g.on_evict(func, env, now),
            Builtin::Hybrid(h) => h.on_evict(func, env, now),
            Builtin::Custom(c) => c.0.on_evict(func, env, now),
            _ => {}
        }
    }

    #[inline]
    fn on_idle(&mut self, func: FuncId, env: EnvId, now: Instant) -> IdleDecision {
        match self {
            Builtin::None => IdleDecision::EvictNow,
            Builtin::Fixed(ttl) => IdleDecision::ExpireAt(now.saturating_add(*ttl)),
            Builtin::Hybrid(h) => h.on_idle(func, env, now),
            Builtin::GreedyDual(_) | Builtin::Lru(_) => IdleDecision::KeepUntilEvicted,
            // Without the future the oracle cannot decide; the simulation always tells it.
            Builtin::Oracle(_) => IdleDecision::EvictNow,
            Builtin::Custom(c) => c.0.on_idle(func, env, now),
        }
    }

    #[inline]
    fn on_idle_knowing(
        &mut self,
        func: FuncId,
        env: EnvId,
        now: Instant,
        next: Option<Instant>,
    ) -> IdleDecision {
        match self {
            Builtin::Oracle(o) => o.on_idle_knowing(func, env, now, next),
            Builtin::Custom(c) => c.0.on_idle_knowing(func, env, now, next),
            _ => self.on_idle(func, env, now),
        }
    }

    fn foresight(&self, func: FuncId) -> Span {
        match self {
            Builtin::Oracle(o) => o.foresight(func),
            Builtin::Custom(c) => c.0.foresight(func),
            _ => Span::ZERO,
        }
    }

    fn on_idle_foreseeing(
        &mut self,
        func: FuncId,
        env: EnvId,
        now: Instant,
        next: Option<Instant>,
        next_use: Option<Instant>,
    ) -> IdleDecision {
        match self {
            Builtin::Oracle(o) => o.on_idle_foreseeing(func, env, now, next, next_use),
            Builtin::Custom(c) => c.0.on_idle_foreseeing(func, env, now, next, next_use),
            _ => self.on_idle_knowing(func, env, now, next),
        }
    }

    fn victim(&mut self, candidates: &[Candidate], now: Instant) -> Option<usize> {
        match self {
            Builtin::GreedyDual(g) => g.victim(candidates, now),
            Builtin::Lru(l) => l.victim(candidates, now),
            Builtin::Custom(c) => c.0.victim(candidates, now),
            // Fixed, none and hybrid have no eviction rule of their own: least recently idle.
            _ => Lru.victim(candidates, now),
        }
    }

    fn fifo_expiry(&self) -> bool {
        match self {
            Builtin::Fixed(_) | Builtin::None => true,
            Builtin::Custom(c) => c.0.fifo_expiry(),
            _ => false,
        }
    }

    fn reconsider_on_expiry(&self) -> bool {
        match self {
            Builtin::Oracle(_) => true,
            Builtin::Custom(c) => c.0.reconsider_on_expiry(),
            _ => false,
        }
    }
}
