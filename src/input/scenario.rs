//! The whole input of one run, read from TOML and validated with errors that say where.
//!
//! A scenario names the platform model, the keep-alive policy and the functions with their
//! durations and arrivals. Every table rejects unknown keys, every `kind` lists the accepted
//! names, and every value that is out of range is reported with its file and line.
//!
//! ```
//! use faasim::input::scenario::Scenario;
//! let s = Scenario::from_str_named(r#"
//!     [run]
//!     horizon = "1h"
//!     [[function]]
//!     name = "api"
//!     duration = { kind = "constant", value = "100ms" }
//!     arrivals = { kind = "poisson", rate = "2/s" }
//! "#, "inline.toml", &[]).unwrap();
//! assert_eq!(s.functions[0].memory_mb, 128);
//! ```

pub use crate::core::plan::Routing;
use crate::core::platform::database::DatabaseSpec;
use crate::core::platform::limits::Scaling;
use crate::core::time::Duration;
use crate::input::function::{FunctionSpec, Popularity};
use crate::input::keep_alive::{KeepAliveSpec, Provisioned};
use crate::input::overrides::apply_override;
use crate::input::{self, FieldError, InputError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Scenarios built into the binary, runnable by name from any directory.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "hello",
        include_str!("../../experiments/scenarios/hello.toml"),
    ),
    (
        "spike",
        include_str!("../../experiments/scenarios/spike.toml"),
    ),
    (
        "simfaas",
        include_str!("../../experiments/scenarios/simfaas.toml"),
    ),
    (
        "bench-standard",
        include_str!("../../experiments/bench-standard.toml"),
    ),
    (
        "cold-start-101",
        include_str!("../../experiments/scenarios/cold-start-101.toml"),
    ),
    (
        "scale-out-101",
        include_str!("../../experiments/scenarios/scale-out-101.toml"),
    ),
];

/// One run's complete input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name shown in reports.
    #[serde(default)]
    pub name: Option<String>,
    /// What the scenario shows.
    #[serde(default)]
    pub description: Option<String>,
    /// Horizon, seed, warm-up.
    pub run: RunSpec,
    /// Platform model and its overrides.
    #[serde(default)]
    pub platform: PlatformSpec,
    /// Keep-alive policy (default: fixed 10 minutes), a built-in or a registered one.
    #[serde(default, deserialize_with = "crate::input::keep_alive::read")]
    pub keep_alive: KeepAliveSpec,
    /// Billing switches that override the model.
    #[serde(default)]
    pub billing: BillingSpec,
    /// Hosts with memory (default: unlimited memory).
    #[serde(default)]
    pub cluster: Option<crate::core::platform::cluster::ClusterSpec>,
    /// Optional outputs.
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// The functions (`[[function]]` tables).
    #[serde(rename = "function", default)]
    pub functions: Vec<FunctionSpec>,
    /// A trace to replay or a synthetic population (`[workload]`); its functions join the
    /// `[[function]]` ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<crate::input::workload::WorkloadSpec>,
    /// Databases that functions connect to (`[[database]]`).
    #[serde(default, rename = "database", skip_serializing_if = "Vec::is_empty")]
    pub databases: Vec<DatabaseSpec>,
    /// Where the scenario was read from, its text and the overrides applied, so that errors
    /// found later (on the platform model) can still point at a file and line.
    #[serde(skip)]
    pub source: Source,
}

/// Where a scenario came from (not part of the file format).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Source {
    /// File path or built-in name.
    pub origin: String,
    /// The text as read.
    pub text: String,
    /// `--set` overrides applied on top, as `key=value`.
    pub overrides: Vec<String>,
}

/// `[run]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a [run] table with horizon, seed, warmup"
)]
pub struct RunSpec {
    /// Simulated time; arrivals stop here and requests still running are reported in flight.
    pub horizon: Duration,
    /// Master seed (default 0).
    #[serde(default)]
    pub seed: u64,
    /// Statistics ignore everything that happens before this time.
    #[serde(default)]
    pub warmup: Option<Duration>,
    /// Most async events and queue messages waiting at once (default 10,000,000, about 640 MB);
    /// a backlog beyond it ends the run there, and the report says so.
    #[serde(default)]
    pub max_backlog: Option<u64>,
}

/// `[platform]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a [platform] table with model, account_concurrency, routing, scaling, scaling_rule, front_door"
)]
pub struct PlatformSpec {
    /// A built-in model name (`aws-lambda`) or a path to a model file.
    #[serde(default = "default_model")]
    pub model: String,
    /// Account-wide concurrent requests (default: the model's).
    #[serde(default)]
    pub account_concurrency: Option<u32>,
    /// Routing rule (default `mru`).
    #[serde(default)]
    pub routing: Routing,
    /// Scaling-rate token bucket (default: the model's).
    #[serde(default)]
    pub scaling: Option<Scaling>,
    /// Which of the model's scaling rules applies when `scaling` is not given.
    #[serde(default)]
    pub scaling_rule: ScalingRule,
    /// An HTTP front door named in the model (e.g. `api-gateway-rest`), or `none` (default).
    #[serde(default)]
    pub front_door: Option<String>,
}

/// Which of a model's scaling rules a scenario uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScalingRule {
    /// The model's `[scaling]` (Lambda: the 2023 per-function rule).
    #[default]
    Current,
    /// The model's `[scaling_legacy]` (Lambda: the account-wide burst before November 2023).
    Legacy,
}

fn default_model() -> String {
    "aws-lambda".to_string()
}

impl Default for PlatformSpec {
    fn default() -> Self {
        PlatformSpec {
            model: default_model(),
            account_concurrency: None,
            routing: Routing::default(),
            scaling: None,
            scaling_rule: ScalingRule::default(),
            front_door: None,
        }
    }
}

/// `[billing]`: switches over the model's prices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a [billing] table with rounding, bill_init, free_tier"
)]
pub struct BillingSpec {
    /// Per-invocation rounding of billed duration (Lambda: "1ms"; before Dec 2020 "100ms").
    #[serde(default)]
    pub rounding: Option<Duration>,
    /// Whether cold-start (init) time is billed.
    #[serde(default)]
    pub bill_init: Option<bool>,
    /// Whether the monthly free tier is subtracted.
    #[serde(default)]
    pub free_tier: Option<bool>,
}

/// `[metrics]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [metrics] table with timeseries")]
pub struct MetricsSpec {
    /// Width of time-series buckets; no time series when absent.
    #[serde(default)]
    pub timeseries: Option<Duration>,
}

/// A seed must be a TOML integer (at most 2^63 − 1), so that every door takes the same seeds:
/// a sweep writes its seed back as `run.seed=N`, which TOML cannot read beyond that.
pub(crate) fn check_seed(field: &str, seed: u64) -> Result<(), FieldError> {
    if seed > i64::MAX as u64 {
        return Err(FieldError::new(
            field,
            format!(
                "{seed} is larger than the largest TOML integer, 9223372036854775807 (2^63 - 1)"
            ),
        ));
    }
    Ok(())
}

/// Whether `text` is an experiment rather than a scenario: its top level has the keys only an
/// experiment has. Used to point a user who gave one to `run` at `sweep`.
fn is_experiment(text: &str) -> bool {
    let Ok(table) = text.parse::<toml::Table>() else {
        return false;
    };
    ["axis", "replications", "base", "plot"]
        .iter()
        .any(|k| table.contains_key(*k))
}

impl Scenario {
    /// Loads a scenario from a path, or a built-in name when no such file exists, and applies
    /// `--set` overrides (`key.path=value`).
    pub fn load(name_or_path: &str, overrides: &[String]) -> Result<Scenario, InputError> {
        let path = Path::new(name_or_path);
        if path.is_dir() {
            return Err(InputError::new(
                name_or_path,
                "is a directory; name a scenario file (.toml) or a built-in scenario",
            ));
        }
        // Any file that exists is read, pipes included (`faasim run /dev/stdin`).
        if path.exists() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| InputError::io(name_or_path, "cannot read", e))?;
            if text.trim().is_empty() {
                return Err(InputError::new(
                    name_or_path,
                    "is empty; a scenario needs a [run] table and a [[function]] or a [workload] (`faasim scenarios` lists examples)",
                ));
            }
            return Self::from_str_named(&text, name_or_path, overrides);
        }
        if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::from_str_named(text, &format!("built-in scenario '{name}'"), overrides);
        }
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        Err(InputError::new(
            name_or_path,
            format!(
                "no such file, and not a built-in scenario (built-in: {})",
                names.join(", ")
            ),
        ))
    }

    /// Parses scenario `text` whose origin (for messages) is `origin`, then applies overrides
    /// and validates.
    pub fn from_str_named(
        text: &str,
        origin: &str,
        overrides: &[String],
    ) -> Result<Scenario, InputError> {
        // Parse the file as written first, so its own mistakes point at its lines.
        let mut scenario: Scenario = input::from_toml_str(text, origin).map_err(|mut e| {
            if is_experiment(text) {
                e.message.push_str(
                    "; this is an experiment file (it has [[axis]] or replications): run it with `faasim sweep FILE`",
                );
            }
            e
        })?;
        if !overrides.is_empty() {
            let table: toml::Table =
                toml::from_str(text).map_err(|e| input::toml_error(origin, text, &e))?;
            let mut root = toml::Value::Table(table);
            for o in overrides {
                apply_override(&mut root, o).map_err(|m| InputError::new("--set", m))?;
            }
            scenario = Scenario::deserialize(root).map_err(|e| {
                let mut m = format!(
                    "{} (after applying {})",
                    e.message().trim(),
                    overrides.join(" ")
                );
                if m.contains("unknown field") && overrides.iter().any(|o| o.contains(".kind=")) {
                    // Changing a kind leaves the old kind's keys behind.
                    m.push_str(
                        "; to replace a whole table, set it at once, e.g. keep_alive={kind=\"none\"}",
                    );
                }
                InputError::new("--set", m)
            })?;
        }
        scenario.source = Source {
            origin: origin.to_string(),
            text: text.to_string(),
            overrides: overrides.to_vec(),
        };
        if scenario.name.is_none() {
            // A file's stem is a better label than a generic word.
            let stem = Path::new(origin).file_stem().and_then(|s| s.to_str());
            scenario.name = stem.map(str::to_string);
        }
        if let Err(e) = scenario.validate() {
            return Err(scenario.error_at(&e.field, &e.message));
        }
        Ok(scenario)
    }

    /// An error about field `path` (dotted), pointing at the `--set` override that wrote it, or
    /// else at its line in the file (or the nearest written parent when it was left out).
    pub fn error_at(&self, path: &str, message: &str) -> InputError {
        let message = format!("{path}: {message}");
        let set_by = self.source.overrides.iter().find(|o| {
            let key = o.split_once('=').map_or(o.as_str(), |(k, _)| k).trim();
            path == key
                || path.starts_with(&format!("{key}."))
                || key.starts_with(&format!("{path}."))
        });
        if let Some(o) = set_by {
            return InputError::new(format!("--set {o}"), message);
        }
        let (line, column) = input::locate(&self.source.text, path).unzip();
        InputError::at(self.source.origin.clone(), line, column, message)
    }

    /// Places a failure to load the platform model: a model that cannot be found is the
    /// scenario's `platform.model` line; an error inside a model file stays where it is.
    pub fn wrap_model_error(&self, e: InputError) -> InputError {
        if e.line.is_some() {
            e
        } else {
            self.error_at("platform.model", &e.message)
        }
    }

    /// Checks values serde cannot: ranges and consistency. Errors carry the dotted path.
    ///
    /// The parts run in the file's order (run, keep-alive, cluster, platform, metrics,
    /// workload, functions, then the names that tie them together), so a scenario with several
    /// mistakes always reports the same first one.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.check_run()?;
        self.keep_alive
            .validate()
            .map_err(|e| e.within("keep_alive"))?;
        if let Some(Err((k, m))) = self.cluster.as_ref().map(|c| c.validate()) {
            return Err(FieldError::new(format!("cluster.{k}"), m));
        }
        self.check_platform()?;
        self.check_metrics()?;
        if let Some(w) = &self.workload {
            w.validate().map_err(|e| e.within("workload"))?;
        }
        if self.functions.is_empty() && self.workload.is_none() {
            return Err(FieldError::new(
                "function",
                "a scenario needs at least one [[function]] or a [workload]",
            ));
        }
        for (i, f) in self.functions.iter().enumerate() {
            check_function(f).map_err(|e| e.within(&format!("function.{i}")))?;
        }
        self.check_sizes()?;
        self.check_unique_names()?;
        self.validate_composition()
    }

    /// `[run]`: a horizon, and a warm-up that ends before it.
    fn check_run(&self) -> Result<(), FieldError> {
        check_seed("run.seed", self.run.seed)?;
        if self.run.horizon.ns() == 0 {
            return Err(FieldError::new("run.horizon", "must be longer than 0"));
        }
        if let Some(w) = self.run.warmup.filter(|w| *w >= self.run.horizon) {
            return Err(FieldError::new(
                "run.warmup",
                format!(
                    "{w} must be shorter than the horizon ({})",
                    self.run.horizon
                ),
            ));
        }
        Ok(())
    }

    /// `[platform]`: an account limit of at least 1, and an own scaling bucket that refills
    /// and does not come with a choice of the model's rules as well.
    fn check_platform(&self) -> Result<(), FieldError> {
        if self.platform.account_concurrency == Some(0) {
            return Err(FieldError::new(
                "platform.account_concurrency",
                "must be at least 1",
            ));
        }
        if let Some(s) = &self.platform.scaling {
            if s.interval.ns() == 0 {
                return Err(FieldError::new(
                    "platform.scaling.interval",
                    "must be longer than 0",
                ));
            }
            if self.platform.scaling_rule != ScalingRule::Current {
                return Err(FieldError::new(
                    "platform.scaling_rule",
                    "give either scaling (a bucket of your own) or scaling_rule, not both",
                ));
            }
        }
        Ok(())
    }

    /// `[metrics]`: a time-series bucket that is not zero and does not make more buckets over
    /// the measured span than the recorder keeps.
    fn check_metrics(&self) -> Result<(), FieldError> {
        let Some(w) = self.metrics.timeseries else {
            return Ok(());
        };
        if w.ns() == 0 {
            return Err(FieldError::new(
                "metrics.timeseries",
                "must be longer than 0",
            ));
        }
        let span = self.run.horizon.ns() - self.run.warmup.map_or(0, |w| w.ns());
        if span / w.ns() > crate::core::metrics::TimeSeries::MAX_BUCKETS {
            return Err(FieldError::new(
                "metrics.timeseries",
                format!(
                    "{w} makes more than {} buckets over the run; choose a wider bucket",
                    crate::core::metrics::TimeSeries::MAX_BUCKETS
                ),
            ));
        }
        Ok(())
    }

    /// Names in `calls`, `fan_out` and `database` must exist, and calls may not loop.
    fn validate_composition(&self) -> Result<(), FieldError> {
        self.check_databases()?;
        // Edges of the call graph, to refuse loops (a call that calls itself never ends).
        let mut edges: Vec<Vec<usize>> = Vec::with_capacity(self.functions.len());
        for (i, f) in self.functions.iter().enumerate() {
            edges.push(self.callees(i, f)?);
        }
        if let Some(c) = find_loop(&edges) {
            return Err(FieldError::new(
                format!("function.{c}.calls"),
                format!(
                    "'{}' takes part in a loop of calls or fan-outs, which would never end",
                    self.functions[c].name
                ),
            ));
        }
        Ok(())
    }

    /// Copies within their bound and the memory available, before any is made (see
    /// `input::limits`). Each table's copies are checked at its own `copies` line, against the
    /// total so far.
    fn check_sizes(&self) -> Result<(), FieldError> {
        use crate::input::limits::{check_size, BYTES_PER_FUNCTION, MAX_FUNCTIONS};
        let mut total = 0u64;
        for (i, f) in self.functions.iter().enumerate() {
            total += u64::from(f.copies);
            let field = format!("function.{i}.copies");
            check_size(
                &field,
                "functions (copies included)",
                total,
                BYTES_PER_FUNCTION,
                MAX_FUNCTIONS,
            )?;
        }
        // Hosts are bounded by the cluster's own check (a million).
        Ok(())
    }

    /// Every function's name is its own once copies are expanded (`copies = N` names them
    /// `NAME-1` … `NAME-N`): a copy could otherwise take another table's name, and the reports,
    /// keyed by name, would silently merge or drop one of them.
    fn check_unique_names(&self) -> Result<(), FieldError> {
        let mut taken: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, f) in self.functions.iter().enumerate() {
            let names: Vec<String> = if f.copies == 1 {
                vec![f.name.clone()]
            } else {
                (1..=f.copies).map(|c| format!("{}-{c}", f.name)).collect()
            };
            for name in names {
                if let Some(&j) = taken.get(&name) {
                    let by = |k: usize| {
                        let g = &self.functions[k];
                        if g.copies == 1 {
                            format!("function {k} ('{}')", g.name)
                        } else {
                            format!(
                                "a copy of function {k} ('{}', copies = {})",
                                g.name, g.copies
                            )
                        }
                    };
                    let copied = [j, i].into_iter().find(|&k| self.functions[k].copies != 1);
                    let hint = match copied {
                        Some(k) => {
                            let n = &self.functions[k].name;
                            format!(" (the copies of '{n}' are named '{n}-1', '{n}-2', ...)")
                        }
                        None => String::new(),
                    };
                    return Err(FieldError::new(
                        format!("function.{i}.name"),
                        format!(
                            "'{name}' is used by two functions: {} and {}{hint}; rename one",
                            by(j),
                            by(i)
                        ),
                    ));
                }
                taken.insert(name, i);
            }
        }
        Ok(())
    }

    /// `[[database]]` tables: unique names and sound settings.
    fn check_databases(&self) -> Result<(), FieldError> {
        let mut names = std::collections::BTreeSet::new();
        for (i, d) in self.databases.iter().enumerate() {
            if !names.insert(d.name.as_str()) {
                return Err(FieldError::new(
                    format!("database.{i}.name"),
                    format!("'{}' is used by two databases", d.name),
                ));
            }
            if let Err((k, m)) = d.validate() {
                return Err(FieldError::new(format!("database.{i}.{k}"), m));
            }
        }
        Ok(())
    }

    /// The functions that function `i` (`f`) calls or fans out to, by index, after checking
    /// that its database and every callee exist and that its retries and fan-out count are in
    /// range.
    fn callees(&self, i: usize, f: &FunctionSpec) -> Result<Vec<usize>, FieldError> {
        let p = |k: String| format!("function.{i}.{k}");
        if let Some(db) = &f.database {
            self.check_database_named(p("database".into()), db)?;
        }
        let mut edges = Vec::new();
        for (j, c) in f.calls.iter().enumerate() {
            edges.push(self.callee(p(format!("calls.{j}.function")), &c.function)?);
            if let Some(on_error) = &c.on_error {
                edges.push(self.callee(p(format!("calls.{j}.on_error")), on_error)?);
            }
            if c.retries > 10 {
                return Err(FieldError::new(
                    p(format!("calls.{j}.retries")),
                    format!("must be 0 to 10, got {}", c.retries),
                ));
            }
        }
        if let Some(fo) = &f.fan_out {
            edges.push(self.callee(p("fan_out.function".into()), &fo.function)?);
            if let Some(j) = &fo.join {
                edges.push(self.callee(p("fan_out.join".into()), j)?);
            }
            if !(1..=10_000).contains(&fo.count) {
                return Err(FieldError::new(
                    p("fan_out.count".into()),
                    format!("must be 1 to 10000, got {}", fo.count),
                ));
            }
        }
        Ok(edges)
    }

    /// A `[[database]]` named `db` exists; the error (at `path`) lists those that do.
    fn check_database_named(&self, path: String, db: &str) -> Result<(), FieldError> {
        if self.databases.iter().any(|d| d.name == db) {
            return Ok(());
        }
        let known: Vec<&str> = self.databases.iter().map(|d| d.name.as_str()).collect();
        Err(FieldError::new(
            path,
            format!(
                "no [[database]] named '{db}'; accepted: {}",
                if known.is_empty() {
                    "none declared".to_string()
                } else {
                    known.join(", ")
                }
            ),
        ))
    }

    /// The index of the function a call names. Only a table with `copies = 1` can be called
    /// by name (a name with copies is ambiguous); the error (at `path`) lists those that can.
    fn callee(&self, path: String, name: &str) -> Result<usize, FieldError> {
        self.functions
            .iter()
            .position(|f| f.name == name && f.copies == 1)
            .ok_or_else(|| {
                let callable: Vec<&str> = self
                    .functions
                    .iter()
                    .filter(|f| f.copies == 1)
                    .map(|f| f.name.as_str())
                    .collect();
                FieldError::new(
                    path,
                    format!(
                        "no [[function]] named '{name}' with copies = 1; accepted: {}",
                        callable.join(", ")
                    ),
                )
            })
    }

    /// A display name: the `name` key, else "scenario".
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("scenario")
    }
}

/// One `[[function]]` table on its own: its settings, then the distributions, arrivals and
/// modes it describes. Keys are relative to the table (`memory_mb`, not `function.0.memory_mb`).
fn check_function(f: &FunctionSpec) -> Result<(), FieldError> {
    check_function_settings(f)?;
    check_function_behaviour(f)
}

/// A function's sizes and counts: memory, concurrency, copies, provisioned environments,
/// pings, timeout, CPU share, package size and the popularity of its copies.
fn check_function_settings(f: &FunctionSpec) -> Result<(), FieldError> {
    if f.memory_mb == 0 {
        return Err(FieldError::new("memory_mb", "must be at least 1"));
    }
    if f.concurrency_per_instance == Some(0) {
        return Err(FieldError::new(
            "concurrency_per_instance",
            "must be at least 1",
        ));
    }
    if f.copies == 0 {
        return Err(FieldError::new("copies", "must be at least 1"));
    }
    if let Some(Err(m)) = f
        .provisioned_concurrency
        .as_ref()
        .map(Provisioned::validate)
    {
        return Err(FieldError::new("provisioned_concurrency.schedule", m));
    }
    if f.ping.as_ref().is_some_and(|p| p.every.ns() == 0) {
        return Err(FieldError::new("ping.every", "must be longer than 0"));
    }
    if f.timeout.is_some_and(|t| t.ns() == 0) {
        return Err(FieldError::new("timeout", "must be longer than 0"));
    }
    if let Some(c) = f.cpu_bound.filter(|c| !(0.0..=1.0).contains(c)) {
        return Err(FieldError::new(
            "cpu_bound",
            format!("must be between 0 and 1, got {c}"),
        ));
    }
    if let Some(m) = f.package_mb.filter(|m| !(m.is_finite() && *m >= 0.0)) {
        return Err(FieldError::new(
            "package_mb",
            format!("must be a number >= 0, got {m}"),
        ));
    }
    if let Some(Popularity::Zipf { s }) = f.popularity {
        if !(s.is_finite() && s >= 0.0) {
            return Err(FieldError::new(
                "popularity.s",
                format!("must be a number >= 0, got {s}"),
            ));
        }
    }
    Ok(())
}

/// What a function does: its duration and cold-start distributions build, its arrivals
/// start, its invocation mode fits its timeout, its error rate is a probability and its CDN
/// settings are sound.
fn check_function_behaviour(f: &FunctionSpec) -> Result<(), FieldError> {
    f.duration
        .build()
        .map_err(|m| FieldError::new("duration", m))?;
    if let Some(c) = &f.cold_start {
        c.build().map_err(|m| FieldError::new("cold_start", m))?;
    }
    f.arrivals
        .build(1.0)
        .map_err(|m| FieldError::new("arrivals", m))?;
    if let Err((k, m)) = f.invocation.validate(f.timeout) {
        return Err(FieldError::new(format!("invocation.{k}"), m));
    }
    if !(0.0..=1.0).contains(&f.error_rate) {
        return Err(FieldError::new(
            "error_rate",
            format!("must be between 0 and 1, got {}", f.error_rate),
        ));
    }
    if let Some(Err((k, m))) = f.cdn.as_ref().map(|c| c.validate()) {
        return Err(FieldError::new(format!("cdn.{k}"), m));
    }
    Ok(())
}

/// A function on a cycle of the call graph `edges` (function → the functions it calls), if
/// there is one: the first one found by a depth-first search from each function in order.
fn find_loop(edges: &[Vec<usize>]) -> Option<usize> {
    // Depth-first search for a cycle: 0 = unseen, 1 = on the path, 2 = done.
    fn visit(v: usize, edges: &[Vec<usize>], mark: &mut [u8]) -> Option<usize> {
        mark[v] = 1;
        for &w in &edges[v] {
            if mark[w] == 1 {
                return Some(w);
            }
            if mark[w] == 0 {
                if let Some(c) = visit(w, edges, mark) {
                    return Some(c);
                }
            }
        }
        mark[v] = 2;
        None
    }
    let mut mark = vec![0u8; edges.len()];
    for v in 0..edges.len() {
        if mark[v] == 0 {
            if let Some(c) = visit(v, edges, &mut mark) {
                return Some(c);
            }
        }
    }
    None
}
