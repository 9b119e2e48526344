//! faasim: a fast, validated discrete-event simulator of serverless (Function-as-a-Service)
//! platforms.
//!
//! Data flows one way: a [`Scenario`] (read from TOML) and a platform model
//! ([`input::model::PlatformModel`]) build a [`core::sim::Simulation`], whose event loop
//! runs on the [`core::engine`]'s queue and feeds [`core::metrics`]; the result is a [`Report`].
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

#![warn(missing_docs)]

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
