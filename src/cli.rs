//! The command line: clap definitions and the glue from commands to library calls. No
//! simulation logic lives here.
//!
//! Exit codes: 0 success, 1 an unexpected failure (e.g. cannot write output), 2 bad input
//! (a scenario, model or option that is wrong; the message says where and what is accepted).

use clap::{Parser, Subcommand};
use faasim::{scenario, InputError, Scenario};
use std::io::Write;

/// A fast, validated discrete-event simulator of serverless (FaaS) platforms.
#[derive(Parser, Debug)]
#[command(name = "faasim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario and print its report.
    Run {
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
    },
    /// List the built-in scenarios.
    Scenarios,
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
    match run(cli.command) {
        Ok(()) => 0,
        Err(Failure::Input(e)) => {
            eprintln!("error: {e}");
            2
        }
        Err(Failure::Other(e)) => {
            eprintln!("error: {e:#}");
            1
        }
    }
}

enum Failure {
    Input(InputError),
    Other(anyhow::Error),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(e.into())
    }
}

fn run(cmd: Command) -> Result<(), Failure> {
    match cmd {
        Command::Run {
            scenario,
            seed,
            set,
            json,
        } => {
            let mut overrides = set;
            if let Some(s) = seed {
                overrides.push(format!("run.seed={s}"));
            }
            let sc = Scenario::load(&scenario, &overrides)?;
            let report = faasim::simulate(&sc)?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", report.to_json())?;
            } else {
                write!(out, "{}", report.summary())?;
            }
            Ok(())
        }
        Command::Scenarios => {
            let mut out = std::io::stdout().lock();
            for (name, text) in scenario::BUILTIN {
                let about = Scenario::from_str_named(text, name, &[])
                    .ok()
                    .and_then(|s| s.description)
                    .unwrap_or_default();
                let first = about.lines().next().unwrap_or("");
                writeln!(out, "{name:<16} {first}")?;
            }
            Ok(())
        }
    }
}
