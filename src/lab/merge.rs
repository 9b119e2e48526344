//! `faasim merge DIR... --out DIR`: joins the output directories of shards into one finished
//! sweep. Every directory must hold the same experiment (same `runs_sha256`), and every run id
//! must be present exactly once over all of them; the run files are copied into the output
//! directory, which then holds a complete sweep (runs.csv, summary.csv, manifest.json; the
//! views draw the plots), byte-identical to one made on a single machine.

use super::lock::OutputLock;
use super::output;
use super::results::Results;
use super::spec::Experiment;
use super::store;
use super::{io_error, Error};
use crate::input::InputError;
use std::path::{Path, PathBuf};

/// A finished merge: the sweep, and the output directory's lock, still held so that the
/// caller's plots cannot interleave with another writer.
#[derive(Debug)]
pub struct Merged {
    /// The merged sweep, whose tables are written.
    pub results: Results,
    /// Held until this is dropped.
    pub lock: OutputLock,
}

/// Merges `dirs` into `out` (which may be one of them) and writes its tables; returns the
/// finished sweep. Nothing is written when `out` holds another experiment's results, or when
/// another sweep or merge is writing there.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged, Error> {
    let Some(first) = dirs.first() else {
        return Err(Error::Input(InputError::new(
            "merge",
            "name at least one shard output directory",
        )));
    };
    let exp = store::read_plan(first)?;
    for d in &dirs[1..] {
        let other = store::read_plan(d)?;
        if other.runs_sha256 != exp.runs_sha256 {
            return Err(Error::Input(InputError::new(
                d.display().to_string(),
                format!(
                    "holds another experiment ('{}') than {} ('{}'), or one run with another file or faasim version",
                    other.name,
                    first.display(),
                    exp.name
                ),
            )));
        }
    }
    // The same directory named twice would count every run twice.
    let mut canon: Vec<PathBuf> = Vec::new();
    for d in dirs {
        let c = std::fs::canonicalize(d).map_err(|e| io_error(d, e))?;
        if canon.contains(&c) {
            return Err(Error::Input(InputError::new(
                d.display().to_string(),
                "is named twice",
            )));
        }
        canon.push(c);
    }
    let records = store::collect(dirs, &exp)?;

    let lock = OutputLock::acquire(out)?;
    let out_canon = std::fs::canonicalize(out).map_err(|e| io_error(out, e))?;
    if !canon.contains(&out_canon) {
        refuse_foreign(out, &exp)?;
    }
    let runs = store::runs_dir(out);
    std::fs::create_dir_all(&runs).map_err(|e| io_error(&runs, e))?;
    for (rec, from) in &records {
        let from_dir = from.parent().and_then(|p| p.parent());
        let already_there = from_dir
            .and_then(|d| std::fs::canonicalize(d).ok())
            .is_some_and(|d| d == out_canon);
        if !already_there {
            let bytes = std::fs::read(from).map_err(|e| io_error(from, e))?;
            store::write_atomic(&store::record_path(out, rec.run), &bytes)?;
        }
    }
    // A directory that already held other run files (from an earlier merge) is checked again.
    store::write_plan(out, &exp)?;
    let results = Results::collect(&[out.to_path_buf()], exp)?;
    output::write_all(out, &results)?;
    Ok(Merged { results, lock })
}

/// Fails, before anything is written, when `out` (not one of the merged directories) holds
/// results of another experiment: its plan, or any of its run files, belongs elsewhere.
fn refuse_foreign(out: &Path, exp: &Experiment) -> Result<(), Error> {
    let foreign = |what: String| {
        Err(Error::Input(InputError::new(
            out.display().to_string(),
            format!(
                "holds results of another experiment ({what}), not of '{}'; choose another --out",
                exp.name
            ),
        )))
    };
    if store::holds_results(out)? {
        let old = store::read_plan(out)?;
        if old.runs_sha256 != exp.runs_sha256 {
            return foreign(format!("'{}'", old.name));
        }
    }
    for (id, path) in store::list(out)? {
        match store::read_record(&path) {
            Some(r) if r.runs_sha256 == exp.runs_sha256 && r.run == id => {}
            _ => return foreign(format!("run file {}", path.display())),
        }
    }
    Ok(())
}
