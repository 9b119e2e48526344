//! One scenario on several platform models: the figures a planner compares (p99 latency,
//! cold-start share, monthly cost, and the always-on alternative), and their CSV. The views
//! show them as a table and a chart.
//!
//! Each model runs the scenario as written, with `[platform] model` replaced; a function that
//! leaves `concurrency_per_instance` out gets each model's default (the compiler applies it,
//! [`crate::input::compile()`]). A model on which the scenario
//! cannot run (memory beyond its limit, say) gets a row that says why, and the others still run.

use crate::core::billing::MONTH_NS;
use crate::input::csv_writer::CsvWriter;
use crate::{InputError, Scenario};

/// One model's figures for the scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Model name as given.
    pub model: String,
    /// The figures, or why the scenario cannot run on this model (its `message` says it
    /// in the table and the CSV).
    pub outcome: Result<Figures, InputError>,
}

/// What a planner compares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figures {
    /// 99th-percentile latency, ms.
    pub p99_ms: f64,
    /// Cold starts ÷ arrivals, percent.
    pub cold_start_pct: f64,
    /// Throttled ÷ arrivals, percent.
    pub throttled_pct: f64,
    /// The run's serverless cost scaled to a 730-hour month, USD.
    pub monthly_usd: f64,
    /// An EC2 fleet sized for the run's peak, per month, USD.
    pub vm_monthly_usd: f64,
    /// Fargate with the same vCPUs and memory, per month, USD.
    pub fargate_monthly_usd: f64,
}

/// Runs `scenario` on each of `models` (built-in names or model file paths). A model that does
/// not exist is an input error; a scenario that does not fit a model is that model's row.
pub fn compare(scenario: &Scenario, models: &[String]) -> Result<Vec<Row>, InputError> {
    let mut rows = Vec::new();
    for name in models {
        crate::input::model::load(name).map_err(|e| match e.line {
            Some(_) => e,
            None => InputError::new("--models", format!("{name}: {}", e.message)),
        })?;
        let mut sc = scenario.clone();
        sc.platform.model = name.clone();
        let outcome = crate::simulate(&sc).map(|r| {
            let span = (r.horizon_s - r.warmup_s).max(f64::MIN_POSITIVE);
            let month = MONTH_NS as f64 / 1e9;
            let always = r.cost_usd.always_on.unwrap_or_default();
            Figures {
                p99_ms: r.latency_ms.p99,
                cold_start_pct: 100.0 * r.cold_start_probability,
                throttled_pct: 100.0 * r.throttle_probability,
                monthly_usd: r.cost_usd.total * month / span,
                vm_monthly_usd: always.vm_monthly_usd,
                fargate_monthly_usd: always.fargate_monthly_usd,
            }
        });
        rows.push(Row {
            model: name.clone(),
            outcome,
        });
    }
    Ok(rows)
}

/// The rows as CSV (one header line; empty figures and an `error` column for a model the
/// scenario cannot run on).
pub fn csv(rows: &[Row]) -> String {
    let mut csv = CsvWriter::new();
    csv.row([
        "model",
        "p99_ms",
        "cold_start_pct",
        "throttled_pct",
        "monthly_usd",
        "always_on_vm_monthly_usd",
        "always_on_fargate_monthly_usd",
        "error",
    ]);
    for r in rows {
        match &r.outcome {
            Ok(f) => csv.row([
                r.model.clone(),
                f.p99_ms.to_string(),
                f.cold_start_pct.to_string(),
                f.throttled_pct.to_string(),
                f.monthly_usd.to_string(),
                f.vm_monthly_usd.to_string(),
                f.fargate_monthly_usd.to_string(),
                String::new(),
            ]),
            Err(e) => {
                let empty = std::iter::repeat_n(String::new(), 6);
                let row = std::iter::once(r.model.clone()).chain(empty);
                csv.row(row.chain(std::iter::once(e.message.clone())));
            }
        }
    }
    csv.finish()
}
