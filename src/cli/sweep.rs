//! `faasim sweep`: an experiment's runs in parallel, its tables, plots and (optionally) its
//! HTML report.

use super::progress::Bar;
use crate::lab::{self, Experiment, Progress, Results, Shard, SweepOptions};
use crate::views::{html, sweep_plots};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What the user asked of `faasim sweep`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim sweep experiments/keep-alive-tradeoff.toml --dry-run
  faasim sweep experiments/keep-alive-tradeoff.toml --report
  faasim sweep experiments/launch-spike.toml --threads 2 --resume
  faasim sweep experiments/runtimes.toml --shard 0/4 --out shards/0")]
pub(super) struct Args {
    /// The experiment file (TOML).
    experiment: PathBuf,
    /// Output directory (default: out/<experiment name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Run only shard I of N (run ids with id % N == I); join shards with `faasim merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Keep the runs already finished in the output directory and do the rest.
    #[arg(long)]
    resume: bool,
    /// Also write a self-contained HTML report of the finished sweep to DIR/report.html.
    #[arg(long)]
    report: bool,
    /// Print what the sweep would do (points, runs, output size) and stop.
    #[arg(long)]
    dry_run: bool,
}

/// Bytes of one run file with no time series (measured: 3.4 KB for a one-function scenario),
/// rounded up, for the output estimate.
const RECORD_BYTES: u64 = 4_000;
/// Above this many runs, a sweep says what it is about to do before it starts.
const ANNOUNCE_RUNS: u64 = 10_000;

/// What the sweep will do: points, runs of this shard, and the size of the run files.
fn estimate(exp: &Experiment, opts: &SweepOptions) -> String {
    let runs = (0..exp.run_count())
        .filter(|&id| opts.shard.owns(id))
        .count() as u64;
    let mb = (runs * RECORD_BYTES) as f64 / 1e6;
    format!(
        "'{}': {} point(s) x {} replication(s) = {} run(s){}, on {} thread(s); about {mb:.1} MB of run files in {} (more with a time series)",
        exp.name,
        exp.points.len(),
        exp.replications,
        exp.run_count(),
        if opts.shard.count > 1 {
            format!(" ({runs} in this shard)")
        } else {
            String::new()
        },
        opts.threads,
        opts.out.display()
    )
}

/// Runs the sweep, draws its plots when it is finished, and says what was done.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    let exp = Experiment::load(&args.experiment)?;
    let opts = SweepOptions {
        out: args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("out").join(&exp.name)),
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        shard: args.shard.unwrap_or(Shard::ALL),
        resume: args.resume,
    };
    if args.dry_run {
        println!("{}", estimate(&exp, &opts));
        return Ok(());
    }
    if exp.run_count() > ANNOUNCE_RUNS {
        eprintln!("faasim: {}", estimate(&exp, &opts));
    }
    let started = std::time::Instant::now();
    let bar = Bar::default();
    let progress: &dyn Progress = if std::io::stderr().is_terminal() {
        &bar
    } else {
        &lab::Silent
    };
    let done = lab::sweep(&exp, &opts, progress)?;
    let plots = match &done.results {
        Some(r) => sweep_plots::write_plots(&opts.out, r)?,
        None => Vec::new(),
    };
    let shard_note = match args.shard {
        Some(s) if s.count > 1 => format!(" (shard {}/{})", s.index, s.count),
        _ => String::new(),
    };
    eprintln!(
        "faasim: '{}'{shard_note}: {} run(s) done, {} already finished, in {:.1} s on {} thread(s)",
        exp.name,
        done.ran,
        done.kept,
        started.elapsed().as_secs_f64(),
        opts.threads
    );
    match &done.results {
        Some(results) => finished(&args, &opts.out, results, &plots),
        None => {
            shard_done(&opts.out, args.report);
            Ok(())
        }
    }
}

/// Where the results are, and the HTML report when asked.
fn finished(
    args: &Args,
    out: &Path,
    results: &Results,
    plots: &[sweep_plots::PlotFile],
) -> anyhow::Result<()> {
    eprintln!("faasim: results in {}", out.display());
    if args.report {
        let text = std::fs::read_to_string(&args.experiment).ok();
        let page = html::sweep_report(results, plots, text.as_deref());
        let path = out.join("report.html");
        crate::lab::write_atomic(&path, page.as_bytes())?;
        eprintln!("faasim: report in {}", path.display());
    }
    Ok(())
}

/// What to do with a shard's results.
fn shard_done(out: &Path, report: bool) {
    eprintln!(
        "faasim: shard results in {}; join the shards with `faasim merge DIR... --out DIR`",
        out.display()
    );
    if report {
        eprintln!(
            "faasim: a shard has no report; after the merge, `faasim sweep EXP --out DIR --resume --report` writes it"
        );
    }
}
