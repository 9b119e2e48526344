//! The result of one run: counts, latency, environments, idle memory and cost, overall and per
//! function, as JSON (stable field names, see docs/report.md) or as a readable summary.

use crate::core::billing::Cost;
use crate::core::metrics::{Bucket, Counts, InstanceSummary, Latency, LatencySummary};
use crate::core::time::Instant;
use serde::Serialize;
use std::fmt::Write as _;

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
            latency: p.latency,
        }
    }

    /// The report as pretty JSON (byte-identical for the same scenario and seed).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    /// A readable summary for a terminal.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let l = &self.latency_ms;
        let i = &self.instances;
        let mut s = String::new();
        let pct = |p: f64| 100.0 * p;
        let _ = writeln!(
            s,
            "faasim {} — scenario '{}', seed {}, {} simulated{}",
            self.faasim_version,
            self.scenario,
            self.seed,
            crate::core::time::format_duration((self.horizon_s * 1e9) as u64),
            if self.warmup_s > 0.0 {
                format!(
                    " (first {} ignored as warm-up)",
                    crate::core::time::format_duration((self.warmup_s * 1e9) as u64)
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "requests      {:>14}", c.arrivals);
        let _ = writeln!(
            s,
            "  warm        {:>14}  ({:.3}%)",
            c.warm_starts,
            pct(ratio(c.warm_starts, c.arrivals))
        );
        let _ = writeln!(
            s,
            "  cold        {:>14}  ({:.3}%)",
            c.cold_starts,
            pct(self.cold_start_probability)
        );
        let _ = writeln!(
            s,
            "  throttled   {:>14}  ({:.3}%: {} by concurrency, {} by scaling rate)",
            c.throttled,
            pct(self.throttle_probability),
            c.throttled_concurrency,
            c.throttled_scaling
        );
        let _ = writeln!(s, "  timeouts    {:>14}", c.timeouts);
        if c.errors > 0 {
            let _ = writeln!(
                s,
                "  errors      {:>14}  ({} without a database connection)",
                c.errors, c.connection_errors
            );
        }
        let _ = writeln!(
            s,
            "  in flight   {:>14}  (at the end)",
            self.in_flight_at_end
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "latency (ms)  mean {:.2}  p50 {:.2}  p90 {:.2}  p95 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
            l.mean, l.p50, l.p90, l.p95, l.p99, l.p999, l.max
        );
        let _ = writeln!(
            s,
            "environments  mean {:.2} (busy {:.2}, idle {:.2}, initializing {:.2})  peak {}",
            i.mean_total, i.mean_busy, i.mean_idle, i.mean_initializing, i.peak
        );
        let _ = writeln!(s, "idle memory   {:.1} GB-s", self.idle_memory_gb_s);
        let k = &self.cost_usd;
        let _ = write!(
            s,
            "cost (USD)    total {:.4}  = requests {:.4} + compute {:.4} + provisioned {:.4}",
            k.total, k.requests, k.compute, k.provisioned
        );
        if k.front_door > 0.0 {
            let _ = write!(s, " + front door {:.4}", k.front_door);
        }
        if k.subscription > 0.0 {
            let _ = write!(s, " + subscription {:.4}", k.subscription);
        }
        if k.cdn > 0.0 {
            let _ = write!(s, " + cdn {:.4}", k.cdn);
        }
        let _ = writeln!(s);
        if let Some(a) = &k.always_on {
            let _ = writeln!(
                s,
                "per month     serverless {:.2}  vs always-on {} × {} {:.2}  or Fargate {:.2}",
                a.serverless_monthly_usd,
                a.vm_count,
                a.vm_type,
                a.vm_monthly_usd,
                a.fargate_monthly_usd
            );
        }
        self.architecture_summary(&mut s);
        if self.functions.len() > 1 {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "{:<24} {:>12} {:>9} {:>9} {:>10} {:>10} {:>10}",
                "function", "requests", "cold %", "thr %", "p99 ms", "mean env", "cost $"
            );
            let shown = 20;
            let mut by_requests: Vec<&FunctionReport> = self.functions.iter().collect();
            by_requests.sort_by_key(|f| std::cmp::Reverse(f.counts.arrivals));
            for f in by_requests.iter().take(shown) {
                let _ = writeln!(
                    s,
                    "{:<24} {:>12} {:>9.3} {:>9.3} {:>10.2} {:>10.2} {:>10.4}",
                    f.name,
                    f.counts.arrivals,
                    pct(f.cold_start_probability),
                    pct(f.throttle_probability),
                    f.latency_ms.p99,
                    f.instances.mean_total,
                    f.cost_usd.total
                );
            }
            if self.functions.len() > shown {
                let _ = writeln!(
                    s,
                    "... and {} more functions (see --json)",
                    self.functions.len() - shown
                );
            }
        }
        s
    }
}

impl Report {
    /// Lines for what is around the functions: async and queue delivery, fan-out flows,
    /// databases and the CDN (each only when the scenario has it).
    fn architecture_summary(&self, s: &mut String) {
        if let Some(d) = &self.delivery {
            let c = &d.counts;
            let a = &d.age_ms;
            let _ = writeln!(
                s,
                "events        {:>14}  succeeded {}  dead-lettered {}  expired {}  pending {}",
                c.events, c.succeeded, c.dead_lettered, c.expired, c.pending_at_end
            );
            let _ = writeln!(
                s,
                "  retries     {:>14}  ({} after errors, {} after throttles; {} redeliveries in {} batches)",
                c.retries + c.throttle_retries,
                c.retries,
                c.throttle_retries,
                c.redeliveries,
                c.batches
            );
            let _ = writeln!(
                s,
                "  backlog     peak {}  mean {:.1}   age (ms) p50 {:.0}  p99 {:.0}  max {:.0}   {:.2}/s processed",
                d.peak_backlog, d.mean_backlog, a.p50, a.p99, a.max, d.throughput_per_s
            );
        }
        if let Some(f) = &self.flows {
            let _ = writeln!(
                s,
                "flows         {:>14}  succeeded {}  failed {}   latency (ms) p50 {:.1}  p99 {:.1}",
                f.started, f.succeeded, f.failed, f.latency_ms.p50, f.latency_ms.p99
            );
        }
        for d in &self.databases {
            let _ = writeln!(
                s,
                "database {:<8} peak {} of {} connections, mean {:.1}; {} waited, {} errors",
                d.name,
                d.peak_connections,
                d.cap,
                d.mean_connections,
                d.waited,
                d.connection_errors
            );
        }
        if let Some(c) = &self.cdn {
            let _ = writeln!(
                s,
                "cdn           {:>14}  hits ({:.1}%: origin requests saved), {} misses, cost {:.4}",
                c.hits,
                100.0 * c.hit_ratio,
                c.misses,
                c.cost_usd
            );
        }
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
