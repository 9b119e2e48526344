//! The terminal summary of one run, as `faasim run` prints it.

use crate::core::report::{FunctionReport, Report};
use std::fmt::Write as _;

/// `a / b`, 0 when `b` is 0.
fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// A report as the terminal summary `faasim run` prints.
pub fn summary(r: &Report) -> String {
    let mut s = String::new();
    title(r, &mut s);
    requests(r, &mut s);
    figures(r, &mut s);
    architecture(r, &mut s);
    functions(r, &mut s);
    s
}

fn pct(p: f64) -> f64 {
    100.0 * p
}

/// The first line: version, scenario, seed, simulated time.
fn title(r: &Report, s: &mut String) {
    let _ = writeln!(
        s,
        "faasim {} — scenario '{}', seed {}, {} simulated{}",
        r.faasim_version,
        r.scenario,
        r.seed,
        crate::core::time::format_duration((r.horizon_s * 1e9) as u64),
        if r.warmup_s > 0.0 {
            format!(
                " (first {} ignored as warm-up)",
                crate::core::time::format_duration((r.warmup_s * 1e9) as u64)
            )
        } else {
            String::new()
        }
    );
}

/// Requests: warm, cold, throttled, timeouts, errors, in flight.
fn requests(r: &Report, s: &mut String) {
    if let Some(stop) = &r.stopped_early {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "STOPPED EARLY at {}: {}; every figure below covers only the time simulated",
            crate::core::time::format_duration((stop.at_s * 1e9) as u64),
            stop.reason
        );
    }
    let c = &r.counts;
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
        pct(r.cold_start_probability)
    );
    let _ = writeln!(
        s,
        "  throttled   {:>14}  ({:.3}%: {} by concurrency, {} by scaling rate)",
        c.throttled,
        pct(r.throttle_probability),
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
    let _ = writeln!(s, "  in flight   {:>14}  (at the end)", r.in_flight_at_end);
}

/// Latency, environments, idle memory, cost and the always-on line.
fn figures(r: &Report, s: &mut String) {
    let l = &r.latency_ms;
    let i = &r.instances;
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
    let _ = writeln!(s, "idle memory   {:.1} GB-s", r.idle_memory_gb_s);
    let k = &r.cost_usd;
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
}

/// The busiest functions, when there are several.
fn functions(r: &Report, s: &mut String) {
    if r.functions.len() > 1 {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<24} {:>12} {:>9} {:>9} {:>10} {:>10} {:>10}",
            "function", "requests", "cold %", "thr %", "p99 ms", "mean env", "cost $"
        );
        let shown = 20;
        let mut by_requests: Vec<&FunctionReport> = r.functions.iter().collect();
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
        if r.functions.len() > shown {
            let _ = writeln!(
                s,
                "... and {} more functions (see --json)",
                r.functions.len() - shown
            );
        }
    }
}

/// Lines for what is around the functions: async and queue delivery, fan-out flows,
/// databases and the CDN (each only when the scenario has it).
fn architecture(r: &Report, s: &mut String) {
    if let Some(d) = &r.delivery {
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
    if let Some(f) = &r.flows {
        let _ = writeln!(
            s,
            "flows         {:>14}  succeeded {}  failed {}   latency (ms) p50 {:.1}  p99 {:.1}",
            f.started, f.succeeded, f.failed, f.latency_ms.p50, f.latency_ms.p99
        );
    }
    for d in &r.databases {
        let _ = writeln!(
            s,
            "database {:<8} peak {} of {} connections, mean {:.1}; {} waited, {} errors",
            d.name, d.peak_connections, d.cap, d.mean_connections, d.waited, d.connection_errors
        );
    }
    if let Some(c) = &r.cdn {
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
