//! The plots of one run, titled from its scenario: the environment timeline (`faasim run
//! --timeline`, and the HTML run report) and the latency CDF (the HTML run report).

use crate::core::report::Report;
use crate::input::scenario::Scenario;
use crate::views::plot::{self, Chart, Series};
use crate::views::Error;
use std::path::Path;

/// The title of a run's timeline: the scenario, its seed and horizon.
pub(crate) fn timeline_title(scenario: &Scenario) -> String {
    format!(
        "{}: environments over time (seed {}, {} simulated)",
        scenario.display_name(),
        scenario.run.seed,
        scenario.run.horizon
    )
}

/// Draws the run's timeline to `path` (.png or .svg); the run needs a time series.
pub fn timeline(scenario: &Scenario, report: &Report, path: &Path) -> Result<(), Error> {
    let buckets = report.timeseries.as_deref().unwrap_or(&[]);
    plot::timeline(&timeline_title(scenario), buckets, path)
}

/// The run's latency CDF, when some request completed.
pub(crate) fn latency_cdf(scenario: &Scenario, report: &Report) -> Option<Chart> {
    let cdf = report.latency.cdf();
    if cdf.is_empty() {
        return None;
    }
    Some(Chart {
        title: format!(
            "{}: latency CDF ({} completed requests)",
            scenario.display_name(),
            report.counts.completed
        ),
        note: Some("cold starts make the tail on the right".into()),
        x_label: "latency (ms, log scale)".into(),
        y_label: "fraction of completed requests ≤ latency".into(),
        log_x: true,
        y_from_zero: true,
        legend_bottom: true,
        series: vec![Series::line("all requests", cdf)],
        ..Chart::default()
    })
}
