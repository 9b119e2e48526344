//! The result of one run: counts, latency, environments, idle memory and cost, overall and per
//! function, as JSON (stable field names, see docs/report.md) or as a readable summary.

use crate::core::billing::Cost;
use crate::core::metrics::{Bucket, Counts, InstanceSummary, Latency, LatencySummary};
use crate::core::time::Instant;
use serde::Serialize;

/// A run that ended before its horizon, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoppedEarly {
    /// When it ended, seconds of simulated time.
    pub at_s: f64,
    /// Why, in words.
    pub reason: String,
}

/// One run's figures.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// faasim version that produced it.
    pub faasim_version: &'static str,
    /// The scenario's name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// Simulated time, seconds.
    pub horizon_s: f64,
    /// Warm-up excluded from statistics, seconds.
    pub warmup_s: f64,
    /// Request counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// Admitted requests still running at the horizon.
    pub in_flight_at_end: u64,
    /// Cold starts ÷ arrivals (throttled requests included in the denominator, as SimFaaS does).
    pub cold_start_probability: f64,
    /// Throttled ÷ arrivals.
    pub throttle_probability: f64,
    /// Latency of completed requests (queueing + cold start + execution), milliseconds.
    pub latency_ms: LatencySummary,
    /// Time-weighted environment counts.
    pub instances: InstanceSummary,
    /// How cold starts spread over functions: quantiles, across the functions that had
    /// requests, of each function's cold-start percentage (Shahrad et al. plot the third
    /// quartile of this over applications).
    pub function_cold_start_pct: Spread,
    /// The same across applications: each application's cold starts ÷ its arrivals, in %, over
    /// applications with requests (Shahrad et al.'s per-application figure; its third quartile
    /// is what their Figure 15 plots).
    pub app_cold_start_pct: Spread,
    /// Memory held by idle environments over time, GB-seconds.
    pub idle_memory_gb_s: f64,
    /// Cost of the measured window, US dollars.
    pub cost_usd: Cost,
    /// The same per function.
    pub functions: Vec<FunctionReport>,
    /// Peak and mean memory per host, when the scenario has a `[cluster]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<crate::core::platform::cluster::HostReport>,
    /// Async events and queue messages (with async or queue functions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryReport>,
    /// Fan-out flows (with `fan_out` functions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flows: Option<FlowReport>,
    /// Databases (with `[[database]]` tables), written as a table by name so that sweeps see
    /// `databases.<name>.peak_connections`.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "by_name")]
    pub databases: Vec<crate::core::platform::database::DatabaseReport>,
    /// CDN hits and misses over all functions with a CDN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cdn: Option<crate::core::platform::cdn::CdnReport>,
    /// Per-bucket figures, when `[metrics] timeseries` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeseries: Option<Vec<Bucket>>,
    /// Set when the run ended before its horizon (a backlog beyond `run.max_backlog`); every
    /// figure then covers the time up to `at_s`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<StoppedEarly>,
    /// The full latency histogram, for CDF plots and merging (not serialised).
    #[serde(skip)]
    pub latency: Latency,
}

/// One function's figures.
#[derive(Clone, Debug, Serialize)]
pub struct FunctionReport {
    /// Function name.
    pub name: String,
    /// Its application: the trace's or the synthetic population's app, else the function's
    /// own name (each `[[function]]` is an application of its own).
    pub app: String,
    /// Memory size, MB.
    pub memory_mb: u32,
    /// Request counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// Admitted requests still running at the horizon.
    pub in_flight_at_end: u64,
    /// Cold starts ÷ arrivals.
    pub cold_start_probability: f64,
    /// Throttled ÷ arrivals.
    pub throttle_probability: f64,
    /// Latency, milliseconds (2 significant digits for percentiles; exact mean and max).
    pub latency_ms: LatencySummary,
    /// Time-weighted environment counts.
    pub instances: InstanceSummary,
    /// Idle memory, GB-seconds.
    pub idle_memory_gb_s: f64,
    /// Cost, US dollars.
    pub cost_usd: Cost,
}

/// Quantiles of a per-function figure across functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Spread {
    /// Median.
    pub p50: f64,
    /// Third quartile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
}

impl Spread {
    /// Quantiles of `values` (nearest rank; all 0 when empty).
    pub fn of(mut values: Vec<f64>) -> Self {
        if values.is_empty() {
            return Spread::default();
        }
        values.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
            values[rank - 1]
        };
        Spread {
            p50: q(0.5),
            p75: q(0.75),
            p90: q(0.9),
        }
    }
}

fn by_name<S: serde::Serializer>(
    dbs: &[crate::core::platform::database::DatabaseReport],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(dbs.len()))?;
    for d in dbs {
        m.serialize_entry(&d.name, d)?;
    }
    m.end()
}

/// Cold-start percentage per application (functions grouped by `app`), over applications with
/// requests.
fn app_cold_start_pct(functions: &[FunctionReport]) -> Spread {
    let mut apps: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for f in functions {
        let a = apps.entry(f.app.as_str()).or_default();
        a.0 += f.counts.cold_starts;
        a.1 += f.counts.arrivals;
    }
    Spread::of(
        apps.values()
            .filter(|(_, n)| *n > 0)
            .map(|&(c, n)| 100.0 * ratio(c, n))
            .collect(),
    )
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn in_flight(c: &Counts) -> u64 {
    (c.warm_starts + c.cold_starts).saturating_sub(c.completed)
}

/// What a run measured of one function, from which its report is derived.
#[derive(Clone, Debug)]
pub struct FunctionParts {
    /// Name in reports.
    pub name: String,
    /// Its application; `None` makes it an application of its own.
    pub app: Option<String>,
    /// Memory size, MB.
    pub memory_mb: u32,
    /// Request counts over the measured window.
    pub counts: Counts,
    /// Latency of its completed requests.
    pub latency_ms: LatencySummary,
    /// Time-weighted environment counts.
    pub instances: InstanceSummary,
    /// Idle memory, GB-seconds.
    pub idle_memory_gb_s: f64,
    /// Cost, US dollars.
    pub cost_usd: Cost,
}

impl FunctionReport {
    /// A function's report from what was measured (probabilities and in-flight are derived).
    pub fn assemble(p: FunctionParts) -> Self {
        let c = p.counts;
        FunctionReport {
            app: p.app.unwrap_or_else(|| p.name.clone()),
            name: p.name,
            memory_mb: p.memory_mb,
            in_flight_at_end: in_flight(&c),
            cold_start_probability: ratio(c.cold_starts, c.arrivals),
            throttle_probability: ratio(c.throttled, c.arrivals),
            counts: c,
            latency_ms: p.latency_ms,
            instances: p.instances,
            idle_memory_gb_s: p.idle_memory_gb_s,
            cost_usd: p.cost_usd,
        }
    }
}

/// What a run measured, from which its report is derived.
#[derive(Clone, Debug)]
pub struct ReportParts {
    /// The scenario's name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// The end of the simulated time.
    pub horizon: Instant,
    /// The end of the warm-up (the start of the measured window).
    pub warmup: Instant,
    /// Request counts over the measured window.
    pub counts: Counts,
    /// Every completed request's latency.
    pub latency: Latency,
    /// Time-weighted environment counts.
    pub instances: InstanceSummary,
    /// Cost, US dollars.
    pub cost_usd: Cost,
    /// Per function.
    pub functions: Vec<FunctionReport>,
    /// Per host, with a cluster.
    pub hosts: Vec<crate::core::platform::cluster::HostReport>,
    /// Async events and queue messages.
    pub delivery: Option<DeliveryReport>,
    /// Fan-out flows.
    pub flows: Option<FlowReport>,
    /// Databases.
    pub databases: Vec<crate::core::platform::database::DatabaseReport>,
    /// The CDN.
    pub cdn: Option<crate::core::platform::cdn::CdnReport>,
    /// Per-bucket figures.
    pub timeseries: Option<Vec<Bucket>>,
    /// Why and when the run ended before its horizon, if it did.
    pub stopped_early: Option<StoppedEarly>,
}

impl Report {
    /// A run's report from what was measured (probabilities, in-flight requests, idle memory
    /// and the spreads over functions and applications are derived).
    pub fn assemble(p: ReportParts) -> Self {
        let c = p.counts;
        Report {
            faasim_version: env!("CARGO_PKG_VERSION"),
            scenario: p.scenario,
            seed: p.seed,
            horizon_s: p.horizon.as_secs_f64(),
            warmup_s: p.warmup.as_secs_f64(),
            in_flight_at_end: in_flight(&c),
            cold_start_probability: ratio(c.cold_starts, c.arrivals),
            throttle_probability: ratio(c.throttled, c.arrivals),
            function_cold_start_pct: Spread::of(
                p.functions
                    .iter()
                    .filter(|f| f.counts.arrivals > 0)
                    .map(|f| 100.0 * f.cold_start_probability)
                    .collect(),
            ),
            app_cold_start_pct: app_cold_start_pct(&p.functions),
            counts: c,
            latency_ms: p.latency.summary(),
            instances: p.instances,
            idle_memory_gb_s: p.functions.iter().map(|f| f.idle_memory_gb_s).sum(),
            cost_usd: p.cost_usd,
            functions: p.functions,
            hosts: p.hosts,
            delivery: p.delivery,
            flows: p.flows,
            databases: p.databases,
            cdn: p.cdn,
            timeseries: p.timeseries,
            stopped_early: p.stopped_early,
            latency: p.latency,
        }
    }

    /// The report as pretty JSON (byte-identical for the same scenario and seed).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::Spread;

    #[test]
    fn spread_uses_nearest_rank() {
        let s = Spread::of((1..=8).map(f64::from).collect());
        assert_eq!((s.p50, s.p75, s.p90), (4.0, 6.0, 8.0));
        assert_eq!(Spread::of(vec![]), Spread::default());
    }
}

/// Counts of async events and queue messages accepted in the measured window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct DeliveryCounts {
    /// Events and messages accepted.
    pub events: u64,
    /// Processed successfully.
    pub succeeded: u64,
    /// Sent to the dead-letter destination (retries or receives exhausted, or too old).
    pub dead_lettered: u64,
    /// Messages the queue dropped after its retention period.
    pub expired: u64,
    /// Accepted but not finished at the horizon: queued, waiting to be retried, or in flight.
    pub pending_at_end: u64,
    /// Async retries after a function error or timeout.
    pub retries: u64,
    /// Async retries after a throttle.
    pub throttle_retries: u64,
    /// Queue messages that reappeared after a failed batch.
    pub redeliveries: u64,
    /// Batches invoked.
    pub batches: u64,
}

/// What the report says about async and queue delivery.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeliveryReport {
    /// The counts; `events = succeeded + dead_lettered + expired + pending_at_end`.
    pub counts: DeliveryCounts,
    /// Most events and messages waiting at once (see the module doc for what waits).
    pub peak_backlog: u64,
    /// Time-weighted mean of the backlog.
    pub mean_backlog: f64,
    /// Age of each event or message when it was processed successfully: from acceptance to
    /// the end of the invocation that succeeded.
    pub age_ms: LatencySummary,
    /// Events and messages processed successfully per second.
    pub throughput_per_s: f64,
}

/// What the report says about fan-out flows started in the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FlowReport {
    /// Flows started.
    pub started: u64,
    /// Flows whose workers and join all succeeded.
    pub succeeded: u64,
    /// Flows with a failed (or throttled) worker or join.
    pub failed: u64,
    /// From the triggering request's arrival to the end of the join (or the last worker).
    pub latency_ms: crate::core::metrics::LatencySummary,
}
