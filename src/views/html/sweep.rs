//! The HTML report of a finished sweep, built from its [`Results`] and the plots just drawn:
//! the experiment, the key metrics per point with 95% confidence intervals (and paired
//! differences against the baseline), every metric's summary, and every plot.

use super::{escape, figures, num, page, s, table, Figure};
use crate::lab::stats::Summary;
use crate::lab::{Experiment, MetricSummary, Results};
use crate::views::sweep_plots::PlotFile;
use std::fmt::Write as _;

/// The metrics shown in the report's first table, when the sweep has them.
const KEY_METRICS: [&str; 7] = [
    "cold_start_probability",
    "throttle_probability",
    "latency_ms.p99",
    "instances.mean_total",
    "idle_memory_gb_s",
    "cost_usd.total",
    "cost_usd.always_on.serverless_monthly_usd",
];

/// The HTML report of a finished sweep: `results`, the files its plots were drawn to (the SVG
/// ones are shown), and the experiment file's text when given.
pub fn sweep_report(
    results: &Results,
    plots: &[PlotFile],
    experiment_text: Option<&str>,
) -> String {
    let exp = &results.experiment;
    let mut o = String::new();
    header(&mut o, exp);
    let keys: Vec<&str> = KEY_METRICS
        .iter()
        .copied()
        .filter(|m| results.metrics.iter().any(|n| n == m))
        .collect();
    key_figures(&mut o, results, &keys);
    if exp.baseline.is_some() {
        paired_differences(&mut o, results, &keys);
    }
    let figs = plot_figures(plots);
    if !figs.is_empty() {
        o.push_str("<h2>Plots</h2>\n");
        figures(&mut o, &figs);
    }
    all_metrics(&mut o, results);
    experiment(&mut o, exp, experiment_text);
    page(&format!("faasim sweep: {}", exp.name), &o)
}

/// Title, counts and what was swept.
fn header(o: &mut String, exp: &Experiment) {
    let _ = writeln!(
        o,
        "<h1>faasim sweep: {}</h1>\n<p class=\"meta\">{} point(s) × {} replication(s) = {} runs · \
         master seed {} · {} · faasim {}</p>",
        escape(&exp.name),
        exp.points.len(),
        exp.replications,
        exp.run_count(),
        exp.seed,
        escape(&exp.file_name),
        env!("CARGO_PKG_VERSION")
    );
    if let Some(d) = &exp.description {
        let _ = writeln!(o, "<p>{}</p>", escape(d.trim()));
    }
    if !exp.axes.is_empty() {
        o.push_str("<p>Swept:</p>\n<ul>\n");
        for a in &exp.axes {
            let _ = writeln!(
                o,
                "<li><b>{}</b> (<code>{}</code>): {}</li>",
                escape(&a.label()),
                escape(&a.path),
                escape(&a.labels.join(", "))
            );
        }
        o.push_str("</ul>\n");
    }
}

/// The key metrics' means per point.
fn key_figures(o: &mut String, results: &Results, keys: &[&str]) {
    let exp = &results.experiment;
    o.push_str("<h2>Key figures per point</h2>\n");
    let _ = writeln!(
        o,
        "<p class=\"note\">Mean over {} replication(s) ± the half-width of its 95% confidence \
         interval (Student t); probabilities in percent.</p>",
        exp.replications
    );
    let body: Vec<Vec<String>> = (0..exp.points.len())
        .map(|p| {
            let mut r = point_cells(exp, p);
            for m in keys {
                let cell = results.summary_of(p, m).map(|x| mean_ci(m, &x.stats));
                r.push(cell.unwrap_or_default());
            }
            r
        })
        .collect();
    table(o, &key_header(exp, keys), &body, exp.axes.len());
}

/// The key metrics' paired differences against each point's baseline.
fn paired_differences(o: &mut String, results: &Results, keys: &[&str]) {
    let exp = &results.experiment;
    let base = exp.baseline.as_deref().unwrap_or_default();
    o.push_str(
        "<h2>Paired differences against the baseline</h2>\n<p class=\"note\">Each point \
         minus its baseline point, replication by replication (common random numbers), ± 95% \
         interval.</p>\n",
    );
    let n_axes = exp.axes.len();
    let mut head = key_header(exp, keys);
    head.insert(n_axes, s("against"));
    let body: Vec<Vec<String>> = (0..exp.points.len())
        .map(|p| {
            let mut r = point_cells(exp, p);
            r.push(base.get(p).map_or(String::new(), |&b| exp.point_label(b)));
            for m in keys {
                let cell = results.summary_of(p, m).map(|x| diff_cell(m, x));
                r.push(cell.unwrap_or_default());
            }
            r
        })
        .collect();
    table(o, &head, &body, n_axes + 1);
}

/// Every metric's summary at every point, folded away.
fn all_metrics(o: &mut String, results: &Results) {
    let exp = &results.experiment;
    let _ = writeln!(
        o,
        "<h2>All metrics</h2>\n<details>\n<summary>summary.csv: {} rows (point × metric)</summary>",
        results.summary.len()
    );
    let mut head: Vec<String> = exp.axes.iter().map(|a| a.name.clone()).collect();
    head.extend(["metric", "n", "mean ± 95% CI"].map(s));
    head.push(s("difference to baseline ± 95% CI"));
    let body: Vec<Vec<String>> = results
        .summary
        .iter()
        .map(|x| {
            let mut cells = point_cells(exp, x.point);
            cells.push(x.metric.clone());
            cells.push(x.stats.n.to_string());
            cells.push(mean_ci(&x.metric, &x.stats));
            cells.push(diff_cell(&x.metric, x));
            cells
        })
        .collect();
    table(o, &head, &body, exp.axes.len() + 1);
    o.push_str("</details>\n");
}

/// The experiment file, the base scenario and the manifest.
fn experiment(o: &mut String, exp: &Experiment, experiment_text: Option<&str>) {
    o.push_str("<h2>Experiment</h2>\n");
    if let Some(t) = experiment_text {
        let _ = writeln!(
            o,
            "<p class=\"meta\">{}</p>\n<pre>{}</pre>",
            escape(&exp.file_name),
            escape(t.trim_end())
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"meta\">base scenario: {}</p>\n<pre>{}</pre>",
        escape(&exp.base_origin),
        escape(exp.base_text.trim_end())
    );
    let manifest = crate::lab::output::manifest(exp);
    let _ = writeln!(
        o,
        "<details><summary>manifest.json</summary>\n<pre>{}</pre>\n</details>",
        escape(manifest.trim_end())
    );
}

/// The SVG plots, by file name, captioned with it.
fn plot_figures(plots: &[PlotFile]) -> Vec<Figure> {
    let mut svgs: Vec<(String, &str)> = plots
        .iter()
        .filter_map(|f| {
            let name = f.path.file_name()?.to_str().unwrap_or("plot");
            Some((name.to_string(), f.svg.as_deref()?))
        })
        .collect();
    svgs.sort();
    svgs.into_iter()
        .map(|(name, svg)| Figure {
            caption: format!("plots/{name}"),
            svg: svg.to_string(),
        })
        .collect()
}

/// The axes' labels, then the key metrics' titles.
fn key_header(exp: &Experiment, keys: &[&str]) -> Vec<String> {
    let mut head: Vec<String> = exp.axes.iter().map(|a| a.label()).collect();
    head.extend(keys.iter().map(|m| metric_title(m)));
    head
}

/// Point `p`'s value label on each axis.
fn point_cells(exp: &Experiment, p: usize) -> Vec<String> {
    match exp.points.get(p) {
        Some(pt) => exp
            .axes
            .iter()
            .zip(pt)
            .map(|(a, &v)| a.labels[v].clone())
            .collect(),
        None => vec![String::new(); exp.axes.len()],
    }
}

/// The paired difference's mean ± interval, empty without a baseline.
fn diff_cell(metric: &str, x: &MetricSummary) -> String {
    x.paired
        .as_ref()
        .map(|(_, d)| mean_ci(metric, d))
        .unwrap_or_default()
}

fn is_probability(metric: &str) -> bool {
    metric.ends_with("_probability")
}

/// `mean ± ci` with about four significant digits (probabilities in percent); empty for a
/// mean that is not a number.
fn mean_ci(metric: &str, x: &Summary) -> String {
    if !x.mean.is_finite() {
        return String::new();
    }
    let scale = if is_probability(metric) { 100.0 } else { 1.0 };
    let unit = if is_probability(metric) { "%" } else { "" };
    match x.ci95.filter(|c| c.is_finite()) {
        Some(c) => format!("{}{unit} ± {}", num(x.mean * scale, 4), num(c * scale, 2)),
        None => format!("{}{unit}", num(x.mean * scale, 4)),
    }
}

/// A column title for a metric: a short name for the key ones, else the metric's own.
fn metric_title(m: &str) -> String {
    let short = match m {
        "cold_start_probability" => "cold starts (%)",
        "throttle_probability" => "throttled (%)",
        "latency_ms.p99" => "p99 latency (ms)",
        "instances.mean_total" => "mean environments",
        "idle_memory_gb_s" => "idle memory (GB-s)",
        "cost_usd.total" => "cost of a run (USD)",
        "cost_usd.always_on.serverless_monthly_usd" => "serverless per month (USD)",
        _ if is_probability(m) => return format!("{m} (%)"),
        _ => m,
    };
    short.to_string()
}
