//! Validation against closed forms and published figures.
//!
//! Each test states its reference value and where it comes from. Tolerances come from the run's
//! own confidence interval (batch means over time buckets, Student t), except where the
//! reference itself is only known to a stated precision (SimFaaS's published figures).

use crate::util::{ci, run};
use faasim::core::billing::{self, FunctionUsage};
use faasim::core::metrics::Bucket;
use faasim::lab::stats::t975;

fn series(r: &faasim::Report) -> &[Bucket] {
    r.timeseries
        .as_deref()
        .expect("scenario asks for a time series")
}

/// Erlang's loss formula B(c, a) by the stable recurrence B(0) = 1, B(k) = a·B(k−1)/(k + a·B(k−1)).
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

#[test]
fn erlang_b_recurrence_matches_tabulated_values() {
    // Standard Erlang-B tables: B(10, 10) = 0.2146, B(1, 1) = 0.5, B(5, 2) = 0.0367.
    assert!((erlang_b(10, 10.0) - 0.2146).abs() < 5e-5);
    assert_eq!(erlang_b(1, 1.0), 0.5);
    assert!((erlang_b(5, 2.0) - 0.0367).abs() < 5e-5);
    assert!((t975(20).unwrap() - 2.086).abs() < 1e-3);
}

/// M/G/∞: with no concurrency limit, no cold-start delay and environments that never expire,
/// busy environments are the requests in service of an M/G/∞ queue, whose mean is λ·E[S]
/// for any service distribution (Little's law; e.g. Kleinrock, Queueing Systems vol. 1).
/// λ = 5/s, lognormal service with mean 2 s and cv 1.5 ⇒ 10.
#[test]
fn mg_infinity_mean_busy_is_lambda_times_mean_service() {
    let r = run(r#"
        [run]
        horizon = "40000s"
        warmup = "1000s"
        seed = 11
        [platform]
        account_concurrency = 1000000
        scaling = { scope = "function", burst = 1000000, refill = 1000000, interval = "1s" }
        [keep_alive]
        kind = "fixed"
        ttl = "1e9s"
        [metrics]
        timeseries = "1000s"
        [[function]]
        name = "g"
        duration = { kind = "lognormal", mean = "2s", cv = 1.5 }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "poisson", rate = "5/s" }
    "#);
    let busy: Vec<f64> = series(&r).iter().map(|b| b.busy + b.initializing).collect();
    let (mean, half) = ci(&busy, 0.99);
    let reference = 5.0 * 2.0;
    assert!(
        (mean - reference).abs() <= half,
        "mean busy {mean:.4} ± {half:.4} (99% CI over {} batches) vs λE[S] = {reference}",
        busy.len()
    );
    // The interval must be tight enough for the comparison to mean something.
    assert!(half < 0.05 * reference, "half-width {half}");
    assert_eq!(r.counts.throttled, 0);
    // The whole-run figure agrees with the batch mean.
    assert!((r.instances.mean_busy + r.instances.mean_initializing - mean).abs() < 1e-6);
}

/// Erlang-B: account concurrency c = 10, λ = 5/s, exponential service with mean 2 s (offered
/// load a = 10 Erlang), no cold-start delay, environments never expire: the throttle
/// probability is the blocking probability B(10, 10) ≈ 0.2146 (computed above).
#[test]
fn erlang_b_throttle_probability() {
    let r = run(r#"
        [run]
        horizon = "60000s"
        warmup = "1000s"
        seed = 5
        [platform]
        account_concurrency = 10
        [keep_alive]
        kind = "fixed"
        ttl = "1e9s"
        [metrics]
        timeseries = "2000s"
        [[function]]
        name = "e"
        duration = { kind = "exponential", mean = "2s" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "poisson", rate = "5/s" }
    "#);
    let reference = erlang_b(10, 10.0);
    let p: Vec<f64> = series(&r)
        .iter()
        .map(|b| b.throttled as f64 / b.arrivals as f64)
        .collect();
    let (mean, half) = ci(&p, 0.99);
    assert!(
        (mean - reference).abs() <= half,
        "throttle probability {mean:.5} ± {half:.5} (99% CI) vs Erlang-B {reference:.5}"
    );
    assert!(half < 0.01, "half-width {half}");
    assert!((r.throttle_probability - mean).abs() < 3e-3);
    assert_eq!(r.counts.throttled, r.counts.throttled_concurrency);
    // Never more environments than the concurrency cap.
    assert!(r.instances.peak <= 10);
}

/// Keep-alive "none": every admitted request finds no environment and is a cold start, and
/// the environments alive are the requests in service (cold start + execution): an M/G/∞ with
/// service 0.25 s + 1 s, so mean environments λ·1.25 = 2.5 at λ = 2/s.
#[test]
fn keep_alive_none_makes_every_request_cold() {
    let r = run(r#"
        [run]
        horizon = "20000s"
        seed = 3
        [keep_alive]
        kind = "none"
        [metrics]
        timeseries = "1000s"
        [[function]]
        name = "c"
        duration = { kind = "constant", value = "1s" }
        cold_start = { kind = "constant", value = "250ms" }
        arrivals = { kind = "poisson", rate = "2/s" }
    "#);
    let c = &r.counts;
    assert!(c.arrivals > 30_000);
    assert_eq!(c.warm_starts, 0);
    assert_eq!(c.cold_starts, c.arrivals - c.throttled);
    assert_eq!(r.cold_start_probability, 1.0);
    assert_eq!(r.instances.mean_idle, 0.0);
    // Every latency is exactly cold start + execution.
    assert!((r.latency_ms.mean - 1250.0).abs() < 1e-6);
    let envs: Vec<f64> = series(&r)
        .iter()
        .map(|b| b.busy + b.idle + b.initializing)
        .collect();
    let (mean, half) = ci(&envs, 0.99);
    assert!((mean - 2.5).abs() <= half, "{mean} ± {half} vs 2.5");
}

/// SimFaaS's worked example (Mahmoudi & Khazaei, "SimFaaS: A Performance Simulator for
/// Serverless Computing Platforms", CLOSER 2021, and its documentation's example run): Poisson
/// arrivals 0.9/s, exponential warm service mean 1.991 s, cold service adding an exponential
/// 0.253 s, expiration threshold 600 s, newest-first routing. Published: cold-start probability
/// ≈ 0.00135 and average instance count ≈ 7.70. The tolerances (10% and 3%) are those of the
/// published figures' own precision across SimFaaS runs; the test also checks that this run's
/// own 95% interval is narrower than them, so the comparison can fail.
#[test]
fn simfaas_published_example() {
    let r = run(include_str!("../experiments/scenarios/simfaas.toml")
        .replace("[run]", "[metrics]\ntimeseries = \"50000s\"\n[run]")
        .as_str());
    let p = r.cold_start_probability;
    let n = r.instances.mean_total;
    assert!(
        (p - 0.00135).abs() <= 0.1 * 0.00135,
        "cold-start probability {p}"
    );
    assert!((n - 7.70).abs() <= 0.03 * 7.70, "mean instances {n}");
    let b = series(&r);
    let probs: Vec<f64> = b
        .iter()
        .map(|b| b.cold_starts as f64 / b.arrivals as f64)
        .collect();
    let envs: Vec<f64> = b.iter().map(|b| b.busy + b.idle + b.initializing).collect();
    let (_, hp) = ci(&probs, 0.95);
    let (_, hn) = ci(&envs, 0.95);
    assert!(hp < 0.1 * 0.00135, "cold-start CI half-width {hp}");
    assert!(hn < 0.03 * 7.70, "instances CI half-width {hn}");
}

/// A published billing example (the figures of the AWS Lambda pricing page's classic example,
/// as restated in the issue): 60 million invocations a month, 28 ms each, 1,024 MB on x86:
/// 1.68 million GB-s × $0.0000166667 = $28.00 compute, 60 × $0.20 = $12.00 requests with 1 ms
/// rounding; with the pre-2020 100 ms rounding, 6 million GB-s = $100.00.
#[test]
fn billing_worked_example_60m_invocations() {
    let model = faasim::input::model::load("aws-lambda").unwrap();
    let mut pricing = model.pricing.clone();
    let month = billing::MONTH_NS;
    let usage = |p: &faasim::input::model::Pricing| FunctionUsage {
        memory_mb: 1024,
        requests: 60_000_000,
        billed_ns: billing::billed_ns(p, 28_000_000) as u128 * 60_000_000,
        ..FunctionUsage::default()
    };
    let (cost, _) = billing::bill(&pricing, &[usage(&pricing)], month);
    assert!((cost.compute - 28.00).abs() < 0.005, "{cost:?}");
    assert!((cost.requests - 12.00).abs() < 0.005, "{cost:?}");
    pricing.duration_rounding = "100ms".parse().unwrap();
    let (cost, _) = billing::bill(&pricing, &[usage(&pricing)], month);
    assert!((cost.compute - 100.00).abs() < 0.005, "{cost:?}");
}

/// The same example end to end through the simulator, scaled down 100× (600,000 invocations
/// over the 730-hour month, so tiers do not matter): $0.28 compute and $0.12 requests, $1.00
/// compute with 100 ms rounding. Init is not billed and costs nothing here (0 s cold start).
#[test]
fn billing_through_a_run() {
    let text = r#"
        [run]
        horizon = "730h"
        [billing]
        bill_init = false
        [[function]]
        name = "b"
        memory_mb = 1024
        duration = { kind = "constant", value = "28ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "periodic", period = "4380ms" }
    "#;
    let r = run(text);
    assert_eq!(r.counts.completed, 600_000);
    assert!((r.cost_usd.compute - 0.28).abs() < 1e-4, "{:?}", r.cost_usd);
    assert!(
        (r.cost_usd.requests - 0.12).abs() < 1e-9,
        "{:?}",
        r.cost_usd
    );
    let r = run(&text.replace(
        "bill_init = false",
        "bill_init = false\nrounding = \"100ms\"",
    ));
    assert!((r.cost_usd.compute - 1.00).abs() < 1e-4, "{:?}", r.cost_usd);
    assert!((r.cost_usd.total - 1.12).abs() < 1e-4);
}
