//! `faasim merge DIR... --out DIR`: joins the output directories of shards into one finished
//! sweep. Every directory must hold the same experiment (same `runs_sha256`), and every run id
//! must be present exactly once over all of them; the run files are copied into the output
//! directory, which then holds a complete sweep (runs.csv, summary.csv, manifest.json; the
//! views draw the plots), byte-identical to one made on a single machine.

use super::output;
use super::results::Results;
use super::store;
use super::{io_error, Error};
use crate::input::InputError;
use std::path::{Path, PathBuf};

/// Merges `dirs` into `out` (which may be one of them) and writes its tables; returns the
/// finished sweep.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Results, Error> {
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

    let runs = store::runs_dir(out);
    std::fs::create_dir_all(&runs).map_err(|e| io_error(&runs, e))?;
    let out_canon = std::fs::canonicalize(out).map_err(|e| io_error(out, e))?;
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
    Ok(results)
}
