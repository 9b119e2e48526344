//! Keep-alive policies on hand-built histories, run end to end through the simulator.

use crate::util::{run, scenario};
use faasim::core::ids::{EnvId, FuncId};
use faasim::core::policy::{IdleDecision, Policy};
use faasim::core::sim::{Happening, Simulation};
use faasim::core::time::{Instant, Span};

/// Times in these tests: nanoseconds since the start of the run.
type Ns = u64;

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
    let mut prewarms: Vec<(Ns, Ns)> = Vec::new(); // (when, since the last idle)
    let mut last_idle = 0;
    let sim = Simulation::with_observer(
        &faasim::compile(&sc).unwrap(),
        0,
        |now: Instant, h: &Happening| {
            let now = now.ns();
            match h {
                Happening::Idle { .. } => last_idle = now,
                Happening::Prewarm { .. } => prewarms.push((now, now - last_idle)),
                _ => {}
            }
        },
    );
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

/// A function invoked every 6 h, each arrival shifted by up to ±5 min, running 1 s, for 20
/// days.
fn six_hourly(keep_alive: &str) -> String {
    format!(
        r#"
        [run]
        horizon = "20d"
        warmup = "4d"
        [keep_alive]
        {keep_alive}
        [[function]]
        name = "six-hourly"
        duration = {{ kind = "constant", value = "1s" }}
        cold_start = {{ kind = "constant", value = "200ms" }}
        arrivals = {{ kind = "periodic", period = "6h", jitter = "10min", phase = "1h" }}
        "#
    )
}

/// Idle times all beyond the 4-hour histogram: after `min_samples` of them the policy
/// forecasts the next one with ARIMA (≈ 6 h) and pre-warms at 0.85 × the forecast, keeping the
/// fresh environment to 1.15 × it. Every request after the warm-up is warm; without the
/// forecast (the fallback of 4 h) every one is cold.
#[test]
fn hybrid_forecasts_idle_times_beyond_the_range() {
    let sc = scenario(&six_hourly("kind = \"hybrid-histogram\""));
    let warmup = 4 * 24 * 3600 * 1_000_000_000u64;
    // (pre-warm delay after the last idle, expiry after the last idle) for gaps after warm-up.
    let mut windows: Vec<(f64, f64)> = Vec::new();
    let (mut last_idle, mut prewarm_after) = (0, 0);
    let sim = Simulation::with_observer(
        &faasim::compile(&sc).unwrap(),
        0,
        |now: Instant, h: &Happening| {
            let now = now.ns();
            match h {
                // A pre-warmed environment ready and idle: its expiry closes the window. (An
                // unloaded environment's idle expires at once, `now`: that one starts the gap.)
                Happening::Idle {
                    expires: Some(t), ..
                } if t.ns() > now && now > warmup && prewarm_after > 0 => {
                    windows.push((prewarm_after as f64, (t.ns() - last_idle) as f64))
                }
                Happening::Idle {
                    expires: Some(t), ..
                } if t.ns() > now => {}
                Happening::Idle { .. } => last_idle = now,
                Happening::Prewarm { .. } => prewarm_after = now - last_idle,
                _ => {}
            }
        },
    );
    let (r, _) = sim.run_observed();
    // 20 days at 4 a day, 16 inside the 4-day warm-up.
    assert_eq!(r.counts.arrivals, 64);
    assert_eq!(r.counts.cold_starts, 0, "{:?}", r.counts);
    assert!(windows.len() >= 60, "{} pre-warmed gaps", windows.len());
    // Each arrival is shifted by ±5 min, so a gap is 6 h ± 10 min (less the 1 s execution) and
    // the forecast lies in that spread: pre-warm at 0.85 × (6 h ± 10 min), expiry at
    // 1.15 × (6 h ± 10 min).
    let six_h = 6.0 * 3600e9;
    let spread = 10.0 * 60e9 / six_h;
    for &(pre, exp) in &windows {
        assert!((pre / six_h / 0.85 - 1.0).abs() <= spread, "pre-warm {pre}");
        assert!((exp / six_h / 1.15 - 1.0).abs() <= spread, "expiry {exp}");
        assert!((exp / pre - 1.15 / 0.85).abs() < 1e-6, "{pre} {exp}");
    }
    // Without the forecast the 4-hour fallback expires every environment before its next use.
    let off = run(&six_hourly("kind = \"hybrid-histogram\"\narima_window = 0"));
    assert_eq!(off.counts.cold_starts, 64);
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
        fn on_idle(&mut self, func: FuncId, _env: EnvId, now: Instant) -> IdleDecision {
            IdleDecision::ExpireAt(now + (func.get() as u64 + 1) * Span::from_secs(60))
        }
    }
    let sc = scenario(&hourly("kind = \"none\""));
    let r = faasim::simulate_with_policy(&sc, 0, ByIndex).unwrap();
    // One minute of keep-alive per hourly request: every request is cold, and each
    // environment idles exactly 60 s (128 MB = 0.125 GB).
    assert_eq!(r.counts.cold_starts, 48);
    assert!((r.idle_memory_gb_s - 47.0 * 60.0 * 0.125).abs() < 60.0 * 0.125 + 1e-6);
}

/// A one-host cluster: a skewed workload of 20 functions of 512 MB on 4 GB, so at most 8
/// environments fit. Checked against an independent count of live environments from the
/// observer: host memory is never exceeded, and the report's peak agrees.
fn crowded(keep_alive: &str, when_full: &str) -> String {
    format!(
        r#"
        [run]
        horizon = "1h"
        seed = 4
        [keep_alive]
        {keep_alive}
        [cluster]
        hosts = [{{ count = 1, memory_mb = 4096 }}]
        when_full = "{when_full}"
        [[function]]
        name = "f"
        copies = 20
        popularity = {{ kind = "zipf", s = 1.0 }}
        memory_mb = 512
        duration = {{ kind = "exponential", mean = "200ms" }}
        cold_start = {{ kind = "constant", value = "300ms" }}
        arrivals = {{ kind = "poisson", rate = "10/s" }}
        "#
    )
}

#[test]
fn cluster_memory_is_never_exceeded() {
    for ka in [
        "kind = \"greedy-dual\"",
        "kind = \"lru\"",
        "kind = \"fixed\"\nttl = \"10min\"",
        "kind = \"hybrid-histogram\"",
    ] {
        for full in ["throttle", "queue"] {
            let sc = scenario(&crowded(ka, full));
            let (mut live, mut peak) = (0i64, 0i64);
            let sim = Simulation::with_observer(
                &faasim::compile(&sc).unwrap(),
                0,
                |_: Instant, h: &Happening| {
                    match h {
                        Happening::ColdStart { init, .. } if !init.is_zero() => live += 1,
                        Happening::Prewarm { .. } => live += 1,
                        Happening::Evicted { .. } => live -= 1,
                        _ => {}
                    }
                    peak = peak.max(live);
                },
            );
            let (r, _) = sim.run_observed();
            assert!(
                peak <= 8,
                "{ka} / {full}: {peak} environments of 512 MB on 4 GB"
            );
            assert_eq!(r.hosts.len(), 1);
            assert_eq!(r.hosts[0].peak_used_mb, peak as u64 * 512, "{ka} / {full}");
            let c = &r.counts;
            assert_eq!(c.arrivals, c.warm_starts + c.cold_starts + c.throttled);
            assert_eq!(
                c.warm_starts + c.cold_starts,
                c.completed + r.in_flight_at_end
            );
            if full == "queue" {
                // Waiting, not refusing: nothing is throttled for memory, and someone waited.
                assert_eq!(c.throttled_memory, 0, "{ka}");
            }
        }
    }
    // Keep-everything policies under pressure evict rather than refuse: with a queue they
    // never throttle, with throttling they refuse only when all 8 slots are busy.
    let r = run(&crowded("kind = \"lru\"", "throttle"));
    assert!(r.counts.cold_starts > 0);
}

/// Greedy-Dual keeps the environments whose cold starts cost most per MB (FaasCache's point):
/// three equally popular functions on a 2 GB host — small with a slow cold start, large with a
/// fast one, and one in between. When one needs memory, the victim comes from the others;
/// Greedy-Dual evicts the cheap-to-restart large one, LRU whichever idled longest. So the
/// small-slow function sees far fewer cold starts and mean latency drops. (The gap, ~590 vs
/// ~860 cold starts, is many standard deviations of a count of that size.)
#[test]
fn greedy_dual_protects_costly_small_functions() {
    let text = |ka: &str| {
        let f = |name: &str, mb: u32, cold: &str| {
            format!(
                "[[function]]\nname = \"{name}\"\nmemory_mb = {mb}\n\
                 duration = {{ kind = \"exponential\", mean = \"200ms\" }}\n\
                 cold_start = {{ kind = \"constant\", value = \"{cold}\" }}\n\
                 arrivals = {{ kind = \"poisson\", rate = \"0.5/s\" }}\n"
            )
        };
        format!(
            "[run]\nhorizon = \"2h\"\nseed = 8\n[keep_alive]\nkind = \"{ka}\"\n\
             [cluster]\nhosts = [{{ memory_mb = 2048 }}]\n{}{}{}",
            f("small-slow", 256, "2s"),
            f("large-fast", 1024, "100ms"),
            f("medium", 512, "500ms")
        )
    };
    let gd = run(&text("greedy-dual"));
    let lru = run(&text("lru"));
    let cold = |r: &faasim::Report| r.functions[0].counts.cold_starts;
    assert!(
        (cold(&gd) as f64) < 0.8 * cold(&lru) as f64,
        "greedy-dual {} vs lru {}",
        cold(&gd),
        cold(&lru)
    );
    assert!(gd.latency_ms.mean < lru.latency_ms.mean);
    // Same arrivals under both (common random numbers).
    assert_eq!(gd.counts.arrivals, lru.counts.arrivals);
}

/// The oracle bound: for every fixed keep-alive, the oracle told to keep gaps up to that
/// keep-alive's length (threshold = ttl × memory) keeps exactly the gaps the fixed policy
/// turns into warm starts, but idles only through them. So at no more idle memory it has no
/// more cold starts: it is never beaten. One function with rare overlap, so one environment
/// is the rule and the bound is exact.
#[test]
fn the_oracle_is_never_beaten_at_equal_idle_memory() {
    let text = |ka: &str| {
        format!(
            r#"
            [run]
            horizon = "12h"
            seed = 21
            [keep_alive]
            {ka}
            [[function]]
            name = "f"
            memory_mb = 1024
            duration = {{ kind = "lognormal", median = "50ms", sigma = 0.5 }}
            cold_start = {{ kind = "constant", value = "300ms" }}
            arrivals = {{ kind = "renewal", interarrival = {{ kind = "lognormal", median = "2min", sigma = 1.5 }} }}
            "#
        )
    };
    for ttl_min in [1u64, 2, 5, 10, 30] {
        let fixed = run(&text(&format!("kind = \"fixed\"\nttl = \"{ttl_min}min\"")));
        // 1 GB × ttl seconds.
        let oracle = run(&text(&format!(
            "kind = \"oracle\"\nmax_gb_s = {}",
            ttl_min * 60
        )));
        assert_eq!(fixed.counts.arrivals, oracle.counts.arrivals);
        assert!(
            oracle.counts.cold_starts <= fixed.counts.cold_starts,
            "ttl {ttl_min} min: oracle {} vs fixed {} cold starts",
            oracle.counts.cold_starts,
            fixed.counts.cold_starts
        );
        assert!(
            oracle.idle_memory_gb_s <= fixed.idle_memory_gb_s,
            "ttl {ttl_min} min: oracle {} vs fixed {} GB-s",
            oracle.idle_memory_gb_s,
            fixed.idle_memory_gb_s
        );
        // And strictly less memory: the fixed policy also pays for the gaps it loses.
        assert!(oracle.idle_memory_gb_s < 0.95 * fixed.idle_memory_gb_s);
    }
}

/// The oracle judges each environment by its own next use, worked by hand. Requests of 10 s
/// (cold start 300 ms, 1 GB) arrive at 0, 1 and 2 s, so three environments A, B, C turn idle
/// at 10.3, 11.3 and 12.3 s; then one request at 100 s and two at 200 and 201 s. Under MRU
/// routing C (on top) serves 100 s and 200 s, B serves 201 s and A is never used again. So
/// A's next use is never, B's is 201 s (a gap of 189.7 s) and C's are 100 s and 200 s (gaps
/// of 87.7 and 90 s). The oracle that knew only the function's next arrival (100 s for all
/// three) kept all three: 3 cold starts at 558.1 GB-s.
#[test]
fn the_oracle_judges_each_environment_by_its_own_next_use() {
    let dir = crate::util::TempDir::new("oracle-hand");
    let log = dir.write(
        "log.csv",
        "timestamp,function\n0,f\n1,f\n2,f\n100,f\n200,f\n201,f\n",
    );
    let text = |gb_s: u32| {
        format!(
            r#"
            [run]
            horizon = "5min"
            [keep_alive]
            kind = "oracle"
            max_gb_s = {gb_s}
            [workload]
            kind = "csv"
            path = '{}'
            default_duration = {{ kind = "constant", value = "10s" }}
            default_memory_mb = 1024
            cold_start = {{ kind = "constant", value = "300ms" }}
            "#,
            log.display()
        )
    };
    // 150 GB-s keeps only C: the request at 201 s is cold (A, B, C, and a fourth).
    let r = run(&text(150));
    assert_eq!(
        (
            r.counts.arrivals,
            r.counts.cold_starts,
            r.counts.warm_starts
        ),
        (6, 4, 2)
    );
    assert!(
        (r.idle_memory_gb_s - (87.7 + 90.0)).abs() < 1e-9,
        "{}",
        r.idle_memory_gb_s
    );
    // 190 GB-s keeps B too, for its 189.7 s.
    let r = run(&text(190));
    assert_eq!(
        (
            r.counts.arrivals,
            r.counts.cold_starts,
            r.counts.warm_starts
        ),
        (6, 3, 3)
    );
    assert!((r.idle_memory_gb_s - (87.7 + 90.0 + 189.7)).abs() < 1e-9);
    // 80 GB-s keeps nothing: every request is cold.
    let r = run(&text(80));
    assert_eq!((r.counts.cold_starts, r.idle_memory_gb_s), (6, 0.0));
    // Under LRU routing the oldest idle environment goes first: A serves 100 s (a gap of
    // 89.7 s) and 200 s (90 s), B would wait 188.7 s for 200 s and C 188.7 s for 201 s.
    let lru = text(150).replace(
        "[keep_alive]",
        "[platform]\nrouting = \"lru\"\n[keep_alive]",
    );
    let r = run(&lru);
    assert_eq!((r.counts.cold_starts, r.counts.warm_starts), (4, 2));
    assert!(
        (r.idle_memory_gb_s - (89.7 + 90.0)).abs() < 1e-9,
        "{}",
        r.idle_memory_gb_s
    );
}

/// The oracle with many environments of one function: hour-long quiet spells with a request
/// a minute, broken by bursts (4/s of 5 s requests, up to ~36 environments at once).
///
/// Under MRU routing, an environment kept for a fixed `ttl` is reused exactly when its own
/// next use comes within `ttl`; one that is not is never taken before it expires, so evicting
/// it at once changes nothing else. Hence the oracle at `ttl × memory` serves the very same
/// requests warm as fixed `ttl` (same cold starts, same latencies to the last nanosecond:
/// same arrivals, same work per request), and holds memory only for the idle times that end in
/// a reuse. The oracle that judged environments by their function's next arrival (a minute
/// away for all of them) kept every burst environment through the quiet spells, and fixed
/// TTLs beat it (at 180 GB-s: 818 cold starts at 692,515 GB-s against fixed 10 min's 714 at
/// 645,856). Every other policy is beaten too: at no more idle memory than it holds, some
/// oracle run has no more cold starts.
#[test]
fn the_oracle_is_never_beaten_with_many_environments_per_function() {
    let text = |ka: &str| {
        format!(
            r#"
            [run]
            horizon = "2d"
            seed = 7
            [keep_alive]
            {ka}
            [[function]]
            name = "f"
            memory_mb = 1024
            duration = {{ kind = "lognormal", median = "5s", sigma = 0.5 }}
            cold_start = {{ kind = "constant", value = "300ms" }}
            arrivals = {{ kind = "on-off", on_rate = "4/s", off_rate = "1/min", mean_on = "1min", mean_off = "2h" }}
            "#
        )
    };
    let mut oracle = Vec::new();
    for ttl_min in [1u64, 2, 5, 10, 20, 60, 180] {
        let f = run(&text(&format!("kind = \"fixed\"\nttl = \"{ttl_min}min\"")));
        // 1 GB × ttl seconds.
        let o = run(&text(&format!(
            "kind = \"oracle\"\nmax_gb_s = {}",
            ttl_min * 60
        )));
        assert_eq!(o.counts.arrivals, f.counts.arrivals);
        assert_eq!(
            o.counts.cold_starts, f.counts.cold_starts,
            "ttl {ttl_min} min"
        );
        assert_eq!(o.latency_ms.mean, f.latency_ms.mean, "ttl {ttl_min} min");
        assert_eq!(o.latency_ms.max, f.latency_ms.max, "ttl {ttl_min} min");
        // Measured: 27-40% of fixed's idle memory.
        assert!(
            o.idle_memory_gb_s < 0.5 * f.idle_memory_gb_s,
            "ttl {ttl_min} min: oracle {} vs fixed {} GB-s",
            o.idle_memory_gb_s,
            f.idle_memory_gb_s
        );
        oracle.push(o);
    }
    // Gaps up to the whole run: only the environments above the first burst's peak are cold.
    oracle.push(run(&text("kind = \"oracle\"\nmax_gb_s = 172800")));
    for ka in [
        "kind = \"hybrid-histogram\"",
        "kind = \"hybrid-histogram\"\nrange = \"1h\"",
        "kind = \"lru\"",
        "kind = \"greedy-dual\"",
    ] {
        let p = run(&text(ka));
        let best = oracle
            .iter()
            .filter(|o| o.idle_memory_gb_s <= p.idle_memory_gb_s)
            .map(|o| o.counts.cold_starts)
            .min();
        assert!(
            best.is_some_and(|c| c <= p.counts.cold_starts),
            "{ka}: {} cold starts at {:.0} GB-s; the oracle's best at no more memory: {best:?}",
            p.counts.cold_starts,
            p.idle_memory_gb_s
        );
    }
}

/// What the oracle does not bound: pre-warming. It decides, gap by gap, whether to keep an
/// idle environment; a policy that unloads and loads again just before the next request holds
/// no idle memory through the gap. On the hourly function (128 MB) the hybrid policy
/// pre-warms every request after its warm-up and holds 6,456 GB-s, under half the 21,144
/// GB-s the oracle needs to keep all 47 gaps (450 GB-s each); at the hybrid's memory the
/// oracle can keep at most 14 of them, so it has at least 33 cold starts where the hybrid has
/// fewer than 15. docs/policies.md states this limit.
#[test]
fn pre_warming_is_outside_the_oracle_bound() {
    let hybrid = run(&hourly("kind = \"hybrid-histogram\""));
    // Keeping every hour-long gap takes a threshold of about 3,600 s × 128 MB.
    let oracle = run(&hourly("kind = \"oracle\"\nmax_gb_s = 460"));
    assert_eq!(oracle.counts.cold_starts, 1);
    assert!(
        hybrid.counts.cold_starts < 15,
        "{}",
        hybrid.counts.cold_starts
    );
    assert!(
        hybrid.idle_memory_gb_s < 0.5 * oracle.idle_memory_gb_s,
        "hybrid {} vs oracle {} GB-s",
        hybrid.idle_memory_gb_s,
        oracle.idle_memory_gb_s
    );
}

/// Keep-warm pings, as people schedule them: every 5 minutes against a 10-minute keep-alive,
/// the hourly function never goes cold (only the very first ping starts an environment), and
/// the pings are billed and counted apart from the user's requests, whose arrivals and
/// durations are unchanged (common random numbers).
#[test]
fn keep_warm_pings_keep_an_hourly_function_warm_at_a_price() {
    let plain = run(&hourly("kind = \"fixed\"\nttl = \"10min\""));
    let pinged = run(&hourly("kind = \"fixed\"\nttl = \"10min\"").replace(
        "arrivals = {",
        "ping = { every = \"5min\" }\n        arrivals = {",
    ));
    assert_eq!(plain.counts.cold_starts, 48);
    assert_eq!(pinged.counts.arrivals, 48);
    assert_eq!(pinged.counts.cold_starts, 0, "{:?}", pinged.counts);
    // One ping every 5 minutes over 2 days, starting at 0.
    assert_eq!(pinged.counts.pings, 2 * 24 * 12);
    assert_eq!(pinged.counts.ping_cold_starts, 1);
    // User latency is now the warm duration only; the pings cost requests and duration.
    assert!((pinged.latency_ms.mean - 1000.0).abs() < 1e-6);
    assert!(pinged.cost_usd.requests > plain.cost_usd.requests);
    assert!(pinged.idle_memory_gb_s > 5.0 * plain.idle_memory_gb_s);
}

/// A function with provisioned concurrency on a daily schedule and no requests of its own
/// except those given: 1 GB, 1 environment from 00:00, 3 from 08:00, 1 from 20:00.
fn scheduled(extra: &str, horizon: &str, warmup: &str) -> String {
    format!(
        r#"
        [run]
        horizon = "{horizon}"
        warmup = "{warmup}"
        [[function]]
        name = "office-hours"
        memory_mb = 1024
        duration = {{ kind = "constant", value = "10min" }}
        cold_start = {{ kind = "constant", value = "200ms" }}
        {extra}
        provisioned_concurrency = {{ schedule = [
            {{ from = "00:00", count = 1 }},
            {{ from = "08:00", count = 3 }},
            {{ from = "20:00", count = 1 }},
        ] }}
        "#
    )
}

/// Live provisioned environments over a run, as (time, count) after every change.
fn provisioned_timeline(text: &str) -> Vec<(Ns, i64)> {
    let sc = scenario(text);
    let mut live = 0i64;
    let mut provisioned = std::collections::HashSet::new();
    let mut out = Vec::new();
    let sim = Simulation::with_observer(
        &faasim::compile(&sc).unwrap(),
        0,
        |now: Instant, h: &Happening| match h {
            Happening::Provisioned { env, .. } => {
                provisioned.insert(*env);
                live += 1;
                out.push((now.ns(), live));
            }
            Happening::Evicted { env, .. } if provisioned.remove(env) => {
                live -= 1;
                out.push((now.ns(), live));
            }
            _ => {}
        },
    );
    let _ = sim.run_observed();
    out
}

#[test]
fn provisioned_environments_follow_the_schedule() {
    const H: Ns = 3_600_000_000_000;
    let none = "arrivals = { kind = \"poisson\", rate = \"0/s\" }";
    let t = provisioned_timeline(&scheduled(none, "2d", "0s"));
    let want: Vec<(Ns, i64)> = vec![
        (0, 1),
        (8 * H, 2),
        (8 * H, 3),
        (20 * H, 2),
        (20 * H, 1),
        (32 * H, 2),
        (32 * H, 3),
        (44 * H, 2),
        (44 * H, 1),
    ];
    assert_eq!(t, want);
    // With the evening count at 0, a request from 19:55 to 20:05 keeps its environment past
    // the 20:00 step: the two idle ones leave at 20:00, the busy one when it turns idle at
    // 20:05 (and the request itself was warm, on a provisioned environment).
    let busy = "arrivals = { kind = \"periodic\", period = \"1d\", phase = \"1195min\" }";
    let text = scheduled(busy, "1d", "0s").replace(
        "{ from = \"20:00\", count = 1 }",
        "{ from = \"20:00\", count = 0 }",
    );
    let t = provisioned_timeline(&text);
    let five_min = H / 12;
    assert_eq!(
        t,
        vec![
            (0, 1),
            (8 * H, 2),
            (8 * H, 3),
            (20 * H, 2),
            (20 * H, 1),
            (20 * H + five_min, 0)
        ]
    );
    assert_eq!(run(&text).counts.cold_starts, 0);
}

#[test]
fn provisioned_schedule_is_billed_by_its_integral() {
    // Measured from 06:00 to 24:00: 1 env × 2 h + 3 × 12 h + 1 × 4 h = 42 env-hours of 1 GB
    // = 151,200 GB-s at Lambda's $0.0000041667 per GB-s (x86, us-east-1) = $0.630005.
    let none = "arrivals = { kind = \"poisson\", rate = \"0/s\" }";
    let r = run(&scheduled(none, "1d", "6h"));
    let want = 42.0 * 3600.0 * 0.0000041667;
    assert!(
        (r.cost_usd.provisioned - want).abs() < 1e-9,
        "{} vs {want}",
        r.cost_usd.provisioned
    );
    // The plain number still means the whole run: 3 × 18 h = 54 env-hours.
    let constant = scheduled(none, "1d", "6h");
    let start = constant.find("provisioned_concurrency").unwrap();
    let constant = format!("{}provisioned_concurrency = 3\n", &constant[..start]);
    let r = run(&constant);
    let want = 54.0 * 3600.0 * 0.0000041667;
    assert!(
        (r.cost_usd.provisioned - want).abs() < 1e-9,
        "{}",
        r.cost_usd.provisioned
    );
}

#[test]
fn bad_provisioned_schedules_name_file_line_and_field() {
    let err = |schedule: &str| {
        let text = format!(
            "[run]\nhorizon = \"1h\"\n[[function]]\nname = \"f\"\nduration = {{ kind = \"constant\", value = \"1s\" }}\n\
             arrivals = {{ kind = \"poisson\", rate = \"1/s\" }}\nprovisioned_concurrency = {schedule}\n"
        );
        faasim::Scenario::from_str_named(&text, "bad.toml", &[])
            .unwrap_err()
            .to_string()
    };
    let e = err("{ schedule = [{ from = \"25:00\", count = 1 }] }");
    assert!(
        e.starts_with("bad.toml:7:") && e.contains("'25:00' is not a time of day"),
        "{e}"
    );
    let e = err("{ schedule = [{ from = \"08:00\", count = 1, size = 2 }] }");
    assert!(e.starts_with("bad.toml:7:") && e.contains("size"), "{e}");
    let e =
        err("{ schedule = [{ from = \"20:00\", count = 1 }, { from = \"08:00\", count = 2 }] }");
    assert!(
        e.starts_with("bad.toml:7:")
            && e.contains("provisioned_concurrency.schedule")
            && e.contains("increasing"),
        "{e}"
    );
    let e = err("{ schedule = [] }");
    assert!(e.contains("at least one step"), "{e}");
    let e = err("{ every = \"1d\" }");
    assert!(e.starts_with("bad.toml:7:") && e.contains("every"), "{e}");
    let e = err("-1");
    assert!(
        e.starts_with("bad.toml:7:") && e.contains("not a number of environments"),
        "{e}"
    );
}

/// Shahrad et al.'s Figure 15 in small: on an Azure-like population (300 functions, a day, the
/// first 6 hours unmeasured), the hybrid policy reaches a lower third-quartile application
/// cold-start percentage than fixed keep-alive while holding less idle memory: hybrid (4 h)
/// against fixed 60 min, and hybrid (2 h) against fixed 45 min. Three paired replications
/// (same population and arrivals per seed); the paired difference's 95% interval (Student t,
/// 2 degrees of freedom) must lie above zero, and the memory must be lower in every one.
#[test]
fn hybrid_beats_fixed_on_the_application_quartile_at_less_memory() {
    let text = |seed: u64, keep_alive: &str| {
        format!(
            r#"
            [run]
            horizon = "1d"
            warmup = "6h"
            seed = {seed}
            [keep_alive]
            {keep_alive}
            [workload]
            kind = "azure-like"
            functions = 300
            "#
        )
    };
    for (hybrid, fixed) in [("4h", "60min"), ("2h", "45min")] {
        let mut diffs = Vec::new();
        for seed in [5, 6, 7] {
            let h = run(&text(
                seed,
                &format!("kind = \"hybrid-histogram\"\nrange = \"{hybrid}\""),
            ));
            let f = run(&text(seed, &format!("kind = \"fixed\"\nttl = \"{fixed}\"")));
            assert_eq!(h.counts.arrivals, f.counts.arrivals, "paired runs");
            assert!(
                h.idle_memory_gb_s < f.idle_memory_gb_s,
                "seed {seed}: hybrid {hybrid} holds {} GB-s, fixed {fixed} {}",
                h.idle_memory_gb_s,
                f.idle_memory_gb_s
            );
            diffs.push(f.app_cold_start_pct.p75 - h.app_cold_start_pct.p75);
        }
        let (mean, half) = crate::util::ci(&diffs, 0.95);
        assert!(
            mean - half > 0.0,
            "hybrid {hybrid} vs fixed {fixed}: p75 difference {mean:.1} ± {half:.1} ({diffs:?})"
        );
    }
}

/// Keep-warm pings and provisioned concurrency are strategies a `[keep_alive]` axis can sweep
/// against the others. A function invoked every 45 minutes for a day: a fixed 10-minute
/// keep-alive misses all 32 requests; pinging every 5 minutes (288 pings) leaves only the first
/// request cold (it meets the first ping's cold start); one provisioned environment leaves none
/// and costs 0.125 GB × 86,400 s × $0.0000041667 per GB-s = $0.0450 kept ready, plus the 32
/// runs of 0.1 s at the provisioned duration price, 0.125 GB × 3.2 s × $0.0000097222 (Lambda's
/// provisioned prices, x86, models/aws-lambda.toml).
#[test]
fn pings_and_provisioned_concurrency_are_keep_alive_kinds() {
    let text = |keep_alive: &str| {
        format!(
            r#"
            [run]
            horizon = "1d"
            [keep_alive]
            {keep_alive}
            [[function]]
            name = "rare"
            duration = {{ kind = "constant", value = "100ms" }}
            arrivals = {{ kind = "periodic", period = "45min" }}
            "#
        )
    };
    let fixed = run(&text("kind = \"fixed\"\nttl = \"10min\""));
    assert_eq!((fixed.counts.arrivals, fixed.counts.cold_starts), (32, 32));
    let ping = run(&text("kind = \"keep-warm-ping\"\nevery = \"5min\""));
    assert_eq!(ping.counts.cold_starts, 1);
    assert_eq!(ping.counts.pings, 288);
    let prov = run(&text("kind = \"provisioned\"\ncount = 1"));
    assert_eq!(prov.counts.cold_starts, 0);
    let expect = 0.125 * 86_400.0 * 0.0000041667 + 0.125 * 3.2 * 0.0000097222;
    assert!(
        (prov.cost_usd.provisioned - expect).abs() < 1e-9,
        "{} vs {expect}",
        prov.cost_usd.provisioned
    );
    // A function's own setting wins over the strategy's.
    let own = run(&text("kind = \"provisioned\"\ncount = 1").replace(
        "name = \"rare\"",
        "name = \"rare\"\nprovisioned_concurrency = 0",
    ));
    assert_eq!(own.counts.cold_starts, 32);
    let e = faasim::Scenario::from_str_named(&text("kind = \"provisioned\""), "k.toml", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("keep_alive.count") && e.contains("schedule"),
        "{e}"
    );
}
