//! Invocation modes and the architecture around a function: async retries, queue pollers,
//! calls and fan-outs, database connections, a CDN. Each test builds a case whose outcome can
//! be worked out by hand and states it.

use crate::util::{run, scenario};
use faasim::core::sim::{Happening, Simulation};
use faasim::core::time::{Instant, Span, NS_PER_SEC};
use faasim::Report;

/// Times in these tests: nanoseconds since the start of the run.
type Ns = u64;

const MS: Ns = 1_000_000;
const S: Ns = NS_PER_SEC;

/// Runs an inline scenario, handing every happening to `see` (with its time in nanoseconds).
fn observe(text: &str, mut see: impl FnMut(Ns, &Happening)) -> Report {
    let sc = scenario(text);
    let plan = faasim::compile(&sc).unwrap_or_else(|e| panic!("{e}"));
    let sim = Simulation::with_observer(&plan, 0, |now: Instant, h: &Happening| see(now.ns(), h));
    sim.run_observed().0
}

/// Times at which function `func` was invoked (every attempt reaching the platform).
fn invocations(text: &str, func: u32) -> (Report, Vec<Ns>) {
    let mut at = Vec::new();
    let r = observe(text, |now, h| {
        if let Happening::Arrival { func: f } = h {
            if f.get() == func {
                at.push(now);
            }
        }
    });
    (r, at)
}

/// Lambda's async retries: a failing event is retried 1 minute after the first failure and 2
/// minutes after the second ("Lambda retries the function two more times, waiting one minute
/// before the first retry and two minutes before the second", Lambda developer guide,
/// "Asynchronous invocation"). With a 1 ms run and no cold start the attempts come at
/// 0, 1 min + 1 ms and 3 min + 2 ms; then the event is dead-lettered.
#[test]
fn an_always_failing_async_event_is_tried_at_t_plus_1_and_plus_3_minutes_then_dead_lettered() {
    let (r, at) = invocations(
        r#"
        [run]
        horizon = "1h"
        [[function]]
        name = "f"
        invocation = "async"
        error_rate = 1.0
        duration = { kind = "constant", value = "1ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "periodic", period = "1d" }
        "#,
        0,
    );
    assert_eq!(at, vec![0, 60 * S + MS, 180 * S + 2 * MS]);
    let d = r.delivery.expect("an async run reports delivery");
    assert_eq!(d.counts.events, 1);
    assert_eq!(d.counts.retries, 2);
    assert_eq!(d.counts.dead_lettered, 1);
    assert_eq!(d.counts.succeeded, 0);
    assert_eq!(r.counts.errors, 3);
}

/// With `retries = 0` and a maximum event age shorter than the first retry's wait, nothing is
/// retried: the knobs are honoured, not just the defaults.
#[test]
fn async_retries_and_event_age_are_configurable() {
    let base = |inv: &str| {
        format!(
            r#"
        [run]
        horizon = "1h"
        [[function]]
        name = "f"
        invocation = {inv}
        error_rate = 1.0
        duration = {{ kind = "constant", value = "1ms" }}
        cold_start = {{ kind = "constant", value = "0s" }}
        arrivals = {{ kind = "periodic", period = "1d" }}
        "#
        )
    };
    let (_, at) = invocations(&base(r#"{ mode = "async", retries = 0 }"#), 0);
    assert_eq!(at, vec![0]);
    // 90 s of age allows the retry at 1 min but not the one at 3 min.
    let (r, at) = invocations(&base(r#"{ mode = "async", max_event_age = "90s" }"#), 0);
    assert_eq!(at, vec![0, 60 * S + MS]);
    assert_eq!(r.delivery.unwrap().counts.dead_lettered, 1);
}

/// Throttled async events are retried with backoff and none is lost: 300 events in the first
/// minute on a function limited to 1 concurrent 1-second run can only be served one per second,
/// so most are throttled at first; every one of them still succeeds within the hour (well under
/// the 6-hour event age), and the counts add up.
#[test]
fn throttled_async_events_are_retried_and_none_is_lost() {
    let r = run(r#"
        [run]
        horizon = "2h"
        [[function]]
        name = "f"
        invocation = "async"
        reserved_concurrency = 1
        duration = { kind = "constant", value = "1s" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "ramp", points = [["0s", "5/s"], ["60s", "5/s"], ["60s", "0/s"]] }
        "#);
    let d = r.delivery.unwrap();
    assert!(d.counts.events > 250, "{:?}", d.counts);
    assert!(
        d.counts.throttle_retries > d.counts.events,
        "{:?}",
        d.counts
    );
    assert_eq!(d.counts.succeeded, d.counts.events, "{:?}", d.counts);
    assert_eq!(d.counts.dead_lettered + d.counts.pending_at_end, 0);
    // Every attempt is a platform arrival: served or throttled.
    assert_eq!(r.counts.arrivals, r.counts.completed + r.counts.throttled);
    assert_eq!(r.counts.completed, d.counts.events);
    assert!(d.peak_backlog > 100, "{}", d.peak_backlog);
}

/// Number of batches running at `t` given start and end happenings.
fn running_at(starts: &[Ns], ends: &[Ns], t: Ns) -> usize {
    starts.iter().filter(|&&s| s <= t).count() - ends.iter().filter(|&&e| e <= t).count()
}

/// Queue pollers start at 5 and, while messages wait and all are busy, add
/// `pollers_per_minute` per minute (Lambda: "up to 300 more instances per minute", SQS event
/// source scaling), granted each second: 5 + 5 × 60 = 305 batches run at 60.5 s, 155 at
/// 30.5 s. With `max_concurrency = 200` they stop at 200.
#[test]
fn pollers_scale_at_the_configured_rate() {
    let text = |max: u32| {
        format!(
            r#"
        [run]
        horizon = "90s"
        [platform]
        account_concurrency = 5000
        [[function]]
        name = "worker"
        invocation = {{ mode = "queue", batch_size = 1, max_concurrency = {max}, visibility_timeout = "15min" }}
        duration = {{ kind = "constant", value = "80s" }}
        cold_start = {{ kind = "constant", value = "0s" }}
        arrivals = {{ kind = "poisson", rate = "100/s" }}
        "#
        )
    };
    for (max, at30, at60) in [(1000, 155, 305), (200, 155, 200)] {
        let (mut starts, mut ends) = (Vec::new(), Vec::new());
        observe(&text(max), |now, h| match h {
            Happening::WarmStart { .. }
            | Happening::ColdStart {
                init: Span::ZERO, ..
            } => starts.push(now),
            Happening::Completed { .. } => ends.push(now),
            _ => {}
        });
        assert_eq!(
            running_at(&starts, &ends, 30 * S + S / 2),
            at30,
            "max {max}"
        );
        assert_eq!(
            running_at(&starts, &ends, 60 * S + S / 2),
            at60,
            "max {max}"
        );
    }
}

/// A poison message fails every batch it is in; it reappears after the visibility timeout
/// (30 s after each receive) and, on its third receive with `max_receive_count = 3`, goes to
/// the dead-letter queue when it would reappear (90 s).
#[test]
fn a_poison_message_reaches_the_dead_letter_queue_after_max_receive_count() {
    let (r, at) = invocations(
        r#"
        [run]
        horizon = "10min"
        [[function]]
        name = "consumer"
        invocation = { mode = "queue", poison_rate = 1.0, max_receive_count = 3 }
        timeout = "10s"
        duration = { kind = "constant", value = "1ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "periodic", period = "1d" }
        "#,
        0,
    );
    assert_eq!(at, vec![0, 30 * S, 60 * S]);
    let d = r.delivery.unwrap();
    assert_eq!(d.counts.dead_lettered, 1);
    assert_eq!(d.counts.redeliveries, 2);
    assert_eq!(r.counts.errors, 3);
}

/// With partial batch responses only the poison messages come back; without, a poison message
/// takes the whole batch back with it. Ten messages at once, batch size 10, one in ten poison
/// on average: compare both settings on the same draws.
#[test]
fn partial_batch_responses_return_only_the_failed_messages() {
    let text = |partial: bool| {
        format!(
            r#"
        [run]
        horizon = "1h"
        seed = 3
        [[function]]
        name = "consumer"
        invocation = {{ mode = "queue", batch_size = 10, batch_window = "5s", poison_rate = 0.1, max_receive_count = 2, partial_batch_response = {partial} }}
        timeout = "10s"
        duration = {{ kind = "constant", value = "1ms" }}
        cold_start = {{ kind = "constant", value = "0s" }}
        arrivals = {{ kind = "poisson", rate = "2/s" }}
        "#
        )
    };
    let whole = run(&text(false)).delivery.unwrap().counts;
    let partial = run(&text(true)).delivery.unwrap().counts;
    assert_eq!(whole.events, partial.events);
    // Only poison messages are dead-lettered with partial responses; without, their
    // batch-mates go too.
    assert!(
        partial.dead_lettered < whole.dead_lettered,
        "{partial:?} {whole:?}"
    );
    let poison_share = partial.dead_lettered as f64 / partial.events as f64;
    assert!((0.07..0.13).contains(&poison_share), "{poison_share}");
    for c in [whole, partial] {
        assert_eq!(
            c.events,
            c.succeeded + c.dead_lettered + c.expired + c.pending_at_end
        );
    }
}

const CHAIN: &str = r#"
    [run]
    horizon = "1h"
    [billing]
    bill_init = false
    [keep_alive]
    kind = "fixed"
    ttl = "2h"
    [[function]]
    name = "a"
    duration = { kind = "constant", value = "100ms" }
    cold_start = { kind = "constant", value = "50ms" }
    arrivals = { kind = "periodic", period = "10min" }
    calls = [{ function = "b" }]
    [[function]]
    name = "b"
    duration = { kind = "constant", value = "200ms" }
    cold_start = { kind = "constant", value = "50ms" }
    arrivals = { kind = "none" }
    calls = [{ function = "c" }]
    [[function]]
    name = "c"
    duration = { kind = "constant", value = "300ms" }
    cold_start = { kind = "constant", value = "50ms" }
    arrivals = { kind = "none" }
    "#;

/// A chain a → b → c of 100, 200 and 300 ms: each waits for the next, so a's latency is the
/// sum, 600 ms, plus the three 50 ms cold starts on the first request (750 ms); b's is 500 ms.
/// a is billed for its whole latency, waiting included.
#[test]
fn chain_latency_is_the_sum_of_its_parts() {
    let mut lat: Vec<(u32, Ns)> = Vec::new();
    let r = observe(CHAIN, |_, h| {
        if let Happening::Completed { func, latency, .. } = h {
            lat.push((func.get(), latency.ns()));
        }
    });
    let of = |f: u32| {
        lat.iter()
            .filter(|l| l.0 == f)
            .map(|l| l.1)
            .collect::<Vec<_>>()
    };
    let a = of(0);
    assert_eq!(a.len(), 6);
    assert_eq!(a[0], 750 * MS);
    assert!(a[1..].iter().all(|&l| l == 600 * MS), "{a:?}");
    assert!(of(1)[1..].iter().all(|&l| l == 500 * MS));
    assert!(of(2)[1..].iter().all(|&l| l == 300 * MS));
    // Billed GB-s at 128 MB (init not billed): a 0.6 s (0.7 s the first time, its callees'
    // cold starts included), c 0.3 s; 1 ms rounding.
    let gb_s = |f: usize| r.functions[f].cost_usd.compute / 0.0000166667;
    let expect = |ms: f64| ms / 1000.0 * 0.125;
    assert!(
        (gb_s(0) - expect(700.0 + 5.0 * 600.0)).abs() < 1e-3,
        "{}",
        gb_s(0)
    );
    assert!((gb_s(2) - expect(6.0 * 300.0)).abs() < 1e-3, "{}", gb_s(2));
}

/// A timeout in the callee cascades: b is cut at its 1 s timeout, and a, whose call failed,
/// fails too. And a caller's own timeout runs while it waits: with a 3 s timeout and a callee
/// taking 10 s, a times out at 3 s while b runs on.
#[test]
fn a_timeout_in_the_callee_cascades_to_the_caller() {
    let text = |a_timeout: &str, b_timeout: &str| {
        format!(
            r#"
        [run]
        horizon = "1min"
        [[function]]
        name = "a"
        timeout = "{a_timeout}"
        duration = {{ kind = "constant", value = "10ms" }}
        cold_start = {{ kind = "constant", value = "0s" }}
        arrivals = {{ kind = "periodic", period = "1d" }}
        calls = [{{ function = "b" }}]
        [[function]]
        name = "b"
        timeout = "{b_timeout}"
        duration = {{ kind = "constant", value = "10s" }}
        cold_start = {{ kind = "constant", value = "0s" }}
        arrivals = {{ kind = "none" }}
        "#
        )
    };
    let mut done: Vec<(u32, Ns, bool)> = Vec::new();
    let r = observe(&text("30s", "1s"), |now, h| {
        if let Happening::Completed {
            func, timed_out, ..
        } = h
        {
            done.push((func.get(), now, *timed_out));
        }
    });
    assert_eq!(done, vec![(1, 10 * MS + S, true), (0, 10 * MS + S, false)]);
    assert_eq!(r.functions[0].counts.errors, 1);
    assert_eq!(r.functions[1].counts.timeouts, 1);

    done.clear();
    let r = observe(&text("3s", "15s"), |now, h| {
        if let Happening::Completed {
            func, timed_out, ..
        } = h
        {
            done.push((func.get(), now, *timed_out));
        }
    });
    assert_eq!(done, vec![(0, 3 * S, true), (1, 10 * MS + 10 * S, false)]);
    assert_eq!(r.functions[0].counts.timeouts, 1);
}

/// An order workflow: `charge` always fails; the order retries it twice, then calls the
/// compensating `refund`, then fails. So charge runs 3 times and refund once per order.
#[test]
fn a_failed_call_is_retried_then_compensated() {
    let (r, charge) = invocations(
        r#"
        [run]
        horizon = "1min"
        [[function]]
        name = "order"
        duration = { kind = "constant", value = "10ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "periodic", period = "1d" }
        calls = [{ function = "charge", retries = 2, on_error = "refund" }, { function = "ship" }]
        [[function]]
        name = "charge"
        error_rate = 1.0
        duration = { kind = "constant", value = "10ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "none" }
        [[function]]
        name = "refund"
        duration = { kind = "constant", value = "10ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "none" }
        [[function]]
        name = "ship"
        duration = { kind = "constant", value = "10ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "none" }
        "#,
        1,
    );
    assert_eq!(charge, vec![10 * MS, 20 * MS, 30 * MS]);
    let by = |n: &str| r.functions.iter().find(|f| f.name == n).unwrap().counts;
    assert_eq!(by("refund").arrivals, 1);
    assert_eq!(by("ship").arrivals, 0);
    assert_eq!(by("order").errors, 1);
    assert_eq!(by("charge").errors, 3);
}

/// A fan-out of 10 workers of 200 ms after a 100 ms trigger, then a 50 ms join: the workers
/// run in parallel, so each flow takes 100 + 200 + 50 = 350 ms (cold starts set to 0), the
/// join runs once per flow, and the workers ten times.
#[test]
fn a_fan_out_runs_its_workers_in_parallel_and_joins_once() {
    let r = run(r#"
        [run]
        horizon = "1h"
        [[function]]
        name = "split"
        duration = { kind = "constant", value = "100ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "periodic", period = "1min" }
        fan_out = { function = "work", count = 10, join = "merge" }
        [[function]]
        name = "work"
        duration = { kind = "constant", value = "200ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "none" }
        [[function]]
        name = "merge"
        duration = { kind = "constant", value = "50ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "none" }
        "#);
    let flows = r.flows.unwrap();
    assert_eq!(flows.started, 60);
    assert_eq!(flows.succeeded, 60);
    assert!(
        (flows.latency_ms.p50 - 350.0).abs() < 350.0 * 0.04,
        "{:?}",
        flows.latency_ms
    );
    // Percentiles come from the coarse histogram (32 buckets per power of two, about 3% wide);
    // the maximum is kept exactly.
    assert!(
        (flows.latency_ms.max - 350.0).abs() < 1e-6,
        "{:?}",
        flows.latency_ms
    );
    assert_eq!(r.functions[1].counts.arrivals, 600);
    assert_eq!(r.functions[2].counts.arrivals, 60);
}

const DB: &str = r#"
    [run]
    horizon = "10min"
    [[database]]
    name = "db"
    max_connections = 20
    when_exhausted = "WHEN"
    PROXY
    [[function]]
    name = "api"
    database = "db"
    duration = { kind = "constant", value = "200ms" }
    cold_start = { kind = "constant", value = "100ms" }
    timeout = "5s"
    arrivals = { kind = "ramp", points = [["0s", "10/s"], ["2min", "10/s"], ["2min", "200/s"], ["4min", "200/s"], ["4min", "10/s"]] }
    "#;

/// Connections counted from the open and close happenings, independently of the database's
/// own tally: the most open at once.
fn peak_connections(text: &str) -> (Report, i64) {
    let (mut open, mut peak) = (0i64, 0i64);
    let r = observe(text, |_, h| {
        if let Happening::Connection { open: o, .. } = h {
            open += if *o { 1 } else { -1 };
            peak = peak.max(open);
        }
    });
    (r, peak)
}

/// A spike from 10 to 200 requests/s of 200 ms needs about 40 environments; each holds its own
/// connection, so a 20-connection database runs out. The cap is never exceeded (counted from
/// the happenings); requests that find none fail (or wait, and are slower). Behind a proxy
/// pooling 20 connections per request, 40 busy requests × 200 ms at 200/s need ~40 at once
/// too, but the proxy holds none while environments idle.
#[test]
fn the_connection_cap_is_never_exceeded() {
    for (when, proxy) in [
        ("fail", ""),
        ("wait", ""),
        ("fail", "proxy = { max_connections = 20 }"),
    ] {
        let text = DB.replace("WHEN", when).replace("PROXY", proxy);
        let (r, peak) = peak_connections(&text);
        let db = &r.databases[0];
        assert!(peak <= 20, "{when} {proxy}: {peak}");
        assert_eq!(db.peak_connections as i64, peak, "{when} {proxy}");
        assert_eq!(
            db.peak_connections, 20,
            "{when} {proxy}: the spike must bind"
        );
        if when == "fail" {
            assert!(db.connection_errors > 0);
            assert_eq!(r.counts.connection_errors, db.connection_errors);
        } else {
            assert_eq!(db.connection_errors, 0);
            assert!(db.waited > 0);
        }
    }
}

/// A 100% hit ratio sends nothing to the origin; 0% sends everything. With a TTL of 10 s on a
/// single object requested every second, 9 requests in 10 are hits.
#[test]
fn a_full_cdn_hit_ratio_sends_nothing_to_the_origin() {
    let text = |cdn: &str| {
        format!(
            r#"
        [run]
        horizon = "10min"
        [[function]]
        name = "site"
        duration = {{ kind = "constant", value = "50ms" }}
        arrivals = {{ kind = "periodic", period = "1s" }}
        cdn = {cdn}
        "#
        )
    };
    let r = run(&text("{ hit_ratio = 1.0 }"));
    assert_eq!(r.counts.arrivals, 0);
    let c = r.cdn.unwrap();
    assert_eq!((c.hits, c.misses), (600, 0));
    // 600 requests at $0.0100 per 10,000.
    assert!((r.cost_usd.cdn - 600.0 * 0.01 / 1e4).abs() < 1e-12);
    assert!((r.latency_ms.max - 20.0).abs() < 0.1, "{:?}", r.latency_ms);
    let r = run(&text("{ hit_ratio = 0.0 }"));
    assert_eq!(r.counts.arrivals, 600);
    let r = run(&text(r#"{ ttl = "10s", objects = 1 }"#));
    assert_eq!(r.counts.arrivals, 60);
    assert_eq!(r.cdn.unwrap().hits, 540);
}

/// Bad composition input names the field and lists what is accepted.
#[test]
fn bad_composition_input_names_the_field() {
    let bad = |text: &str| {
        faasim::Scenario::from_str_named(text, "bad.toml", &[])
            .unwrap_err()
            .to_string()
    };
    let head = r#"
        [run]
        horizon = "1h"
        [[function]]
        name = "a"
        duration = { kind = "constant", value = "1ms" }
        arrivals = { kind = "periodic", period = "1s" }
        "#;
    let e = bad(&format!("{head}calls = [{{ function = \"nope\" }}]\n"));
    assert!(
        e.contains("bad.toml:8") && e.contains("function.0.calls.0.function"),
        "{e}"
    );
    assert!(e.contains("accepted: a"), "{e}");
    let e = bad(&format!("{head}calls = [{{ function = \"a\" }}]\n"));
    assert!(e.contains("loop"), "{e}");
    let e = bad(&format!("{head}invocation = \"eventual\"\n"));
    assert!(
        e.contains("bad.toml:8") && e.contains("`sync`, `async`, `queue`"),
        "{e}"
    );
    let e = bad(&format!(
        "{head}invocation = {{ mode = \"async\", retries = 3 }}\n"
    ));
    assert!(
        e.contains("invocation.retries") && e.contains("0, 1 or 2"),
        "{e}"
    );
    let e = bad(&format!(
        "{head}invocation = {{ mode = \"queue\", batchsize = 3 }}\n"
    ));
    assert!(e.contains("batchsize") && e.contains("batch_size"), "{e}");
    let e = bad(&format!("{head}database = \"db\"\n"));
    assert!(
        e.contains("function.0.database") && e.contains("none declared"),
        "{e}"
    );
    let e = bad(&format!(
        "{head}cdn = {{ hit_ratio = 0.5, ttl = \"1s\" }}\n"
    ));
    assert!(e.contains("function.0.cdn.hit_ratio"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Invariants on random architectures

mod random {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::Config;

    /// One generated architecture: an entry function in some mode, a callee, a compensator,
    /// maybe a database and a CDN.
    #[derive(Clone, Debug)]
    struct Arch {
        mode: String,
        rate: f64,
        error_rate: f64,
        calls: Option<(bool, u32, bool)>,
        fan_out: Option<(u32, bool)>,
        db: Option<(u32, bool, bool, Option<u32>)>,
        cdn: Option<f64>,
        account: u32,
        reserved: Option<u32>,
        duration_ms: f64,
        callee_ms: f64,
        callee_error: f64,
        timeout_s: f64,
        warmup: bool,
    }

    fn mode() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(r#""sync""#.to_string()),
            (0u32..=2, 60u32..=600).prop_map(|(r, age)| format!(
                r#"{{ mode = "async", retries = {r}, max_event_age = "{age}s", max_throttle_backoff = "20s" }}"#
            )),
            (
                1u32..=20,
                0u32..=3,
                proptest::option::of(1u32..=4),
                0.0..0.3f64,
                any::<bool>(),
                (1u32..=5, 60u32..=600, 5u32..=50),
            )
                .prop_map(|(b, w, mrc, poison, partial, (init, per_min, max))| {
                    let mrc = mrc.map_or(String::new(), |m| format!(", max_receive_count = {m}"));
                    format!(
                        r#"{{ mode = "queue", batch_size = {b}, batch_window = "{w}s", poison_rate = {poison:.3}, partial_batch_response = {partial}, initial_pollers = {init}, pollers_per_minute = {per_min}, max_concurrency = {max}, visibility_timeout = "30s", retention = "2min"{mrc} }}"#,
                        init = init.min(max)
                    )
                }),
        ]
    }

    fn arch() -> impl Strategy<Value = Arch> {
        (
            (mode(), 0.5..40.0f64, 0.0..0.5f64),
            proptest::option::of((any::<bool>(), 0u32..=2, any::<bool>())),
            proptest::option::of((1u32..=5, any::<bool>())),
            proptest::option::of((
                1u32..=20,
                any::<bool>(),
                any::<bool>(),
                proptest::option::of(1u32..=20),
            )),
            proptest::option::of(0.0..=1.0f64),
            (5u32..=200, proptest::option::of(1u32..=10)),
            (
                1.0..2000.0f64,
                1.0..2000.0f64,
                0.0..0.5f64,
                0.5..10.0f64,
                any::<bool>(),
            ),
        )
            .prop_map(
                |(
                    (mode, rate, error_rate),
                    calls,
                    fan_out,
                    db,
                    cdn,
                    (account, reserved),
                    (duration_ms, callee_ms, callee_error, timeout_s, warmup),
                )| Arch {
                    mode,
                    rate,
                    error_rate,
                    calls,
                    fan_out,
                    db,
                    cdn,
                    account,
                    reserved,
                    duration_ms,
                    callee_ms,
                    callee_error,
                    timeout_s,
                    warmup,
                },
            )
    }

    impl Arch {
        fn toml(&self) -> String {
            let mut t = format!(
                "[run]\nhorizon = \"5min\"\n{}[platform]\naccount_concurrency = {}\n",
                if self.warmup {
                    "warmup = \"1min\"\n"
                } else {
                    ""
                },
                self.account
            );
            let db = self.db.map(|(cap, wait, per_request, proxy)| {
                let proxy = proxy.map_or(String::new(), |p| {
                    format!("proxy = {{ max_connections = {} }}\n", p.min(cap))
                });
                t += &format!(
                    "[[database]]\nname = \"db\"\nmax_connections = {cap}\nwhen_exhausted = \"{}\"\nhold = \"{}\"\n{proxy}",
                    if wait { "wait" } else { "fail" },
                    if per_request { "request" } else { "environment" },
                );
            });
            let uses_db = if db.is_some() {
                "database = \"db\"\n"
            } else {
                ""
            };
            t += &format!(
                "[[function]]\nname = \"entry\"\ninvocation = {}\nerror_rate = {:.3}\nduration = {{ kind = \"exponential\", mean = \"{:.3}ms\" }}\ntimeout = \"{:.3}s\"\narrivals = {{ kind = \"poisson\", rate = \"{:.3}/s\" }}\n{uses_db}",
                self.mode, self.error_rate, self.duration_ms, self.timeout_s, self.rate
            );
            if let Some(r) = self.reserved {
                t += &format!("reserved_concurrency = {}\n", r.min(self.account));
            }
            if let Some((wait, retries, compensate)) = self.calls {
                let on_error = if compensate {
                    ", on_error = \"fix\""
                } else {
                    ""
                };
                t += &format!(
                    "calls = [{{ function = \"callee\", wait = {wait}, retries = {retries}{on_error} }}]\n"
                );
            }
            if let Some((count, join)) = self.fan_out {
                let join = if join { ", join = \"fix\"" } else { "" };
                t += &format!("fan_out = {{ function = \"callee\", count = {count}{join} }}\n");
            }
            if let Some(h) = self.cdn {
                t += &format!("cdn = {{ hit_ratio = {h:.3} }}\n");
            }
            t += &format!(
                "[[function]]\nname = \"callee\"\nerror_rate = {:.3}\nduration = {{ kind = \"exponential\", mean = \"{:.3}ms\" }}\ntimeout = \"5s\"\narrivals = {{ kind = \"none\" }}\n{uses_db}",
                self.callee_error, self.callee_ms
            );
            t += "[[function]]\nname = \"fix\"\nduration = { kind = \"constant\", value = \"5ms\" }\narrivals = { kind = \"none\" }\n";
            t
        }
    }

    proptest! {
        #![proptest_config(Config { cases: 48, failure_persistence: None, ..Config::default() })]

        /// Whatever the architecture: time never runs backwards; connections stay within the
        /// cap the database's own tally reports; every platform arrival is served or
        /// throttled, and every admitted one completes or is in flight; the per-function
        /// counts add up to the totals; and every event or message ends exactly once
        /// (succeeded, dead-lettered or expired) or is still pending, counted from the live
        /// state rather than as a difference.
        #[test]
        fn invariants_hold_on_random_architectures(a in arch()) {
            let text = a.toml();
            let (mut last, mut back) = (0, false);
            let (mut open, mut peak, mut below_zero) = (0i64, 0i64, false);
            let r = observe(&text, |now, h| {
                back |= now < last;
                last = now;
                if let Happening::Connection { open: o, .. } = h {
                    open += if *o { 1 } else { -1 };
                    below_zero |= open < 0;
                    peak = peak.max(open);
                }
            });
            prop_assert!(!back, "time ran backwards\n{}", text);
            prop_assert!(!below_zero, "a connection closed twice\n{}", text);
            if let Some(db) = r.databases.first() {
                prop_assert!(peak <= db.cap as i64, "{} open, cap {}\n{}", peak, db.cap, text);
                prop_assert!(db.peak_connections <= db.cap);
            }
            let mut sum = faasim::core::metrics::Counts::default();
            for f in r.functions.iter().map(|f| (&f.counts, f.in_flight_at_end)).chain([(&r.counts, r.in_flight_at_end)]) {
                let (c, in_flight) = f;
                prop_assert_eq!(c.arrivals, c.warm_starts + c.cold_starts + c.throttled, "{}", text);
                prop_assert_eq!(c.warm_starts + c.cold_starts, c.completed + in_flight, "{}", text);
                prop_assert!(c.errors + c.timeouts <= c.completed, "{:?}\n{}", c, text);
                prop_assert!(c.connection_errors <= c.errors);
            }
            for f in &r.functions {
                sum.arrivals += f.counts.arrivals;
                sum.completed += f.counts.completed;
                sum.errors += f.counts.errors;
                sum.throttled += f.counts.throttled;
            }
            prop_assert_eq!(
                (sum.arrivals, sum.completed, sum.errors, sum.throttled),
                (r.counts.arrivals, r.counts.completed, r.counts.errors, r.counts.throttled)
            );
            if let Some(d) = &r.delivery {
                let c = d.counts;
                prop_assert_eq!(
                    c.events,
                    c.succeeded + c.dead_lettered + c.expired + c.pending_at_end,
                    "{:?}\n{}", c, text
                );
            }
            if let Some(f) = &r.flows {
                prop_assert!(f.succeeded + f.failed <= f.started, "{:?}", f);
            }
        }
    }
}
