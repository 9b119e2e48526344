//! `faasim explain`: the first events of a run told in words, and its environments drawn as a
//! Gantt chart.

use super::options;
use crate::views::{explain, plot};
use crate::Scenario;
use std::io::Write;
use std::path::PathBuf;

/// What the user asked of `faasim explain`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim explain cold-start-101
  faasim explain scale-out-101 --events 30 --chart scale-out.svg")]
pub(super) struct Args {
    /// A scenario file, or the name of a built-in scenario.
    scenario: String,
    /// How many events to tell (an arrival and what became of it count as one).
    #[arg(long, default_value_t = 40)]
    events: usize,
    /// Also draw the environments over the same stretch of time to FILE (.png or .svg).
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override any scenario field by dotted path, as for `run`. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

/// Tells the run on stdout and draws the chart when asked.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    options::check_plot_file("--chart", args.chart.as_deref())?;
    let sc = Scenario::load(&args.scenario, &options::overrides(args.set, args.seed))?;
    let told = explain::explain(&sc, args.events)?;
    write!(
        std::io::stdout().lock(),
        "{}",
        explain::narration(&sc, &told)
    )?;
    if let Some(path) = &args.chart {
        plot::gantt::gantt(&told.gantt, path)?;
    }
    Ok(())
}
