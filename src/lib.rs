//! faasim: a fast, validated discrete-event simulator of serverless (Function-as-a-Service)
//! platforms.
//!
//! # One run
//!
//! A [`Scenario`] is what a user writes (TOML, or built in code); [`compile()`] turns it, with the
//! platform model it names and any trace, into a [`Plan`] — ids instead of names, the model's
//! defaults applied, everything checked — and a [`core::sim::Simulation`] runs a plan to a
//! [`Report`]. [`simulate`] does all three:
//!
//! ```
//! use faasim::{simulate, Scenario};
//! let scenario = Scenario::from_str_named(r#"
//!     [run]
//!     horizon = "10min"
//!     seed = 7
//!     [[function]]
//!     name = "api"
//!     duration = { kind = "exponential", mean = "100ms" }
//!     cold_start = { kind = "constant", value = "250ms" }
//!     arrivals = { kind = "poisson", rate = "5/s" }
//! "#, "example", &[]).unwrap();
//! let report = simulate(&scenario).unwrap();
//! let c = &report.counts;
//! assert_eq!(c.arrivals, c.warm_starts + c.cold_starts + c.throttled);
//! assert!(report.cold_start_probability < 0.01);
//! ```
//!
//! Mistakes come back as an [`InputError`] naming the file, line, column and field, and what is
//! accepted; `--set`-style overrides are the third argument of
//! [`Scenario::from_str_named`] (or of [`Scenario::load`], which also takes built-in names).
//!
//! # Watching a run
//!
//! A plan can be run with an [`Observer`](core::sim::Observer) that sees every
//! [`Happening`](core::sim::Happening) (arrivals, cold starts, evictions, ...) in time order; a
//! closure is one:
//!
//! ```
//! use faasim::core::sim::{Happening, Simulation};
//! let scenario = faasim::Scenario::load("cold-start-101", &[]).unwrap();
//! let plan = faasim::compile(&scenario).unwrap();
//! let mut cold = 0;
//! let report = Simulation::with_observer(&plan, 0, |_now, h: &Happening| {
//!     if let Happening::ColdStart { .. } = h {
//!         cold += 1;
//!     }
//! })
//! .run();
//! assert_eq!(cold, report.counts.cold_starts);
//! ```
//!
//! # Your own keep-alive policy
//!
//! A policy implements [`Policy`](core::policy::Policy): when an environment turns idle it says
//! when it expires (or to evict it, keep it, or unload it and pre-warm a fresh one later); it may
//! also learn from arrivals and choose victims under memory pressure. It runs in place of the
//! scenario's `[keep_alive]`, on the very same arrivals (common random numbers), so the two can
//! be compared request for request:
//!
//! ```
//! use faasim::core::ids::{EnvId, FuncId};
//! use faasim::core::policy::{IdleDecision, Policy};
//! use faasim::core::time::{Instant, Span};
//!
//! /// Keeps every idle environment for 2 minutes.
//! struct TwoMinutes;
//! impl Policy for TwoMinutes {
//!     fn on_idle(&mut self, _func: FuncId, _env: EnvId, now: Instant) -> IdleDecision {
//!         IdleDecision::ExpireAt(now + Span::from_secs(120))
//!     }
//! }
//! let scenario = faasim::Scenario::load("hello", &[]).unwrap();
//! let mine = faasim::simulate_with_policy(&scenario, 0, TwoMinutes).unwrap();
//! let fixed = faasim::simulate(&scenario).unwrap(); // hello keeps 10 minutes
//! assert_eq!(mine.counts.arrivals, fixed.counts.arrivals);
//! assert!(mine.counts.cold_starts >= fixed.counts.cold_starts);
//! ```
//!
//! `examples/custom_policy.rs` is a complete one; docs/policies.md says what the simulation
//! tells a policy and when.
//!
//! # Many runs
//!
//! An [`Experiment`] sweeps any scenario field over a grid, with replications and a baseline;
//! [`lab::sweep`] runs it in parallel and writes tidy tables with confidence intervals (the
//! `faasim sweep` command adds the plots). Replication `k` of every point draws the same random
//! numbers, so paired differences are tight.
//!
//! # Where things are
//!
//! The crate is in layers whose arrows point one way: [`core`] (the simulation: plan, event
//! loop, policies, metrics, billing, report; no files, no TOML), [`input`] (file formats, traces,
//! the compiler), [`lab`] (experiments), [`views`] (plots, HTML, narration); the `faasim` binary
//! sits on top. The layers above the core are Cargo features, all on by default.
//! docs/architecture.md has the map.

#![warn(missing_docs, unreachable_pub)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod core;
#[cfg(feature = "input")]
pub mod input;
#[cfg(feature = "lab")]
pub mod lab;
#[cfg(feature = "views")]
pub mod views;

pub use crate::core::plan::Plan;
pub use crate::core::report::Report;
#[cfg(feature = "input")]
pub use input::scenario::Scenario;
#[cfg(feature = "input")]
pub use input::InputError;
#[cfg(feature = "lab")]
pub use lab::Experiment;

#[cfg(feature = "input")]
pub use input::{compile, compile_on};

/// Runs `scenario` once (run index 0) on the platform model it names.
#[cfg(feature = "input")]
pub fn simulate(scenario: &Scenario) -> Result<Report, InputError> {
    simulate_run(scenario, 0)
}

/// Runs `scenario` with a keep-alive policy of the caller's own (see [`core::policy::Policy`]),
/// ignoring its `[keep_alive]` table.
#[cfg(feature = "input")]
pub fn simulate_with_policy<P: crate::core::policy::Policy>(
    scenario: &Scenario,
    run: u64,
    policy: P,
) -> Result<Report, InputError> {
    let plan = compile(scenario)?;
    Ok(
        crate::core::sim::Simulation::with_policy(&plan, run, crate::core::sim::Quiet, policy)
            .run(),
    )
}

/// Runs `scenario` as run number `run` of an experiment: the random streams derive from the
/// scenario's seed and `run`.
#[cfg(feature = "input")]
pub fn simulate_run(scenario: &Scenario, run: u64) -> Result<Report, InputError> {
    let plan = compile(scenario)?;
    Ok(crate::core::sim::Simulation::new(&plan, run).run())
}
