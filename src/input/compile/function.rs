//! The functions of a plan: every `[[function]]` table and every `[workload]` function,
//! checked against the model, copies expanded, names of callees and databases resolved to ids.

use crate::core::billing::terms::ModelTerms;
use crate::core::ids::{DbId, FuncId};
use crate::core::plan::{Call, ColdStart, FanOut, FunctionPlan, Ping, Provision};
use crate::core::platform::modes::Invocation;
use crate::core::time::{Instant, Span};
use crate::core::workload::dist::Dist;
use crate::input::function::{FunctionSpec, Popularity, WorkloadFunction};
use crate::input::keep_alive::{KeepAliveSpec, PingSpec, Provisioned};
use crate::input::model::PlatformModel;
use crate::input::scenario::Scenario;
use crate::input::trace;
use crate::input::FieldError;

/// Where a function comes from: a `[[function]]` table (by index) or the `[workload]` (with its
/// stream index and application).
enum From<'a> {
    Table(usize),
    Workload(&'a WorkloadFunction),
}

impl From<'_> {
    /// The dotted path of key `k` of this function, for errors.
    fn at(&self, k: &str) -> String {
        match self {
            From::Table(g) => format!("function.{g}.{k}"),
            From::Workload(_) => format!("workload.{k}"),
        }
    }
}

/// Every function of the scenario, in order: the `[[function]]` tables' copies, then the
/// workload's functions.
pub(super) fn functions(
    scenario: &Scenario,
    model: &PlatformModel,
) -> Result<Vec<FunctionPlan>, FieldError> {
    // The [workload]'s functions (a trace or a synthetic population) follow the [[function]]
    // ones; each brings its own stream index in a group of its own
    // (function::WORKLOAD_GROUP), so they never collide with [[function]] streams.
    let workload = workload_functions(scenario, model)?;
    let mut out = Vec::new();
    // The first function of each [[function]] table, for resolving calls by name.
    let mut first_of_table = Vec::with_capacity(scenario.functions.len());
    for (g, spec) in scenario.functions.iter().enumerate() {
        first_of_table.push(FuncId::from_index(out.len()));
        table(scenario, model, spec, From::Table(g), &mut out)?;
    }
    for w in &workload {
        table(scenario, model, &w.spec, From::Workload(w), &mut out)?;
    }
    resolve_names(scenario, &first_of_table, &mut out)?;
    check_workload_names(scenario, &out)?;
    Ok(out)
}

/// The `[workload]`'s functions take names of their own (a trace's hashes, a population's
/// numbers); one equal to a `[[function]]`'s (copies expanded) would merge two functions in
/// every report keyed by name. The `[[function]]` names among themselves are checked with the
/// scenario.
fn check_workload_names(scenario: &Scenario, all: &[FunctionPlan]) -> Result<(), FieldError> {
    if scenario.workload.is_none() {
        return Ok(());
    }
    let mut seen = std::collections::HashSet::with_capacity(all.len());
    for f in all {
        if !seen.insert(f.name.as_str()) {
            return Err(FieldError::new(
                "workload",
                format!(
                    "the function name '{}' is used twice (by a [[function]] and by the workload, or twice in the trace); rename the [[function]]",
                    f.name
                ),
            ));
        }
    }
    Ok(())
}

/// The `[workload]` functions of `scenario`, with memory fitted into the model's range.
fn workload_functions(
    scenario: &Scenario,
    model: &PlatformModel,
) -> Result<Vec<WorkloadFunction>, FieldError> {
    let Some(w) = &scenario.workload else {
        return Ok(Vec::new());
    };
    let base = trace::base_dir(&scenario.source.origin);
    let limits = &model.limits;
    let mut fs = w
        .open(&base)
        .map_err(|e| FieldError::new("workload", e.to_string()))?
        .functions;
    for f in &mut fs {
        f.spec.memory_mb = f.spec.memory_mb.clamp(
            limits.memory_mb_min,
            limits.memory_mb_max.max(limits.memory_mb_min),
        );
    }
    Ok(fs)
}

/// The plans of one table's copies, appended to `out`.
fn table(
    scenario: &Scenario,
    model: &PlatformModel,
    spec: &FunctionSpec,
    from: From,
    out: &mut Vec<FunctionPlan>,
) -> Result<(), FieldError> {
    // `[keep_alive] kind = "keep-warm-ping"` or `"provisioned"` adds pings or provisioned
    // environments to functions that set none themselves.
    let changed = with_strategy(&scenario.keep_alive, spec);
    let spec = changed.as_ref().unwrap_or(spec);
    check_against_model(scenario, model, spec, &from)?;
    let shared = shared(scenario, model, spec, &from)?;
    let weights = popularity_weights(spec.copies, spec.popularity.as_ref());
    for (c, w) in weights.iter().enumerate() {
        out.push(copy(spec, &from, &shared, c, *w)?);
    }
    Ok(())
}

/// What every copy of a table has in common, worked out once.
struct Shared {
    /// The run's horizon: arrival processes stop drawing there.
    horizon: Instant,
    provision: Provision,
    duration: Dist,
    cold_start: ColdStart,
    timeout: Span,
    database: Option<DbId>,
    per_instance: u32,
    terms: ModelTerms,
}

/// The parts of a table's plan its copies share: distributions built, the model's defaults
/// applied, the database resolved, the model's terms worked out.
fn shared(
    scenario: &Scenario,
    model: &PlatformModel,
    spec: &FunctionSpec,
    from: &From,
) -> Result<Shared, FieldError> {
    let provision = spec
        .provisioned_concurrency
        .as_ref()
        .map_or(Provision::Constant(0), Provisioned::to_provision);
    let duration = spec
        .duration
        .build()
        .map_err(|e| FieldError::new(from.at("duration"), e))?;
    let cold_start = cold_start(model, spec, from)?;
    let timeout = spec.timeout.unwrap_or(model.limits.max_timeout).span();
    check_visibility_timeout(spec, timeout, from)?;
    let database = match &spec.database {
        Some(name) => Some(database_id(scenario, name, from)?),
        None => None,
    };
    let per_instance = spec
        .concurrency_per_instance
        .unwrap_or(model.instances.concurrency_default);
    let prefix = match from {
        From::Table(g) => format!("function.{g}"),
        From::Workload(_) => "workload".to_string(),
    };
    let terms = model.terms(
        spec,
        per_instance,
        &prefix,
        scenario.platform.front_door.as_deref(),
    )?;
    Ok(Shared {
        horizon: Instant::from_ns(scenario.run.horizon.ns()),
        provision,
        duration,
        cold_start,
        timeout,
        database,
        per_instance,
        terms,
    })
}

/// A queue-triggered function's messages must stay invisible at least as long as it may run,
/// or a message still being handled would be delivered again.
fn check_visibility_timeout(
    spec: &FunctionSpec,
    timeout: Span,
    from: &From,
) -> Result<(), FieldError> {
    if let Invocation::Queue(q) = &spec.invocation {
        if q.visibility_timeout.span() < timeout {
            return Err(FieldError::new(
                from.at("invocation.visibility_timeout"),
                format!(
                    "{} is shorter than the function's timeout ({}); Lambda requires at least the timeout, so set a shorter `timeout` or a longer visibility_timeout",
                    q.visibility_timeout,
                    timeout
                ),
            ));
        }
    }
    Ok(())
}

/// The id of the `[[database]]` named `name`.
fn database_id(scenario: &Scenario, name: &str, from: &From) -> Result<DbId, FieldError> {
    let i = scenario
        .databases
        .iter()
        .position(|d| d.name == name)
        .ok_or_else(|| FieldError::new(from.at("database"), format!("no database '{name}'")))?;
    Ok(DbId::from_index(i))
}

/// The plan of copy `c` of a table, which gets share `weight` of the table's arrivals. Calls
/// and fan-outs are filled in later, once every function has an id.
fn copy(
    spec: &FunctionSpec,
    from: &From,
    shared: &Shared,
    c: usize,
    weight: f64,
) -> Result<FunctionPlan, FieldError> {
    let name = if spec.copies == 1 {
        spec.name.clone()
    } else {
        format!("{}-{}", spec.name, c + 1)
    };
    // Stream index: (table, copy), so adding a table or copies leaves the others' draws
    // unchanged.
    let (stream, app) = match from {
        From::Table(g) => (((*g as u64) << 32) | c as u64, None),
        From::Workload(w) => (w.stream, Some(w.app.as_str().into())),
    };
    let arrivals = spec
        .arrivals
        .build(weight)
        .map_err(|e| FieldError::new(from.at("arrivals"), e))?
        .until(shared.horizon);
    Ok(FunctionPlan {
        name,
        app,
        stream,
        memory_mb: spec.memory_mb,
        arch: spec.arch,
        per_instance: shared.per_instance,
        reserved: spec.reserved_concurrency,
        timeout: shared.timeout,
        provision: shared.provision.clone(),
        ping: spec.ping.as_ref().map(|p| Ping {
            every: p.every.span(),
            duration: p.run_time(),
        }),
        duration: shared.duration.clone(),
        cold_start: shared.cold_start.clone(),
        arrivals,
        invocation: spec.invocation.clone(),
        error_rate: spec.error_rate,
        calls: Vec::new(),
        fan_out: None,
        database: shared.database,
        cdn: spec.cdn.clone(),
        terms: shared.terms.clone(),
    })
}

/// The function's memory, timeout and reservation against the model and the cluster.
fn check_against_model(
    scenario: &Scenario,
    model: &PlatformModel,
    spec: &FunctionSpec,
    from: &From,
) -> Result<(), FieldError> {
    let limits = &model.limits;
    if spec.memory_mb < limits.memory_mb_min || spec.memory_mb > limits.memory_mb_max {
        return Err(FieldError::new(
            from.at("memory_mb"),
            format!(
                "{} MB is outside what model '{}' allows ({} to {} MB)",
                spec.memory_mb, model.name, limits.memory_mb_min, limits.memory_mb_max
            ),
        ));
    }
    if let Some(t) = spec.timeout.filter(|t| *t > limits.max_timeout) {
        return Err(FieldError::new(
            from.at("timeout"),
            format!(
                "{t} is longer than model '{}' allows ({})",
                model.name, limits.max_timeout
            ),
        ));
    }
    let largest_host = scenario
        .cluster
        .as_ref()
        .and_then(|c| c.hosts.iter().map(|h| h.memory_mb).max());
    if let Some(m) = largest_host.filter(|&m| (spec.memory_mb as u64) > m) {
        return Err(FieldError::new(
            from.at("memory_mb"),
            format!(
                "{} MB does not fit on any host of the cluster (largest: {m} MB)",
                spec.memory_mb
            ),
        ));
    }
    // Limits are checked against the schedule's largest count.
    let provisioned = spec.provisioned_concurrency.as_ref().map_or(0, |p| p.max());
    if let Some(r) = spec.reserved_concurrency.filter(|&r| provisioned > r) {
        return Err(FieldError::new(
            from.at("provisioned_concurrency"),
            format!("{provisioned} is more than the function's reserved concurrency ({r})"),
        ));
    }
    Ok(())
}

/// The scenario's own cold-start distribution, or the model's terms for the function's runtime,
/// memory, snapshot and package.
fn cold_start(
    model: &PlatformModel,
    spec: &FunctionSpec,
    from: &From,
) -> Result<ColdStart, FieldError> {
    if let Some(d) = &spec.cold_start {
        return Ok(ColdStart::Given(
            d.build()
                .map_err(|e| FieldError::new(from.at("cold_start"), e))?,
        ));
    }
    let model_err = |e: String| FieldError::new("platform.model", e);
    // Platform part + init (or a snapshot restore) scaled by memory + package fetch, as the
    // model defines them for this function.
    let terms = model.cold_start_terms(spec).ok_or_else(|| {
        FieldError::new(
            from.at("runtime"),
            format!(
                "model '{}' has no cold-start figures for runtime {}",
                model.name, spec.runtime
            ),
        )
    })?;
    Ok(ColdStart::Model {
        platform: terms.platform.build().map_err(model_err)?,
        init: terms.init.build().map_err(model_err)?,
        scale: terms.init_scale,
        fixed: terms.fixed,
    })
}

/// Fills in each `[[function]]` table's calls and fan-out with the callees' ids.
/// `first_of_table[g]` is the id of table `g`'s first function.
fn resolve_names(
    scenario: &Scenario,
    first_of_table: &[FuncId],
    funcs: &mut [FunctionPlan],
) -> Result<(), FieldError> {
    let index = |path: String, name: &str| -> Result<FuncId, FieldError> {
        scenario
            .functions
            .iter()
            .position(|s| s.name == name && s.copies == 1)
            .map(|g| first_of_table[g])
            .ok_or_else(|| {
                FieldError::new(
                    path,
                    format!("no [[function]] named '{name}' with copies = 1"),
                )
            })
    };
    for (g, spec) in scenario.functions.iter().enumerate() {
        let mut calls = Vec::with_capacity(spec.calls.len());
        for (j, c) in spec.calls.iter().enumerate() {
            calls.push(Call {
                target: index(format!("function.{g}.calls.{j}.function"), &c.function)?,
                wait: c.wait,
                retries: c.retries,
                on_error: match &c.on_error {
                    Some(n) => Some(index(format!("function.{g}.calls.{j}.on_error"), n)?),
                    None => None,
                },
            });
        }
        let fan_out = match &spec.fan_out {
            Some(fo) => Some(FanOut {
                worker: index(format!("function.{g}.fan_out.function"), &fo.function)?,
                count: fo.count,
                join: match &fo.join {
                    Some(n) => Some(index(format!("function.{g}.fan_out.join"), n)?),
                    None => None,
                },
            }),
            None => None,
        };
        let first = first_of_table[g].index();
        for f in &mut funcs[first..first + spec.copies.max(1) as usize] {
            f.calls = calls.clone();
            f.fan_out = fan_out;
        }
    }
    Ok(())
}

/// `spec` as the `[keep_alive]` strategy changes it: keep-warm pings or provisioned environments on a
/// function that has none of its own; `None` when it stays as written.
fn with_strategy(ka: &KeepAliveSpec, spec: &FunctionSpec) -> Option<FunctionSpec> {
    match ka {
        KeepAliveSpec::KeepWarmPing {
            every, duration, ..
        } if spec.ping.is_none() => {
            let mut s = spec.clone();
            s.ping = Some(PingSpec {
                every: *every,
                duration: *duration,
            });
            Some(s)
        }
        KeepAliveSpec::Provisioned {
            count, schedule, ..
        } if spec.provisioned_concurrency.is_none() => {
            let mut s = spec.clone();
            s.provisioned_concurrency = Some(match (count, schedule) {
                (Some(n), _) => Provisioned::Count(*n),
                (None, Some(steps)) => Provisioned::Schedule {
                    schedule: steps.clone(),
                },
                (None, None) => return None,
            });
            Some(s)
        }
        _ => None,
    }
}

/// Shares of a table's total rate for each copy.
fn popularity_weights(copies: u32, pop: Option<&Popularity>) -> Vec<f64> {
    let n = copies.max(1) as usize;
    let raw: Vec<f64> = match pop {
        Some(Popularity::Zipf { s }) => (1..=n).map(|i| (i as f64).powf(-s)).collect(),
        Some(Popularity::Uniform {}) | None => vec![1.0; n],
    };
    let total: f64 = raw.iter().sum();
    raw.into_iter().map(|w| w / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_weights_sum_to_one_and_decay() {
        let w = popularity_weights(1000, Some(&Popularity::Zipf { s: 1.0 }));
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((w[0] / w[9] - 10.0).abs() < 1e-9);
        assert_eq!(popularity_weights(4, None), vec![0.25; 4]);
    }
}
