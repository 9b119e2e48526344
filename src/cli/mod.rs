//! The command line: clap definitions and the glue from commands to library calls. No
//! simulation logic lives here.
//!
//! Exit codes: 0 success, 1 an unexpected failure (e.g. cannot write output), 2 bad input
//! (a scenario, model or option that is wrong; the message says where and what is accepted).

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use faasim::input::scenario;
use faasim::lab::{self, Experiment, Shard, SweepOptions};
use faasim::{InputError, Scenario};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

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
        /// Also draw the run's timeline (environments busy, idle and initializing over time,
        /// throttles marked) to FILE (.png or .svg). Turns on a time series of 200 buckets
        /// when the scenario has none.
        #[arg(long, value_name = "FILE")]
        timeline: Option<PathBuf>,
        /// Also write a self-contained HTML report (scenario, summary, cost, plots inline) to
        /// FILE. Turns on a time series as --timeline does.
        #[arg(long, value_name = "FILE.html")]
        report: Option<PathBuf>,
    },
    /// Tell the first events of a run in plain words, and draw its environments as a Gantt
    /// chart (try the built-in `cold-start-101` and `scale-out-101`).
    Explain {
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
    },
    /// List the built-in scenarios.
    Scenarios,
    /// List the built-in platform models, or print one with its sources.
    Models {
        #[command(subcommand)]
        action: Option<ModelsAction>,
    },
    /// Run one scenario on several platform models and compare p99 latency, cold starts and
    /// monthly cost (with the always-on fleet alternative).
    Compare {
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
    },
    /// Run an experiment: every point and replication, in parallel; writes runs.csv,
    /// summary.csv, manifest.json and plots/ (see docs/experiments.md).
    Sweep {
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
    },
    /// Join the output directories of shards into one finished sweep.
    Merge {
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged sweep (may be one of the shard directories).
        #[arg(long)]
        out: PathBuf,
    },
    /// Redraw the plots of a finished sweep.
    Plot {
        /// The sweep's output directory.
        dir: PathBuf,
    },
    /// Inspect and convert traces (see docs/traces.md).
    Trace {
        #[command(subcommand)]
        command: TraceCommand,
    },
}

#[derive(Subcommand, Debug)]
enum TraceCommand {
    /// Print what a trace (or a scenario's [workload]) holds: functions, applications,
    /// invocations, rate percentiles, the shares invoked at most once an hour and once a minute,
    /// inter-arrival CV, duration and memory percentiles.
    Stats(TraceArgs),
    /// Write the generic CSV (timestamp,function,app,duration_ms,memory_mb) from any supported
    /// input, one row per invocation in time order.
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
    horizon: Option<faasim::core::time::Duration>,
    /// Seed of placements and durations (default: the scenario's, else 0).
    #[arg(long)]
    seed: Option<u64>,
}

/// What `faasim models` does.
#[derive(Subcommand, Debug)]
enum ModelsAction {
    /// Print a model's file, with the source of every figure.
    Show {
        /// A built-in model name (see `faasim models`).
        name: String,
    },
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
        Err(e) => report(&e),
    }
}

/// Prints `e` and returns its exit code: 2 when an input error is at its root (the user can
/// fix the input; its message says where and what is accepted), 1 for any other failure.
fn report(e: &anyhow::Error) -> i32 {
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

fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Run {
            scenario,
            seed,
            set,
            json,
            timeline,
            report: html,
        } => {
            let mut overrides = set;
            if let Some(s) = seed {
                overrides.push(format!("run.seed={s}"));
            }
            if let Some(path) = &timeline {
                faasim::views::plot::Format::of(path)
                    .map_err(|e| InputError::new("--timeline", e.to_string()))?;
            }
            let mut sc = Scenario::load(&scenario, &overrides)?;
            if (timeline.is_some() || html.is_some()) && sc.metrics.timeseries.is_none() {
                // 200 buckets over the measured window: enough detail, a small series.
                let span = sc.run.horizon.ns() - sc.run.warmup.map_or(0, |w| w.ns());
                sc.metrics.timeseries = Some(faasim::core::time::Duration((span / 200).max(1)));
            }
            let report = faasim::simulate(&sc)?;
            if let Some(path) = &timeline {
                let title = format!(
                    "{}: environments over time (seed {}, {} simulated)",
                    sc.display_name(),
                    sc.run.seed,
                    sc.run.horizon
                );
                let buckets = report.timeseries.clone().unwrap_or_default();
                faasim::views::plot::timeline(&title, &buckets, path)?;
            }
            if let Some(path) = &html {
                let figs = faasim::views::html::run_figures(&sc, &report)?;
                std::fs::write(path, faasim::views::html::run_report(&sc, &report, &figs))
                    .with_context(|| format!("{}: cannot write", path.display()))?;
            }
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", report.to_json())?;
            } else {
                write!(out, "{}", report.summary())?;
            }
            Ok(())
        }
        Command::Sweep {
            experiment,
            out,
            threads,
            shard,
            resume,
            report,
        } => {
            let exp = Experiment::load(&experiment)?;
            let out = out.unwrap_or_else(|| PathBuf::from("out").join(&exp.name));
            let threads = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let opts = SweepOptions {
                out: out.clone(),
                threads,
                shard: shard.unwrap_or(Shard::ALL),
                resume,
            };
            let started = std::time::Instant::now();
            let bar = Bar::default();
            let progress: &dyn lab::Progress = if std::io::stderr().is_terminal() {
                &bar
            } else {
                &lab::Silent
            };
            let done = lab::sweep(&exp, &opts, progress)?;
            let plots = match &done.results {
                Some(r) => faasim::views::sweep_plots::write_plots(&out, r)?,
                None => Vec::new(),
            };
            let shard_note = match shard {
                Some(s) if s.count > 1 => format!(" (shard {}/{})", s.index, s.count),
                _ => String::new(),
            };
            eprintln!(
                "faasim: '{}'{shard_note}: {} run(s) done, {} already finished, in {:.1} s on {threads} thread(s)",
                exp.name,
                done.ran,
                done.kept,
                started.elapsed().as_secs_f64()
            );
            if let Some(results) = &done.results {
                eprintln!("faasim: results in {}", out.display());
                if report {
                    let text = std::fs::read_to_string(&experiment).ok();
                    let page = faasim::views::html::sweep_report(results, &plots, text.as_deref());
                    let path = out.join("report.html");
                    std::fs::write(&path, page)
                        .with_context(|| format!("{}: cannot write", path.display()))?;
                    eprintln!("faasim: report in {}", path.display());
                }
            } else {
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
            Ok(())
        }
        Command::Merge { dirs, out } => {
            let results = lab::merge::merge(&dirs, &out)?;
            faasim::views::sweep_plots::write_plots(&out, &results)?;
            let exp = &results.experiment;
            eprintln!(
                "faasim: merged {} runs of '{}' into {}",
                exp.run_count(),
                exp.name,
                out.display()
            );
            Ok(())
        }
        Command::Plot { dir } => {
            let files = faasim::views::sweep_plots::replot(&dir)?;
            let mut o = std::io::stdout().lock();
            for f in files {
                writeln!(o, "{}", f.display())?;
            }
            Ok(())
        }
        Command::Trace { command } => {
            let (args, out) = match command {
                TraceCommand::Stats(a) => (a, None),
                TraceCommand::Convert { input, out } => (input, Some(out)),
            };
            use faasim::input::trace;
            let (spec, base, seed, horizon) = match &args.scenario {
                Some(name) => {
                    let sc = Scenario::load(name, &args.set)?;
                    let spec = sc.workload.clone().ok_or_else(|| {
                        InputError::new(name.clone(), "this scenario has no [workload]")
                    })?;
                    let base = trace::base_dir(&sc.source.origin);
                    (spec, base, sc.run.seed, Some(sc.run.horizon.ns()))
                }
                None => {
                    let base = PathBuf::new();
                    let spec =
                        trace::spec_from_args(&args.paths, args.kind.as_deref(), &args.set, &base)?;
                    (spec, base, 0, None)
                }
            };
            let w = spec.open(&base)?;
            let span = args
                .horizon
                .map(|h| h.ns())
                .or_else(|| w.loaded.as_ref().map(|l| l.span_ns))
                .or(horizon)
                .unwrap_or(86_400 * faasim::core::time::NS_PER_SEC);
            let seed = args.seed.unwrap_or(seed);
            match out {
                None => {
                    let mut s = trace::stats::compute(&w, span, seed);
                    s.kind = spec.kind().to_string();
                    write!(std::io::stdout().lock(), "{s}")?;
                }
                Some(path) => {
                    let rows = match &path {
                        Some(p) => {
                            let f = std::fs::File::create(p).map_err(|e| {
                                InputError::new(
                                    p.display().to_string(),
                                    format!("cannot create: {e}"),
                                )
                            })?;
                            trace::convert::write_csv(&w, span, seed, f)?
                        }
                        None => {
                            trace::convert::write_csv(&w, span, seed, std::io::stdout().lock())?
                        }
                    };
                    eprintln!("faasim: wrote {rows} invocations");
                }
            }
            Ok(())
        }
        Command::Models { action: None } => {
            let mut out = std::io::stdout().lock();
            for (name, text) in faasim::input::model::BUILTIN {
                let about = faasim::input::model::parse(text, name)
                    .map(|m| m.description)
                    .unwrap_or_default();
                writeln!(out, "{name:<26} {about}")?;
            }
            Ok(())
        }
        Command::Models {
            action: Some(ModelsAction::Show { name }),
        } => {
            let text = faasim::input::model::BUILTIN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .ok_or_else(|| {
                    let names: Vec<&str> = faasim::input::model::BUILTIN
                        .iter()
                        .map(|(n, _)| *n)
                        .collect();
                    InputError::new(
                        name.clone(),
                        format!(
                            "no built-in model has this name; built-in: {}",
                            names.join(", ")
                        ),
                    )
                })?;
            write!(std::io::stdout().lock(), "{text}")?;
            Ok(())
        }
        Command::Compare {
            scenario,
            models,
            set,
            out,
            plot,
        } => {
            if let Some(path) = &plot {
                faasim::views::plot::Format::of(path)
                    .map_err(|e| InputError::new("--plot", e.to_string()))?;
            }
            let sc = Scenario::load(&scenario, &set)?;
            let rows = faasim::lab::compare::compare(&sc, &models)?;
            write!(
                std::io::stdout().lock(),
                "{}",
                faasim::views::compare::table(&rows)
            )?;
            if let Some(path) = &out {
                std::fs::write(path, faasim::lab::compare::csv(&rows))
                    .with_context(|| format!("{}: cannot write", path.display()))?;
            }
            if let Some(path) = &plot {
                let title = format!(
                    "{}: {} simulated on {} models (seed {})",
                    sc.display_name(),
                    sc.run.horizon,
                    rows.len(),
                    sc.run.seed
                );
                faasim::views::compare::plot(&title, &rows, path)?;
            }
            Ok(())
        }
        Command::Explain {
            scenario,
            events,
            chart,
            seed,
            set,
        } => {
            let mut overrides = set;
            if let Some(s) = seed {
                overrides.push(format!("run.seed={s}"));
            }
            if let Some(path) = &chart {
                faasim::views::plot::Format::of(path)
                    .map_err(|e| InputError::new("--chart", e.to_string()))?;
            }
            let sc = Scenario::load(&scenario, &overrides)?;
            let told = faasim::views::explain::explain(&sc, events)?;
            write!(
                std::io::stdout().lock(),
                "{}",
                faasim::views::explain::narration(&sc, &told)
            )?;
            if let Some(path) = &chart {
                faasim::views::plot::gantt::gantt(&told.gantt, path)?;
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

/// The sweep's progress bar on stderr, with an ETA.
#[derive(Default)]
struct Bar(std::sync::OnceLock<indicatif::ProgressBar>);

impl lab::Progress for Bar {
    fn start(&self, runs: u64) {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(runs),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs, ETA {eta}",
        ) {
            bar.set_style(style);
        }
        let _ = self.0.set(bar);
    }

    fn run_done(&self) {
        if let Some(b) = self.0.get() {
            b.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(b) = self.0.get() {
            b.finish_and_clear();
        }
    }
}
