//! Regression tests for the hardening campaign (issue #19): each test is built from the
//! reproducer that found the defect, and says which item it covers.

use crate::util;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `text` on another thread and fails if it has not finished within `limit`. This is a
/// liveness check, not a speed check: the defects it guards took minutes to hours of CPU
/// (stepping to the end of the clock); a correct run takes milliseconds, so the limit sits a
/// thousand times above the work while far below the defect.
fn finishes_within(text: &'static str, limit: Duration) -> faasim::Report {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(util::run(text));
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("the run did not finish within {limit:?}"))
}

/// #19 "time unrelated to the work": an on-off process whose on-rate is tiny but not zero used
/// to step through on/off cycles up to the clock's limit (94 s of CPU for a 1-minute horizon).
/// The arrivals now stop at the horizon.
#[test]
fn on_off_with_a_tiny_rate_stops_at_the_horizon() {
    let r = finishes_within(
        r#"
        [run]
        horizon = "1min"
        [[function]]
        name = "f"
        duration = { kind = "constant", value = "10ms" }
        arrivals = { kind = "on-off", on_rate = "1e-300/s", mean_on = "1s", mean_off = "1s" }
        "#,
        Duration::from_secs(60),
    );
    assert_eq!(r.counts.arrivals, 0);
}

/// #19: an azure-like population scaled by 1e-6 took 36 s (diurnal and on-off processes of a
/// thousand functions stepping to the clock's limit) instead of milliseconds.
#[test]
fn a_scaled_down_population_stops_at_the_horizon() {
    finishes_within(
        r#"
        [run]
        horizon = "1h"
        [workload]
        kind = "azure-like"
        functions = 1000
        scale = 1e-6
        "#,
        Duration::from_secs(60),
    );
}

/// #19 "silently wrong": `parse_rate` glued a "1" in front of the period, so `"1/1s"` meant one
/// per 11 s and `"10/2min"` ten per 12 minutes. The same rate written three ways must give
/// the same run, to the byte.
#[test]
fn a_rate_per_period_is_that_period() {
    let with = |rate: &str| {
        let text = format!(
            r#"
            [run]
            horizon = "10min"
            [[function]]
            name = "f"
            duration = {{ kind = "constant", value = "10ms" }}
            arrivals = {{ kind = "poisson", rate = "{rate}" }}
            "#
        );
        serde_json::to_string(&util::run(&text)).unwrap()
    };
    let per_min = with("5/min");
    assert_eq!(with("10/2min"), per_min);
    assert_eq!(with("5/1min"), per_min);
    assert_eq!(with("0.5/6s"), per_min);
}
