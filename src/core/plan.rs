//! The plan of one run: the scenario, the platform model and any trace, resolved into what the
//! simulation needs and nothing else.
//!
//! A [`Plan`] holds ids instead of names (a call names its callee by index), the model's
//! defaults already applied (per-instance concurrency, timeout, scaling, prices, cold-start
//! terms), built distributions and arrival processes in their starting state, and no text and no
//! file handle of the user's input. It is made only by the input layer's compiler
//! (`faasim::compile`, in the input layer above the core), which checks everything a user can get wrong and says where; a
//! simulation is built only from a plan ([`crate::core::sim::Simulation::new`]), so every door
//! into a run (the command line, the library, sweeps, tests, benches) sees the same defaults.
//!
//! A plan is immutable and shared: the runs of a sweep point clone nothing but the arrival
//! processes' starting state.

use crate::core::billing::prices::Pricing;
use crate::core::billing::terms::ModelTerms;
use crate::core::ids::{DbId, FuncId};
use crate::core::platform::cdn::CdnSpec;
use crate::core::platform::cluster::ClusterSpec;
use crate::core::platform::database::DatabaseSpec;
use crate::core::platform::function::Arch;
use crate::core::platform::limits::Scaling;
use crate::core::platform::modes::Invocation;
use crate::core::policy::KeepAlive;
use crate::core::rng::Stream;
use crate::core::time::{Instant, Span};
use crate::core::workload::arrivals::Arrivals;
use crate::core::workload::dist::Dist;
use serde::{Deserialize, Serialize};

/// A day: provisioned-concurrency schedules repeat daily.
pub const DAY: Span = Span::from_secs(24 * 3600);

/// One run, resolved and validated. Built by the input layer's compiler (`faasim::compile`).
#[derive(Clone, Debug)]
pub struct Plan {
    /// Name shown in the report.
    pub(crate) name: String,
    /// Master seed; with the run index it seeds every random stream.
    pub(crate) seed: u64,
    /// Arrivals stop here; requests still running are reported in flight.
    pub(crate) horizon: Instant,
    /// Statistics ignore everything before this instant (the start of the run for none).
    pub(crate) warmup: Instant,
    /// Every function, copies expanded; a function's id is its index here.
    pub(crate) functions: Vec<FunctionPlan>,
    /// Account-wide concurrent requests.
    pub(crate) account_concurrency: u32,
    /// The scaling-rate bucket.
    pub(crate) scaling: Scaling,
    /// Which idle environment takes a request.
    pub(crate) routing: Routing,
    /// Prices, with the scenario's billing switches applied.
    pub(crate) pricing: Pricing,
    /// The built-in keep-alive policy the scenario chose (a caller may supply its own).
    pub(crate) keep_alive: KeepAlive,
    /// Hosts with memory, when the scenario has a cluster.
    pub(crate) cluster: Option<ClusterSpec>,
    /// Databases; a function names its own by index.
    pub(crate) databases: Vec<DatabaseSpec>,
    /// Width of the report's time-series buckets; `None` for no time series.
    pub(crate) timeseries: Option<Span>,
    /// Most async events and queue messages waiting at once; beyond it the run stops early.
    pub(crate) max_backlog: u64,
}

impl Plan {
    /// Name shown in the report.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Master seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The end of the simulated time.
    pub fn horizon(&self) -> Instant {
        self.horizon
    }

    /// Start of the measured window (the end of the warm-up).
    pub fn warmup(&self) -> Instant {
        self.warmup
    }

    /// Number of functions, copies expanded.
    pub fn function_count(&self) -> usize {
        self.functions.len()
    }

    /// Name of function `f` (copies carry `-1`, `-2`, ...).
    pub fn function_name(&self, f: FuncId) -> &str {
        &self.functions[f.index()].name
    }

    /// Requests one environment of function `f` serves at once, the model's default applied.
    pub fn per_instance(&self, f: FuncId) -> u32 {
        self.functions[f.index()].per_instance
    }

    /// The same plan with another master seed (as `--seed` does): nothing else depends on it.
    pub fn with_seed(mut self, seed: u64) -> Plan {
        self.seed = seed;
        self
    }
}

/// One function of a plan.
#[derive(Clone, Debug)]
pub struct FunctionPlan {
    /// Name in reports.
    pub(crate) name: String,
    /// Its application, when a workload names one.
    pub(crate) app: Option<Box<str>>,
    /// Index of its random streams: `(table << 32) | copy` for `[[function]]` tables, a group
    /// of its own for workload functions, so adding functions never shifts others' draws.
    pub(crate) stream: u64,
    /// Memory of one environment, MB.
    pub(crate) memory_mb: u32,
    /// Architecture (prices differ).
    pub(crate) arch: Arch,
    /// Requests one environment serves at once.
    pub(crate) per_instance: u32,
    /// Reserved concurrency, when it has a pool of its own.
    pub(crate) reserved: Option<u32>,
    /// Requests are cut here (the model's maximum when the scenario gives none).
    pub(crate) timeout: Span,
    /// Provisioned environments over the day.
    pub(crate) provision: Provision,
    /// Keep-warm pings.
    pub(crate) ping: Option<Ping>,
    /// Warm execution time.
    pub(crate) duration: Dist,
    /// Cold-start delay.
    pub(crate) cold_start: ColdStart,
    /// The arrival process in its starting state.
    pub(crate) arrivals: Arrivals,
    /// How callers invoke it.
    pub(crate) invocation: Invocation,
    /// Probability that an invocation ends in a function error.
    pub(crate) error_rate: f64,
    /// What it calls after its own work, in order.
    pub(crate) calls: Vec<Call>,
    /// Workers it starts when done, and their aggregator.
    pub(crate) fan_out: Option<FanOut>,
    /// Its database.
    pub(crate) database: Option<DbId>,
    /// A CDN cache in front of it.
    pub(crate) cdn: Option<CdnSpec>,
    /// What the model makes of it (CPU, billing figures, front door).
    pub(crate) terms: ModelTerms,
}

/// Keep-warm pings of a function: a synthetic invocation every `every`, running `duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ping {
    /// Time between pings; the first is at the start of the run.
    pub every: Span,
    /// How long each runs.
    pub duration: Span,
}

/// Which idle environment takes a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Routing {
    /// Most recently used: the oldest idle environments are left to expire.
    #[default]
    Mru,
    /// Least recently used: spreads use, keeping more environments alive.
    Lru,
    /// The youngest by creation time (SimFaaS's rule).
    Newest,
    /// Uniformly at random among the idle ones.
    Random,
}

/// One resolved step of a function's `calls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// The callee.
    pub target: FuncId,
    /// Whether the caller waits for it.
    pub wait: bool,
    /// Retries after a failure.
    pub retries: u32,
    /// Compensating function run after the last failure.
    pub on_error: Option<FuncId>,
}

/// A resolved `fan_out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FanOut {
    /// The worker function.
    pub worker: FuncId,
    /// Workers started per finished request.
    pub count: u32,
    /// Aggregator run when the last worker ends.
    pub join: Option<FuncId>,
}

/// Provisioned concurrency: a constant count, or a count by time of day repeating daily (time 0
/// of the run is 00:00).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provision {
    /// The same number of environments all run.
    Constant(u32),
    /// `(time of day, count)` steps in strictly increasing time order; each holds until the
    /// next (the last until the first of the next day).
    Daily(Vec<(Span, u32)>),
}

impl Default for Provision {
    fn default() -> Self {
        Provision::Constant(0)
    }
}

impl Provision {
    /// The largest count at any time.
    pub fn max(&self) -> u32 {
        match self {
            Provision::Constant(n) => *n,
            Provision::Daily(steps) => steps.iter().map(|s| s.1).max().unwrap_or(0),
        }
    }

    /// The count at `t`.
    pub fn count_at(&self, t: Instant) -> u32 {
        match self {
            Provision::Constant(n) => *n,
            Provision::Daily(steps) => {
                let tod = t.since_start() % DAY;
                // The last step that has started today, else yesterday's last one.
                steps
                    .iter()
                    .rev()
                    .find(|s| s.0 <= tod)
                    .or(steps.last())
                    .map_or(0, |s| s.1)
            }
        }
    }

    /// The first time after `t` at which the count may change (`None` for a constant).
    pub fn next_change(&self, t: Instant) -> Option<Instant> {
        let Provision::Daily(steps) = self else {
            return None;
        };
        let tod = t.since_start() % DAY;
        let day = t - tod;
        Some(match steps.iter().find(|s| s.0 > tod) {
            Some(s) => day + s.0,
            None => day.saturating_add(DAY).saturating_add(steps.first()?.0),
        })
    }

    /// Environment-nanoseconds provisioned over `[from, to)`: the schedule's integral.
    pub fn env_ns(&self, from: Instant, to: Instant) -> u128 {
        let mut total = 0u128;
        let mut t = from;
        while t < to {
            let end = self.next_change(t).unwrap_or(to).min(to);
            total += self.count_at(t) as u128 * (end - t).ns() as u128;
            t = end;
        }
        total
    }
}

/// How a function's cold-start delay is drawn.
#[derive(Clone, Debug)]
pub enum ColdStart {
    /// The scenario gave the whole delay.
    Given(Dist),
    /// The model's platform overhead plus the runtime's init (or snapshot restore) scaled by
    /// memory, plus a fixed package-fetch time.
    Model {
        /// Platform overhead.
        platform: Dist,
        /// Runtime init, or snapshot restore.
        init: Dist,
        /// Slow-down of init below one vCPU.
        scale: f64,
        /// Package fetch.
        fixed: Span,
    },
}

impl ColdStart {
    /// Mean delay, seconds.
    pub fn mean_secs(&self) -> f64 {
        match self {
            ColdStart::Given(d) => d.mean(),
            ColdStart::Model {
                platform,
                init,
                scale,
                fixed,
            } => platform.mean() + init.mean() * scale + fixed.as_secs_f64(),
        }
    }

    /// One delay drawn from `rng`.
    #[inline]
    pub(crate) fn sample(&self, rng: &mut Stream) -> Span {
        match self {
            ColdStart::Given(d) => d.sample_span(rng),
            ColdStart::Model {
                platform,
                init,
                scale,
                fixed,
            } => Span::from_secs_f64(platform.sample(rng) + init.sample(rng) * scale)
                .saturating_add(*fixed),
        }
    }
}
