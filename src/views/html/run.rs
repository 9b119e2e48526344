//! The HTML report of one run (`faasim run SCENARIO --report FILE.html`): the summary, the
//! cost breakdown with the always-on comparison, what is around the functions, per-function
//! figures, the plots and the scenario's text.

use super::{card, escape, figures, num, page, pct, s, table, usd, Figure};
use crate::core::report::DeliveryReport;
use crate::core::report::Report;
use crate::core::time::format_duration;
use crate::input::scenario::Scenario;
use crate::views::plot::{self, Timeline};
use crate::views::run_plots;
use crate::views::Error;
use std::fmt::Write as _;

/// The plots of a single run: its environment timeline (when it has a time series) and its
/// latency CDF.
pub fn run_figures(scenario: &Scenario, report: &Report) -> Result<Vec<Figure>, Error> {
    let mut figs = Vec::new();
    let buckets = report.timeseries.as_deref().unwrap_or(&[]);
    if !buckets.is_empty() {
        let title = run_plots::timeline_title(scenario);
        let timeline = Timeline {
            title: &title,
            buckets,
        };
        figs.push(Figure {
            caption: "Environments over time: busy, initializing (cold starts) and idle \
                      (kept warm), stacked; buckets with throttled requests shaded red. Below: \
                      arrivals, cold starts and throttles per second."
                .into(),
            svg: plot::svg(&timeline, "the run's timeline")?,
        });
    }
    if let Some(chart) = run_plots::latency_cdf(scenario, report) {
        figs.push(Figure {
            caption: "Latency CDF: the share of requests that finished within a latency. \
                      Warm requests make the steep part; cold starts the tail."
                .into(),
            svg: plot::svg(&chart, "the run's latency CDF")?,
        });
    }
    Ok(figs)
}

/// The HTML report of one run.
pub fn run_report(scenario: &Scenario, report: &Report, figs: &[Figure]) -> String {
    let mut o = String::new();
    header(&mut o, scenario, report);
    o.push_str("<h2>Summary</h2>\n");
    requests(&mut o, report);
    latency_and_environments(&mut o, report);
    cost(&mut o, report);
    architecture(&mut o, report);
    functions(&mut o, report);
    if !figs.is_empty() {
        o.push_str("<h2>Plots</h2>\n");
        figures(&mut o, figs);
    }
    scenario_text(&mut o, scenario);
    page(&format!("faasim report: {}", report.scenario), &o)
}

/// Title, seed and horizon, the description, and the key figures as cards.
fn header(o: &mut String, scenario: &Scenario, report: &Report) {
    let warmup = if report.warmup_s > 0.0 {
        format!(
            " (the first {} ignored as warm-up)",
            escape(&format_duration((report.warmup_s * 1e9) as u64))
        )
    } else {
        String::new()
    };
    let _ = write!(
        o,
        "<h1>faasim report: {}</h1>\n<p class=\"meta\">seed {} · {} simulated{} · faasim {}</p>\n",
        escape(&report.scenario),
        report.seed,
        escape(&format_duration((report.horizon_s * 1e9) as u64)),
        warmup,
        report.faasim_version
    );
    if let Some(d) = &scenario.description {
        let _ = writeln!(o, "<p>{}</p>", escape(d.trim()));
    }
    o.push_str("<div class=\"cards\">");
    card(o, &report.counts.arrivals.to_string(), "requests");
    card(o, &pct(report.cold_start_probability), "cold starts");
    card(o, &pct(report.throttle_probability), "throttled");
    card(
        o,
        &format!("{} ms", num(report.latency_ms.p99, 4)),
        "p99 latency",
    );
    card(o, &usd(report.cost_usd.total), "cost of the run");
    o.push_str("</div>\n");
}

/// What became of the requests, with each outcome's share.
fn requests(o: &mut String, report: &Report) {
    let c = &report.counts;
    let share = |n: u64| {
        pct(if c.arrivals == 0 {
            0.0
        } else {
            n as f64 / c.arrivals as f64
        })
    };
    let rows = vec![
        vec![s("requests"), c.arrivals.to_string(), s("100%")],
        vec![
            s("warm starts"),
            c.warm_starts.to_string(),
            share(c.warm_starts),
        ],
        vec![
            s("cold starts"),
            c.cold_starts.to_string(),
            share(c.cold_starts),
        ],
        vec![s("throttled"), c.throttled.to_string(), share(c.throttled)],
        vec![
            s("– by the concurrency limit"),
            c.throttled_concurrency.to_string(),
            share(c.throttled_concurrency),
        ],
        vec![
            s("– by the scaling rate"),
            c.throttled_scaling.to_string(),
            share(c.throttled_scaling),
        ],
        vec![
            s("– for lack of memory"),
            c.throttled_memory.to_string(),
            share(c.throttled_memory),
        ],
        vec![s("timeouts"), c.timeouts.to_string(), share(c.timeouts)],
        vec![
            s("in flight at the end"),
            report.in_flight_at_end.to_string(),
            share(report.in_flight_at_end),
        ],
    ];
    table(o, &[s("requests"), s("count"), s("share")], &rows, 1);
}

/// Latency percentiles and time-weighted environments.
fn latency_and_environments(o: &mut String, report: &Report) {
    let l = &report.latency_ms;
    let i = &report.instances;
    table(
        o,
        &[
            "latency (ms)",
            "mean",
            "p50",
            "p90",
            "p95",
            "p99",
            "p99.9",
            "max",
        ]
        .map(s),
        &[vec![
            s("completed requests"),
            num(l.mean, 4),
            num(l.p50, 4),
            num(l.p90, 4),
            num(l.p95, 4),
            num(l.p99, 4),
            num(l.p999, 4),
            num(l.max, 4),
        ]],
        1,
    );
    table(
        o,
        &[
            "environments",
            "mean total",
            "busy",
            "idle",
            "initializing",
            "peak",
            "idle memory (GB-s)",
        ]
        .map(s),
        &[vec![
            s("time-weighted"),
            num(i.mean_total, 4),
            num(i.mean_busy, 4),
            num(i.mean_idle, 4),
            num(i.mean_initializing, 4),
            i.peak.to_string(),
            num(report.idle_memory_gb_s, 4),
        ]],
        1,
    );
}

/// The run's cost by item, and the always-on comparison for a month.
fn cost(o: &mut String, report: &Report) {
    let k = &report.cost_usd;
    o.push_str("<h2>Cost</h2>\n");
    let items = [
        ("requests", k.requests),
        ("compute", k.compute),
        ("provisioned / kept warm", k.provisioned),
        ("front door (API gateway)", k.front_door),
        ("subscription", k.subscription),
        ("CDN", k.cdn),
        ("total", k.total),
    ];
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|(n, v)| {
            let share = if k.total > 0.0 {
                pct(v / k.total)
            } else {
                s("–")
            };
            vec![s(n), usd(*v), share]
        })
        .collect();
    table(o, &[s("item (this run)"), s("USD"), s("share")], &rows, 1);
    if let Some(a) = &k.always_on {
        let _ = writeln!(
            o,
            "<p>The same load for a month: serverless <b>{}</b>, against an always-on fleet \
             of {} × {} VMs at <b>{}</b> or Fargate containers at <b>{}</b> (sized for the \
             {} load: {} vCPU, {} GiB).</p>",
            usd(a.serverless_monthly_usd),
            a.vm_count,
            escape(a.vm_type),
            usd(a.vm_monthly_usd),
            usd(a.fargate_monthly_usd),
            escape(a.sizing),
            num(a.vcpu_needed, 3),
            num(a.memory_gib_needed, 3)
        );
        let cheapest = [
            ("serverless", a.serverless_monthly_usd),
            ("the VM fleet", a.vm_monthly_usd),
            ("Fargate", a.fargate_monthly_usd),
        ]
        .into_iter()
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .map(|x| x.0)
        .unwrap_or("serverless");
        let _ = writeln!(o, "<p>At this load, {cheapest} is the cheapest.</p>");
    }
}

/// The busiest functions' figures, when there are several.
fn functions(o: &mut String, report: &Report) {
    if report.functions.len() > 1 {
        o.push_str("<h2>Functions</h2>\n");
        let shown = 50;
        let mut fs: Vec<_> = report.functions.iter().collect();
        fs.sort_by_key(|f| std::cmp::Reverse(f.counts.arrivals));
        let rows: Vec<Vec<String>> = fs
            .iter()
            .take(shown)
            .map(|f| {
                vec![
                    f.name.clone(),
                    f.memory_mb.to_string(),
                    f.counts.arrivals.to_string(),
                    pct(f.cold_start_probability),
                    pct(f.throttle_probability),
                    num(f.latency_ms.p99, 4),
                    num(f.instances.mean_total, 3),
                    num(f.idle_memory_gb_s, 4),
                    usd(f.cost_usd.total),
                ]
            })
            .collect();
        table(
            o,
            &[
                "function",
                "MB",
                "requests",
                "cold",
                "throttled",
                "p99 ms",
                "mean env",
                "idle GB-s",
                "cost",
            ]
            .map(s),
            &rows,
            1,
        );
        if fs.len() > shown {
            let _ = writeln!(
                o,
                "<p class=\"note\">The {shown} busiest of {} functions.</p>",
                fs.len()
            );
        }
    }
}

/// Where the scenario came from, its overrides and its text.
fn scenario_text(o: &mut String, scenario: &Scenario) {
    o.push_str("<h2>Scenario</h2>\n");
    let _ = writeln!(
        o,
        "<p class=\"meta\">from {}</p>",
        escape(&scenario.source.origin)
    );
    if !scenario.source.overrides.is_empty() {
        let _ = writeln!(
            o,
            "<p>with overrides: <code>{}</code></p>",
            escape(
                &scenario
                    .source
                    .overrides
                    .iter()
                    .map(|x| format!("--set {x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        );
    }
    let _ = writeln!(o, "<pre>{}</pre>", escape(scenario.source.text.trim_end()));
}

/// What is around the functions, when the scenario has it: events and queues, fan-out flows,
/// databases, the CDN.
fn architecture(o: &mut String, report: &Report) {
    let c = &report.counts;
    if report.delivery.is_none()
        && report.flows.is_none()
        && report.databases.is_empty()
        && report.cdn.is_none()
        && c.errors == 0
    {
        return;
    }
    o.push_str("<h2>Around the functions</h2>\n");
    let mut rows: Vec<Vec<String>> = Vec::new();
    if c.errors > 0 {
        rows.push(vec![
            s("errors"),
            format!(
                "{} requests ended in an error ({} without a database connection)",
                c.errors, c.connection_errors
            ),
        ]);
    }
    if let Some(d) = &report.delivery {
        rows.extend(delivery(d));
    }
    if let Some(f) = &report.flows {
        rows.push(vec![
            s("fan-out flows"),
            format!(
                "{} started, {} succeeded, {} failed; end to end p50 {} ms, p99 {} ms",
                f.started,
                f.succeeded,
                f.failed,
                num(f.latency_ms.p50, 3),
                num(f.latency_ms.p99, 3)
            ),
        ]);
    }
    for d in &report.databases {
        rows.push(vec![
            format!("database {}", escape(&d.name)),
            format!(
                "peak {} of {} connections, mean {}; {} requests waited, {} failed without one",
                d.peak_connections,
                d.cap,
                num(d.mean_connections, 3),
                d.waited,
                d.connection_errors
            ),
        ]);
    }
    if let Some(x) = &report.cdn {
        rows.push(vec![
            s("CDN"),
            format!(
                "{} hits ({} of requests: origin requests saved), {} misses, {}",
                x.hits,
                pct(x.hit_ratio),
                x.misses,
                usd(x.cost_usd)
            ),
        ]);
    }
    table(o, &[s("what"), s("this run")], &rows, 1);
}

/// Events and messages: what became of them, retries, backlog and age.
fn delivery(d: &DeliveryReport) -> Vec<Vec<String>> {
    let k = &d.counts;
    vec![
        vec![
            s("events and messages"),
            format!(
                "{} accepted: {} succeeded, {} dead-lettered, {} expired, {} pending at the end",
                k.events, k.succeeded, k.dead_lettered, k.expired, k.pending_at_end
            ),
        ],
        vec![
            s("retries"),
            format!(
                "{} after errors, {} after throttles, {} redeliveries, {} batches",
                k.retries, k.throttle_retries, k.redeliveries, k.batches
            ),
        ],
        vec![
            s("backlog and age"),
            format!(
                "peak {}, mean {}; age at success p50 {} ms, p99 {} ms; {} per second processed",
                d.peak_backlog,
                num(d.mean_backlog, 3),
                num(d.age_ms.p50, 3),
                num(d.age_ms.p99, 3),
                num(d.throughput_per_s, 3)
            ),
        ],
    ]
}
