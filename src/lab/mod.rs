//! Experiments: sweeps of a base scenario over swept parameters, run in parallel, aggregated
//! with confidence intervals, written as tidy tables. The lab uses the core and the input
//! layer only: it writes data, and the views draw it (plots, HTML); a caller that wants
//! to show progress implements [`Progress`].
//!
//! - [`spec`]: the experiment file and its expansion into numbered runs (`axes`: the
//!   `[[axis]]` tables resolved, expanded into points, and their baselines);
//! - [`runner`]: `faasim sweep` — runs in a rayon pool, one result file per run written
//!   atomically, `--resume` and `--shard i/n`;
//! - [`record`]: one run's stored result;
//! - [`atomic`]: every file written under a temporary name and renamed into place;
//! - `store`: the run files on disk: names, reading them back, completeness;
//! - [`stats`]: mean, standard deviation, Student-t confidence intervals;
//! - [`results`]: a finished sweep in memory: every run's record and every metric's summary;
//! - `output`: runs.csv, summary.csv and manifest.json of a finished sweep;
//! - [`compare`]: one scenario on several platform models;
//! - [`merge`]: `faasim merge` — joins shard outputs;
//! - [`lock`]: one writer per output directory.
//!
//! Common random numbers: every run's `run.seed` is the experiment's master seed and its run
//! index is its replication number, so replication k of every point sees the same arrivals,
//! durations and cold starts; only the swept parameters differ, and paired differences between
//! points are tight. Replications differ from each other through the run index.

pub mod atomic;
mod axes;
pub mod compare;
pub(crate) mod format;
pub mod lock;
pub mod merge;
pub(crate) mod output;
pub mod record;
pub mod results;
pub mod runner;
pub mod spec;
pub mod stats;
pub(crate) mod store;

pub use atomic::{write_atomic, AtomicFile};
pub use lock::OutputLock;
pub use results::{MetricSummary, Results};
pub use runner::{sweep, Progress, Shard, Silent, SweepOptions, SweepOutcome};
pub use spec::{Experiment, PlotSpec};

use crate::input::InputError;
use std::path::{Path, PathBuf};

/// Why an experiment command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is wrong (an experiment file, an option, a directory of results that does not
    /// fit): the user can fix it. The message is the input error's, which is also the source.
    #[error("{0}")]
    Input(#[from] InputError),
    /// A file or directory could not be read or written.
    #[error("{}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The experiment could not be written as plan.json.
    #[error("{}", path.display())]
    Plan {
        /// The output directory.
        path: PathBuf,
        /// Why serialising failed.
        #[source]
        source: serde_json::Error,
    },
    /// The pool of worker threads could not be started.
    #[error("cannot start {threads} worker threads")]
    Threads {
        /// How many were asked for.
        threads: usize,
        /// Why they could not start.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

/// An [`Error::Io`] naming the path it happened on.
pub(crate) fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}
