//! Platform models: the limits, scaling rules, cold-start figures and prices of a FaaS platform,
//! read from a TOML file (see `models/aws-lambda.toml`).
//!
//! A model is named on the command line or in a scenario either by a built-in name
//! ([`BUILTIN`]) or by the path of a file. [`load`] reads it, reports TOML and unknown-key errors
//! with their line and column, and then checks the figures with [`PlatformModel::validate`].
//!
//! ```
//! use faasim::platform::{function::Runtime, model};
//! let m = model::load("aws-lambda").unwrap();
//! let java = m.runtime_cold_start(Runtime::Java).unwrap();
//! // Below one vCPU's worth of memory, init is slower.
//! assert!(m.cold_start_scale(512, java) > 1.0);
//! assert_eq!(m.cold_start_scale(4096, java), 1.0);
//! ```

use crate::input::{from_toml_str, locate, InputError};
use crate::platform::function::{Arch, Runtime};
use crate::time::Duration;
use crate::workload::dist::DistSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The models compiled into the binary: `(name, TOML text)`.
pub const BUILTIN: &[(&str, &str)] =
    &[("aws-lambda", include_str!("../../models/aws-lambda.toml"))];

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
}

/// Whether a scaling limit applies to each function alone or to the account as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScalingScope {
    /// Each function has its own bucket.
    Function,
    /// All functions share one bucket.
    Account,
}

/// A token bucket limiting how many new execution environments may be created: it holds at most
/// `burst` tokens, gains `refill` tokens every `interval` (continuously, pro rata), and each new
/// environment takes one token. Scenarios reuse this struct to override a model's scaling.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scaling {
    /// Whom the bucket belongs to.
    pub scope: ScalingScope,
    /// Bucket size: environments that may be created at once from a standing start.
    pub burst: u32,
    /// Tokens added per `interval`.
    pub refill: u32,
    /// Period over which `refill` tokens are added.
    pub interval: Duration,
}

impl Scaling {
    /// Tokens added per second.
    pub fn refill_per_sec(&self) -> f64 {
        if self.interval.ns() == 0 {
            0.0
        } else {
            f64::from(self.refill) / self.interval.secs()
        }
    }

    /// Checks that the bucket can ever hand out a token and that its refill is well defined.
    pub fn validate(&self) -> Result<(), String> {
        self.check().map_err(|(k, m)| format!("{k}: {m}"))
    }

    fn check(&self) -> Result<(), (String, String)> {
        if self.burst == 0 {
            return Err(key(
                "burst",
                "must be at least 1, or no environment could ever start",
            ));
        }
        if self.interval.ns() == 0 {
            return Err(key("interval", "must be longer than 0"));
        }
        Ok(())
    }
}

/// How CPU follows memory.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cpu {
    /// Memory at which a function gets one full vCPU; below it CPU is a proportional fraction.
    pub full_vcpu_memory_mb: u32,
}

/// Cold-start durations: a platform part common to all runtimes plus a per-runtime init part.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColdStartModel {
    /// Platform overhead of creating an environment (placement, sandbox, code fetch).
    pub platform: DistSpec,
    /// Runtime start plus function init, per runtime.
    pub runtime: BTreeMap<Runtime, RuntimeColdStart>,
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

/// Prices, in US dollars.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    /// Price of one million requests.
    pub request_per_million: f64,
    /// Each invocation's billed time is rounded up to a multiple of this.
    pub duration_rounding: Duration,
    /// Whether the init phase of a cold start is billed as duration.
    pub bill_init: bool,
    /// Whether to subtract the free tier from bills.
    pub free_tier: bool,
    /// Requests free per month when `free_tier` is on.
    pub free_requests_per_month: f64,
    /// On-demand GB-seconds free per month when `free_tier` is on.
    pub free_gb_s_per_month: f64,
    /// Prices on x86.
    pub x86: ArchPrices,
    /// Prices on Arm.
    pub arm: ArchPrices,
}

impl Pricing {
    /// The prices for one architecture.
    pub fn arch(&self, arch: Arch) -> &ArchPrices {
        match arch {
            Arch::X86 => &self.x86,
            Arch::Arm => &self.arm,
        }
    }
}

/// Prices on one architecture.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArchPrices {
    /// On-demand duration price tiers, by monthly GB-seconds, in increasing order; the last has no
    /// upper bound.
    pub tiers: Vec<Tier>,
    /// Price per GB-second of provisioned environments kept ready, used or not.
    pub provisioned_per_gb_s: f64,
    /// Price per GB-second of execution on provisioned environments.
    pub provisioned_duration_per_gb_s: f64,
}

/// One duration price tier.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Cumulative monthly GB-seconds up to which this tier applies; `None` for the last tier.
    #[serde(default)]
    pub up_to_gb_s: Option<f64>,
    /// Price per GB-second within the tier.
    pub price_per_gb_s: f64,
}

/// Shorthand for a validation error at a dotted key path.
fn key(path: &str, msg: &str) -> (String, String) {
    (path.to_string(), msg.to_string())
}

/// Checks that a price or amount is a finite number that is not negative.
fn non_negative(path: &str, v: f64) -> Result<(), (String, String)> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err((
            path.to_string(),
            format!("must be a finite number >= 0, not {v}"),
        ))
    }
}

impl PlatformModel {
    /// Checks the figures that deserialisation cannot: every runtime present, distributions that
    /// build, tiers in order, prices not negative, sane memory bounds. The message starts with the
    /// dotted key path of the offending value.
    pub fn validate(&self) -> Result<(), String> {
        self.check().map_err(|(k, m)| format!("{k}: {m}"))
    }

    /// Like [`validate`](Self::validate) but keeps the key path apart, so that [`parse`] can turn
    /// it into a line number.
    fn check(&self) -> Result<(), (String, String)> {
        let l = &self.limits;
        if l.account_concurrency == 0 {
            return Err(key("limits.account_concurrency", "must be at least 1"));
        }
        if l.memory_mb_min == 0 {
            return Err(key("limits.memory_mb_min", "must be at least 1"));
        }
        if l.memory_mb_max < l.memory_mb_min {
            return Err((
                "limits.memory_mb_max".into(),
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
            return Err((
                "limits.default_timeout".into(),
                format!(
                    "{} is longer than max_timeout ({})",
                    l.default_timeout, l.max_timeout
                ),
            ));
        }
        if l.init_timeout.ns() == 0 {
            return Err(key("limits.init_timeout", "must be longer than 0"));
        }
        self.scaling
            .check()
            .map_err(|(k, m)| (format!("scaling.{k}"), m))?;
        if let Some(s) = &self.scaling_legacy {
            s.check()
                .map_err(|(k, m)| (format!("scaling_legacy.{k}"), m))?;
        }
        if self.cpu.full_vcpu_memory_mb == 0 {
            return Err(key("cpu.full_vcpu_memory_mb", "must be at least 1"));
        }

        self.cold_start
            .platform
            .build()
            .map_err(|e| ("cold_start.platform".to_string(), e))?;
        for rt in Runtime::ALL {
            let path = format!("cold_start.runtime.{rt}");
            let Some(cs) = self.cold_start.runtime.get(&rt) else {
                return Err((
                    "cold_start.runtime".into(),
                    format!(
                        "no [{path}] table; every runtime needs one ({})",
                        runtime_names()
                    ),
                ));
            };
            cs.init.build().map_err(|e| (format!("{path}.init"), e))?;
            non_negative(&format!("{path}.memory_sensitivity"), cs.memory_sensitivity)?;
        }

        let p = &self.pricing;
        non_negative("pricing.request_per_million", p.request_per_million)?;
        if p.duration_rounding.ns() == 0 {
            return Err(key("pricing.duration_rounding", "must be longer than 0"));
        }
        non_negative("pricing.free_requests_per_month", p.free_requests_per_month)?;
        non_negative("pricing.free_gb_s_per_month", p.free_gb_s_per_month)?;
        for (name, a) in [("x86", &p.x86), ("arm", &p.arm)] {
            check_arch(&format!("pricing.{name}"), a)?;
        }
        Ok(())
    }

    /// The cold-start figures for a runtime, if the model has them (a validated model has all).
    pub fn runtime_cold_start(&self, rt: Runtime) -> Option<&RuntimeColdStart> {
        self.cold_start.runtime.get(&rt)
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

fn check_arch(path: &str, a: &ArchPrices) -> Result<(), (String, String)> {
    let tiers_path = format!("{path}.tiers");
    let Some((last, body)) = a.tiers.split_last() else {
        return Err((tiers_path, "needs at least one tier".into()));
    };
    let mut prev = 0.0_f64;
    for (i, t) in body.iter().enumerate() {
        let here = format!("{tiers_path}.{i}");
        non_negative(&format!("{here}.price_per_gb_s"), t.price_per_gb_s)?;
        let Some(up) = t.up_to_gb_s else {
            return Err((
                here,
                "only the last tier may leave up_to_gb_s out (be unbounded)".into(),
            ));
        };
        if !(up.is_finite() && up > prev) {
            return Err((
                format!("{here}.up_to_gb_s"),
                format!("{up} must be finite and above the previous bound ({prev})"),
            ));
        }
        prev = up;
    }
    let here = format!("{tiers_path}.{}", body.len());
    non_negative(&format!("{here}.price_per_gb_s"), last.price_per_gb_s)?;
    if last.up_to_gb_s.is_some() {
        return Err((
            format!("{here}.up_to_gb_s"),
            "the last tier must be unbounded: leave up_to_gb_s out".into(),
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
    model.check().map_err(|(path, msg)| {
        let message = format!("{path}: {msg}");
        match locate(text, &path) {
            Some((line, column)) => InputError {
                origin: origin.to_string(),
                line: Some(line),
                column: Some(column),
                message,
            },
            None => InputError::new(origin, message),
        }
    })?;
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
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputError::new(
            name_or_path,
            format!("cannot read platform model file: {e}"),
        )
    })?;
    parse(&text, name_or_path)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Duration(900 * crate::time::NS_PER_SEC)
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
            interval: Duration(60 * crate::time::NS_PER_SEC),
        };
        let text = toml::to_string(&s).unwrap();
        let back: Scaling = from_toml_str(&text, "s").unwrap();
        assert_eq!(back, s);
        assert!(from_toml_str::<Scaling>(&format!("{text}brust = 1\n"), "s").is_err());
    }
}
