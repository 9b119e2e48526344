//! `faasim sweep`: runs an experiment's runs in a rayon pool and stores each result as soon as
//! it finishes, atomically, so a killed sweep loses at most the runs in progress.
//!
//! Shards take run ids round-robin: shard `i` of `n` runs the ids with `id % n == i`. Because
//! run ids go point by point, this deals every point's replications over all shards and
//! balances the load when some points are much slower than others (long keep-alives, high
//! rates). A run's result depends only on the experiment and its id, never on the shard, the
//! thread count or the order runs finish in.

use super::lock::OutputLock;
use super::output;
use super::record::RunRecord;
use super::results::Results;
use super::spec::Experiment;
use super::store;
use super::{io_error, Error};
use crate::input::InputError;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// Which part of the runs this process does: `index` of `count` (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 0 ≤ index < count.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// The whole sweep in one process.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether run `id` belongs to this shard.
    pub fn owns(&self, id: u64) -> bool {
        id % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;
    /// `I/N`, e.g. `0/4` … `3/4`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let err = || format!("'{s}': expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let index: u64 = i.trim().parse().map_err(|_| err())?;
        let count: u64 = n.trim().parse().map_err(|_| err())?;
        if count == 0 || index >= count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Output directory.
    pub out: PathBuf,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// The part of the runs to do.
    pub shard: Shard,
    /// Keep finished runs found in `out` and do only the others.
    pub resume: bool,
}

/// Told how a sweep advances, so that a caller can show progress (the CLI draws a bar). Called
/// from the worker threads.
pub trait Progress: Sync {
    /// `runs` runs are about to be simulated.
    fn start(&self, runs: u64) {
        let _ = runs;
    }

    /// One more run is finished and stored.
    fn run_done(&self) {}

    /// Every run is done; the tables are written next.
    fn finish(&self) {}
}

/// Progress that nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}

/// What a sweep did.
#[derive(Clone, Debug)]
pub struct SweepOutcome {
    /// Runs simulated by this call.
    pub ran: u64,
    /// Runs of this shard already finished (kept by `--resume`).
    pub kept: u64,
    /// The finished sweep, whose runs.csv, summary.csv and manifest.json are written: only for
    /// an unsharded sweep; shards are joined with `faasim merge`.
    pub results: Option<Results>,
    /// The output directory's lock, still held, so that what the caller writes next (plots, the
    /// HTML report) cannot interleave with another sweep or merge; released when the outcome
    /// (and every clone of it) is dropped.
    pub lock: Arc<OutputLock>,
}

impl SweepOutcome {
    /// Whether the sweep is finished and its tables written (not a shard).
    pub fn finished(&self) -> bool {
        self.results.is_some()
    }
}

/// Runs this shard's runs of `exp` that are not finished yet, telling `progress`, and writes
/// the tables when the sweep is unsharded.
pub fn sweep(
    exp: &Experiment,
    opts: &SweepOptions,
    progress: &dyn Progress,
) -> Result<SweepOutcome, Error> {
    if opts.threads == 0 {
        return Err(Error::Input(InputError::new(
            "--threads",
            "must be at least 1",
        )));
    }
    let out = &opts.out;
    let lock = if opts.shard.count > 1 {
        OutputLock::acquire_shared(out)?
    } else {
        OutputLock::acquire(out)?
    };
    prepare_out(exp, out)?;
    let (todo, kept) = runs_to_do(exp, opts)?;
    if opts.resume {
        remove_stale_temps(exp, opts)?;
    }
    run_all(exp, opts, &todo, progress)?;
    let results = if opts.shard.count == 1 {
        let results = Results::collect(std::slice::from_ref(out), exp.clone())?;
        output::write_all(out, &results)?;
        Some(results)
    } else {
        None
    };
    Ok(SweepOutcome {
        ran: todo.len() as u64,
        kept,
        results,
        lock: Arc::new(lock),
    })
}

/// Makes `out/runs` and writes plan.json, unless `out` holds another experiment's results. A
/// plan with no finished run beside it (a sweep that failed before its first run ended) holds no
/// results, so it is replaced rather than blocking the rerun.
fn prepare_out(exp: &Experiment, out: &Path) -> Result<(), Error> {
    let runs_dir = store::runs_dir(out);
    std::fs::create_dir_all(&runs_dir).map_err(|e| io_error(&runs_dir, e))?;
    if store::holds_results(out)? {
        let old = store::read_plan(out)?;
        if old.runs_sha256 != exp.runs_sha256 {
            return Err(Error::Input(InputError::new(
                out.display().to_string(),
                format!(
                    "holds results of a different experiment ('{}', or another version of this file or of faasim); choose another --out",
                    old.name
                ),
            )));
        }
    }
    store::write_plan(out, exp)
}

/// This shard's runs still to do, and how many it already finished (an error if it finished
/// some and `--resume` was not given).
fn runs_to_do(exp: &Experiment, opts: &SweepOptions) -> Result<(Vec<u64>, u64), Error> {
    let out = &opts.out;
    let mine: Vec<u64> = (0..exp.run_count())
        .filter(|&id| opts.shard.owns(id))
        .collect();
    let existing = store::list(out)?;
    let mut todo = Vec::with_capacity(mine.len());
    let mut kept = 0;
    for &id in &mine {
        let Some(path) = existing.get(&id) else {
            todo.push(id);
            continue;
        };
        if !opts.resume {
            let n = mine.iter().filter(|id| existing.contains_key(id)).count();
            return Err(Error::Input(InputError::new(
                out.display().to_string(),
                format!(
                    "already holds {n} finished run(s) of this sweep; add --resume to finish it, or choose another --out"
                ),
            )));
        }
        match store::read_record(path) {
            Some(r) if r.runs_sha256 == exp.runs_sha256 && r.run == id => kept += 1,
            Some(_) => {
                return Err(Error::Input(InputError::new(
                    path.display().to_string(),
                    "belongs to another experiment; choose another --out",
                )))
            }
            // Unreadable or an older format: do it again.
            None => todo.push(id),
        }
    }
    Ok((todo, kept))
}

/// Simulates the runs `todo` in a pool of `opts.threads` threads, storing each as it finishes.
fn run_all(
    exp: &Experiment,
    opts: &SweepOptions,
    todo: &[u64],
    progress: &dyn Progress,
) -> Result<(), Error> {
    // Points are validated when the experiment is loaded; build their scenarios once.
    let scenarios = (0..exp.points.len())
        .map(|p| exp.scenario(p))
        .collect::<Result<Vec<_>, _>>()?;
    progress.start(todo.len() as u64);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|source| Error::Threads {
            threads: opts.threads,
            source,
        })?;
    // One task per run (with_max_len(1)): runs are long, so fine-grained stealing keeps every
    // thread busy to the end.
    pool.install(|| {
        todo.par_iter().with_max_len(1).try_for_each(|&id| {
            let (p, rep) = exp.run_of(id);
            let report = crate::simulate_run(&scenarios[p], rep)?;
            let rec = RunRecord::new(&exp.runs_sha256, id, p, rep, exp.seed, &report);
            store::write_atomic(&store::record_path(&opts.out, id), rec.to_json().as_bytes())?;
            progress.run_done();
            Ok::<(), Error>(())
        })
    })?;
    progress.finish();
    Ok(())
}

/// Removes temporary files of this shard's runs left by a killed sweep.
fn remove_stale_temps(exp: &Experiment, opts: &SweepOptions) -> Result<(), Error> {
    let dir = store::runs_dir(&opts.out);
    let entries = std::fs::read_dir(&dir).map_err(|e| io_error(&dir, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if let Some(id) = name.to_str().and_then(store::temp_id) {
            if id < exp.run_count() && opts.shard.owns(id) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition() {
        assert_eq!("1/4".parse::<Shard>(), Ok(Shard { index: 1, count: 4 }));
        assert!("4/4".parse::<Shard>().is_err());
        assert!("0/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        for id in 0..50 {
            assert_eq!(shards.iter().filter(|s| s.owns(id)).count(), 1);
        }
    }
}
