//! A finished sweep in memory: the experiment, every run's record in run-id order, and the
//! summary of every metric at every point. runs.csv and summary.csv are written from it, and
//! the plots and the HTML report are drawn from it, so nothing is read back from a table.
//!
//! Sums run in replication order, so the figures do not depend on thread count, shard split or
//! resumption.

use super::record::RunRecord;
use super::spec::Experiment;
use super::stats::Summary;
use super::store;
use super::Error;
use std::path::{Path, PathBuf};

/// One metric at one point over the point's replications: one row of summary.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSummary {
    /// The point's index.
    pub point: usize,
    /// The metric (a runs.csv column).
    pub metric: String,
    /// Mean, spread and 95% interval over the replications.
    pub stats: Summary,
    /// With a baseline: the point's baseline point, and the paired differences (replication
    /// k minus the baseline's replication k).
    pub paired: Option<(usize, Summary)>,
}

/// A finished sweep: what its tables, plots and report are made from.
#[derive(Clone, Debug)]
pub struct Results {
    /// The experiment.
    pub experiment: Experiment,
    /// Every run's record, sorted by run id.
    pub records: Vec<RunRecord>,
    /// The metric columns: every metric any run has, in order of first appearance.
    pub metrics: Vec<String>,
    /// Per point (in point order), per metric (in column order).
    pub summary: Vec<MetricSummary>,
}

impl Results {
    /// Summarises `records` (every run of `experiment`, sorted by run id).
    pub fn new(experiment: Experiment, records: Vec<RunRecord>) -> Results {
        let metrics = metric_columns(&records);
        let values = by_point(&experiment, &records, &metrics);
        let mut summary = Vec::with_capacity(experiment.points.len() * metrics.len());
        for (p, per_metric) in values.iter().enumerate() {
            let baseline = experiment.baseline.as_ref().and_then(|b| b.get(p)).copied();
            for (m, xs) in per_metric.iter().enumerate() {
                summary.push(MetricSummary {
                    point: p,
                    metric: metrics[m].clone(),
                    stats: Summary::of(xs),
                    paired: baseline.map(|b| (b, Summary::paired(xs, &values[b][m]))),
                });
            }
        }
        Results {
            experiment,
            records,
            metrics,
            summary,
        }
    }

    /// Reads every run of `experiment` from the output directories `dirs` (each run exactly
    /// once over all of them) and summarises them.
    pub fn collect(dirs: &[PathBuf], experiment: Experiment) -> Result<Results, Error> {
        let records = store::collect(dirs, &experiment)?
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        Ok(Results::new(experiment, records))
    }

    /// Reads the finished sweep in `out`: its plan.json and every run file.
    pub fn read(out: &Path) -> Result<Results, Error> {
        let experiment = store::read_plan(out)?;
        Results::collect(&[out.to_path_buf()], experiment)
    }

    /// The summary of `metric` at `point`, if some run has that metric.
    pub fn summary_of(&self, point: usize, metric: &str) -> Option<&MetricSummary> {
        let m = self.metrics.iter().position(|n| n == metric)?;
        self.summary.get(point * self.metrics.len() + m)
    }
}

/// The metric columns: the union over runs, in order of first appearance, so that points that
/// differ in their optional sections (a CDN, a database) still get every column, empty where a
/// run has none.
fn metric_columns(records: &[RunRecord]) -> Vec<String> {
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
