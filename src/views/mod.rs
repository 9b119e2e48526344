//! Views: plots, HTML reports and the narration of `faasim explain`. They show what the
//! layers below produce (a [`crate::Report`], a sweep's [`crate::lab::Results`]) and never
//! compute a figure of their own.
//!
//! - [`plot`]: charts from plain data, drawn to PNG or SVG through one drawing target;
//! - [`run_plots`]: one run's timeline and latency CDF;
//! - [`sweep_plots`]: the `[[plot]]`s of a finished sweep, into its `plots/`;
//! - [`compare`]: `faasim compare`'s table and chart;
//! - [`html`]: self-contained HTML reports of a run and of a sweep;
//! - [`explain`]: a run told in words, and its Gantt chart;
//! - [`summary`]: a run's report as the terminal summary.

pub mod compare;
pub mod explain;
pub mod html;
pub mod plot;
pub mod run_plots;
pub mod summary;
pub mod sweep_plots;

use std::path::PathBuf;

/// Why a view could not be drawn or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file's extension names no format faasim draws.
    #[error("{}: unknown plot format; accepted extensions: .png, .svg", path.display())]
    UnknownFormat {
        /// The file asked for.
        path: PathBuf,
    },
    /// A timeline was asked of a run that recorded no time series.
    #[error("{}: the run has no time series to draw (set [metrics] timeseries)", path.display())]
    NoTimeSeries {
        /// The file asked for.
        path: PathBuf,
    },
    /// The plotting library failed while drawing (or, for PNG, while writing the file).
    #[error("{what}: cannot draw the plot")]
    Draw {
        /// The file being drawn, or which figure of a report.
        what: String,
        /// The plotting library's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A sweep's results could not be read back (`faasim plot`).
    #[error(transparent)]
    Lab(#[from] crate::lab::Error),
    /// A directory could not be made.
    #[error("{}", path.display())]
    Io {
        /// The directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A drawn figure could not be written.
    #[error("{}: cannot write", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}
