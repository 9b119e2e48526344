//! Trace readers: the public serverless traces (Azure Functions 2019 and 2021, Huawei 2023)
//! and a generic CSV log, read into a [`Loaded`] trace for a `[workload]`.
//!
//! Readers find columns by header name, parse each file once and write every function's entries
//! to a spill file (`core/workload/spill.rs`); replay reads each function lazily
//! ([`crate::core::workload::replay`]). Memory is proportional to the number of functions, never
//! to the number of invocations.

mod azure2019;
mod build;

mod events;
mod huawei;

pub mod table;

use crate::core::platform::function::{Arch, Runtime};
use crate::core::time::{Duration, Rate};
pub use crate::core::workload::replay::{Placement, Recording, TraceHandle, Unit};
use crate::input::dist::DistSpec;
use crate::input::InputError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
pub use table::BadRows;

/// The group id of workload functions' random streams: `(WORKLOAD_GROUP << 32) | index`, far
/// above any `[[function]]` group, so adding a workload never shifts other functions' draws.
pub const WORKLOAD_GROUP: u64 = u32::MAX as u64;

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
    #[serde(default = "crate::input::function::default_runtime")]
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

/// The file formats the readers know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Azure Functions 2019: per-minute counts, durations and memory per day.
    Azure2019,
    /// Azure Functions 2021: one row per invocation.
    Azure2021,
    /// Huawei 2023: per-minute counts, one column per function.
    Huawei2023,
    /// A generic CSV log, one row per invocation.
    Csv,
}

/// Reads the trace `t` in `format`; relative paths are read from `base`.
pub fn load(format: Format, t: &TraceSpec, base: &Path) -> Result<Loaded, InputError> {
    let files = match format {
        Format::Huawei2023 => huawei::resolve(&t.path, base)?,
        _ => resolve(&t.path, base)?,
    };
    match format {
        Format::Azure2019 => azure2019::load(&files, t),
        Format::Azure2021 => events::load(&files, t, events::Format::Azure2021),
        Format::Huawei2023 => huawei::load(&files, t),
        Format::Csv => events::load(&files, t, events::Format::Generic),
    }
}
