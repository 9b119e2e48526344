//! Views: plots, HTML reports and the narration of `faasim explain`.

pub mod explain;
pub mod html;
pub mod plot;

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
