//! `faasim compare`: one scenario on several platform models, as a table, and optionally as
//! CSV and a chart.

use super::options;
use crate::lab::compare as lab_compare;
use crate::views::compare as view;
use crate::Scenario;
use std::io::Write;
use std::path::PathBuf;

/// What the user asked of `faasim compare`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim compare hello --models aws-lambda,gcp-cloud-run,azure-functions
  faasim compare spike --models aws-lambda,gcp-cloud-run --out compare.csv --plot compare.png")]
pub(super) struct Args {
    /// A scenario file, or the name of a built-in scenario.
    scenario: String,
    /// Comma-separated model names or model file paths.
    #[arg(long, value_delimiter = ',', required = true)]
    models: Vec<String>,
    /// Override any scenario field by dotted path, as for `run`. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Also write the table as CSV to FILE.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also draw monthly cost against p99 latency to FILE (.png or .svg).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

/// Runs the scenario on each model; prints the table, writes what else was asked.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    options::check_plot_file("--plot", args.plot.as_deref())?;
    options::check_out_file("--out", args.out.as_deref())?;
    let sc = Scenario::load(&args.scenario, &args.set)?;
    let rows = lab_compare::compare(&sc, &args.models)?;
    write!(std::io::stdout().lock(), "{}", view::table(&rows))?;
    if let Some(path) = &args.out {
        crate::lab::write_atomic(path, lab_compare::csv(&rows).as_bytes())?;
    }
    if let Some(path) = &args.plot {
        view::plot(&sc, &rows, path)?;
    }
    Ok(())
}
