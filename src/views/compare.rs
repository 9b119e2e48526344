//! `faasim compare` shown: the models' figures as an aligned table for a terminal, and monthly
//! cost against p99 latency as a chart.

use crate::input::scenario::Scenario;
use crate::lab::compare::{Figures, Row};
use crate::lab::format::tick;
use crate::views::plot::{self, Chart, Series};
use crate::views::Error;
use std::fmt::Write as _;
use std::path::Path;

/// The rows as an aligned table for a terminal.
pub fn table(rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<26} {:>10} {:>8} {:>8} {:>14} {:>14} {:>14}",
        "model", "p99 ms", "cold %", "thr %", "$/month", "EC2 $/month", "Fargate $/mo"
    );
    for r in rows {
        match &r.outcome {
            Ok(f) => {
                let _ = writeln!(
                    s,
                    "{:<26} {:>10.1} {:>8.3} {:>8.3} {:>14.2} {:>14.2} {:>14.2}",
                    r.model,
                    f.p99_ms,
                    f.cold_start_pct,
                    f.throttled_pct,
                    f.monthly_usd,
                    f.vm_monthly_usd,
                    f.fargate_monthly_usd
                );
            }
            Err(e) => {
                let _ = writeln!(s, "{:<26} cannot run: {}", r.model, e.message);
            }
        }
    }
    s
}

/// Draws monthly cost against p99 latency, one labelled point per model, with the always-on
/// EC2 fleet of the first model that ran as a reference line (.png or .svg).
pub fn plot(scenario: &Scenario, rows: &[Row], path: &Path) -> Result<(), Error> {
    let title = format!(
        "{}: {} simulated on {} models (seed {})",
        scenario.display_name(),
        scenario.run.horizon,
        rows.len(),
        scenario.run.seed
    );
    let mut series: Vec<Series> = rows
        .iter()
        .filter_map(|r| {
            let f = r.outcome.as_ref().ok()?;
            Some(Series {
                label: r.model.clone(),
                points: vec![(f.p99_ms, f.monthly_usd)],
                markers: true,
                point_labels: vec![r.model.clone()],
                ..Series::default()
            })
        })
        .collect();
    let runs: Vec<Figures> = rows
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok().copied())
        .collect();
    if let Some(first) = runs.first() {
        let xs = runs.iter().map(|f| f.p99_ms);
        let lo = xs.clone().fold(f64::INFINITY, f64::min);
        let hi = xs.fold(f64::NEG_INFINITY, f64::max);
        series.push(Series::line(
            format!("always-on EC2 fleet ({})", tick(first.vm_monthly_usd)),
            vec![(lo, first.vm_monthly_usd), (hi, first.vm_monthly_usd)],
        ));
    }
    let chart = Chart {
        title,
        note: Some("cost of the run scaled to a 730-hour month; lower left is better".into()),
        x_label: "p99 latency (ms)".into(),
        y_label: "cost per month (USD)".into(),
        y_from_zero: true,
        series,
        ..Chart::default()
    };
    plot::lines(&chart, path)
}
