//! The outputs of a finished sweep: `runs.csv` (one row per run), `summary.csv` (one row per
//! point and metric: mean, standard deviation, 95% interval, and paired differences against the
//! baseline), `manifest.json` (what produced them) and `plots/`.
//!
//! Everything is computed from the run files in run-id order and written with one float format
//! (`fmt_f64`), so the bytes do not depend on thread count, shard split or resumption.

use super::csv_writer::CsvWriter;
use super::format::fmt_f64;
use super::record::{self, RunRecord};
use super::spec::{Experiment, PlotSpec};
use super::stats::Summary;
use super::store;
use super::{io_error, Error};
use crate::core::metrics::Bucket;
use crate::views::plot::{self, Chart, Series};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads every run of `exp` from `out/runs` and writes runs.csv, summary.csv, manifest.json
/// and the plots into `out`.
pub fn write_all(out: &Path, exp: &Experiment) -> Result<(), Error> {
    let records: Vec<RunRecord> = store::collect(&[out.to_path_buf()], exp)?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    store::write_atomic(&out.join("runs.csv"), runs_csv(exp, &records).as_bytes())?;
    store::write_atomic(
        &out.join("summary.csv"),
        summary_csv(exp, &records).as_bytes(),
    )?;
    store::write_atomic(&out.join("manifest.json"), manifest(exp).as_bytes())?;
    write_plots(out, exp, &records)?;
    Ok(())
}

/// The metric columns: the first record's, in the report's order.
fn metric_columns(records: &[RunRecord]) -> Vec<String> {
    // The union over runs, in order of first appearance: points that differ in their optional
    // sections (a CDN, a database) still get every column, empty where a run has none.
    let mut seen = std::collections::HashSet::new();
    let mut cols = Vec::new();
    for r in records {
        for (n, _) in &r.metrics {
            if seen.insert(n.as_str()) {
                cols.push(n.clone());
            }
        }
    }
    cols
}

/// One row per run, sorted by run id: run, point, replication, seed, the swept values, then
/// every metric.
pub fn runs_csv(exp: &Experiment, records: &[RunRecord]) -> String {
    let metrics = metric_columns(records);
    let mut csv = CsvWriter::new();
    let fixed = ["run", "point", "replication", "seed"].map(String::from);
    let axes = exp.axes.iter().map(|a| a.name.clone());
    csv.row(fixed.into_iter().chain(axes).chain(metrics.iter().cloned()));
    for r in records {
        let mut row = vec![
            r.run.to_string(),
            r.point.to_string(),
            r.replication.to_string(),
            r.seed.to_string(),
        ];
        if let Some(pt) = exp.points.get(r.point) {
            row.extend(exp.axes.iter().zip(pt).map(|(a, &v)| a.cell(v)));
        }
        row.extend(metrics.iter().map(|m| fmt_f64(r.metric(m))));
        csv.row(row);
    }
    csv.finish()
}

/// `values[point][metric][replication]`, in replication order.
fn by_point(exp: &Experiment, records: &[RunRecord], metrics: &[String]) -> Vec<Vec<Vec<f64>>> {
    let mut v =
        vec![vec![Vec::with_capacity(exp.replications as usize); metrics.len()]; exp.points.len()];
    for r in records {
        for (m, name) in metrics.iter().enumerate() {
            if let (Some(x), Some(p)) = (r.metric(name), v.get_mut(r.point)) {
                p[m].push(x);
            }
        }
    }
    v
}

/// One row per point and metric: n, mean, sd, ci95 (half-width of the 95% interval), and with a
/// baseline, the baseline point and the mean, sd and ci95 of the paired differences
/// (replication k minus the baseline's replication k).
pub fn summary_csv(exp: &Experiment, records: &[RunRecord]) -> String {
    let metrics = metric_columns(records);
    let values = by_point(exp, records, &metrics);
    let mut csv = CsvWriter::new();
    let mut header = vec!["point".to_string()];
    header.extend(exp.axes.iter().map(|a| a.name.clone()));
    header.extend(
        [
            "metric",
            "n",
            "mean",
            "sd",
            "ci95",
            "baseline_point",
            "diff_mean",
            "diff_sd",
            "diff_ci95",
        ]
        .map(String::from),
    );
    csv.row(header);
    for (p, pt) in exp.points.iter().enumerate() {
        let cells: Vec<String> = exp.axes.iter().zip(pt).map(|(a, &v)| a.cell(v)).collect();
        for (m, name) in metrics.iter().enumerate() {
            let xs = &values[p][m];
            let sum = Summary::of(xs);
            let mut row = vec![p.to_string()];
            row.extend(cells.iter().cloned());
            row.push(name.clone());
            row.push(sum.n.to_string());
            row.push(fmt_f64(Some(sum.mean)));
            row.push(fmt_f64(sum.sd));
            row.push(fmt_f64(sum.ci95));
            match exp.baseline.as_ref().and_then(|b| b.get(p)) {
                Some(&b) => {
                    let d = Summary::paired(xs, &values[b][m]);
                    row.push(b.to_string());
                    row.push(fmt_f64(Some(d.mean)));
                    row.push(fmt_f64(d.sd));
                    row.push(fmt_f64(d.ci95));
                }
                None => row.extend(std::iter::repeat_n(String::new(), 4)),
            }
            csv.row(row);
        }
    }
    csv.finish()
}

#[derive(Serialize)]
struct Manifest<'a> {
    faasim_version: &'static str,
    experiment: &'a str,
    description: Option<&'a str>,
    experiment_file: &'a str,
    experiment_sha256: &'a str,
    base: String,
    base_sha256: &'a str,
    seed: u64,
    seeding: &'static str,
    replications: u64,
    points: usize,
    runs: u64,
    runs_sha256: &'a str,
    git_revision: Option<String>,
}

/// The git revision of the source tree faasim was built from, when that tree is still there.
fn git_revision() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let rev = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !rev.is_empty()).then_some(rev)
}

/// manifest.json: versions, hashes, seeds and counts. Paths are reduced to file names so that
/// shards run from different directories produce the same bytes.
pub fn manifest(exp: &Experiment) -> String {
    let base = if exp.base_origin.starts_with("built-in") {
        exp.base_origin.clone()
    } else if exp.base_origin.ends_with(" [base]") {
        "inline [base] table".to_string()
    } else {
        Path::new(&exp.base_origin)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&exp.base_origin)
            .to_string()
    };
    let m = Manifest {
        faasim_version: env!("CARGO_PKG_VERSION"),
        experiment: &exp.name,
        description: exp.description.as_deref(),
        experiment_file: &exp.file_name,
        experiment_sha256: &exp.file_sha256,
        base,
        base_sha256: &exp.base_sha256,
        seed: exp.seed,
        seeding: "every run's run.seed is the master seed and its stream run index is its replication (common random numbers: replication k of every point sees the same arrivals and durations)",
        replications: exp.replications,
        points: exp.points.len(),
        runs: exp.run_count(),
        runs_sha256: &exp.runs_sha256,
        git_revision: git_revision(),
    };
    format!("{}\n", serde_json::to_string_pretty(&m).unwrap_or_default())
}

/// Draws every `[[plot]]` of the experiment into `out/plots/` as PNG and SVG; returns the files.
pub fn write_plots(
    out: &Path,
    exp: &Experiment,
    records: &[RunRecord],
) -> Result<Vec<PathBuf>, Error> {
    if exp.plots.is_empty() {
        return Ok(Vec::new());
    }
    let dir = out.join("plots");
    std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
    let mut written = Vec::new();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for spec in &exp.plots {
        let (stem, drawing) = chart_for(exp, records, spec);
        // Two plots with one name get -2, -3, ... rather than overwrite each other.
        let n = used.entry(stem.clone()).or_insert(0);
        *n += 1;
        let stem = if *n > 1 { format!("{stem}-{n}") } else { stem };
        for ext in ["png", "svg"] {
            let path = dir.join(format!("{stem}.{ext}"));
            let done = match &drawing {
                Drawing::Lines(c) => plot::lines(c, &path),
                Drawing::Timeline(title, b) => plot::timeline(title, b, &path),
            };
            done.map_err(|e| Error::Io(e.to_string()))?;
            written.push(path);
        }
    }
    Ok(written)
}

enum Drawing {
    Lines(Chart),
    Timeline(String, Vec<Bucket>),
}

/// Keeps file names to letters, digits, '-', '_' and '.'.
fn file_stem(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn metric_label(name: &str) -> String {
    match name {
        "cold_start_probability" => "cold starts (% of requests)".into(),
        "throttle_probability" => "throttled (% of requests)".into(),
        "idle_memory_gb_s" => "idle memory (GB-s)".into(),
        "app_cold_start_pct.p75" => "3rd-quartile application cold starts (%)".into(),
        "function_cold_start_pct.p75" => "3rd-quartile function cold starts (%)".into(),
        n if n.starts_with("latency_ms.") => format!("{} latency (ms)", &n["latency_ms.".len()..]),
        n if n.starts_with("cost_usd.") => format!("{} cost (USD)", &n["cost_usd.".len()..]),
        n if n.starts_with("instances.") => format!("{} environments", &n["instances.".len()..]),
        n => n.to_string(),
    }
}

/// Legend text for a cost metric.
fn cost_label(name: &str) -> String {
    match name.rsplit('.').next().unwrap_or(name) {
        "serverless_monthly_usd" => "serverless (this platform)".into(),
        "vm_monthly_usd" => "always-on VMs (EC2, sized for the peak)".into(),
        "fargate_monthly_usd" => "always-on containers (Fargate, sized for the peak)".into(),
        "total" => "this platform".into(),
        other => other.replace('_', " "),
    }
}

/// Probabilities are shown as percentages unless a scale is given.
fn default_scale(name: &str) -> f64 {
    if name.ends_with("_probability") {
        100.0
    } else {
        1.0
    }
}

fn title(exp: &Experiment, given: &Option<String>, what: &str) -> String {
    given
        .clone()
        .unwrap_or_else(|| format!("{}: {what}", exp.name))
}

/// Groups point indices by their values on every axis but `except` (one line per group), each
/// group in point order; returns (label, points).
fn groups(exp: &Experiment, except: Option<usize>) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(Vec<usize>, String, Vec<usize>)> = Vec::new();
    for (p, pt) in exp.points.iter().enumerate() {
        let key: Vec<usize> = pt
            .iter()
            .enumerate()
            .filter(|(a, _)| Some(*a) != except)
            .map(|(_, &v)| v)
            .collect();
        match out.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.2.push(p),
            None => {
                let label = exp
                    .axes
                    .iter()
                    .zip(pt)
                    .enumerate()
                    .filter(|(a, _)| Some(*a) != except)
                    .map(|(_, (ax, &v))| format!("{}={}", ax.name, ax.labels[v]))
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push((key, label, vec![p]));
            }
        }
    }
    out.into_iter().map(|(_, l, p)| (l, p)).collect()
}

/// Splits each group's points by the `key` field of their along-axis value (a table such as
/// `{ kind = "fixed", ttl = "5min" }`), in order of first appearance; labels gain the key's
/// value. Without a key the groups are returned as they are.
fn split_by_key(
    exp: &Experiment,
    groups: Vec<(String, Vec<usize>)>,
    along: Option<usize>,
    key: Option<&str>,
) -> Vec<(String, Vec<usize>)> {
    let (Some(key), Some(a)) = (key, along) else {
        return groups;
    };
    let value_of = |p: usize| {
        let raw = &exp.axes[a].values[exp.points[p][a]];
        match crate::lab::spec::parse_value(raw) {
            Some(toml::Value::Table(t)) => t.get(key).map(|v| match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            _ => None,
        }
        .unwrap_or_else(|| "other".into())
    };
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (label, pts) in groups {
        let mut parts: Vec<(String, Vec<usize>)> = Vec::new();
        for p in pts {
            let v = value_of(p);
            match parts.iter_mut().find(|(k, _)| *k == v) {
                Some((_, ps)) => ps.push(p),
                None => parts.push((v, vec![p])),
            }
        }
        for (v, ps) in parts {
            let l = if label.is_empty() {
                v
            } else {
                format!("{label}, {v}")
            };
            out.push((l, ps));
        }
    }
    out
}

/// Per point, the summary of one metric (scaled).
fn summaries(exp: &Experiment, records: &[RunRecord], metric: &str, scale: f64) -> Vec<Summary> {
    let mut xs: Vec<Vec<f64>> = vec![Vec::new(); exp.points.len()];
    for r in records {
        if let (Some(x), Some(v)) = (r.metric(metric), xs.get_mut(r.point)) {
            v.push(x * scale);
        }
    }
    xs.iter().map(|v| Summary::of(v)).collect()
}

/// A metric (y) against an axis (x), one line per combination of the other axes, with 95% bands.
fn against_axis(
    exp: &Experiment,
    records: &[RunRecord],
    x_axis: usize,
    metric: &str,
    scale: f64,
) -> Vec<Series> {
    let sums = summaries(exp, records, metric, scale);
    let numeric = exp.axes[x_axis].numeric.clone().unwrap_or_default();
    groups(exp, Some(x_axis))
        .into_iter()
        .map(|(label, pts)| {
            let mut rows: Vec<(f64, Summary)> = pts
                .iter()
                .filter_map(|&p| Some((*numeric.get(exp.points[p][x_axis])?, sums[p])))
                .collect();
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series {
                label: if label.is_empty() {
                    metric_label(metric)
                } else {
                    label
                },
                points: rows.iter().map(|(x, s)| (*x, s.mean)).collect(),
                band: rows
                    .iter()
                    .filter_map(|(x, s)| s.ci95.map(|c| (*x, s.mean - c, s.mean + c)))
                    .collect(),
                markers: true,
                point_labels: Vec::new(),
                color: None,
            }
        })
        .collect()
}

fn chart_for(exp: &Experiment, records: &[RunRecord], spec: &PlotSpec) -> (String, Drawing) {
    let reps = exp.replications;
    let band_note = if reps > 1 {
        format!("mean of {reps} replications; shaded: 95% confidence interval (Student t)")
    } else {
        "one replication: no confidence interval".to_string()
    };
    match spec {
        PlotSpec::LatencyCdf { name, title: t } => {
            let series = (0..exp.points.len())
                .map(|p| {
                    let hist = record::merge_histograms(
                        records
                            .iter()
                            .filter(|r| r.point == p)
                            .map(|r| r.latency_us.as_slice()),
                    );
                    let n: u64 = hist.iter().map(|(_, c)| c).sum();
                    let mut seen = 0;
                    let points = hist
                        .iter()
                        .map(|&(lo, c)| {
                            seen += c;
                            (
                                record::bucket_upper(lo) as f64 / 1000.0,
                                seen as f64 / n.max(1) as f64,
                            )
                        })
                        .collect();
                    Series::line(exp.point_label(p), points)
                })
                .collect();
            let chart = Chart {
                title: title(exp, t, "latency CDF per point"),
                note: Some(format!("all {reps} replication(s) of each point merged; histogram buckets about 1% wide")),
                x_label: "latency (ms, log scale)".into(),
                y_label: "fraction of completed requests ≤ latency".into(),
                log_x: true,
                y_from_zero: true,
                legend_bottom: true,
                series,
                ..Chart::default()
            };
            (
                file_stem(name.as_deref().unwrap_or("latency-cdf")),
                Drawing::Lines(chart),
            )
        }
        PlotSpec::Metric {
            name,
            title: t,
            x,
            y,
            y_scale,
            y_label,
            log_x,
            log_y,
        } => {
            let a = exp.axis_index(x).unwrap_or(0);
            let scale = y_scale.unwrap_or(default_scale(y));
            let chart = Chart {
                title: title(
                    exp,
                    t,
                    &format!("{} against {}", metric_label(y), exp.axes[a].name),
                ),
                note: Some(band_note),
                x_label: exp.axes[a].label(),
                y_label: y_label.clone().unwrap_or_else(|| metric_label(y)),
                log_x: *log_x,
                log_y: *log_y,
                y_from_zero: true,
                legend_bottom: false,
                series: against_axis(exp, records, a, y, scale),
            };
            let stem = name
                .clone()
                .unwrap_or_else(|| format!("{y}-vs-{}", exp.axes[a].name));
            (file_stem(&stem), Drawing::Lines(chart))
        }
        PlotSpec::CostVsLoad {
            name,
            title: t,
            x,
            y,
            y_scale,
            y_label,
            also,
        } => {
            let a = exp.axis_index(x).unwrap_or(0);
            let y = y.clone().unwrap_or_else(|| "cost_usd.total".into());
            let scale = y_scale.unwrap_or(1.0);
            let mut series = Vec::new();
            for m in std::iter::once(&y).chain(also) {
                for mut s in against_axis(exp, records, a, m, scale) {
                    // Several metrics: name each line by its metric (and its group, if any).
                    if !also.is_empty() {
                        let what = cost_label(m);
                        s.label = if exp.axes.len() > 1 {
                            format!("{what}, {}", s.label)
                        } else {
                            what
                        };
                    }
                    series.push(s);
                }
            }
            let note = if also.is_empty() {
                format!("{band_note}; no comparator drawn (add also = [\"cost_usd.always_on.vm_monthly_usd\", ...])")
            } else {
                band_note.clone()
            };
            let chart = Chart {
                title: title(exp, t, "cost against load"),
                note: Some(note),
                x_label: format!("{} (log scale)", exp.axes[a].label()),
                y_label: y_label
                    .clone()
                    .unwrap_or_else(|| format!("{} (log scale)", metric_label(&y))),
                log_x: true,
                log_y: true,
                y_from_zero: false,
                legend_bottom: true,
                series,
            };
            (
                file_stem(name.as_deref().unwrap_or("cost-vs-load")),
                Drawing::Lines(chart),
            )
        }
        PlotSpec::Tradeoff {
            name,
            title: t,
            x,
            y,
            along,
            log_y,
            curve_by,
            x_relative,
        } => {
            let xm = x.clone().unwrap_or_else(|| "idle_memory_gb_s".into());
            let ym = y.clone().unwrap_or_else(|| "cold_start_probability".into());
            let mut xs = summaries(exp, records, &xm, default_scale(&xm));
            let ys = summaries(exp, records, &ym, default_scale(&ym));
            if *x_relative {
                // Each point relative to its own baseline point, in percent.
                let base: Vec<f64> = exp.baseline.iter().flatten().map(|&b| xs[b].mean).collect();
                for (s, b) in xs.iter_mut().zip(base) {
                    s.mean = 100.0 * s.mean / b;
                }
            }
            // The curve follows the first axis; the other axes make separate curves.
            let along = match along {
                Some(a) => exp.axis_index(a),
                None if exp.axes.is_empty() => None,
                None => Some(0),
            };
            let series = split_by_key(exp, groups(exp, along), along, curve_by.as_deref())
                .into_iter()
                .map(|(label, pts)| Series {
                    label: if label.is_empty() {
                        format!("{} → {}", metric_label(&xm), metric_label(&ym))
                    } else {
                        label
                    },
                    points: pts.iter().map(|&p| (xs[p].mean, ys[p].mean)).collect(),
                    band: Vec::new(),
                    markers: true,
                    point_labels: pts
                        .iter()
                        .map(|&p| {
                            along
                                .map(|a| exp.axes[a].labels[exp.points[p][a]].clone())
                                .unwrap_or_default()
                        })
                        .collect(),
                    color: None,
                })
                .collect::<Vec<_>>();
            let xlabel = if *x_relative {
                format!("{} (% of the baseline)", metric_label(&xm))
            } else {
                metric_label(&xm)
            };
            // Vertical 95% intervals as error bars: a band per point would overlap its neighbours.
            let mut series = series;
            let bars: Vec<Series> = exp
                .points
                .iter()
                .enumerate()
                .filter_map(|(p, _)| {
                    let c = ys[p].ci95?;
                    Some(Series {
                        label: String::new(),
                        points: Vec::new(),
                        band: vec![(xs[p].mean, ys[p].mean - c, ys[p].mean + c)],
                        color: Some(0),
                        ..Series::default()
                    })
                })
                .collect();
            if !bars.is_empty() && series.len() == 1 {
                series.extend(bars);
            }
            let chart = Chart {
                title: title(
                    exp,
                    t,
                    &format!("{} against {}", metric_label(&ym), metric_label(&xm)),
                ),
                note: Some(format!(
                    "each dot is one point (labelled with {}); {}",
                    along
                        .map(|a| exp.axes[a].name.as_str())
                        .unwrap_or("the point"),
                    band_note.replace("shaded", "bars")
                )),
                x_label: xlabel,
                y_label: if *log_y {
                    format!("{} (log scale)", metric_label(&ym))
                } else {
                    metric_label(&ym)
                },
                log_y: *log_y,
                y_from_zero: true,
                series,
                ..Chart::default()
            };
            (
                file_stem(name.as_deref().unwrap_or("tradeoff")),
                Drawing::Lines(chart),
            )
        }
        PlotSpec::Timeline {
            name,
            title: t,
            point,
            replication,
        } => {
            let p = point
                .as_ref()
                .and_then(|t| exp.find_point(t).ok())
                .unwrap_or(0);
            let rep = (*replication as u64).min(reps - 1);
            let buckets: Vec<Bucket> = records
                .iter()
                .find(|r| r.point == p && r.replication == rep)
                .and_then(|r| r.timeseries.clone())
                .unwrap_or_default();
            let title = t.clone().unwrap_or_else(|| {
                format!(
                    "{}: environments over time ({}, replication {rep})",
                    exp.name,
                    exp.point_label(p)
                )
            });
            let stem = name.clone().unwrap_or_else(|| format!("timeline-{p}"));
            (file_stem(&stem), Drawing::Timeline(title, buckets))
        }
    }
}

/// Redraws the plots of a finished sweep in `out` (after editing the plan's plots, or to get
/// them again); returns the files written.
pub fn replot(out: &Path) -> Result<Vec<PathBuf>, Error> {
    let exp = store::read_plan(out)?;
    let records: Vec<RunRecord> = store::collect(&[out.to_path_buf()], &exp)?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    write_plots(out, &exp, &records)
}
