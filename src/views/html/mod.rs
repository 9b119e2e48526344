//! Self-contained HTML reports: one file with its styles inline and its plots as inline SVG,
//! no scripts, no fonts, no links to fetch, so it opens offline, in a mail attachment or on a
//! projector.
//!
//! - [`run_report`]: one run (`faasim run SCENARIO --report FILE.html`): the scenario text, the
//!   summary, the cost breakdown with the always-on comparison, per-function figures, the
//!   environment timeline and the latency CDF.
//! - [`sweep_report`]: a finished sweep (`faasim sweep EXP --report`, written to
//!   `DIR/report.html`): the experiment, the key metrics per point with 95% confidence
//!   intervals (and paired differences against the baseline), every metric's summary, and
//!   every plot drawn into `plots/`.
//!
//! Plots are drawn by [`crate::views::plot`]'s SVG backend; their text uses the generic `sans-serif`
//! family, which every browser resolves to a font of its own.

use crate::core::metrics::Bucket;
use crate::core::report::Report;
use crate::input::scenario::Scenario;
use crate::views::plot::{self, Chart, Series, Timeline};
use crate::views::Error;
use std::fmt::Write as _;

mod sweep;

pub use sweep::sweep_report;

/// A plot to show: a caption and the SVG text.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Shown under the plot.
    pub caption: String,
    /// An `<svg>` element.
    pub svg: String,
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Makes an SVG document fit the page: scales with the width, keeps its aspect ratio, and
/// carries an accessible name.
fn inline_svg(svg: &str, label: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    body.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" style=\"max-width:100%;height:auto\" ",
            escape(label)
        ),
        1,
    )
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 1.2rem 1.5rem 3rem; color: #1d2430; background: #fff;
       line-height: 1.45; }
h1 { font-size: 1.7rem; margin: 0.4rem 0 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 2px solid #e3e8ef; padding-bottom: 0.2rem; }
.meta { color: #5a6577; font-size: 0.92rem; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 1.2rem 0; }
.card { border: 1px solid #d9e0ea; border-radius: 8px; padding: 0.6rem 0.9rem; min-width: 9.5rem; background: #f7f9fc; }
.card .v { font-size: 1.35rem; font-weight: 600; }
.card .k { font-size: 0.82rem; color: #5a6577; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #dde3eb; padding: 0.25rem 0.6rem; text-align: right; }
td { white-space: nowrap; }
.wide { overflow-x: auto; max-width: 100%; }
th { background: #eef2f7; }
td.l, th.l { text-align: left; }
tr:nth-child(even) td { background: #fafbfd; }
pre { background: #f4f6f9; border: 1px solid #dde3eb; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
figure { margin: 1.4rem 0; }
figcaption { color: #5a6577; font-size: 0.88rem; margin-top: 0.3rem; }
details summary { cursor: pointer; color: #1f5fa8; }
.note { color: #5a6577; font-size: 0.9rem; }
"#;

/// Wraps `body` in a complete page.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"faasim {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n\
         </head>\n<body>\n{body}\n<p class=\"note\">Written by faasim {}. This file is \
         self-contained: styles and plots are inside it; it loads nothing.</p>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(title),
        env!("CARGO_PKG_VERSION"),
    )
}

/// A number with about `digits` significant digits, without trailing zeros.
pub fn num(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (digits as i32 - 1 - mag).clamp(0, 10) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

fn pct(p: f64) -> String {
    format!("{}%", num(100.0 * p, 3))
}

fn usd(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("${v:.2}")
    } else {
        format!("${}", num(v, 4))
    }
}

fn card(out: &mut String, value: &str, key: &str) {
    let _ = write!(
        out,
        "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
        escape(value),
        escape(key)
    );
}

/// Writes a table: `header` cells, then `rows`; the first `left` columns are left-aligned.
fn table(out: &mut String, header: &[String], rows: &[Vec<String>], left: usize) {
    out.push_str("<div class=\"wide\"><table>\n<tr>");
    for (i, h) in header.iter().enumerate() {
        let class = if i < left { " class=\"l\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", escape(h));
    }
    out.push_str("</tr>\n");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if i < left { " class=\"l\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
}

fn figures(out: &mut String, figs: &[Figure]) {
    for f in figs {
        let _ = write!(
            out,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            inline_svg(&f.svg, &f.caption),
            escape(&f.caption)
        );
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

/// The plots of a single run: its environment timeline (when it has a time series) and its
/// latency CDF.
pub fn run_figures(scenario: &Scenario, report: &Report) -> Result<Vec<Figure>, Error> {
    let mut figs = Vec::new();
    let buckets: &[Bucket] = report.timeseries.as_deref().unwrap_or(&[]);
    if !buckets.is_empty() {
        let title = format!(
            "{}: environments over time (seed {}, {} simulated)",
            scenario.display_name(),
            scenario.run.seed,
            scenario.run.horizon
        );
        let timeline = Timeline {
            title: &title,
            buckets,
        };
        let svg = plot::svg(&timeline, "the run's timeline")?;
        figs.push(Figure {
            caption: "Environments over time: busy, initializing (cold starts) and idle \
                      (kept warm), stacked; buckets with throttled requests shaded red. Below: \
                      arrivals, cold starts and throttles per second."
                .into(),
            svg,
        });
    }
    let cdf = report.latency.cdf();
    if !cdf.is_empty() {
        let chart = Chart {
            title: format!(
                "{}: latency CDF ({} completed requests)",
                scenario.display_name(),
                report.counts.completed
            ),
            note: Some("cold starts make the tail on the right".into()),
            x_label: "latency (ms, log scale)".into(),
            y_label: "fraction of completed requests ≤ latency".into(),
            log_x: true,
            y_from_zero: true,
            legend_bottom: true,
            series: vec![Series::line("all requests", cdf)],
            ..Chart::default()
        };
        let svg = plot::svg(&chart, "the run's latency CDF")?;
        figs.push(Figure {
            caption: "Latency CDF: the share of requests that finished within a latency. \
                      Warm requests make the steep part; cold starts the tail."
                .into(),
            svg,
        });
    }
    Ok(figs)
}

/// The HTML report of one run.
pub fn run_report(scenario: &Scenario, report: &Report, figs: &[Figure]) -> String {
    let mut o = String::new();
    let c = &report.counts;
    let l = &report.latency_ms;
    let i = &report.instances;
    let k = &report.cost_usd;
    let _ =
        write!(
        o,
        "<h1>faasim report: {}</h1>\n<p class=\"meta\">seed {} · {} simulated{} · faasim {}</p>\n",
        escape(&report.scenario),
        report.seed,
        escape(&crate::core::time::format_duration(
            (report.horizon_s * 1e9) as u64
        )),
        if report.warmup_s > 0.0 {
            format!(
                " (the first {} ignored as warm-up)",
                escape(&crate::core::time::format_duration((report.warmup_s * 1e9) as u64))
            )
        } else {
            String::new()
        },
        report.faasim_version
    );
    if let Some(d) = &scenario.description {
        let _ = writeln!(o, "<p>{}</p>", escape(d.trim()));
    }
    o.push_str("<div class=\"cards\">");
    card(&mut o, &c.arrivals.to_string(), "requests");
    card(&mut o, &pct(report.cold_start_probability), "cold starts");
    card(&mut o, &pct(report.throttle_probability), "throttled");
    card(&mut o, &format!("{} ms", num(l.p99, 4)), "p99 latency");
    card(&mut o, &usd(k.total), "cost of the run");
    o.push_str("</div>\n");

    o.push_str("<h2>Summary</h2>\n");
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
    table(&mut o, &[s("requests"), s("count"), s("share")], &rows, 1);
    table(
        &mut o,
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
        &mut o,
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
    table(
        &mut o,
        &[s("item (this run)"), s("USD"), s("share")],
        &rows,
        1,
    );
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

    architecture(&mut o, report);

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
            &mut o,
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

    if !figs.is_empty() {
        o.push_str("<h2>Plots</h2>\n");
        figures(&mut o, figs);
    }

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
    page(&format!("faasim report: {}", report.scenario), &o)
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
        let k = &d.counts;
        rows.push(vec![
            s("events and messages"),
            format!(
                "{} accepted: {} succeeded, {} dead-lettered, {} expired, {} pending at the end",
                k.events, k.succeeded, k.dead_lettered, k.expired, k.pending_at_end
            ),
        ]);
        rows.push(vec![
            s("retries"),
            format!(
                "{} after errors, {} after throttles, {} redeliveries, {} batches",
                k.retries, k.throttle_retries, k.redeliveries, k.batches
            ),
        ]);
        rows.push(vec![
            s("backlog and age"),
            format!(
                "peak {}, mean {}; age at success p50 {} ms, p99 {} ms; {} per second processed",
                d.peak_backlog,
                num(d.mean_backlog, 3),
                num(d.age_ms.p50, 3),
                num(d.age_ms.p99, 3),
                num(d.throughput_per_s, 3)
            ),
        ]);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(0.000123456, 3), "0.000123");
        assert_eq!(num(1234.5678, 4), "1235");
        assert_eq!(num(2.5, 4), "2.5");
        assert_eq!(num(-0.0001, 1), "-0.0001");
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn svg_gets_scaled() {
        let s = inline_svg("<svg width=\"10\" height=\"5\"></svg>", "x<y");
        assert!(s.starts_with("<svg role=\"img\" aria-label=\"x&lt;y\""));
    }
}
