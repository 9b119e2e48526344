//! Experiments: sweeps of a base scenario over swept parameters, run in parallel, aggregated
//! with confidence intervals, written as tidy tables (the views draw them).
//!
//! - [`spec`]: the experiment file and its expansion into numbered runs;
//! - [`runner`]: `faasim sweep` — runs in a rayon pool, one result file per run written
//!   atomically, `--resume` and `--shard i/n`;
//! - [`record`]: one run's stored result;
//! - [`store`]: the run files on disk: names, atomic writes, reading them back, completeness;
//! - [`stats`]: mean, standard deviation, Student-t confidence intervals;
//! - [`results`]: a finished sweep in memory: every run's record and every metric's summary;
//! - [`output`]: runs.csv, summary.csv and manifest.json of a finished sweep;
//! - [`compare`]: one scenario on several platform models;
//! - [`merge`]: `faasim merge` — joins shard outputs.
//!
//! Common random numbers: every run's `run.seed` is the experiment's master seed and its run
//! index is its replication number, so replication k of every point sees the same arrivals,
//! durations and cold starts; only the swept parameters differ, and paired differences between
//! points are tight. Replications differ from each other through the run index.

pub mod compare;
mod csv_writer;
pub(crate) mod format;
pub mod merge;
pub mod output;
pub mod record;
pub mod results;
pub mod runner;
pub mod spec;
pub mod stats;
pub mod store;

pub use results::{MetricSummary, Results};
pub use runner::{sweep, Progress, Shard, Silent, SweepOptions, SweepOutcome};
pub use spec::{Experiment, PlotSpec};

use crate::input::InputError;
use std::fmt;

/// Why an experiment command failed.
#[derive(Debug)]
pub enum Error {
    /// The input is wrong (an experiment file, an option, a directory of results that does not
    /// fit): the user can fix it. Exit code 2.
    Input(InputError),
    /// The machine failed us (cannot write a file, a plot backend error). Exit code 1.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(e) => write!(f, "{e}"),
            Error::Io(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(e)
    }
}

/// An [`Error::Io`] naming the path it happened on.
pub(crate) fn io_error(path: &std::path::Path, e: impl fmt::Display) -> Error {
    Error::Io(format!("{}: {e}", path.display()))
}
