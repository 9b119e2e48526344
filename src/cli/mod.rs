//! The command line: one file per command, each with its clap arguments (what the user said)
//! and the library calls they resolve into. No simulation logic lives here.
//!
//! Exit codes: 0 success, 1 an unexpected failure (e.g. cannot write output), 2 bad input
//! (a scenario, model or option that is wrong; the message says where and what is accepted).

mod compare;
mod completions;
mod explain;
mod man;
mod merge;
mod models;
mod options;
mod plot;
mod progress;
mod run;
mod scenarios;
mod sweep;
mod trace;

use crate::InputError;
use clap::{Parser, Subcommand};

/// A fast, validated discrete-event simulator of serverless (FaaS) platforms.
#[derive(Parser, Debug)]
#[command(
    name = "faasim",
    version,
    about,
    long_about = None,
    after_help = "Examples:
  faasim run hello
  faasim scenarios show hello > my.toml
  faasim sweep experiments/keep-alive-tradeoff.toml --report
  faasim help run"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario and print its report.
    Run(run::Args),
    /// Tell the first events of a run in plain words, and draw its environments as a Gantt
    /// chart (try the built-in `cold-start-101` and `scale-out-101`).
    Explain(explain::Args),
    /// List the built-in scenarios, or print one as a file to start from (`scenarios show NAME`).
    Scenarios(scenarios::Args),
    /// List the built-in platform models, or print one with its sources.
    Models(models::Args),
    /// Run one scenario on several platform models and compare p99 latency, cold starts and
    /// monthly cost (with the always-on fleet alternative).
    Compare(compare::Args),
    /// Run an experiment: every point and replication, in parallel; writes runs.csv,
    /// summary.csv, manifest.json and plots/ (see docs/experiments.md).
    Sweep(sweep::Args),
    /// Join the output directories of shards into one finished sweep.
    Merge(merge::Args),
    /// Redraw the plots of a finished sweep.
    Plot(plot::Args),
    /// Inspect and convert traces (see docs/traces.md).
    Trace(trace::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::Args),
    /// Print the manual page (roff), or write one per subcommand with --dir.
    Man(man::Args),
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let done = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Scenarios(a) => scenarios::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
        Command::Models(a) => models::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Sweep(a) => sweep::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Plot(a) => plot::run(a),
        Command::Trace(a) => trace::run(a),
    };
    match done {
        Ok(()) => 0,
        Err(e) => report(&e),
    }
}

/// Prints `e` and returns its exit code: 2 when an input error is at its root (the user can
/// fix the input; its message says where and what is accepted), 1 for any other failure.
/// The `faasim` command as clap sees it: every subcommand, option and help text. Shell
/// completions, the man page and the tests that keep `--help`'s examples runnable use it.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

fn report(e: &anyhow::Error) -> i32 {
    // Output cut short by a closed pipe (`faasim ... | head`) is not a failure.
    let broken_pipe = e
        .chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe);
    if broken_pipe {
        return 0;
    }
    match e.chain().find_map(|c| c.downcast_ref::<InputError>()) {
        Some(input) => {
            eprintln!("error: {input}");
            2
        }
        None => {
            eprintln!("error: {e:#}");
            1
        }
    }
}
