//! The run files of an output directory: `runs/<id>.json` (one per finished run, written
//! atomically), `plan.json` (the loaded experiment), and reading them back with the checks a
//! merge needs: every run present exactly once, all from the same experiment.

pub(crate) use super::atomic::write_atomic;
use super::record::{RunRecord, FORMAT};
use super::spec::Experiment;
use super::{io_error, Error};
use crate::input::InputError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The directory of run files in an output directory.
pub(crate) fn runs_dir(out: &Path) -> PathBuf {
    out.join("runs")
}

/// The file holding run `id`'s result (zero-padded, so a listing sorts by id).
pub(crate) fn record_path(out: &Path, id: u64) -> PathBuf {
    runs_dir(out).join(format!("{id:08}.json"))
}

/// The run id a file name stands for, if it is a finished run file.
fn record_id(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".json")?;
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// The run id of a temporary file left by an interrupted write (`.<id>.json.tmp-...`).
pub(crate) fn temp_id(name: &str) -> Option<u64> {
    let rest = name.strip_prefix('.')?;
    let (file, _) = rest.split_once(".tmp-")?;
    record_id(file)
}

/// Reads a run file; `None` when it is not a complete record of the current format (it is then
/// redone on resume).
pub(crate) fn read_record(path: &Path) -> Option<RunRecord> {
    let text = std::fs::read_to_string(path).ok()?;
    let r: RunRecord = serde_json::from_str(&text).ok()?;
    (r.format == FORMAT).then_some(r)
}

/// The finished run files in `out/runs`, by id.
pub(crate) fn list(out: &Path) -> Result<BTreeMap<u64, PathBuf>, Error> {
    let dir = runs_dir(out);
    let mut found = BTreeMap::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(io_error(&dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| io_error(&dir, e))?;
        if let Some(id) = entry.file_name().to_str().and_then(record_id) {
            found.insert(id, entry.path());
        }
    }
    Ok(found)
}

/// Writes `plan.json`, the experiment as loaded, so merge and plot need no other file.
pub(crate) fn write_plan(out: &Path, exp: &Experiment) -> Result<(), Error> {
    let json = serde_json::to_string_pretty(exp).map_err(|source| Error::Plan {
        path: out.to_path_buf(),
        source,
    })?;
    write_atomic(&out.join("plan.json"), format!("{json}\n").as_bytes())
}

/// Whether `out` holds results a sweep or merge must not overwrite: a plan.json with at least
/// one finished run file or a runs.csv beside it. A plan alone was left by a sweep that failed
/// before any run ended.
pub(crate) fn holds_results(out: &Path) -> Result<bool, Error> {
    if !out.join("plan.json").exists() {
        return Ok(false);
    }
    Ok(out.join("runs.csv").exists() || !list(out)?.is_empty())
}

/// Reads `plan.json` from an output directory.
pub(crate) fn read_plan(out: &Path) -> Result<Experiment, Error> {
    let path = out.join("plan.json");
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::Input(InputError::new(
            &shown,
            format!("cannot read ({e}); is this the output directory of `faasim sweep`?"),
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Input(InputError::at(
            shown,
            Some(e.line()),
            Some(e.column()),
            format!("not a faasim plan: {e}"),
        ))
    })
}

/// Ids as short ranges for messages: `0-3, 7, 9-12`, at most `limit` ranges shown.
pub(crate) fn ranges(ids: &[u64], limit: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            ids[i].to_string()
        } else {
            format!("{}-{}", ids[i], ids[j])
        });
        i = j + 1;
    }
    if parts.len() > limit {
        let more = parts.len() - limit;
        parts.truncate(limit);
        parts.push(format!("... ({more} more ranges)"));
    }
    parts.join(", ")
}

/// Reads every run of `exp` from the output directories `dirs`: each run id of the experiment
/// must be present exactly once over all of them, and every record must belong to `exp`.
/// Returns the records and the file each came from, sorted by run id.
pub(crate) fn collect(
    dirs: &[PathBuf],
    exp: &Experiment,
) -> Result<Vec<(RunRecord, PathBuf)>, Error> {
    let total = exp.run_count();
    let mut seen: BTreeMap<u64, Vec<PathBuf>> = BTreeMap::new();
    for d in dirs {
        for (id, path) in list(d)? {
            seen.entry(id).or_default().push(path);
        }
    }
    let origin = dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let bad = |m: String| Error::Input(InputError::new(&origin, m));
    let duplicated: Vec<u64> = seen
        .iter()
        .filter(|(_, p)| p.len() > 1)
        .map(|(id, _)| *id)
        .collect();
    if let Some(first) = duplicated.first() {
        let where_: Vec<String> = seen[first]
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(bad(format!(
            "{} run(s) are present more than once: {} (run {first} is in {}); each run must come from exactly one shard",
            duplicated.len(),
            ranges(&duplicated, 20),
            where_.join(" and ")
        )));
    }
    let extra: Vec<u64> = seen.range(total..).map(|(id, _)| *id).collect();
    if !extra.is_empty() {
        return Err(bad(format!(
            "run(s) {} are beyond this experiment's {total} runs; the directories hold another experiment's results",
            ranges(&extra, 20)
        )));
    }
    let missing: Vec<u64> = (0..total).filter(|id| !seen.contains_key(id)).collect();
    if !missing.is_empty() {
        return Err(bad(format!(
            "{} of {total} runs are missing: {}; run the shards that hold them (or `faasim sweep --resume`)",
            missing.len(),
            ranges(&missing, 20)
        )));
    }
    let mut out = Vec::with_capacity(total as usize);
    for (id, paths) in seen {
        let path = paths.into_iter().next().unwrap_or_default();
        let rec = read_record(&path).ok_or_else(|| {
            Error::Input(InputError::new(
                path.display().to_string(),
                "not a complete run record of this faasim version; delete it and run `faasim sweep --resume`",
            ))
        })?;
        if rec.runs_sha256 != exp.runs_sha256 || rec.run != id {
            return Err(Error::Input(InputError::new(
                path.display().to_string(),
                format!(
                    "belongs to another experiment (or faasim version) than '{}'; do not mix output directories",
                    exp.name
                ),
            )));
        }
        out.push((rec, path));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ranges() {
        assert_eq!(record_id("00000042.json"), Some(42));
        assert_eq!(record_id(".00000042.json.tmp-1-2"), None);
        assert_eq!(temp_id(".00000042.json.tmp-1-2"), Some(42));
        assert_eq!(record_id("plan.json"), None);
        assert_eq!(ranges(&[0, 1, 2, 3, 7, 9, 10], 10), "0-3, 7, 9-10");
        assert_eq!(ranges(&[1, 3, 5], 2), "1, 3, ... (1 more ranges)");
    }
}
