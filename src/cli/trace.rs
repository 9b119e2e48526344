//! `faasim trace`: what a trace holds (`stats`), and any supported trace as the generic CSV
//! (`convert`).

use crate::core::time::NS_PER_SEC;
use crate::input::trace;
use crate::input::workload::{self, Workload, WorkloadSpec};
use crate::{InputError, Scenario};
use anyhow::Context as _;
use std::io::Write;
use std::path::PathBuf;

/// What the user asked of `faasim trace`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim trace stats --kind azure-like --set functions=1000
  faasim trace stats --scenario experiments/traces/azure-like.toml
  faasim trace convert --kind azure-like --set functions=100 --horizon 1h --out trace.csv")]
pub(super) struct Args {
    #[command(subcommand)]
    command: TraceCommand,
}

#[derive(clap::Subcommand, Debug)]
enum TraceCommand {
    /// Print what a trace (or a scenario's [workload]) holds: functions, applications,
    /// invocations, rate percentiles, the shares invoked at most once an hour and once a minute,
    /// inter-arrival CV, duration and memory percentiles.
    #[command(after_help = "Examples:
  faasim trace stats --kind azure-like --set functions=1000
  faasim trace stats --scenario experiments/traces/azure-like.toml
  faasim trace stats --kind azure2019 --set select={kind=\"top\",n=10} DIR")]
    Stats(TraceArgs),
    /// Write the generic CSV (timestamp,function,app,duration_ms,memory_mb) from any supported
    /// input, one row per invocation in time order.
    #[command(after_help = "Examples:
  faasim trace convert --kind azure-like --set functions=100 --horizon 1h --out trace.csv
  faasim trace convert --kind azure2021 DIR --out invocations.csv")]
    Convert {
        #[command(flatten)]
        input: TraceArgs,
        /// Output file (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
struct TraceArgs {
    /// Trace files or directories (every .csv inside).
    paths: Vec<String>,
    /// azure2019, azure2021, huawei2023, csv or azure-like (default: from the first file's header).
    #[arg(long)]
    kind: Option<String>,
    /// A [workload] option as KEY=VALUE (TOML value), e.g. select={kind="top",n=10}, start=1d,
    /// bad_rows=skip, functions=1000 (azure-like). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Take the [workload] of this scenario (file or built-in name) instead of paths.
    #[arg(long)]
    scenario: Option<String>,
    /// Time to cover (default: the trace's span; the scenario's horizon, or 1d, for azure-like).
    #[arg(long)]
    horizon: Option<crate::core::time::Duration>,
    /// Seed of placements and durations (default: the scenario's, else 0).
    #[arg(long)]
    seed: Option<u64>,
}

/// The trace the arguments name, opened, with the span and seed to read it with.
struct Opened {
    spec: WorkloadSpec,
    workload: Workload,
    span_ns: u64,
    seed: u64,
}

/// Prints the statistics, or writes the CSV.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        TraceCommand::Stats(input) => stats(&open(&input)?),
        TraceCommand::Convert { input, out } => {
            super::options::check_out_file("--out", out.as_deref())?;
            convert(&open(&input)?, out)
        }
    }
}

/// Resolves the arguments: a scenario's [workload] or the trace files, the span (given, the
/// trace's own, the scenario's horizon, else a day) and the seed (given, the scenario's, else 0).
fn open(args: &TraceArgs) -> Result<Opened, InputError> {
    let (spec, base, seed, horizon) = match &args.scenario {
        Some(name) => {
            let sc = Scenario::load(name, &args.set)?;
            let spec = sc
                .workload
                .clone()
                .ok_or_else(|| InputError::new(name.clone(), "this scenario has no [workload]"))?;
            let base = trace::base_dir(&sc.source.origin);
            (spec, base, sc.run.seed, Some(sc.run.horizon.ns()))
        }
        None => {
            let base = PathBuf::new();
            let spec =
                workload::spec_from_args(&args.paths, args.kind.as_deref(), &args.set, &base)?;
            (spec, base, 0, None)
        }
    };
    let workload = spec.open(&base)?;
    let span_ns = args
        .horizon
        .map(|h| h.ns())
        .or_else(|| workload.loaded.as_ref().map(|l| l.span_ns))
        .or(horizon)
        .unwrap_or(86_400 * NS_PER_SEC);
    Ok(Opened {
        spec,
        workload,
        span_ns,
        seed: args.seed.unwrap_or(seed),
    })
}

/// `faasim trace stats`.
fn stats(t: &Opened) -> anyhow::Result<()> {
    let mut s = workload::stats::compute(&t.workload, t.span_ns, t.seed);
    s.kind = t.spec.kind().to_string();
    write!(std::io::stdout().lock(), "{s}")?;
    Ok(())
}

/// `faasim trace convert`: to `out`, or to stdout.
fn convert(t: &Opened, out: Option<PathBuf>) -> anyhow::Result<()> {
    let (w, span, seed) = (&t.workload, t.span_ns, t.seed);
    let rows = match &out {
        Some(p) => {
            // Written under a temporary name: an interrupted convert leaves no truncated trace.
            let mut f = crate::lab::AtomicFile::create(p)?;
            let rows = workload::convert::write_csv(w, span, seed, &mut f)
                .with_context(|| format!("{}: cannot write", p.display()))?;
            f.commit()?;
            rows
        }
        None => workload::convert::write_csv(w, span, seed, std::io::stdout().lock())?,
    };
    eprintln!("faasim: wrote {rows} invocations");
    Ok(())
}
