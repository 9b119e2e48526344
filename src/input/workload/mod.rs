//! The scenario's `[workload]`: a public serverless trace (`azure2019`, `azure2021`,
//! `huawei2023`), a user's own log (`csv`), or an Azure-like synthetic population
//! (`azure-like`, see [`crate::input::synth`]). Its functions join the scenario's
//! `[[function]]` ones.
//!
//! ```no_run
//! use faasim::input::workload::WorkloadSpec;
//! let w: WorkloadSpec = toml::from_str(r#"
//!     kind = "azure2019"
//!     path = "traces/azure2019"
//!     select = { kind = "top", n = 100 }
//!     placement = "uniform"
//! "#).unwrap();
//! let loaded = w.open(std::path::Path::new(".")).unwrap();
//! println!("{} functions", loaded.functions.len());
//! ```

pub mod convert;
pub mod stats;

use crate::core::workload::replay::TraceHandle;
use crate::input::arrivals::ArrivalSpec;
use crate::input::function::{
    common_validate, function_template, WorkloadFunction, WORKLOAD_GROUP,
};
use crate::input::synth::SynthSpec;
use crate::input::trace::{self, Format, Loaded, Select, TraceSpec};
use crate::input::FieldError;
use crate::input::InputError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::{Arc, Mutex};

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
    pub fn validate(&self) -> Result<(), FieldError> {
        let err = |k: &str, m: String| Err(FieldError::new(k, m));
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
            d.build()
                .map_err(|m| FieldError::new("default_duration", m))?;
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
        if let Err(e) = self.validate() {
            return Err(InputError::new(
                "[workload]",
                format!("{}: {}", e.field, e.message),
            ));
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
        let format = match self {
            WorkloadSpec::Azure2019(_) => Format::Azure2019,
            WorkloadSpec::Azure2021(_) => Format::Azure2021,
            WorkloadSpec::Huawei2023(_) => Format::Huawei2023,
            WorkloadSpec::Csv(_) => Format::Csv,
            WorkloadSpec::AzureLike(_) => unreachable!("synthetic workloads are not loaded"),
        };
        let loaded = Arc::new(trace::load(format, t, base)?);
        if let Ok(mut c) = CACHE.lock() {
            c.push((key, loaded.clone()));
            if c.len() > KEEP {
                c.remove(0);
            }
        }
        Ok(loaded)
    }
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
        None => trace::detect_kind(paths, base)?.to_string(),
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
        crate::input::overrides::apply_override(&mut root, o)
            .map_err(|m| InputError::new("--set", m))?;
    }
    let spec = WorkloadSpec::deserialize(root)
        .map_err(|e| InputError::new("--set", e.message().trim().to_string()))?;
    if let Err(e) = spec.validate() {
        return Err(InputError::new(
            "--set",
            format!("{}: {}", e.field, e.message),
        ));
    }
    Ok(spec)
}
