//! Keep-alive policies on hand-built histories, run end to end through the simulator.

use crate::util::{run, scenario};
use faasim::platform::sim::{Happening, Simulation};
use faasim::policy::{IdleDecision, Policy};
use faasim::time::SimTime;

const MIN: f64 = 60.0;

/// One function invoked exactly every 60 minutes for two days, running 1 s.
fn hourly(keep_alive: &str) -> String {
    format!(
        r#"
        [run]
        horizon = "2d"
        [keep_alive]
        {keep_alive}
        [[function]]
        name = "hourly"
        duration = {{ kind = "constant", value = "1s" }}
        cold_start = {{ kind = "constant", value = "200ms" }}
        arrivals = {{ kind = "periodic", period = "60min", phase = "30s" }}
        "#
    )
}

/// Shahrad et al.'s example: an application invoked every hour. Its idle times (59 min 59 s)
/// all fall in the [59, 60) minute bin, so after the first `min_samples` idle times the policy
/// unloads after each execution, pre-warms at 0.9 × 59 min and keeps the fresh environment
/// until 1.1 × 60 min: every later request is warm, while a fixed 10-minute keep-alive misses
/// every one of them.
#[test]
fn hybrid_prewarms_an_hourly_function() {
    let sc = scenario(&hourly("kind = \"hybrid-histogram\""));
    let model = faasim::platform::model::load("aws-lambda").unwrap();
    let mut prewarms: Vec<(SimTime, SimTime)> = Vec::new(); // (when, since the last idle)
    let mut last_idle = 0;
    let sim = Simulation::with_observer(&sc, &model, 0, |now: SimTime, h: &Happening| match h {
        Happening::Idle { .. } => last_idle = now,
        Happening::Prewarm { .. } => prewarms.push((now, now - last_idle)),
        _ => {}
    })
    .unwrap();
    let (r, _) = sim.run_observed();
    assert_eq!(r.counts.arrivals, 48);
    // Only the very first request is cold: the fallback (4 h) covers the learning phase.
    assert_eq!(r.counts.cold_starts, 1, "{:?}", r.counts);
    // From the 11th idle time on (min_samples = 10), every gap is pre-warmed, 0.9 × 59 min
    // after the execution ended.
    assert!(prewarms.len() >= 48 - 12, "{} pre-warms", prewarms.len());
    for &(_, after) in &prewarms {
        let minutes = after as f64 / 1e9 / MIN;
        assert!(
            (minutes - 0.9 * 59.0).abs() < 1e-6,
            "pre-warm {minutes} min after idle"
        );
    }
    // The environment lives ~6.9 of every 60 minutes instead of all of them under the
    // 4-hour fallback: idle memory is far below a run that never learns.
    let fixed_4h = run(&hourly("kind = \"fixed\"\nttl = \"4h\""));
    assert_eq!(fixed_4h.counts.cold_starts, 1);
    assert!(
        r.idle_memory_gb_s < 0.35 * fixed_4h.idle_memory_gb_s,
        "{} vs {}",
        r.idle_memory_gb_s,
        fixed_4h.idle_memory_gb_s
    );
    let fixed_10 = run(&hourly("kind = \"fixed\"\nttl = \"10min\""));
    assert_eq!(fixed_10.counts.cold_starts, 48);
}

/// The policy sees the same arrivals whatever it decides (common random numbers): Poisson
/// arrivals under three policies give identical arrival counts per function.
#[test]
fn policies_see_identical_arrival_streams() {
    let base = |k: &str| {
        format!(
            r#"
            [run]
            horizon = "2h"
            seed = 9
            [keep_alive]
            {k}
            [[function]]
            name = "f"
            copies = 5
            popularity = {{ kind = "zipf", s = 1.0 }}
            duration = {{ kind = "exponential", mean = "300ms" }}
            arrivals = {{ kind = "poisson", rate = "2/s" }}
            "#
        )
    };
    let counts = |k: &str| -> Vec<u64> {
        run(&base(k))
            .functions
            .iter()
            .map(|f| f.counts.arrivals)
            .collect()
    };
    let fixed = counts("kind = \"fixed\"\nttl = \"1min\"");
    assert_eq!(fixed, counts("kind = \"hybrid-histogram\""));
    assert_eq!(fixed, counts("kind = \"none\""));
    assert_eq!(fixed, counts("kind = \"greedy-dual\""));
}

/// A researcher's policy, implemented against the public API only, runs without a fork.
#[test]
fn a_custom_policy_plugs_in() {
    /// Keeps an environment for a number of minutes equal to its function's index + 1.
    struct ByIndex;
    impl Policy for ByIndex {
        fn on_idle(&mut self, func: u32, _env: u32, now: SimTime) -> IdleDecision {
            IdleDecision::ExpireAt(now + (func as u64 + 1) * 60_000_000_000)
        }
    }
    let sc = scenario(&hourly("kind = \"none\""));
    let r = faasim::simulate_with_policy(&sc, 0, ByIndex).unwrap();
    // One minute of keep-alive per hourly request: every request is cold, and each
    // environment idles exactly 60 s (128 MB = 0.125 GB).
    assert_eq!(r.counts.cold_starts, 48);
    assert!((r.idle_memory_gb_s - 47.0 * 60.0 * 0.125).abs() < 60.0 * 0.125 + 1e-6);
}
