//! The `[[function]]` table, and what every kind of `[workload]` function shares with it.

use crate::core::platform::cdn::CdnSpec;
use crate::core::platform::function::{Arch, Runtime};
use crate::core::platform::modes::{CallSpec, FanOutSpec, Invocation};
use crate::core::time::{Duration, Rate};
use crate::input::arrivals::ArrivalSpec;
use crate::input::dist::DistSpec;
use crate::input::keep_alive::{PingSpec, Provisioned};
use crate::input::FieldError;
use serde::{Deserialize, Serialize};

/// The group id of workload functions' random streams: `(WORKLOAD_GROUP << 32) | index`, far
/// above any `[[function]]` group, so adding a workload never shifts other functions' draws.
pub const WORKLOAD_GROUP: u64 = u32::MAX as u64;

/// How a group's total rate is split over its copies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table with kind = \"uniform\" or kind = \"zipf\" (with s)"
)]
pub enum Popularity {
    /// Every copy gets the same share.
    Uniform {},
    /// Copy i (from 1) gets a share proportional to 1 / i^s.
    Zipf {
        /// The exponent (1 for the classic Zipf law).
        s: f64,
    },
}

/// One `[[function]]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a [[function]] table with name, duration, arrivals and optional settings"
)]
pub struct FunctionSpec {
    /// Name shown in reports (copies get `-1`, `-2`, ... appended).
    pub name: String,
    /// Memory size (default 128 MB, Lambda's default).
    #[serde(default = "default_memory")]
    pub memory_mb: u32,
    /// Runtime (default python); chooses the model's cold-start figures.
    #[serde(default = "default_runtime")]
    pub runtime: Runtime,
    /// Architecture (default x86); arm is priced lower.
    #[serde(default)]
    pub arch: Arch,
    /// Warm execution time.
    pub duration: DistSpec,
    /// Cold-start delay; when absent, the model's figure for the runtime and memory.
    #[serde(default)]
    pub cold_start: Option<DistSpec>,
    /// Arrival process (for a group of copies: the group's total).
    pub arrivals: ArrivalSpec,
    /// Requests running longer are cut here and counted as timeouts (default: the model's
    /// maximum, so nothing is cut unless asked).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Cap on this function's concurrent requests, reserved out of the account's.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    /// Environments kept initialized and billed as provisioned: a number for the whole run,
    /// or `{ schedule = [{ from = "08:00", count = 10 }, ...] }` by time of day.
    #[serde(default)]
    pub provisioned_concurrency: Option<Provisioned>,
    /// Requests one environment serves at once; left out, the model's default (Lambda 1,
    /// Cloud Run 80).
    #[serde(default)]
    pub concurrency_per_instance: Option<u32>,
    /// Number of identical functions this table stands for (default 1).
    #[serde(default = "one")]
    pub copies: u32,
    /// How the arrival rate is split over copies (default uniform).
    #[serde(default)]
    pub popularity: Option<Popularity>,
    /// Keep-warm pings: a synthetic invocation every `every`, as people schedule to dodge
    /// cold starts (billed, and occupying an environment while it runs).
    #[serde(default)]
    pub ping: Option<PingSpec>,
    /// Share (0 to 1) of the warm duration that is CPU work at one full vCPU: it stretches
    /// below one vCPU's worth of memory and is what CPU-time billing charges (default 0).
    #[serde(default)]
    pub cpu_bound: Option<f64>,
    /// Restore from a snapshot instead of running init (Lambda SnapStart), where the model
    /// supports it for the runtime.
    #[serde(default)]
    pub snapstart: bool,
    /// Deployment package or container image size, MB, fetched on a cold start.
    #[serde(default)]
    pub package_mb: Option<f64>,
    /// How callers invoke it: `"sync"` (default), `"async"`, `"queue"`, or a table with `mode`
    /// and the mode's options (see [`crate::core::platform::modes`]).
    #[serde(
        default,
        deserialize_with = "crate::core::platform::modes::invocation",
        skip_serializing_if = "is_sync"
    )]
    pub invocation: Invocation,
    /// Probability (0 to 1) that an invocation ends in a function error (default 0).
    #[serde(default)]
    pub error_rate: f64,
    /// Functions it calls after its own work, in order, each waited for unless `wait = false`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallSpec>,
    /// Workers started when its work is done, and the aggregator run when they all finish.
    #[serde(default)]
    pub fan_out: Option<FanOutSpec>,
    /// The `[[database]]` it connects to.
    #[serde(default)]
    pub database: Option<String>,
    /// A CDN cache in front of it.
    #[serde(default)]
    pub cdn: Option<CdnSpec>,
}

impl FunctionSpec {
    /// A function with the given name, warm duration and arrivals, and every other setting at
    /// its documented default (as if the table wrote only these three keys).
    pub fn new(name: impl Into<String>, duration: DistSpec, arrivals: ArrivalSpec) -> Self {
        FunctionSpec {
            name: name.into(),
            memory_mb: default_memory(),
            runtime: default_runtime(),
            arch: Arch::default(),
            duration,
            cold_start: None,
            arrivals,
            timeout: None,
            reserved_concurrency: None,
            provisioned_concurrency: None,
            concurrency_per_instance: None,
            copies: one(),
            popularity: None,
            ping: None,
            cpu_bound: None,
            snapstart: false,
            package_mb: None,
            invocation: Invocation::Sync,
            error_rate: 0.0,
            calls: Vec::new(),
            fan_out: None,
            database: None,
            cdn: None,
        }
    }
}

fn is_sync(i: &Invocation) -> bool {
    *i == Invocation::Sync
}

fn default_memory() -> u32 {
    128
}

pub(crate) fn default_runtime() -> Runtime {
    Runtime::Python
}

fn one() -> u32 {
    1
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

/// Checks the per-function settings every workload kind shares.
pub(crate) fn common_validate(
    cold_start: &Option<DistSpec>,
    timeout: Option<Duration>,
    per_instance: Option<u32>,
) -> Result<(), FieldError> {
    if let Some(c) = cold_start {
        c.build().map_err(|m| FieldError::new("cold_start", m))?;
    }
    if timeout.is_some_and(|t| t.ns() == 0) {
        return Err(FieldError::new("timeout", "must be longer than 0"));
    }
    if per_instance == Some(0) {
        return Err(FieldError::new(
            "concurrency_per_instance",
            "must be at least 1",
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
