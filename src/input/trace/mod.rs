//! Trace replay and synthetic populations: the scenario's `[workload]`.
//!
//! A `[workload]` table names a public serverless trace (`azure2019`, `azure2021`,
//! `huawei2023`), a user's own log (`csv`), or an Azure-like synthetic population
//! (`azure-like`, see [`crate::input::synth`]). Its functions join the scenario's
//! `[[function]]` ones.
//!
//! Readers find columns by header name, parse each file once and write every function's entries
//! to a spill file ([`spill`]); replay reads each function lazily ([`replay`]). Memory is
//! proportional to the number of functions, never to the number of invocations. A loaded trace
//! is cached in the process, so the runs of a sweep share it.
//!
//! ```no_run
//! use faasim::input::trace::WorkloadSpec;
//! let w: WorkloadSpec = toml::from_str(r#"
//!     kind = "azure2019"
//!     path = "traces/azure2019"
//!     select = { kind = "top", n = 100 }
//!     placement = "uniform"
//! "#).unwrap();
//! let loaded = w.open(std::path::Path::new(".")).unwrap();
//! println!("{} functions", loaded.functions.len());
//! ```

mod azure2019;
mod build;
pub mod convert;
mod events;
mod huawei;
pub mod stats;
pub mod table;

use crate::core::platform::function::{Arch, Runtime};
use crate::core::time::{Duration, Rate};
use crate::core::workload::arrivals::ArrivalSpec;
use crate::core::workload::dist::DistSpec;
pub use crate::core::workload::replay::{Placement, Recording, TraceHandle, Unit};
use crate::input::scenario::{FunctionSpec, Scenario};
use crate::input::synth::SynthSpec;
use crate::input::InputError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
pub use table::BadRows;

/// The group id of workload functions' random streams: `(WORKLOAD_GROUP << 32) | index`, far
/// above any `[[function]]` group, so adding a workload never shifts other functions' draws.
pub const WORKLOAD_GROUP: u64 = u32::MAX as u64;

/// A `[workload]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    expecting = "a [workload] table with kind = \"azure2019\", \"azure2021\", \"huawei2023\", \"csv\" or \"azure-like\""
)]
pub enum WorkloadSpec {
    /// Azure Functions 2019: per-minute counts per function, one file per day, with durations
    /// (percentiles per function) and memory (percentiles per application).
    Azure2019(TraceSpec),
    /// Azure Functions 2021: one row per invocation (app, func, end_timestamp, duration).
    Azure2021(TraceSpec),
    /// Huawei public serverless traces of 2023: per-minute request counts, one column per
    /// function, one file per day.
    Huawei2023(TraceSpec),
    /// A generic CSV: timestamp, function [, app, duration_ms, memory_mb], one row per
    /// invocation.
    Csv(TraceSpec),
    /// A synthetic population following the Azure 2019 characterization.
    AzureLike(SynthSpec),
}

/// One path or several.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a path (string) or a list of paths")]
pub enum Paths {
    /// One file or directory.
    One(String),
    /// Several files or directories.
    Many(Vec<String>),
}

impl Paths {
    /// The paths as written.
    pub fn list(&self) -> Vec<&str> {
        match self {
            Paths::One(p) => vec![p.as_str()],
            Paths::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// Which functions of a trace to keep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table with kind = \"all\", \"top\" (n), \"sample\" (n, seed) or \"quartiles\" (n, seed)"
)]
pub enum Select {
    /// Every function invoked in the window (the default).
    All {},
    /// The `n` most invoked (ties by name).
    Top {
        /// How many.
        n: u32,
    },
    /// `n` drawn uniformly at random without replacement, from `seed` (default 0).
    Sample {
        /// How many.
        n: u32,
        /// Seed of the draw (independent of the run's seed, so replications keep the set).
        #[serde(default)]
        seed: Option<u64>,
    },
    /// `n` drawn evenly from the four popularity quartiles (by invocations), as FaasCache did.
    Quartiles {
        /// How many in all (a quarter from each quartile; the remainder to the most popular).
        n: u32,
        /// Seed of the draw (default 0).
        #[serde(default)]
        seed: Option<u64>,
    },
}

/// How an Azure 2019 duration row becomes a distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DurationModel {
    /// The percentile table itself, linear between percentiles (the default).
    #[default]
    Percentiles,
    /// A lognormal with the median and the interquartile spread of the table.
    Lognormal,
}

/// Which column of the Azure 2019 memory table sets an application's memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemoryStat {
    /// `AverageAllocatedMb` (the default).
    #[default]
    Average,
    /// `AverageAllocatedMb_pct1`.
    P1,
    /// `AverageAllocatedMb_pct5`.
    P5,
    /// `AverageAllocatedMb_pct25`.
    P25,
    /// `AverageAllocatedMb_pct50`.
    P50,
    /// `AverageAllocatedMb_pct75`.
    P75,
    /// `AverageAllocatedMb_pct95`.
    P95,
    /// `AverageAllocatedMb_pct99`.
    P99,
    /// `AverageAllocatedMb_pct100`.
    P100,
}

/// Where time 0 of a per-invocation trace is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// At timestamp 0 as written (the default): invocations before it are not replayed.
    #[default]
    Zero,
    /// At the first invocation's timestamp, rounded down to a whole second (for logs with
    /// wall-clock timestamps).
    First,
}

/// The options of a trace workload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a [workload] table with path and options (select, start, end, scale, target_rate, placement, ...)"
)]
pub struct TraceSpec {
    /// Files or directories (every `.csv` inside, by header), relative to the scenario file.
    pub path: Paths,
    /// Which functions to keep (default: all invoked in the window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<Select>,
    /// Start of the replayed window, from the trace's time 0 (default 0); it becomes time 0 of
    /// the run. Per-minute traces round it down to a whole minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Duration>,
    /// End of the window, from the trace's time 0 (default: the end of the data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Duration>,
    /// Multiply every function's rate by this (randomized rounding of counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// Or rescale so that the selected functions' total mean rate is this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_rate: Option<Rate>,
    /// Arrivals inside a minute (per-minute traces): uniform (default), equidistant, poisson.
    #[serde(default)]
    pub placement: Placement,
    /// Azure 2019 durations: percentiles (default) or lognormal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durations: Option<DurationModel>,
    /// Azure 2019 memory statistic (default average).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryStat>,
    /// Time 0 of per-invocation traces (azure2021, csv): zero (default) or first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// Duration of functions the trace gives none for; without it they are left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_duration: Option<DistSpec>,
    /// Memory of functions the trace gives none for (default 128 MB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_memory_mb: Option<u32>,
    /// Malformed rows: fail (default) or skip (counted in `faasim trace stats`).
    #[serde(default)]
    pub bad_rows: BadRows,
    /// Settings every function of the workload gets.
    #[serde(default = "default_runtime")]
    pub runtime: Runtime,
    /// Architecture (default x86).
    #[serde(default)]
    pub arch: Arch,
    /// Cold-start delay (default: the model's, by runtime and memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_start: Option<DistSpec>,
    /// Timeout (default: the model's maximum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Requests one environment serves at once (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_per_instance: Option<u32>,
}

/// The runtime a workload's functions get unless it names one (python).
pub(crate) fn default_runtime() -> Runtime {
    Runtime::Python
}

/// A loaded trace: the selected functions and a summary of what was read.
#[derive(Debug)]
pub struct Loaded {
    /// The selected functions, in trace order.
    pub functions: Vec<TraceFunction>,
    /// What was read.
    pub summary: Summary,
    /// The entries, for replay.
    pub(crate) recording: Arc<Recording>,
    /// Length of the replayed window, ns.
    pub span_ns: u64,
    /// The rate multiplier from `scale` or `target_rate`.
    pub scale: f64,
}

/// One function of a loaded trace.
#[derive(Clone, Debug)]
pub struct TraceFunction {
    /// Name in reports (a short hash for the public traces).
    pub name: String,
    /// Application.
    pub app: String,
    /// Trigger, when the trace says.
    pub trigger: Option<String>,
    /// Position in the trace (order of first appearance): its random streams' index.
    pub index: u32,
    /// Invocations in the window.
    pub invocations: u64,
    /// Warm duration.
    pub duration: DistSpec,
    /// Memory, MB, as recorded (before fitting the model's limits).
    pub memory_mb: f64,
    pub(crate) spill: u32,
    pub(crate) disorder: i64,
}

/// What a load read and left out.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The files read, in order.
    pub files: Vec<String>,
    /// Data rows read (header excluded).
    pub rows: u64,
    /// Rows skipped as malformed (with `bad_rows = "skip"`).
    pub bad_rows: u64,
    /// The first of them.
    pub first_bad: Option<InputError>,
    /// Functions met in the input.
    pub functions_read: usize,
    /// Functions with no invocation in the window.
    pub not_invoked: usize,
    /// Functions left out for want of durations.
    pub dropped_no_duration: usize,
    /// Functions that got `default_duration`.
    pub default_duration: usize,
    /// Functions that got `default_memory_mb`.
    pub default_memory: usize,
    /// Functions eligible for selection.
    pub candidates: usize,
    /// Size of the spill file.
    pub spill_bytes: u64,
}

/// A function of a `[workload]`, ready for the platform.
#[derive(Clone, Debug)]
pub struct WorkloadFunction {
    /// As if written in a `[[function]]` table (arrivals may be a trace replay).
    pub spec: FunctionSpec,
    /// Index of its random streams (group [`WORKLOAD_GROUP`]).
    pub stream: u64,
    /// Its application.
    pub app: String,
    /// Trigger (trace or synthetic), when known.
    pub trigger: Option<String>,
}

/// A workload opened for a run or for `faasim trace`: its functions, and the loaded trace when
/// it is one.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The functions.
    pub functions: Vec<WorkloadFunction>,
    /// The trace behind them (none for a synthetic population).
    pub loaded: Option<Arc<Loaded>>,
}

impl WorkloadSpec {
    /// The kind as written.
    pub fn kind(&self) -> &'static str {
        match self {
            WorkloadSpec::Azure2019(_) => "azure2019",
            WorkloadSpec::Azure2021(_) => "azure2021",
            WorkloadSpec::Huawei2023(_) => "huawei2023",
            WorkloadSpec::Csv(_) => "csv",
            WorkloadSpec::AzureLike(_) => "azure-like",
        }
    }

    /// Checks what can be checked without reading files; errors carry the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        let t = match self {
            WorkloadSpec::AzureLike(s) => return s.validate(),
            WorkloadSpec::Azure2019(t)
            | WorkloadSpec::Azure2021(t)
            | WorkloadSpec::Huawei2023(t)
            | WorkloadSpec::Csv(t) => t,
        };
        let kind = self.kind();
        if t.path.list().is_empty() {
            return err("path", "give at least one file or directory".into());
        }
        match &t.select {
            Some(Select::Top { n } | Select::Sample { n, .. } | Select::Quartiles { n, .. })
                if *n == 0 =>
            {
                return err("select.n", "must be at least 1".into());
            }
            _ => {}
        }
        if let Some(s) = t.scale {
            if !(s.is_finite() && s > 0.0) {
                return err(
                    "scale",
                    format!("must be a positive finite number, got {s}"),
                );
            }
            if t.target_rate.is_some() {
                return err(
                    "target_rate",
                    "give either scale or target_rate, not both".into(),
                );
            }
        }
        if let Some(r) = t.target_rate {
            if !(r.per_sec().is_finite() && r.per_sec() > 0.0) {
                return err("target_rate", "must be a positive rate".into());
            }
        }
        if let (Some(a), Some(b)) = (t.start, t.end) {
            if b <= a {
                return err("end", format!("{b} must be after start ({a})"));
            }
        }
        if t.durations.is_some() && kind != "azure2019" {
            return err(
                "durations",
                format!("applies to kind = \"azure2019\" only (this is {kind})"),
            );
        }
        if t.memory.is_some() && kind != "azure2019" {
            return err(
                "memory",
                format!("applies to kind = \"azure2019\" only (this is {kind})"),
            );
        }
        if t.origin.is_some() && !matches!(kind, "azure2021" | "csv") {
            return err(
                "origin",
                format!("applies to kinds \"azure2021\" and \"csv\" only (this is {kind})"),
            );
        }
        if let Some(d) = &t.default_duration {
            d.build().map_err(|m| ("default_duration".to_string(), m))?;
        }
        if t.default_memory_mb == Some(0) {
            return err("default_memory_mb", "must be at least 1".into());
        }
        common_validate(&t.cold_start, t.timeout, t.concurrency_per_instance)
    }

    /// Loads the trace (from the cache when the same spec was loaded before) or generates the
    /// population; relative paths are read from `base`.
    pub fn open(&self, base: &Path) -> Result<Workload, InputError> {
        let t = match self {
            WorkloadSpec::AzureLike(s) => {
                return Ok(Workload {
                    functions: s.functions(),
                    loaded: None,
                })
            }
            WorkloadSpec::Azure2019(t)
            | WorkloadSpec::Azure2021(t)
            | WorkloadSpec::Huawei2023(t)
            | WorkloadSpec::Csv(t) => t,
        };
        if let Err((k, m)) = self.validate() {
            return Err(InputError::new("[workload]", format!("{k}: {m}")));
        }
        let loaded = self.load_cached(t, base)?;
        let template = function_template(
            t.runtime,
            t.arch,
            &t.cold_start,
            t.timeout,
            t.concurrency_per_instance,
        );
        let functions = loaded
            .functions
            .iter()
            .map(|f| {
                let mut spec = template.clone();
                spec.name = f.name.clone();
                spec.memory_mb = f.memory_mb.ceil().clamp(1.0, u32::MAX as f64) as u32;
                spec.duration = f.duration.clone();
                spec.arrivals = ArrivalSpec::Trace(TraceHandle {
                    recording: loaded.recording.clone(),
                    spill: f.spill,
                    disorder: f.disorder,
                    invocations: f.invocations,
                    placement: t.placement,
                    scale: loaded.scale,
                });
                WorkloadFunction {
                    spec,
                    stream: (WORKLOAD_GROUP << 32) | u64::from(f.index),
                    app: f.app.clone(),
                    trigger: f.trigger.clone(),
                }
            })
            .collect();
        Ok(Workload {
            functions,
            loaded: Some(loaded),
        })
    }

    fn load_cached(&self, t: &TraceSpec, base: &Path) -> Result<Arc<Loaded>, InputError> {
        // Keep the last few loads: the runs of a sweep share them.
        static CACHE: Mutex<Vec<(String, Arc<Loaded>)>> = Mutex::new(Vec::new());
        const KEEP: usize = 2;
        let key = format!(
            "{}\u{0}{}",
            base.display(),
            serde_json::to_string(self).unwrap_or_default()
        );
        if let Ok(c) = CACHE.lock() {
            if let Some((_, l)) = c.iter().find(|(k, _)| *k == key) {
                return Ok(l.clone());
            }
        }
        let files = match self {
            WorkloadSpec::Huawei2023(_) => huawei::resolve(&t.path, base)?,
            _ => resolve(&t.path, base)?,
        };
        let loaded = Arc::new(match self {
            WorkloadSpec::Azure2019(_) => azure2019::load(&files, t)?,
            WorkloadSpec::Azure2021(_) => events::load(&files, t, events::Format::Azure2021)?,
            WorkloadSpec::Huawei2023(_) => huawei::load(&files, t)?,
            WorkloadSpec::Csv(_) => events::load(&files, t, events::Format::Generic)?,
            WorkloadSpec::AzureLike(_) => unreachable!("synthetic workloads are not loaded"),
        });
        if let Ok(mut c) = CACHE.lock() {
            c.push((key, loaded.clone()));
            if c.len() > KEEP {
                c.remove(0);
            }
        }
        Ok(loaded)
    }
}

/// Checks the per-function settings every workload kind shares.
pub(crate) fn common_validate(
    cold_start: &Option<DistSpec>,
    timeout: Option<Duration>,
    per_instance: Option<u32>,
) -> Result<(), (String, String)> {
    if let Some(c) = cold_start {
        c.build().map_err(|m| ("cold_start".to_string(), m))?;
    }
    if timeout.is_some_and(|t| t.ns() == 0) {
        return Err(("timeout".into(), "must be longer than 0".into()));
    }
    if per_instance == Some(0) {
        return Err((
            "concurrency_per_instance".into(),
            "must be at least 1".into(),
        ));
    }
    Ok(())
}

/// A `[[function]]` spec with the workload's shared settings, to be filled in per function;
/// every other field keeps its documented default.
pub(crate) fn function_template(
    runtime: Runtime,
    arch: Arch,
    cold_start: &Option<DistSpec>,
    timeout: Option<Duration>,
    per_instance: Option<u32>,
) -> FunctionSpec {
    let mut spec = FunctionSpec::new(
        "w",
        DistSpec::constant(0.0),
        ArrivalSpec::Poisson { rate: Rate(0.0) },
    );
    spec.runtime = runtime;
    spec.arch = arch;
    spec.cold_start = cold_start.clone();
    spec.timeout = timeout;
    spec.concurrency_per_instance = per_instance;
    spec
}

/// The directory relative paths of a scenario are read from: its file's (for an experiment's
/// inline `[base]`, the experiment file's), else the current one.
pub fn base_dir(origin: &str) -> PathBuf {
    let p = Path::new(origin.strip_suffix(" [base]").unwrap_or(origin));
    if p.is_file() {
        p.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        PathBuf::new()
    }
}

/// Expands paths: a file is itself, a directory is its `.csv` files (sorted by name).
pub fn resolve(paths: &Paths, base: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::new();
    for p in paths.list() {
        let path = base.join(p);
        if path.is_dir() {
            let rd = std::fs::read_dir(&path).map_err(|e| {
                InputError::new(path.display().to_string(), format!("cannot list: {e}"))
            })?;
            let mut v: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv"))
                })
                .collect();
            v.sort();
            if v.is_empty() {
                return Err(InputError::new(
                    path.display().to_string(),
                    "no .csv files in this directory",
                ));
            }
            out.extend(v);
        } else if path.is_file() {
            out.push(path);
        } else {
            return Err(InputError::new(
                path.display().to_string(),
                "no such file or directory",
            ));
        }
    }
    Ok(out)
}

/// The `[workload]` functions of `scenario`, with memory fitted into `[mem_min, mem_max]` MB
/// (the platform model's range). Errors are messages for the `workload` key.
pub fn scenario_functions(
    scenario: &Scenario,
    limits: &crate::input::model::Limits,
) -> Result<Vec<WorkloadFunction>, String> {
    let Some(w) = &scenario.workload else {
        return Ok(Vec::new());
    };
    let base = base_dir(&scenario.source.origin);
    let mut fs = w.open(&base).map_err(|e| e.to_string())?.functions;
    for f in &mut fs {
        f.spec.memory_mb = f.spec.memory_mb.clamp(
            limits.memory_mb_min,
            limits.memory_mb_max.max(limits.memory_mb_min),
        );
    }
    Ok(fs)
}

/// Guesses a trace's kind from the header of its first CSV file.
pub fn detect_kind(paths: &[String], base: &Path) -> Result<&'static str, InputError> {
    let list = Paths::Many(paths.to_vec());
    let files = huawei::resolve(&list, base)?;
    let Some(first) = files.first() else {
        return Err(InputError::new(
            "trace",
            "give at least one file or directory",
        ));
    };
    let mut r = table::open(first)?;
    let h = table::header(&mut r)?;
    let has = |n: &str| h.find(n).is_some();
    let numeric = h
        .names()
        .iter()
        .filter(|n| n.parse::<u64>().is_ok())
        .count();
    Ok(if has("HashFunction") || has("AverageAllocatedMb") {
        "azure2019"
    } else if has("end_timestamp") {
        "azure2021"
    } else if has("timestamp") && has("function") {
        "csv"
    } else if has("time") && numeric > 0 {
        "huawei2023"
    } else {
        return Err(r.error_at(
            0,
            "cannot tell the trace's kind from this header; give --kind azure2019, azure2021, \
             huawei2023 or csv",
        ));
    })
}

/// A `[workload]` for `faasim trace`: `kind` (or detected), the paths, and `KEY=VALUE` options
/// as in a scenario's `[workload]` table.
pub fn spec_from_args(
    paths: &[String],
    kind: Option<&str>,
    options: &[String],
    base: &Path,
) -> Result<WorkloadSpec, InputError> {
    let kind = match kind {
        Some(k) => k.to_string(),
        None => detect_kind(paths, base)?.to_string(),
    };
    let mut t = toml::Table::new();
    t.insert("kind".into(), toml::Value::String(kind));
    if !paths.is_empty() {
        t.insert(
            "path".into(),
            toml::Value::Array(
                paths
                    .iter()
                    .map(|p| toml::Value::String(p.clone()))
                    .collect(),
            ),
        );
    }
    let mut root = toml::Value::Table(t);
    for o in options {
        crate::input::scenario::apply_override(&mut root, o)
            .map_err(|m| InputError::new("--set", m))?;
    }
    let spec = WorkloadSpec::deserialize(root)
        .map_err(|e| InputError::new("--set", e.message().trim().to_string()))?;
    if let Err((k, m)) = spec.validate() {
        return Err(InputError::new("--set", format!("{k}: {m}")));
    }
    Ok(spec)
}
