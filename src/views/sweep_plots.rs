//! The plots of a finished sweep: each `[[plot]]` of the experiment drawn from its
//! [`Results`] into `plots/`, as PNG and SVG. [`crate::lab`] decides what a sweep measures;
//! this module how it is shown.

use crate::core::metrics::Bucket;
use crate::lab::record::{self, RunRecord};
use crate::lab::stats::Summary;
use crate::lab::{Experiment, PlotSpec, Results};
use crate::views::plot::{self, Chart, Series, Timeline};
use crate::views::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One file a sweep's plot was drawn to.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotFile {
    /// Where it was written.
    pub path: PathBuf,
    /// The SVG document, for an .svg file (the HTML report shows it inline).
    pub svg: Option<String>,
}

/// Draws every `[[plot]]` of the experiment into `out/plots/` as PNG and SVG; returns the
/// files, in the order written.
pub fn write_plots(out: &Path, results: &Results) -> Result<Vec<PlotFile>, Error> {
    let exp = &results.experiment;
    if exp.plots.is_empty() {
        return Ok(Vec::new());
    }
    let dir = out.join("plots");
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let mut written = Vec::new();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for spec in &exp.plots {
        let (stem, drawing) = chart_for(exp, &results.records, spec);
        // Two plots with one name get -2, -3, ... rather than overwrite each other.
        let n = used.entry(stem.clone()).or_insert(0);
        *n += 1;
        let stem = if *n > 1 { format!("{stem}-{n}") } else { stem };
        let png = dir.join(format!("{stem}.png"));
        drawing.save(&png)?;
        written.push(PlotFile {
            path: png,
            svg: None,
        });
        let svg = dir.join(format!("{stem}.svg"));
        let text = drawing.save_svg(&svg)?;
        written.push(PlotFile {
            path: svg,
            svg: Some(text),
        });
    }
    Ok(written)
}

/// Redraws the plots of the finished sweep in `out` (after editing the plan's plots, or to get
/// them again); returns the files written.
pub fn replot(out: &Path) -> Result<Vec<PathBuf>, Error> {
    let results = Results::read(out)?;
    let files = write_plots(out, &results)?;
    Ok(files.into_iter().map(|f| f.path).collect())
}

/// What one `[[plot]]` draws.
enum Drawing {
    Lines(Chart),
    Timeline(String, Vec<Bucket>),
}

impl Drawing {
    /// Draws to `path`, PNG or SVG by its extension.
    fn save(&self, path: &Path) -> Result<(), Error> {
        match self {
            Drawing::Lines(c) => plot::lines(c, path),
            Drawing::Timeline(title, b) => plot::timeline(title, b, path),
        }
    }

    /// Draws to the .svg file `path` and returns its text.
    fn save_svg(&self, path: &Path) -> Result<String, Error> {
        match self {
            Drawing::Lines(c) => plot::save_svg(c, path),
            Drawing::Timeline(_, b) if b.is_empty() => Err(Error::NoTimeSeries {
                path: path.to_path_buf(),
            }),
            Drawing::Timeline(title, buckets) => plot::save_svg(&Timeline { title, buckets }, path),
        }
    }
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
        exp.axes[a]
            .field(exp.points[p][a], key)
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

/// The file stem and the drawing of one `[[plot]]`.
fn chart_for(exp: &Experiment, records: &[RunRecord], spec: &PlotSpec) -> (String, Drawing) {
    match spec {
        PlotSpec::LatencyCdf { name, title: t } => {
            let chart = latency_cdf(exp, records, t);
            let stem = file_stem(name.as_deref().unwrap_or("latency-cdf"));
            (stem, Drawing::Lines(chart))
        }
        PlotSpec::Metric { name, x, y, .. } => {
            let a = exp.axis_index(x).unwrap_or(0);
            let stem = name
                .clone()
                .unwrap_or_else(|| format!("{y}-vs-{}", exp.axes[a].name));
            (file_stem(&stem), Drawing::Lines(metric(exp, records, spec)))
        }
        PlotSpec::CostVsLoad { name, .. } => {
            let stem = file_stem(name.as_deref().unwrap_or("cost-vs-load"));
            (stem, Drawing::Lines(cost_vs_load(exp, records, spec)))
        }
        PlotSpec::Tradeoff { name, .. } => {
            let stem = file_stem(name.as_deref().unwrap_or("tradeoff"));
            (stem, Drawing::Lines(tradeoff(exp, records, spec)))
        }
        PlotSpec::Timeline {
            name,
            title,
            point,
            replication,
        } => {
            let p = point
                .as_ref()
                .and_then(|t| exp.find_point(t).ok())
                .unwrap_or(0);
            let stem = name.clone().unwrap_or_else(|| format!("timeline-{p}"));
            let (title, buckets) = timeline(exp, records, title, p, *replication);
            (file_stem(&stem), Drawing::Timeline(title, buckets))
        }
    }
}

/// The note under a chart of means: how many replications, and what the band is.
fn band_note(exp: &Experiment) -> String {
    let reps = exp.replications;
    if reps > 1 {
        format!("mean of {reps} replications; shaded: 95% confidence interval (Student t)")
    } else {
        "one replication: no confidence interval".to_string()
    }
}

/// Latency CDF, one curve per point, every replication's histogram merged.
fn latency_cdf(exp: &Experiment, records: &[RunRecord], t: &Option<String>) -> Chart {
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
    Chart {
        title: title(exp, t, "latency CDF per point"),
        note: Some(format!(
            "all {} replication(s) of each point merged; histogram buckets about 1% wide",
            exp.replications
        )),
        x_label: "latency (ms, log scale)".into(),
        y_label: "fraction of completed requests ≤ latency".into(),
        log_x: true,
        y_from_zero: true,
        legend_bottom: true,
        series,
        ..Chart::default()
    }
}

/// A metric's mean against a swept parameter, with its 95% band.
fn metric(exp: &Experiment, records: &[RunRecord], spec: &PlotSpec) -> Chart {
    let PlotSpec::Metric {
        title: t,
        x,
        y,
        y_scale,
        y_label,
        log_x,
        log_y,
        ..
    } = spec
    else {
        return Chart::default();
    };
    let a = exp.axis_index(x).unwrap_or(0);
    let scale = y_scale.unwrap_or(default_scale(y));
    Chart {
        title: title(
            exp,
            t,
            &format!("{} against {}", metric_label(y), exp.axes[a].name),
        ),
        note: Some(band_note(exp)),
        x_label: exp.axes[a].label(),
        y_label: y_label.clone().unwrap_or_else(|| metric_label(y)),
        log_x: *log_x,
        log_y: *log_y,
        y_from_zero: true,
        legend_bottom: false,
        series: against_axis(exp, records, a, y, scale),
    }
}

/// Cost against load, log-log, with the comparator's lines when `also` names them.
fn cost_vs_load(exp: &Experiment, records: &[RunRecord], spec: &PlotSpec) -> Chart {
    let PlotSpec::CostVsLoad {
        title: t,
        x,
        y,
        y_scale,
        y_label,
        also,
        ..
    } = spec
    else {
        return Chart::default();
    };
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
        format!(
            "{}; no comparator drawn (add also = [\"cost_usd.always_on.vm_monthly_usd\", ...])",
            band_note(exp)
        )
    } else {
        band_note(exp)
    };
    Chart {
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
    }
}

/// One metric against another (default cold-start % against idle GB-s), each point's means in
/// swept order, with vertical 95% intervals as error bars when there is one curve.
fn tradeoff(exp: &Experiment, records: &[RunRecord], spec: &PlotSpec) -> Chart {
    let PlotSpec::Tradeoff {
        title: t,
        x,
        y,
        along,
        log_y,
        curve_by,
        x_relative,
        ..
    } = spec
    else {
        return Chart::default();
    };
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
    let mut series = tradeoff_curves(exp, (&xs, &ys), (&xm, &ym), along, curve_by.as_deref());
    // Vertical 95% intervals as error bars: a band per point would overlap its neighbours.
    let bars = error_bars(&xs, &ys);
    if !bars.is_empty() && series.len() == 1 {
        series.extend(bars);
    }
    Chart {
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
            band_note(exp).replace("shaded", "bars")
        )),
        x_label: if *x_relative {
            format!("{} (% of the baseline)", metric_label(&xm))
        } else {
            metric_label(&xm)
        },
        y_label: if *log_y {
            format!("{} (log scale)", metric_label(&ym))
        } else {
            metric_label(&ym)
        },
        log_y: *log_y,
        y_from_zero: true,
        series,
        ..Chart::default()
    }
}

/// The trade-off's curves: one per group of points (split by `curve_by`), each dot labelled
/// with its value on the `along` axis.
fn tradeoff_curves(
    exp: &Experiment,
    (xs, ys): (&[Summary], &[Summary]),
    (xm, ym): (&str, &str),
    along: Option<usize>,
    curve_by: Option<&str>,
) -> Vec<Series> {
    split_by_key(exp, groups(exp, along), along, curve_by)
        .into_iter()
        .map(|(label, pts)| Series {
            label: if label.is_empty() {
                format!("{} → {}", metric_label(xm), metric_label(ym))
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
        .collect()
}

/// A vertical bar over each point's 95% interval of `ys`, at its mean of `xs`.
fn error_bars(xs: &[Summary], ys: &[Summary]) -> Vec<Series> {
    xs.iter()
        .zip(ys)
        .filter_map(|(x, y)| {
            let c = y.ci95?;
            Some(Series {
                label: String::new(),
                points: Vec::new(),
                band: vec![(x.mean, y.mean - c, y.mean + c)],
                color: Some(0),
                ..Series::default()
            })
        })
        .collect()
}

/// The title and time series of one run's timeline (point `p`, the replication asked for or
/// the last one).
fn timeline(
    exp: &Experiment,
    records: &[RunRecord],
    t: &Option<String>,
    p: usize,
    replication: u32,
) -> (String, Vec<Bucket>) {
    let rep = (replication as u64).min(exp.replications - 1);
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
    (title, buckets)
}
