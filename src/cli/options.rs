//! Options several commands share: `--seed` as an override, and a plot file's format, checked
//! before anything runs.

use crate::views::plot::Format;
use crate::InputError;
use std::path::Path;

/// The `--set` overrides, with `--seed` (when given) as `run.seed`.
pub(super) fn overrides(set: Vec<String>, seed: Option<u64>) -> Vec<String> {
    let mut o = set;
    if let Some(s) = seed {
        o.push(format!("run.seed={s}"));
    }
    o
}

/// Checks that the file given to `flag` is .png or .svg and can be written, so a typo costs no
/// simulation.
pub(super) fn check_plot_file(flag: &str, path: Option<&Path>) -> Result<(), InputError> {
    match path {
        Some(p) => {
            Format::of(p).map_err(|e| InputError::new(flag, e.to_string()))?;
            check_out_file(flag, Some(p))
        }
        None => Ok(()),
    }
}

/// Checks, before any work, that the file given to `flag` can be created: its folder exists and
/// it is not itself a folder. (The write itself can still fail, on a full disk; it then leaves
/// no partial file, see `lab::atomic`.)
pub(super) fn check_out_file(flag: &str, path: Option<&Path>) -> Result<(), InputError> {
    let Some(p) = path else { return Ok(()) };
    let shown = p.display().to_string();
    let at = |m: String| InputError::new(flag, format!("{shown}: {m}"));
    if p.is_dir() {
        return Err(at("is a directory; name a file".into()));
    }
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(at(format!(
            "the folder {} does not exist; create it first",
            dir.display()
        )));
    }
    Ok(())
}
