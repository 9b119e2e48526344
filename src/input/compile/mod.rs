//! Compiling a run: scenario text + `--set` overrides + the platform model + any trace become
//! one resolved, validated [`Plan`]. This is the only place that knows both the user's words and
//! the model's defaults, and the only way a [`Plan`] is made, so every caller — the command
//! line, the library, sweeps, tests and benches — runs with the same defaults.
//!
//! Every check that depends on the model (memory bounds, timeouts, per-instance concurrency,
//! snapshots, front doors, reservations) happens here, and its error points at the scenario's
//! line (or at the `--set` override that wrote the value).
//!
//! ```
//! use faasim::core::ids::FuncId;
//! use faasim::{compile, Scenario};
//! let s = Scenario::from_str_named(r#"
//!     [run]
//!     horizon = "1h"
//!     [platform]
//!     model = "gcp-cloud-run"
//!     [[function]]
//!     name = "api"
//!     duration = { kind = "constant", value = "100ms" }
//!     arrivals = { kind = "poisson", rate = "2/s" }
//! "#, "inline.toml", &[]).unwrap();
//! let plan = compile(&s).unwrap();
//! // Left out in the scenario, so Cloud Run's default applies.
//! assert_eq!(plan.per_instance(FuncId::new(0)), 80);
//! ```

mod function;
mod platform;

use crate::core::plan::Plan;
use crate::core::time::{Instant, Span};
use crate::input::model::{self, PlatformModel};
use crate::input::scenario::Scenario;
use crate::input::{FieldError, InputError};

/// The backlog bound when `[run] max_backlog` is not set: ten million waiting events or
/// messages, about 640 MB at the 64 bytes a pending async event costs (16 for a queued
/// message), where an unbounded backlog used to grow until the allocator aborted.
pub const DEFAULT_MAX_BACKLOG: u64 = 10_000_000;

/// Compiles `scenario` on the platform model it names into the plan of a run.
pub fn compile(scenario: &Scenario) -> Result<Plan, InputError> {
    let mut model =
        model::load(&scenario.platform.model).map_err(|e| scenario.wrap_model_error(e))?;
    model
        .select_scaling(scenario.platform.scaling_rule)
        .map_err(|e| scenario.error_at(&e.field, &e.message))?;
    compile_on(scenario, &model)
}

/// Compiles `scenario` on `model` (already loaded, its scaling rule chosen).
pub fn compile_on(scenario: &Scenario, model: &PlatformModel) -> Result<Plan, InputError> {
    build(scenario, model).map_err(|f| scenario.error_at(&f.field, &f.message))
}

fn build(scenario: &Scenario, model: &PlatformModel) -> Result<Plan, FieldError> {
    let functions = function::functions(scenario, model)?;
    let limits = platform::limits(scenario, model, &functions)?;
    let plan = Plan {
        name: scenario.display_name().to_string(),
        seed: scenario.run.seed,
        horizon: Instant::ZERO + scenario.run.horizon.span(),
        warmup: Instant::ZERO + scenario.run.warmup.map_or(Span::ZERO, |w| w.span()),
        functions,
        account_concurrency: limits.account,
        scaling: limits.scaling,
        routing: scenario.platform.routing,
        pricing: platform::pricing(scenario, model),
        keep_alive: scenario
            .keep_alive
            .policy()
            .map_err(|e| e.within("keep_alive"))?,
        cluster: scenario.cluster.clone(),
        databases: scenario.databases.clone(),
        timeseries: scenario.metrics.timeseries.map(|w| w.span()),
        max_backlog: scenario.run.max_backlog.unwrap_or(DEFAULT_MAX_BACKLOG),
    };
    platform::check_provisioned_placement(&plan)?;
    Ok(plan)
}
