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

/// Checks that the file given to `flag` is .png or .svg, so a typo costs no simulation.
pub(super) fn check_plot_file(flag: &str, path: Option<&Path>) -> Result<(), InputError> {
    match path {
        Some(p) => Format::of(p)
            .map(drop)
            .map_err(|e| InputError::new(flag, e.to_string())),
        None => Ok(()),
    }
}
