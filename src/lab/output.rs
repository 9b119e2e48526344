//! The tables of a finished sweep: `runs.csv` (one row per run), `summary.csv` (one row per
//! point and metric: mean, standard deviation, 95% interval, and paired differences against the
//! baseline) and `manifest.json` (what produced them). The plots are drawn by the views.
//!
//! Everything is written from [`Results`] (runs in run-id order) with one float format, so the
//! bytes do not depend on thread count, shard split or resumption.

use super::format::fmt_f64;
use super::results::Results;
use super::spec::Experiment;
use super::store;
use super::Error;
use crate::input::csv_writer::CsvWriter;
use serde::Serialize;
use std::path::Path;

/// Writes runs.csv, summary.csv and manifest.json of `results` into `out`, in that order.
pub(crate) fn write_all(out: &Path, results: &Results) -> Result<(), Error> {
    store::write_atomic(&out.join("runs.csv"), runs_csv(results).as_bytes())?;
    store::write_atomic(&out.join("summary.csv"), summary_csv(results).as_bytes())?;
    let manifest = manifest(&results.experiment);
    store::write_atomic(&out.join("manifest.json"), manifest.as_bytes())
}

/// One row per run, sorted by run id: run, point, replication, seed, the swept values, then
/// every metric.
pub(crate) fn runs_csv(results: &Results) -> String {
    let exp = &results.experiment;
    let mut csv = CsvWriter::new();
    let fixed = ["run", "point", "replication", "seed"].map(String::from);
    let axes = exp.axes.iter().map(|a| a.name.clone());
    csv.row(
        fixed
            .into_iter()
            .chain(axes)
            .chain(results.metrics.iter().cloned()),
    );
    for r in &results.records {
        let mut row = vec![
            r.run.to_string(),
            r.point.to_string(),
            r.replication.to_string(),
            r.seed.to_string(),
        ];
        if let Some(pt) = exp.points.get(r.point) {
            row.extend(exp.axes.iter().zip(pt).map(|(a, &v)| a.cell(v)));
        }
        row.extend(results.metrics.iter().map(|m| fmt_f64(r.metric(m))));
        csv.row(row);
    }
    csv.finish()
}

/// One row per point and metric: n, mean, sd, ci95 (half-width of the 95% interval), and with a
/// baseline, the baseline point and the mean, sd and ci95 of the paired differences
/// (replication k minus the baseline's replication k).
pub(crate) fn summary_csv(results: &Results) -> String {
    let exp = &results.experiment;
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
    for s in &results.summary {
        let mut row = vec![s.point.to_string()];
        if let Some(pt) = exp.points.get(s.point) {
            row.extend(exp.axes.iter().zip(pt).map(|(a, &v)| a.cell(v)));
        }
        row.push(s.metric.clone());
        row.push(s.stats.n.to_string());
        row.push(fmt_f64(Some(s.stats.mean)));
        row.push(fmt_f64(s.stats.sd));
        row.push(fmt_f64(s.stats.ci95));
        match &s.paired {
            Some((b, d)) => {
                row.push(b.to_string());
                row.push(fmt_f64(Some(d.mean)));
                row.push(fmt_f64(d.sd));
                row.push(fmt_f64(d.ci95));
            }
            None => row.extend(std::iter::repeat_n(String::new(), 4)),
        }
        csv.row(row);
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
pub(crate) fn manifest(exp: &Experiment) -> String {
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
