//! Platform models: the limits, scaling rules, cold-start figures and prices of a FaaS platform,
//! read from a TOML file (see `models/aws-lambda.toml`).
//!
//! A model is named on the command line or in a scenario either by a built-in name
//! ([`BUILTIN`]) or by the path of a file. [`load`] reads it, reports TOML and unknown-key errors
//! with their line and column, and then checks the figures with [`PlatformModel::validate`].
//!
//! ```
//! use faasim::core::platform::function::Runtime;
//! use faasim::input::model;
//! let m = model::load("aws-lambda").unwrap();
//! let java = m.runtime_cold_start(Runtime::Java).unwrap();
//! // Below one vCPU's worth of memory, init is slower.
//! assert!(m.cold_start_scale(512, java) > 1.0);
//! assert_eq!(m.cold_start_scale(4096, java), 1.0);
//! ```

pub use crate::core::billing::prices::{ArchPrices, FrontDoor, Meter, Pricing, RequestTier, Tier};
use crate::core::billing::terms::ModelTerms;
use crate::core::platform::function::Runtime;
pub use crate::core::platform::limits::{Scaling, ScalingScope};
use crate::core::time::{Duration, Span};
use crate::input::dist::DistSpec;
use crate::input::function::FunctionSpec;
use crate::input::scenario::ScalingRule;
use crate::input::FieldError;
use crate::input::{from_toml_str, locate, InputError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The models compiled into the binary: `(name, TOML text)`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("aws-lambda", include_str!("../../models/aws-lambda.toml")),
    (
        "gcp-cloud-run",
        include_str!("../../models/gcp-cloud-run.toml"),
    ),
    (
        "gcp-cloud-functions-gen1",
        include_str!("../../models/gcp-cloud-functions-gen1.toml"),
    ),
    (
        "gcp-cloud-functions-gen2",
        include_str!("../../models/gcp-cloud-functions-gen2.toml"),
    ),
    (
        "azure-functions",
        include_str!("../../models/azure-functions.toml"),
    ),
    (
        "azure-functions-flex",
        include_str!("../../models/azure-functions-flex.toml"),
    ),
    (
        "cloudflare-workers",
        include_str!("../../models/cloudflare-workers.toml"),
    ),
    (
        "vercel-functions",
        include_str!("../../models/vercel-functions.toml"),
    ),
    (
        "netlify-functions",
        include_str!("../../models/netlify-functions.toml"),
    ),
];

/// A whole platform model file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformModel {
    /// Short name, e.g. `aws-lambda`.
    pub name: String,
    /// One line saying what the model covers.
    pub description: String,
    /// Quotas and bounds on function configuration.
    pub limits: Limits,
    /// How fast new execution environments may be created.
    pub scaling: Scaling,
    /// An older scaling rule, kept so scenarios can compare against it.
    #[serde(default)]
    pub scaling_legacy: Option<Scaling>,
    /// How CPU follows memory.
    pub cpu: Cpu,
    /// Cold-start durations.
    pub cold_start: ColdStartModel,
    /// Prices.
    pub pricing: Pricing,
    /// Requests an environment serves at once, and how many environments a function may keep.
    #[serde(default)]
    pub instances: Instances,
    /// HTTP front doors (API gateways) a scenario may put before its functions, by name.
    #[serde(default)]
    pub front_door: BTreeMap<String, FrontDoor>,
}

/// Per-instance concurrency and instance counts.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Instances {
    /// Requests one environment serves at once when the platform is left at its default
    /// (Lambda 1, Cloud Run 80). Informational until scenarios can leave the value unset.
    #[serde(default = "one")]
    pub concurrency_default: u32,
    /// Largest per-instance concurrency a function may be given.
    #[serde(default = "one")]
    pub concurrency_max: u32,
    /// Largest number of environments kept warm on purpose (provisioned concurrency, minimum
    /// instances, always-ready instances); `None` when only the account limit applies.
    #[serde(default)]
    pub min_instances_max: Option<u32>,
}

impl Default for Instances {
    fn default() -> Self {
        Instances {
            concurrency_default: 1,
            concurrency_max: 1,
            min_instances_max: None,
        }
    }
}

fn one() -> u32 {
    1
}

/// Quotas and bounds on function configuration.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Concurrent executions allowed across the whole account (region).
    pub account_concurrency: u32,
    /// Smallest memory a function may be given, in MB.
    pub memory_mb_min: u32,
    /// Largest memory a function may be given, in MB.
    pub memory_mb_max: u32,
    /// Longest timeout a function may have; also the timeout faasim uses when a scenario gives none.
    pub max_timeout: Duration,
    /// The timeout the platform's console suggests. Informational: faasim does not apply it.
    pub default_timeout: Duration,
    /// Longest an environment's initialisation may take before it fails.
    pub init_timeout: Duration,
    /// Largest synchronous request or response payload, MB. Informational: faasim does not
    /// model payloads.
    #[serde(default)]
    pub payload_mb: Option<f64>,
}

/// Checks that a scaling bucket can ever hand out a token and that its refill is well defined;
/// the error names the key.
pub(crate) fn check_scaling(s: &Scaling) -> Result<(), FieldError> {
    if s.burst == 0 {
        return Err(key(
            "burst",
            "must be at least 1, or no environment could ever start",
        ));
    }
    if s.interval.ns() == 0 {
        return Err(key("interval", "must be longer than 0"));
    }
    Ok(())
}

/// How CPU follows memory.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cpu {
    /// Memory at which a function gets one full vCPU; below it CPU is a proportional fraction.
    pub full_vcpu_memory_mb: u32,
    /// CPU allocated by memory size, when it is not simply proportional: the first step whose
    /// `up_to_mb` is at least the function's memory gives its CPU units (vCPU, or GHz where the
    /// price list counts GHz). Empty: `memory_mb / full_vcpu_memory_mb` vCPU.
    #[serde(default)]
    pub by_memory: Vec<CpuStep>,
    /// When `by_memory` counts GHz (Cloud Functions 1st gen), the GHz that make one vCPU.
    #[serde(default)]
    pub ghz_per_vcpu: Option<f64>,
}

/// One step of a memory-to-CPU table.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CpuStep {
    /// Largest memory, MB, that gets these CPU units.
    pub up_to_mb: u32,
    /// CPU units allocated (vCPU or GHz, as the model's prices count them).
    pub units: f64,
}

/// Cold-start durations: a platform part common to all runtimes plus a per-runtime init part.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColdStartModel {
    /// Platform overhead of creating an environment (placement, sandbox, code fetch).
    pub platform: DistSpec,
    /// Runtime start plus function init, per runtime.
    pub runtime: BTreeMap<Runtime, RuntimeColdStart>,
    /// Fetching code or an image larger than the platform part already covers.
    #[serde(default)]
    pub package: Option<PackageFetch>,
    /// Restoring a snapshot of an initialized environment instead of running init
    /// (Lambda SnapStart), for functions that ask for it.
    #[serde(default)]
    pub snapshot: Option<SnapshotRestore>,
}

/// How package or image size lengthens a cold start: megabytes beyond `included_mb` are fetched
/// at `mb_per_s`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PackageFetch {
    /// Size already covered by the platform part of the cold start (a small ZIP).
    pub included_mb: f64,
    /// Effective fetch-and-unpack rate for the rest.
    pub mb_per_s: f64,
}

/// Snapshot restore as a cold-start mitigation.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRestore {
    /// Runtimes that support it.
    pub runtimes: Vec<Runtime>,
    /// Restore time, replacing the runtime's init.
    pub restore: DistSpec,
    /// Price per GB-second of keeping the snapshot cached, for the whole run (0 where free).
    #[serde(default)]
    pub cache_per_gb_s: f64,
    /// Price per GB of memory restored, for every restore (0 where free).
    #[serde(default)]
    pub restore_per_gb: f64,
    /// Runtimes on which the snapshot is free (Java on Lambda).
    #[serde(default)]
    pub free_on: Vec<Runtime>,
}

/// The init part of a cold start for one runtime.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeColdStart {
    /// Init duration at or above one full vCPU of memory.
    pub init: DistSpec,
    /// Exponent of the slow-down below one vCPU: init is multiplied by
    /// `max(1, full_vcpu_memory_mb / memory_mb) ^ memory_sensitivity`. 0 means memory does not
    /// matter, 1 means init is entirely CPU-bound.
    pub memory_sensitivity: f64,
}

/// Shorthand for a validation error at a dotted key path.
fn key(path: &str, msg: &str) -> FieldError {
    FieldError::new(path, msg)
}

/// Checks that a price or amount is a finite number that is not negative.
fn non_negative(path: &str, v: f64) -> Result<(), FieldError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(FieldError::new(
            path.to_string(),
            format!("must be a finite number >= 0, not {v}"),
        ))
    }
}

/// The quotas are at least 1, the memory bounds are in order and the timeouts are not zero
/// (the suggested one no longer than the largest).
fn check_limits(l: &Limits) -> Result<(), FieldError> {
    if l.account_concurrency == 0 {
        return Err(key("limits.account_concurrency", "must be at least 1"));
    }
    if l.memory_mb_min == 0 {
        return Err(key("limits.memory_mb_min", "must be at least 1"));
    }
    if l.memory_mb_max < l.memory_mb_min {
        return Err(FieldError::new(
            "limits.memory_mb_max",
            format!(
                "{} is below memory_mb_min ({})",
                l.memory_mb_max, l.memory_mb_min
            ),
        ));
    }
    if l.max_timeout.ns() == 0 {
        return Err(key("limits.max_timeout", "must be longer than 0"));
    }
    if l.default_timeout > l.max_timeout {
        return Err(FieldError::new(
            "limits.default_timeout",
            format!(
                "{} is longer than max_timeout ({})",
                l.default_timeout, l.max_timeout
            ),
        ));
    }
    if l.init_timeout.ns() == 0 {
        return Err(key("limits.init_timeout", "must be longer than 0"));
    }
    Ok(())
}

/// Prices are not negative, roundings are not zero, and each architecture's duration tiers
/// and each meter's figures are well formed.
fn check_pricing(p: &Pricing) -> Result<(), FieldError> {
    non_negative("pricing.request_per_million", p.request_per_million)?;
    if p.duration_rounding.ns() == 0 {
        return Err(key("pricing.duration_rounding", "must be longer than 0"));
    }
    non_negative("pricing.free_requests_per_month", p.free_requests_per_month)?;
    non_negative("pricing.free_gb_s_per_month", p.free_gb_s_per_month)?;
    for (name, a) in [("x86", &p.x86), ("arm", &p.arm)] {
        check_arch(&format!("pricing.{name}"), a)?;
    }
    if p.memory_rounding_mb == 0 {
        return Err(key("pricing.memory_rounding_mb", "must be at least 1"));
    }
    non_negative("pricing.subscription_per_month", p.subscription_per_month)?;
    non_negative(
        "pricing.included_requests_per_month",
        p.included_requests_per_month,
    )?;
    for (i, m) in p.meters.iter().enumerate() {
        for (k, v) in meter_figures(m) {
            non_negative(&format!("pricing.meters.{i}.{k}"), v)?;
        }
    }
    Ok(())
}

/// A meter's prices and free amounts, by key, in the order they are checked.
fn meter_figures(m: &Meter) -> Vec<(&'static str, f64)> {
    match m {
        Meter::InvocationCpu { per_unit_s } => vec![("per_unit_s", *per_unit_s)],
        Meter::InstanceTime {
            per_vcpu_s,
            per_gib_s,
            idle_per_vcpu_s,
            idle_per_gib_s,
            free_vcpu_s_per_month,
            free_gib_s_per_month,
            ..
        } => vec![
            ("per_vcpu_s", *per_vcpu_s),
            ("per_gib_s", *per_gib_s),
            ("idle_per_vcpu_s", *idle_per_vcpu_s),
            ("idle_per_gib_s", *idle_per_gib_s),
            ("free_vcpu_s_per_month", *free_vcpu_s_per_month),
            ("free_gib_s_per_month", *free_gib_s_per_month),
        ],
        Meter::CpuTime {
            per_million_cpu_ms,
            included_cpu_ms_per_month,
        } => vec![
            ("per_million_cpu_ms", *per_million_cpu_ms),
            ("included_cpu_ms_per_month", *included_cpu_ms_per_month),
        ],
    }
}

/// The GHz per vCPU, when given, is positive, and the memory-to-CPU steps rise in memory and
/// give positive CPU units.
fn check_cpu_table(cpu: &Cpu) -> Result<(), FieldError> {
    if let Some(g) = cpu.ghz_per_vcpu.filter(|g| !(g.is_finite() && *g > 0.0)) {
        return Err(FieldError::new(
            "cpu.ghz_per_vcpu",
            format!("must be a finite number > 0, not {g}"),
        ));
    }
    let mut prev = 0;
    for (i, step) in cpu.by_memory.iter().enumerate() {
        let at = format!("cpu.by_memory.{i}");
        if step.up_to_mb <= prev {
            return Err(FieldError::new(
                format!("{at}.up_to_mb"),
                format!("{} must be above the previous step ({prev})", step.up_to_mb),
            ));
        }
        if !(step.units.is_finite() && step.units > 0.0) {
            return Err(FieldError::new(
                format!("{at}.units"),
                format!("must be a finite number > 0, not {}", step.units),
            ));
        }
        prev = step.up_to_mb;
    }
    Ok(())
}

/// The default per-instance concurrency is at least 1 and within the largest allowed.
fn check_instances(inst: &Instances) -> Result<(), FieldError> {
    if inst.concurrency_default == 0 || inst.concurrency_max < inst.concurrency_default {
        return Err(FieldError::new(
            "instances.concurrency_default",
            format!(
                "{} must be at least 1 and at most concurrency_max ({})",
                inst.concurrency_default, inst.concurrency_max
            ),
        ));
    }
    Ok(())
}

impl PlatformModel {
    /// Checks the figures that deserialisation cannot: every runtime present, distributions that
    /// build, tiers in order, prices not negative, sane memory bounds. The message starts with the
    /// dotted key path of the offending value.
    pub fn validate(&self) -> Result<(), String> {
        self.check()
            .map_err(|e| format!("{}: {}", e.field, e.message))
    }

    /// Like [`validate`](Self::validate) but keeps the key path apart, so that [`parse`] can turn
    /// it into a line number. The parts run in the order the file's sections are documented, so
    /// a model with several mistakes always reports the same first one.
    fn check(&self) -> Result<(), FieldError> {
        check_limits(&self.limits)?;
        check_scaling(&self.scaling).map_err(|e| e.within("scaling"))?;
        if let Some(s) = &self.scaling_legacy {
            check_scaling(s).map_err(|e| e.within("scaling_legacy"))?;
        }
        if self.cpu.full_vcpu_memory_mb == 0 {
            return Err(key("cpu.full_vcpu_memory_mb", "must be at least 1"));
        }
        self.check_runtime_cold_starts()?;
        check_pricing(&self.pricing)?;
        check_cpu_table(&self.cpu)?;
        check_instances(&self.instances)?;
        self.check_cold_start_extras()?;
        self.check_front_doors()
    }

    /// The platform part of a cold start builds, and every runtime has an init that builds and
    /// a memory sensitivity that is not negative.
    fn check_runtime_cold_starts(&self) -> Result<(), FieldError> {
        self.cold_start
            .platform
            .build()
            .map_err(|e| FieldError::new("cold_start.platform", e))?;
        for rt in Runtime::ALL {
            let path = format!("cold_start.runtime.{rt}");
            let Some(cs) = self.cold_start.runtime.get(&rt) else {
                return Err(FieldError::new(
                    "cold_start.runtime",
                    format!(
                        "no [{path}] table; every runtime needs one ({})",
                        runtime_names()
                    ),
                ));
            };
            cs.init.build().map_err(|e| (format!("{path}.init"), e))?;
            non_negative(&format!("{path}.memory_sensitivity"), cs.memory_sensitivity)?;
        }
        Ok(())
    }

    /// The optional parts of a cold start: a package fetch with a positive rate, a snapshot
    /// restore that builds and prices that are not negative.
    fn check_cold_start_extras(&self) -> Result<(), FieldError> {
        if let Some(pk) = &self.cold_start.package {
            non_negative("cold_start.package.included_mb", pk.included_mb)?;
            if !(pk.mb_per_s.is_finite() && pk.mb_per_s > 0.0) {
                return Err(key(
                    "cold_start.package.mb_per_s",
                    "must be a finite number > 0",
                ));
            }
        }
        if let Some(snap) = &self.cold_start.snapshot {
            snap.restore
                .build()
                .map_err(|e| FieldError::new("cold_start.snapshot.restore", e))?;
            non_negative("cold_start.snapshot.cache_per_gb_s", snap.cache_per_gb_s)?;
            non_negative("cold_start.snapshot.restore_per_gb", snap.restore_per_gb)?;
        }
        Ok(())
    }

    /// Front doors: `none` is not a name a model may give one (it means no front door), and
    /// each has well-formed request tiers.
    fn check_front_doors(&self) -> Result<(), FieldError> {
        for (name, fd) in &self.front_door {
            let at = format!("front_door.{name}");
            if name == "none" {
                return Err(FieldError::new(at, "'none' is reserved for no front door"));
            }
            check_request_tiers(&format!("{at}.tiers"), &fd.tiers)?;
        }
        Ok(())
    }

    /// The cold-start figures for a runtime, if the model has them (a validated model has all).
    pub fn runtime_cold_start(&self, rt: Runtime) -> Option<&RuntimeColdStart> {
        self.cold_start.runtime.get(&rt)
    }

    /// CPU units a function of `memory_mb` gets: from `[cpu] by_memory` when the model has
    /// that table (the first step at or above the memory; the last step beyond it), else
    /// `memory_mb / full_vcpu_memory_mb` vCPU, as on Lambda.
    pub fn cpu_units(&self, memory_mb: u32) -> f64 {
        match self.cpu.by_memory.last() {
            None => f64::from(memory_mb) / f64::from(self.cpu.full_vcpu_memory_mb.max(1)),
            Some(last) => {
                self.cpu
                    .by_memory
                    .iter()
                    .find(|s| s.up_to_mb >= memory_mb)
                    .unwrap_or(last)
                    .units
            }
        }
    }

    /// Factor on the warm duration of a function whose CPU-bound share is `cpu_bound`: the
    /// duration is measured with a full vCPU, and below `full_vcpu_memory_mb` the CPU share
    /// is proportional to memory, so `cpu_bound × duration` takes `full / memory` times as
    /// long: `(1 - cpu_bound) + cpu_bound × max(1, full_vcpu_memory_mb / memory_mb)`. More
    /// than one vCPU does not speed up a single request (most handlers are single-threaded).
    pub fn exec_scale(&self, memory_mb: u32, cpu_bound: f64) -> f64 {
        let ratio = f64::from(self.cpu.full_vcpu_memory_mb) / f64::from(memory_mb.max(1));
        let f = cpu_bound.clamp(0.0, 1.0);
        (1.0 - f) + f * ratio.max(1.0)
    }

    /// Uses the model's `[scaling_legacy]` rule as its scaling when the scenario asks for it.
    /// The error names the key and what is accepted.
    pub fn select_scaling(&mut self, rule: ScalingRule) -> Result<(), FieldError> {
        if rule == ScalingRule::Legacy {
            let legacy = self.scaling_legacy.clone().ok_or_else(|| {
                (
                    "platform.scaling_rule".to_string(),
                    format!(
                        "model '{}' has no [scaling_legacy] rule; use \"current\"",
                        self.name
                    ),
                )
            })?;
            self.scaling = legacy;
        }
        Ok(())
    }

    /// The cold-start terms of function `spec` when the model draws its cold start (the
    /// scenario gave no `cold_start`); `None` when the scenario's own distribution applies or
    /// the model lacks the runtime (which [`validate`](Self::validate) rules out).
    pub fn cold_start_terms(&self, spec: &FunctionSpec) -> Option<ColdStartTerms> {
        if spec.cold_start.is_some() {
            return None;
        }
        let rt = self.runtime_cold_start(spec.runtime)?;
        let fixed = match (&self.cold_start.package, spec.package_mb) {
            (Some(pk), Some(mb)) if mb > pk.included_mb => {
                Span::from_secs_f64((mb - pk.included_mb) / pk.mb_per_s)
            }
            _ => Span::ZERO,
        };
        let (init, init_scale) = match (&self.cold_start.snapshot, spec.snapstart) {
            (Some(snap), true) => (snap.restore.clone(), 1.0),
            _ => (rt.init.clone(), self.cold_start_scale(spec.memory_mb, rt)),
        };
        Some(ColdStartTerms {
            platform: self.cold_start.platform.clone(),
            init,
            init_scale,
            fixed,
        })
    }

    /// Checks function `spec` (running `per_instance` requests per environment; its keys under
    /// the dotted `prefix`, e.g. `function.2`) and a front door named in the scenario (`None` or
    /// `"none"` for none) against the model, and works out what the model makes of them.
    /// Errors carry the scenario's dotted path.
    pub fn terms(
        &self,
        spec: &FunctionSpec,
        per_instance: u32,
        prefix: &str,
        front_door: Option<&str>,
    ) -> Result<ModelTerms, FieldError> {
        let at = |k: &str| format!("{prefix}.{k}");
        self.check_instance_counts(spec, per_instance, &at)?;
        let cpu_units = self.cpu_units(spec.memory_mb);
        let mut plan = ModelTerms {
            cpu_units,
            vcpu: cpu_units / self.cpu.ghz_per_vcpu.unwrap_or(1.0),
            cpu_bound: spec.cpu_bound.unwrap_or(0.0).clamp(0.0, 1.0),
            per_instance,
            ..ModelTerms::default()
        };
        plan.exec_scale = self.exec_scale(spec.memory_mb, plan.cpu_bound);
        if spec.snapstart {
            let snap = self.snapshot_for(spec, &at)?;
            plan.snapstart = true;
            if !snap.free_on.contains(&spec.runtime) {
                plan.snapshot_cache_per_gb_s = snap.cache_per_gb_s;
                plan.snapshot_restore_per_gb = snap.restore_per_gb;
            }
        }
        if let Some(t) = self.cold_start_terms(spec) {
            plan.fetch = t.fixed;
        }
        plan.front_door = self.front_door_named(front_door)?;
        Ok(plan)
    }

    /// The function's per-instance concurrency and provisioned environments are within what
    /// the model allows; `at` makes the function's dotted key path.
    fn check_instance_counts(
        &self,
        spec: &FunctionSpec,
        per_instance: u32,
        at: &dyn Fn(&str) -> String,
    ) -> Result<(), FieldError> {
        let inst = &self.instances;
        if per_instance > inst.concurrency_max {
            return Err(FieldError::new(
                at("concurrency_per_instance"),
                format!(
                    "{} is more than model '{}' allows per instance ({})",
                    per_instance, self.name, inst.concurrency_max
                ),
            ));
        }
        let provisioned = spec.provisioned_concurrency.as_ref().map(|p| p.max());
        if let (Some(p), Some(max)) = (provisioned, inst.min_instances_max) {
            if p > max {
                return Err(FieldError::new(
                    at("provisioned_concurrency"),
                    format!(
                        "{p} is more than model '{}' keeps warm per function ({max})",
                        self.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The snapshot restore a function that asks for SnapStart gets: refused when the function
    /// gives its own cold start (the snapshot would change nothing) or when the model restores
    /// no snapshot of its runtime.
    fn snapshot_for(
        &self,
        spec: &FunctionSpec,
        at: &dyn Fn(&str) -> String,
    ) -> Result<&SnapshotRestore, FieldError> {
        if spec.cold_start.is_some() {
            return Err(FieldError::new(
                at("snapstart"),
                "has no effect when the function gives its own cold_start; drop one of them",
            ));
        }
        let snapshot = self.cold_start.snapshot.as_ref();
        if let Some(snap) = snapshot.filter(|s| s.runtimes.contains(&spec.runtime)) {
            return Ok(snap);
        }
        let supported = snapshot.map_or(String::new(), |s| {
            s.runtimes
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(", ")
        });
        Err(FieldError::new(
            at("snapstart"),
            if supported.is_empty() {
                format!("model '{}' has no snapshot restore", self.name)
            } else {
                format!(
                    "model '{}' restores snapshots only for {supported}, not {}",
                    self.name, spec.runtime
                )
            },
        ))
    }

    /// The front door a scenario names, with its prices; `None` (or `"none"`) for none. The
    /// error lists the model's front doors.
    fn front_door_named(
        &self,
        name: Option<&str>,
    ) -> Result<Option<(String, FrontDoor)>, FieldError> {
        let Some(name) = name.filter(|n| *n != "none") else {
            return Ok(None);
        };
        let fd = self.front_door.get(name).ok_or_else(|| {
            let mut names: Vec<&str> = self.front_door.keys().map(String::as_str).collect();
            names.push("none");
            (
                "platform.front_door".to_string(),
                format!(
                    "model '{}' has no front door '{name}'; accepted: {}",
                    self.name,
                    names.join(", ")
                ),
            )
        })?;
        Ok(Some((name.to_string(), fd.clone())))
    }

    /// Factor by which init is slower at `memory_mb` than with a full vCPU:
    /// `max(1, full_vcpu_memory_mb / memory_mb) ^ memory_sensitivity`. Init is partly CPU-bound and
    /// CPU is proportional to memory below one vCPU; above it extra vCPUs do not help a mostly
    /// single-threaded init, hence the floor of 1.
    pub fn cold_start_scale(&self, memory_mb: u32, rt: &RuntimeColdStart) -> f64 {
        let ratio = f64::from(self.cpu.full_vcpu_memory_mb) / f64::from(memory_mb.max(1));
        ratio.max(1.0).powf(rt.memory_sensitivity)
    }
}

/// The parts of a model-drawn cold start for one function: `platform + init × init_scale +
/// fixed`, where `fixed` is the package fetch.
#[derive(Clone, Debug)]
pub struct ColdStartTerms {
    /// Platform overhead.
    pub platform: DistSpec,
    /// Runtime init, or snapshot restore with SnapStart.
    pub init: DistSpec,
    /// Slow-down of init below one vCPU (1 for a restore).
    pub init_scale: f64,
    /// Fetching a package beyond what the platform part covers.
    pub fixed: Span,
}

fn check_request_tiers(path: &str, tiers: &[RequestTier]) -> Result<(), FieldError> {
    let Some((last, body)) = tiers.split_last() else {
        return Err(FieldError::new(path.to_string(), "needs at least one tier"));
    };
    let mut prev = 0.0_f64;
    for (i, t) in body.iter().enumerate() {
        let here = format!("{path}.{i}");
        non_negative(&format!("{here}.per_million"), t.per_million)?;
        match t.up_to_requests {
            Some(up) if up.is_finite() && up > prev => prev = up,
            _ => {
                return Err(FieldError::new(
                    format!("{here}.up_to_requests"),
                    format!("only the last tier is unbounded; bounds rise above {prev}"),
                ))
            }
        }
    }
    let here = format!("{path}.{}", body.len());
    non_negative(&format!("{here}.per_million"), last.per_million)?;
    if last.up_to_requests.is_some() {
        return Err(FieldError::new(
            format!("{here}.up_to_requests"),
            "the last tier must be unbounded: leave up_to_requests out",
        ));
    }
    Ok(())
}

fn check_arch(path: &str, a: &ArchPrices) -> Result<(), FieldError> {
    let tiers_path = format!("{path}.tiers");
    let Some((last, body)) = a.tiers.split_last() else {
        return Err(FieldError::new(tiers_path, "needs at least one tier"));
    };
    let mut prev = 0.0_f64;
    for (i, t) in body.iter().enumerate() {
        let here = format!("{tiers_path}.{i}");
        non_negative(&format!("{here}.price_per_gb_s"), t.price_per_gb_s)?;
        let Some(up) = t.up_to_gb_s else {
            return Err(FieldError::new(
                here,
                "only the last tier may leave up_to_gb_s out (be unbounded)",
            ));
        };
        if !(up.is_finite() && up > prev) {
            return Err(FieldError::new(
                format!("{here}.up_to_gb_s"),
                format!("{up} must be finite and above the previous bound ({prev})"),
            ));
        }
        prev = up;
    }
    let here = format!("{tiers_path}.{}", body.len());
    non_negative(&format!("{here}.price_per_gb_s"), last.price_per_gb_s)?;
    if last.up_to_gb_s.is_some() {
        return Err(FieldError::new(
            format!("{here}.up_to_gb_s"),
            "the last tier must be unbounded: leave up_to_gb_s out",
        ));
    }
    non_negative(
        &format!("{path}.provisioned_per_gb_s"),
        a.provisioned_per_gb_s,
    )?;
    non_negative(
        &format!("{path}.provisioned_duration_per_gb_s"),
        a.provisioned_duration_per_gb_s,
    )?;
    Ok(())
}

fn runtime_names() -> String {
    Runtime::ALL
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn builtin_names() -> String {
    BUILTIN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses and validates model text; `origin` names it in errors. Validation errors point at the
/// line of the offending key when it is written in the text.
pub fn parse(text: &str, origin: &str) -> Result<PlatformModel, InputError> {
    let model: PlatformModel = from_toml_str(text, origin)?;
    model.check().map_err(
        |FieldError {
             field: path,
             message: msg,
         }| {
            let message = format!("{path}: {msg}");
            match locate(text, &path) {
                Some((line, column)) => InputError::at(origin, Some(line), Some(column), message),
                None => InputError::new(origin, message),
            }
        },
    )?;
    Ok(model)
}

/// Loads a model by built-in name or, failing that, from the file at that path.
pub fn load(name_or_path: &str) -> Result<PlatformModel, InputError> {
    if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
        return parse(text, &format!("built-in model {name}"));
    }
    let path = Path::new(name_or_path);
    if !path.exists() {
        return Err(InputError::new(
            name_or_path,
            format!(
                "no built-in platform model has this name and no file has this path; \
                 built-in models: {}",
                builtin_names()
            ),
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::io(name_or_path, "cannot read platform model file", e))?;
    parse(&text, name_or_path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::platform::function::Arch;

    fn builtin_text() -> &'static str {
        BUILTIN[0].1
    }

    #[test]
    fn builtin_model_loads_and_validates() {
        let m = load("aws-lambda").unwrap();
        assert_eq!(m.name, "aws-lambda");
        m.validate().unwrap();
        for rt in Runtime::ALL {
            assert!(m.runtime_cold_start(rt).is_some(), "{rt}");
        }
        assert_eq!(m.limits.account_concurrency, 1000);
        assert_eq!(
            m.limits.max_timeout,
            Duration(900 * crate::core::time::NS_PER_SEC)
        );
        assert_eq!(m.scaling.scope, ScalingScope::Function);
        assert!((m.scaling.refill_per_sec() - 100.0).abs() < 1e-9);
        let legacy = m.scaling_legacy.as_ref().unwrap();
        assert_eq!(legacy.scope, ScalingScope::Account);
        assert_eq!(legacy.burst, 3000);
        assert_eq!(m.cpu.full_vcpu_memory_mb, 1769);
        assert_eq!(m.pricing.duration_rounding, Duration(1_000_000));
        assert!(m.pricing.bill_init);
        assert!(!m.pricing.free_tier);
        assert_eq!(m.pricing.arch(Arch::X86).tiers.len(), 3);
        assert_eq!(m.pricing.arch(Arch::Arm).tiers.len(), 3);
    }

    #[test]
    fn every_builtin_validates() {
        for (name, _) in BUILTIN {
            load(name).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn cold_start_scale_follows_cpu_share() {
        let m = load("aws-lambda").unwrap();
        let rt = RuntimeColdStart {
            init: m.runtime_cold_start(Runtime::Python).unwrap().init.clone(),
            memory_sensitivity: 1.0,
        };
        assert!((m.cold_start_scale(1769, &rt) - 1.0).abs() < 1e-12);
        assert!((m.cold_start_scale(10240, &rt) - 1.0).abs() < 1e-12);
        assert!((m.cold_start_scale(1769 / 2, &rt) - 1769.0 / 884.0).abs() < 1e-9);
        let flat = RuntimeColdStart {
            memory_sensitivity: 0.0,
            ..rt.clone()
        };
        assert_eq!(m.cold_start_scale(128, &flat), 1.0);
        // No memory at all is nonsense, but must not panic or give NaN.
        assert!(m.cold_start_scale(0, &rt).is_finite());
    }

    #[test]
    fn unknown_key_reports_its_line() {
        let text = builtin_text().replace("\n[cpu]\n", "\n[cpu]\nfull_vcpu_memroy_mb = 1\n");
        let line = text
            .lines()
            .position(|l| l.starts_with("full_vcpu_memroy_mb"))
            .unwrap()
            + 1;
        let err = parse(&text, "bad.toml").unwrap_err();
        assert_eq!(err.line, Some(line), "{err}");
        assert!(
            err.to_string().starts_with(&format!("bad.toml:{line}:")),
            "{err}"
        );
        assert!(err.message.contains("full_vcpu_memroy_mb"), "{err}");
    }

    #[test]
    fn unknown_model_name_lists_builtins() {
        let err = load("no-such-platform-model").unwrap_err();
        assert_eq!(err.origin, "no-such-platform-model");
        assert!(err.message.contains("aws-lambda"), "{err}");
    }

    #[test]
    fn model_file_is_read_from_a_path() {
        let dir = std::env::temp_dir().join(format!("faasim-model-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("custom.toml");
        let text = builtin_text().replace("name = \"aws-lambda\"", "name = \"custom\"");
        std::fs::write(&path, text).unwrap();
        let m = load(path.to_str().unwrap()).unwrap();
        assert_eq!(m.name, "custom");
        // A directory exists but cannot be read as a model.
        let err = load(dir.to_str().unwrap()).unwrap_err();
        assert!(err.message.contains("cannot read"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_runtime_is_an_error() {
        let start = builtin_text().find("[cold_start.runtime.rust]").unwrap();
        let end = start + builtin_text()[start..].find("\n\n").unwrap();
        let mut text = builtin_text().to_string();
        text.replace_range(start..end, "");
        let err = parse(&text, "m.toml").unwrap_err();
        assert!(err.message.contains("[cold_start.runtime.rust]"), "{err}");
    }

    #[test]
    fn validation_errors_point_at_the_key() {
        let text = builtin_text().replace("memory_mb_max = 10240", "memory_mb_max = 64");
        let err = parse(&text, "m.toml").unwrap_err();
        assert!(err.message.starts_with("limits.memory_mb_max"), "{err}");
        let line = text
            .lines()
            .position(|l| l.starts_with("memory_mb_max"))
            .unwrap()
            + 1;
        assert_eq!(err.line, Some(line));
    }

    #[test]
    fn bad_tiers_are_rejected() {
        let m = load("aws-lambda").unwrap();
        let tier = |up: Option<f64>, p: f64| Tier {
            up_to_gb_s: up,
            price_per_gb_s: p,
        };
        let cases = [
            (vec![], "at least one"),
            (vec![tier(Some(1.0), 1.0)], "unbounded"),
            (vec![tier(None, 1.0), tier(None, 1.0)], "only the last"),
            (
                vec![tier(Some(5.0), 1.0), tier(Some(5.0), 1.0), tier(None, 1.0)],
                "above",
            ),
            (vec![tier(Some(f64::NAN), 1.0), tier(None, 1.0)], "finite"),
            (vec![tier(None, -1.0)], ">= 0"),
        ];
        for (tiers, want) in cases {
            let mut bad = m.clone();
            bad.pricing.arm.tiers = tiers.clone();
            let e = bad.validate().unwrap_err();
            assert!(e.starts_with("pricing.arm.tiers"), "{tiers:?}: {e}");
            assert!(e.contains(want), "{tiers:?}: {e}");
        }
    }

    #[test]
    fn other_bad_figures_are_rejected() {
        let m = load("aws-lambda").unwrap();
        let mut bad = m.clone();
        bad.pricing.x86.provisioned_per_gb_s = -0.1;
        assert!(bad
            .validate()
            .unwrap_err()
            .starts_with("pricing.x86.provisioned_per_gb_s"));
        let mut bad = m.clone();
        bad.scaling.interval = Duration(0);
        assert!(bad.validate().unwrap_err().starts_with("scaling.interval"));
        let mut bad = m.clone();
        bad.scaling.burst = 0;
        assert!(bad.validate().unwrap_err().starts_with("scaling.burst"));
        let mut bad = m.clone();
        bad.pricing.duration_rounding = Duration(0);
        assert!(bad
            .validate()
            .unwrap_err()
            .starts_with("pricing.duration_rounding"));
        let mut bad = m.clone();
        bad.cold_start
            .runtime
            .get_mut(&Runtime::Go)
            .unwrap()
            .memory_sensitivity = f64::INFINITY;
        assert!(bad
            .validate()
            .unwrap_err()
            .starts_with("cold_start.runtime.go"));
        let mut bad = m;
        bad.limits.default_timeout = Duration(bad.limits.max_timeout.ns() + 1);
        assert!(bad
            .validate()
            .unwrap_err()
            .starts_with("limits.default_timeout"));
    }

    #[test]
    fn scaling_round_trips_through_toml() {
        let s = Scaling {
            scope: ScalingScope::Account,
            burst: 3000,
            refill: 500,
            interval: Duration(60 * crate::core::time::NS_PER_SEC),
        };
        let text = toml::to_string(&s).unwrap();
        let back: Scaling = from_toml_str(&text, "s").unwrap();
        assert_eq!(back, s);
        assert!(from_toml_str::<Scaling>(&format!("{text}brust = 1\n"), "s").is_err());
    }
}
