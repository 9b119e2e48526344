//! `faasim run`: one scenario, its report on stdout, and optionally its timeline and an HTML
//! report.

use super::options;
use crate::core::time::Duration;
use crate::views::{html, run_plots};
use crate::{Report, Scenario};
use std::io::Write;
use std::path::PathBuf;

/// What the user asked of `faasim run`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim run hello
  faasim run spike --json > spike.json
  faasim run hello --set keep_alive.ttl=60s --set function.0.arrivals.rate=5/s --seed 7
  faasim run spike --timeline spike.png --report spike.html")]
pub(super) struct Args {
    /// A scenario file, or the name of a built-in scenario (see `faasim scenarios`).
    scenario: String,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override any scenario field by dotted path, e.g. keep_alive.ttl=60s or
    /// function.0.arrivals.rate=5/s. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print the report as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// Also draw the run's timeline (environments busy, idle and initializing over time,
    /// throttles marked) to FILE (.png or .svg). Turns on a time series of 200 buckets
    /// when the scenario has none.
    #[arg(long, value_name = "FILE")]
    timeline: Option<PathBuf>,
    /// Also write a self-contained HTML report (scenario, summary, cost, plots inline) to
    /// FILE. Turns on a time series as --timeline does.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
}

/// Runs the scenario and writes what was asked.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    options::check_plot_file("--timeline", args.timeline.as_deref())?;
    options::check_out_file("--report", args.report.as_deref())?;
    let sc = scenario(&args)?;
    let report = crate::simulate(&sc)?;
    if let Some(path) = &args.timeline {
        run_plots::timeline(&sc, &report, path)?;
    }
    if let Some(path) = &args.report {
        let figs = html::run_figures(&sc, &report)?;
        crate::lab::write_atomic(path, html::run_report(&sc, &report, &figs).as_bytes())?;
    }
    print(&report, args.json)
}

/// The scenario with the overrides, recording a time series when a plot needs one.
fn scenario(args: &Args) -> anyhow::Result<Scenario> {
    let overrides = options::overrides(args.set.clone(), args.seed);
    let mut sc = Scenario::load(&args.scenario, &overrides)?;
    let drawn = args.timeline.is_some() || args.report.is_some();
    if drawn && sc.metrics.timeseries.is_none() {
        // 200 buckets over the measured window: enough detail, a small series.
        let span = sc.run.horizon.ns() - sc.run.warmup.map_or(0, |w| w.ns());
        sc.metrics.timeseries = Some(Duration((span / 200).max(1)));
    }
    Ok(sc)
}

/// The report on stdout: JSON or the text summary.
fn print(report: &Report, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", report.to_json())?;
    } else {
        write!(out, "{}", crate::views::summary::summary(report))?;
    }
    Ok(())
}
