//! The ready architecture experiments (experiments/api-backend.toml, event-processing.toml,
//! order-workflow.toml, wordpress-cdn.toml): each file loads, and a shortened run of the points
//! its header talks about shows what the header claims.

use faasim::{Experiment, Report, Scenario};
use std::path::Path;

fn load(file: &str) -> Experiment {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("experiments")
        .join(file);
    Experiment::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs replication 0 of the point matching `point` (axis → value, as in a timeline's
/// `point`), with `extra` overrides (to shorten it) applied after the axes'.
fn run_point(exp: &Experiment, point: &str, extra: &[&str]) -> Report {
    let table: toml::Table = toml::from_str(point).unwrap();
    let p = exp
        .find_point(&table)
        .unwrap_or_else(|e| panic!("{}: {}", e.field, e.message));
    let mut o = exp.overrides(p);
    o.extend(extra.iter().map(|s| s.to_string()));
    let sc = Scenario::from_str_named(&exp.base_text, &exp.base_origin, &o)
        .unwrap_or_else(|e| panic!("{e}"));
    faasim::simulate_run(&sc, 0).unwrap_or_else(|e| panic!("{e}"))
}

fn function<'a>(r: &'a Report, name: &str) -> &'a faasim::core::report::FunctionReport {
    r.functions.iter().find(|f| f.name == name).unwrap()
}

/// WordPress: at 50% CDN hits the spike's pages in flight reach the database's 90 connections:
/// without a proxy requests fail for want of one (with per-request and persistent connections
/// alike), with the proxy none fail but many wait. Persistent connections add the cold-start
/// herd's failures at 70%, where per-request ones fail fewer. The CDN takes its share off the
/// origin: what reaches Lambda is exactly the misses. At 95% hits nothing comes near the cap.
#[test]
fn wordpress_spike_binds_the_connection_cap_only_without_a_proxy() {
    let exp = load("wordpress-cdn.toml");
    let short = ["run.horizon=\"18min\""];
    let at = |pooling: u32, hits: f64| {
        run_point(
            &exp,
            &format!("pooling = {pooling}\nhit_ratio = {hits:?}"),
            &short,
        )
    };
    let (per_request, persistent, proxy) = (at(0, 0.5), at(1, 0.5), at(2, 0.5));
    for direct in [&per_request, &persistent] {
        let d = &direct.databases[0];
        assert_eq!(d.name, "aurora");
        assert_eq!(d.cap, 90);
        assert_eq!(d.peak_connections, 90, "the cap binds without a proxy");
        assert!(d.connection_errors > direct.counts.arrivals / 100, "{d:?}");
        assert_eq!(direct.counts.connection_errors, d.connection_errors);
        assert_eq!(direct.counts.errors, d.connection_errors);
        assert_eq!(d.waited, 0);
    }
    let p = &proxy.databases[0];
    assert_eq!(p.connection_errors, 0, "{p:?}");
    assert_eq!(p.peak_connections, 90, "{p:?}");
    assert!(p.waited > proxy.counts.arrivals / 10, "{p:?}");
    assert_eq!(proxy.counts.errors, 0);
    assert!(proxy.latency.quantile_ms(0.99) > per_request.latency.quantile_ms(0.99));
    for r in [&per_request, &persistent, &proxy] {
        let c = r.cdn.unwrap();
        assert_eq!(r.counts.arrivals, c.misses, "only misses reach the origin");
        assert!((c.hit_ratio - 0.5).abs() < 0.01, "{c:?}");
        // Every request, hit or miss, is in the latency histogram.
        assert_eq!(r.latency.count(), c.hits + r.counts.completed);
    }
    // At 70% only the herd of new environments binds, and persistent connections fail more.
    let (per_request, persistent) = (at(0, 0.7), at(1, 0.7));
    let (q, e) = (&per_request.databases[0], &persistent.databases[0]);
    assert!(e.connection_errors > 0 && e.connection_errors > q.connection_errors);
    assert!(
        e.connection_errors < persistent.counts.arrivals / 1000,
        "{e:?}"
    );
    assert_eq!(at(2, 0.7).counts.errors, 0);
    // With 95% hits no setting comes near the cap.
    for pooling in 0..3 {
        let calm = at(pooling, 0.95);
        assert_eq!(calm.databases[0].connection_errors, 0);
        assert!(calm.databases[0].peak_connections < 45);
    }
}

/// API backend: at 25/s nothing binds; at 400/s ten per-route functions keep more environments
/// than the database has connections, so without a proxy requests fail, while one function
/// serving every route does not, and with the proxy neither does (holding only the requests in
/// flight). The cap is never exceeded, and API Gateway's REST charge is more than Lambda's own.
#[test]
fn api_backend_fails_without_a_proxy_once_environments_outnumber_connections() {
    let exp = load("api-backend.toml");
    let short = ["run.horizon=\"4min\""];
    let at = |pooling: u32, functions: u32, rate: &str| {
        run_point(
            &exp,
            &format!("pooling = {pooling}\nfunctions = {functions}\nrate = \"{rate}\""),
            &short,
        )
    };
    let low = at(0, 10, "25/s");
    assert_eq!(low.counts.errors, 0);
    assert_eq!(low.functions.len(), 10);
    let lith = at(0, 1, "400/s");
    let direct = at(0, 10, "400/s");
    let proxy = at(1, 10, "400/s");
    let (l, d, p) = (
        &lith.databases[0],
        &direct.databases[0],
        &proxy.databases[0],
    );
    assert!(proxy.instances.peak > 100, "{:?}", proxy.instances);
    assert!(d.connection_errors > direct.counts.arrivals / 200, "{d:?}");
    assert_eq!(direct.counts.errors, d.connection_errors);
    assert_eq!(l.connection_errors, 0, "{l:?}");
    assert_eq!(p.connection_errors, 0);
    assert!(
        p.mean_connections < 50.0 && d.mean_connections > 95.0,
        "{p:?} {d:?}"
    );
    assert!(l.peak_connections <= 100 && d.peak_connections <= 100 && p.peak_connections <= 100);
    for r in [&low, &lith, &direct, &proxy] {
        let k = &r.cost_usd;
        assert!(k.front_door > k.requests + k.compute, "{k:?}");
    }
}

/// Event processing: poison messages end in the dead-letter queue; without partial batch
/// responses their batch-mates go with them; every message is accounted for; and a mapping
/// held to 5 concurrent batches lets the import pile up where 50 keeps up.
#[test]
fn event_processing_dead_letters_poison_and_counts_add_up() {
    let exp = load("event-processing.toml");
    // The whole 32 minutes: a poison message is dead-lettered 18 minutes after its first
    // receive (three 6-minute visibility timeouts).
    let short: [&str; 0] = [];
    let whole = run_point(&exp, "batching = 10\nmax_concurrency = 50", &short);
    let partial = run_point(&exp, "batching = 11\nmax_concurrency = 50", &short);
    let slow = run_point(&exp, "batching = 1\nmax_concurrency = 5", &short);
    let fast = run_point(&exp, "batching = 1\nmax_concurrency = 50", &short);
    for r in [&whole, &partial, &slow, &fast] {
        let c = r.delivery.as_ref().unwrap().counts;
        assert_eq!(
            c.events,
            c.succeeded + c.dead_lettered + c.expired + c.pending_at_end,
            "{c:?}"
        );
        // Each upload sends exactly one message.
        assert_eq!(c.events, function(r, "upload").counts.completed, "{c:?}");
    }
    let (w, p) = (
        whole.delivery.as_ref().unwrap().counts,
        partial.delivery.as_ref().unwrap().counts,
    );
    assert!(p.dead_lettered >= 1, "{p:?}");
    assert!(w.dead_lettered > 2 * p.dead_lettered, "{w:?} {p:?}");
    let (s, f) = (slow.delivery.unwrap(), fast.delivery.unwrap());
    assert!(
        s.peak_backlog > 10 * f.peak_backlog,
        "{} {}",
        s.peak_backlog,
        f.peak_backlog
    );
    assert!(s.age_ms.p99 > 10.0 * f.age_ms.p99);
    assert!(s.counts.pending_at_end > 1000);
}

/// Order workflow: with a payment error rate p and two retries, a checkout fails with
/// probability p³ and then runs the compensating release once; charge is tried 1 + p + p²
/// times per checkout on average; the checkout pays for the waiting, so cost grows with p;
/// and the async confirmations add up.
#[test]
fn order_workflow_retries_compensate_and_compound() {
    let exp = load("order-workflow.toml");
    let short = ["run.horizon=\"6min\""];
    let clean = run_point(&exp, "payment_error_rate = 0.0", &short);
    let bad = run_point(&exp, "payment_error_rate = 0.4", &short);
    let p: f64 = 0.4;
    let checkout = function(&bad, "checkout").counts;
    let orders = checkout.completed as f64;
    let failed = checkout.errors as f64;
    let share = failed / orders;
    assert!((share - p.powi(3)).abs() < 0.015, "{share}");
    let releases = function(&bad, "release").counts.arrivals as f64;
    assert!((releases - failed).abs() <= 3.0, "{releases} {failed}");
    let tries = function(&bad, "charge").counts.arrivals as f64 / orders;
    assert!((tries - (1.0 + p + p * p)).abs() < 0.03, "{tries}");
    assert_eq!(function(&clean, "release").counts.arrivals, 0);
    assert_eq!(function(&clean, "checkout").counts.errors, 0);
    // The checkout waits for every try, so its latency and cost grow with p.
    let (c0, c1) = (function(&clean, "checkout"), function(&bad, "checkout"));
    assert!(c1.latency_ms.mean > c0.latency_ms.mean + 0.5 * 600.0 * (p + p * p));
    assert!(bad.cost_usd.total > 1.2 * clean.cost_usd.total);
    for r in [&clean, &bad] {
        let c = r.delivery.as_ref().unwrap().counts;
        assert_eq!(
            c.events,
            c.succeeded + c.dead_lettered + c.expired + c.pending_at_end,
            "{c:?}"
        );
        assert!(c.retries > 0, "the 2% e-mail errors are retried: {c:?}");
    }
}
