//! Invariants that hold for every scenario, checked on random small scenarios with proptest.
//!
//! Scenarios are built as TOML text from generated parameters, so every case also goes through
//! the parser and validator a user's file goes through. An observer watches every happening of a
//! run and checks the simulation's bookkeeping against its own, independent account.

use crate::util;
use faasim::core::ids::{EnvId, FuncId, ReqId};
use faasim::core::metrics::Counts;
use faasim::core::sim::{Happening, Simulation, ThrottleReason};
use faasim::core::time::{Instant, Span};

/// Times the observer keeps: nanoseconds since the start of the run.
type Ns = u64;
use faasim::input::arrivals::ArrivalSpec;
use faasim::{Report, Scenario};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Modest case counts, and no regression files written next to the sources.
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Generated scenarios

/// Log-uniform between `lo` and `hi`: small and large values are equally likely.
fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (0.0..=1.0f64).prop_map(move |u| lo * (hi / lo).powf(u))
}

#[derive(Clone, Debug)]
enum DistGen {
    Constant(f64),
    Exponential(f64),
    Lognormal(f64, f64),
}

impl DistGen {
    fn toml(&self) -> String {
        match self {
            DistGen::Constant(ms) => format!(r#"{{ kind = "constant", value = "{ms:.3}ms" }}"#),
            DistGen::Exponential(ms) => {
                format!(r#"{{ kind = "exponential", mean = "{ms:.3}ms" }}"#)
            }
            DistGen::Lognormal(ms, sigma) => {
                format!(r#"{{ kind = "lognormal", median = "{ms:.3}ms", sigma = {sigma:.3} }}"#)
            }
        }
    }
}

/// Warm durations, 1 ms to 5 s.
fn duration() -> impl Strategy<Value = DistGen> {
    prop_oneof![
        log_uniform(1.0, 5000.0).prop_map(DistGen::Constant),
        log_uniform(1.0, 5000.0).prop_map(DistGen::Exponential),
        (log_uniform(1.0, 5000.0), 0.1..1.5f64).prop_map(|(m, s)| DistGen::Lognormal(m, s)),
    ]
}

/// Cold starts, 0 to 1 s, or the model's figure (None).
fn cold_start() -> impl Strategy<Value = Option<DistGen>> {
    prop_oneof![
        Just(None),
        Just(Some(DistGen::Constant(0.0))),
        (0.0..1000.0f64).prop_map(|ms| Some(DistGen::Constant(ms))),
        log_uniform(1.0, 1000.0).prop_map(|ms| Some(DistGen::Exponential(ms))),
    ]
}

#[derive(Clone, Debug)]
struct FuncGen {
    rate: f64,
    duration: DistGen,
    cold_start: Option<DistGen>,
    reserved: Option<u32>,
    provisioned: u32,
    per_instance: u32,
    timeout_ms: Option<f64>,
    memory_mb: u32,
    runtime: &'static str,
}

fn func() -> impl Strategy<Value = FuncGen> {
    (
        log_uniform(0.1, 50.0),
        duration(),
        cold_start(),
        proptest::option::weighted(0.3, 0u32..=20),
        0u32..=3,
        1u32..=4,
        proptest::option::weighted(0.3, log_uniform(1.0, 5000.0)),
        prop::sample::select(vec![128u32, 512, 1024, 3008]),
        prop::sample::select(vec!["python", "nodejs", "java", "go"]),
    )
        .prop_map(
            |(
                rate,
                duration,
                cold_start,
                reserved,
                provisioned,
                per_instance,
                timeout_ms,
                memory_mb,
                runtime,
            )| FuncGen {
                rate,
                duration,
                cold_start,
                reserved,
                provisioned,
                per_instance,
                timeout_ms,
                memory_mb,
                runtime,
            },
        )
}

#[derive(Clone, Debug)]
struct ScalingGen {
    account_scope: bool,
    burst: u32,
    refill: u32,
    interval_s: u32,
}

#[derive(Clone, Debug)]
struct Gen {
    seed: u64,
    horizon_s: u32,
    warmup_frac: Option<f64>,
    /// None: keep-alive "none"; else a fixed ttl in seconds.
    ttl_s: Option<f64>,
    routing: &'static str,
    account: u32,
    scaling: Option<ScalingGen>,
    funcs: Vec<FuncGen>,
}

fn gen() -> impl Strategy<Value = Gen> {
    let scaling = (any::<bool>(), 1u32..=20, 1u32..=20, 1u32..=10).prop_map(
        |(account_scope, burst, refill, interval_s)| ScalingGen {
            account_scope,
            burst,
            refill,
            interval_s,
        },
    );
    (
        // Seeds are TOML integers: at most 2^63 - 1 (larger ones are refused, #19).
        0..=i64::MAX as u64,
        10u32..=300,
        proptest::option::of(0.0..0.9f64),
        proptest::option::weighted(0.7, log_uniform(0.1, 600.0)),
        prop::sample::select(vec!["mru", "lru", "newest", "random"]),
        1u32..=50,
        proptest::option::weighted(0.7, scaling),
        prop::collection::vec(func(), 1..=4),
    )
        .prop_map(
            |(seed, horizon_s, warmup_frac, ttl_s, routing, account, scaling, mut funcs)| {
                // Reservations must fit in the account; what does not fit is clipped (possibly
                // to 0, which Lambda allows: the function is switched off).
                let mut left = account;
                for f in &mut funcs {
                    if let Some(r) = f.reserved.as_mut() {
                        *r = (*r).min(left);
                        left -= *r;
                    }
                }
                Gen {
                    seed,
                    horizon_s,
                    warmup_frac,
                    ttl_s,
                    routing,
                    account,
                    scaling,
                    funcs,
                }
            },
        )
}

impl Gen {
    fn warmup_s(&self) -> Option<f64> {
        self.warmup_frac.map(|w| w * self.horizon_s as f64)
    }

    fn toml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "name = \"generated\"\n\n[run]");
        let _ = writeln!(s, "horizon = \"{}s\"\nseed = {}", self.horizon_s, self.seed);
        if let Some(w) = self.warmup_s() {
            let _ = writeln!(s, "warmup = \"{w:.3}s\"");
        }
        let _ = writeln!(s, "\n[platform]\nmodel = \"aws-lambda\"");
        let _ = writeln!(
            s,
            "routing = \"{}\"\naccount_concurrency = {}",
            self.routing, self.account
        );
        if let Some(b) = &self.scaling {
            let _ = writeln!(
                s,
                "scaling = {{ scope = \"{}\", burst = {}, refill = {}, interval = \"{}s\" }}",
                if b.account_scope {
                    "account"
                } else {
                    "function"
                },
                b.burst,
                b.refill,
                b.interval_s
            );
        }
        match self.ttl_s {
            Some(t) => {
                let _ = writeln!(s, "\n[keep_alive]\nkind = \"fixed\"\nttl = \"{t:.3}s\"");
            }
            None => {
                let _ = writeln!(s, "\n[keep_alive]\nkind = \"none\"");
            }
        }
        for (i, f) in self.funcs.iter().enumerate() {
            let _ = writeln!(s, "\n[[function]]\nname = \"f{i}\"");
            let _ = writeln!(
                s,
                "runtime = \"{}\"\nmemory_mb = {}",
                f.runtime, f.memory_mb
            );
            let _ = writeln!(s, "duration = {}", f.duration.toml());
            if let Some(c) = &f.cold_start {
                let _ = writeln!(s, "cold_start = {}", c.toml());
            }
            let _ = writeln!(
                s,
                "arrivals = {{ kind = \"poisson\", rate = \"{:.4}/s\" }}",
                f.rate
            );
            if let Some(r) = f.reserved {
                let _ = writeln!(s, "reserved_concurrency = {r}");
            }
            // Provisioned environments beyond the reservation or the account are rejected at
            // setup.
            let provisioned = f.reserved.unwrap_or(self.account).min(f.provisioned);
            if provisioned > 0 {
                let _ = writeln!(s, "provisioned_concurrency = {provisioned}");
            }
            let _ = writeln!(s, "concurrency_per_instance = {}", f.per_instance);
            if let Some(t) = f.timeout_ms {
                let _ = writeln!(s, "timeout = \"{t:.3}ms\"");
            }
        }
        s
    }

    fn scenario(&self) -> Scenario {
        util::scenario(&self.toml())
    }
}

// ---------------------------------------------------------------------------------------------
// An independent account of a run, kept by an observer

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EnvPhase {
    Initializing,
    Ready,
}

#[derive(Clone, Copy, Debug)]
struct EnvView {
    func: FuncId,
    phase: EnvPhase,
    in_flight: u32,
    provisioned: bool,
    /// Expiry announced when it last turned idle.
    expires: Option<Ns>,
}

/// What the observer saw: its own counts and levels, and the first broken rule.
struct Watch {
    warmup: Ns,
    horizon: Ns,
    account: u32,
    per_instance: Vec<u32>,
    timeout: Vec<Option<Ns>>,
    /// Keep-alive ttl; None for kind "none".
    ttl: Option<Ns>,
    /// Pool of each function (0: the account's shared pool) and each pool's cap.
    pool_of: Vec<usize>,
    pool_cap: Vec<u32>,
    pool_used: Vec<u32>,
    admitted: u32,
    last: Ns,
    envs: HashMap<EnvId, EnvView>,
    live: Vec<u32>,
    live_total: u32,
    /// Peak of live environments over the measured window [warmup, horizon].
    peak_window: u32,
    entered_window: bool,
    /// Peak of live environments of each function over the whole run and over the window.
    peak_func: Vec<u32>,
    peak_func_window: Vec<u32>,
    counts: Vec<Counts>,
    max_latency: Ns,
    sum_latency: u128,
    arrivals: Vec<(Ns, FuncId)>,
    broken: Option<String>,
}

impl Watch {
    fn new(sc: &Scenario) -> Watch {
        let n = sc.functions.len();
        assert!(sc.functions.iter().all(|f| f.copies == 1));
        let account = sc.platform.account_concurrency.expect("generated");
        let reserved: u32 = sc
            .functions
            .iter()
            .filter_map(|f| f.reserved_concurrency)
            .sum();
        let mut pool_cap = vec![account - reserved];
        let mut pool_of = Vec::new();
        for f in &sc.functions {
            match f.reserved_concurrency {
                Some(r) => {
                    pool_cap.push(r);
                    pool_of.push(pool_cap.len() - 1);
                }
                None => pool_of.push(0),
            }
        }
        Watch {
            warmup: sc.run.warmup.map_or(0, |w| w.ns()),
            horizon: sc.run.horizon.ns(),
            account,
            // What each function runs with, the model's default applied where left out.
            per_instance: {
                let plan = faasim::compile(sc).unwrap();
                (0..plan.function_count())
                    .map(|i| plan.per_instance(FuncId::from_index(i)))
                    .collect()
            },
            timeout: sc
                .functions
                .iter()
                .map(|f| f.timeout.map(|t| t.ns()))
                .collect(),
            ttl: match sc.keep_alive {
                faasim::input::keep_alive::KeepAliveSpec::Fixed { ttl } => Some(ttl.ns()),
                // The generator only writes fixed and none.
                _ => None,
            },
            pool_used: vec![0; pool_cap.len()],
            pool_of,
            pool_cap,
            admitted: 0,
            last: 0,
            envs: HashMap::new(),
            live: vec![0; n],
            live_total: 0,
            peak_window: 0,
            entered_window: false,
            peak_func: vec![0; n],
            peak_func_window: vec![0; n],
            counts: vec![Counts::default(); n],
            max_latency: 0,
            sum_latency: 0,
            arrivals: Vec::new(),
            broken: None,
        }
    }

    fn fail(&mut self, now: Ns, what: &Happening, why: String) {
        if self.broken.is_none() {
            self.broken = Some(format!("at {now} ns, {what:?}: {why}"));
        }
    }

    fn env_born(&mut self, now: Ns, what: &Happening, func: FuncId, env: EnvId, phase: EnvPhase) {
        let provisioned = matches!(what, Happening::Provisioned { .. });
        if self.envs.contains_key(&env) {
            return self.fail(now, what, format!("environment {env} is already alive"));
        }
        self.envs.insert(
            env,
            EnvView {
                func,
                phase,
                in_flight: 0,
                provisioned,
                expires: None,
            },
        );
        self.live[func.index()] += 1;
        self.live_total += 1;
        let p = &mut self.peak_func[func.index()];
        *p = (*p).max(self.live[func.index()]);
    }

    fn admit(&mut self, now: Ns, what: &Happening, func: FuncId, env: EnvId, cold: bool) {
        let f = func.index();
        if now >= self.warmup {
            if cold {
                self.counts[f].cold_starts += 1;
            } else {
                self.counts[f].warm_starts += 1;
            }
        }
        self.admitted += 1;
        if self.admitted > self.account {
            let msg = format!(
                "{} admitted, account allows {}",
                self.admitted, self.account
            );
            self.fail(now, what, msg);
        }
        let pool = self.pool_of[f];
        self.pool_used[pool] += 1;
        if self.pool_used[pool] > self.pool_cap[pool] {
            let msg = format!(
                "pool {pool} holds {}, its cap is {}",
                self.pool_used[pool], self.pool_cap[pool]
            );
            self.fail(now, what, msg);
        }
        let cap = self.per_instance[f];
        match self.envs.get_mut(&env) {
            Some(e) if e.func == func => {
                e.in_flight += 1;
                if e.in_flight > cap {
                    let msg = format!("environment {env} serves {} > {cap}", e.in_flight);
                    self.fail(now, what, msg);
                }
            }
            _ => self.fail(now, what, format!("environment {env} is not alive")),
        }
    }

    fn on(&mut self, now: Ns, what: &Happening) {
        if now < self.last {
            let msg = format!("time went back from {}", self.last);
            self.fail(now, what, msg);
        }
        self.last = now;
        if now > self.horizon {
            self.fail(now, what, "after the horizon".into());
        }
        if now >= self.warmup && !self.entered_window {
            // The environments alive when the window opens count towards its peak.
            self.entered_window = true;
            self.note_window_peak();
        }
        let measured = now >= self.warmup;
        match *what {
            Happening::Provisioned { func, env } => {
                if now != 0 {
                    self.fail(now, what, "provisioned after the start".into());
                }
                self.env_born(now, what, func, env, EnvPhase::Ready);
            }
            Happening::Arrival { func } => {
                self.arrivals.push((now, func));
                if now >= self.horizon {
                    self.fail(now, what, "arrival at or after the horizon".into());
                }
                if measured {
                    self.counts[func.index()].arrivals += 1;
                }
            }
            // The generator writes no [cluster], so nothing waits for memory.
            Happening::WaitingForMemory { .. } => self.fail(now, what, "no cluster".into()),
            Happening::Throttled { func, reason } => {
                let c = &mut self.counts[func.index()];
                if measured {
                    c.throttled += 1;
                    match reason {
                        ThrottleReason::Concurrency => c.throttled_concurrency += 1,
                        ThrottleReason::ScalingRate => c.throttled_scaling += 1,
                        ThrottleReason::Memory => c.throttled_memory += 1,
                    }
                }
                let pool = self.pool_of[func.index()];
                if reason == ThrottleReason::Concurrency
                    && self.pool_used[pool] < self.pool_cap[pool]
                {
                    let msg = format!(
                        "throttled by concurrency with pool {pool} at {} of {}",
                        self.pool_used[pool], self.pool_cap[pool]
                    );
                    self.fail(now, what, msg);
                }
            }
            Happening::WarmStart { func, env, .. } => {
                match self.envs.get(&env) {
                    Some(e) if e.phase == EnvPhase::Ready => {}
                    other => {
                        let msg = format!("warm start on {other:?}");
                        self.fail(now, what, msg);
                    }
                }
                self.admit(now, what, func, env, false);
            }
            Happening::ColdStart {
                func, env, init, ..
            } => {
                let init_ns = init.ns();
                match self.envs.get(&env) {
                    // Joining a cold start in progress: only with room for more than one.
                    Some(e) if init_ns == 0 && e.phase == EnvPhase::Initializing => {}
                    Some(e) => {
                        let msg = format!("cold start on a live environment {e:?}");
                        self.fail(now, what, msg);
                    }
                    None => self.env_born(now, what, func, env, EnvPhase::Initializing),
                }
                self.admit(now, what, func, env, true);
            }
            Happening::Prewarm { func, env, .. } => match self.envs.get(&env) {
                Some(e) => {
                    let msg = format!("pre-warm on a live environment {e:?}");
                    self.fail(now, what, msg);
                }
                None => self.env_born(now, what, func, env, EnvPhase::Initializing),
            },
            Happening::Ready { func, env } => match self.envs.get_mut(&env) {
                Some(e) if e.phase == EnvPhase::Initializing && e.func == func => {
                    e.phase = EnvPhase::Ready;
                }
                other => {
                    let msg = format!("ready on {other:?}");
                    self.fail(now, what, msg);
                }
            },
            Happening::Completed {
                func,
                env,
                latency,
                timed_out,
                ..
            } => {
                let (f, latency_ns) = (func.index(), latency.ns());
                if latency_ns > now {
                    self.fail(now, what, "arrived before time 0".into());
                }
                if now.saturating_sub(latency_ns) >= self.warmup {
                    self.counts[f].completed += 1;
                    self.counts[f].timeouts += timed_out as u64;
                    self.max_latency = self.max_latency.max(latency_ns);
                    self.sum_latency += latency_ns as u128;
                }
                if timed_out {
                    match self.timeout[f] {
                        Some(t) if latency_ns >= t => {}
                        t => self.fail(now, what, format!("timed out with timeout {t:?}")),
                    }
                }
                self.admitted = self.admitted.wrapping_sub(1);
                let pool = self.pool_of[f];
                self.pool_used[pool] = self.pool_used[pool].wrapping_sub(1);
                match self.envs.get_mut(&env) {
                    Some(e) if e.in_flight > 0 && e.phase == EnvPhase::Ready => e.in_flight -= 1,
                    other => {
                        let msg = format!("completed on {other:?}");
                        self.fail(now, what, msg);
                    }
                }
            }
            Happening::Idle { env, expires, .. } => {
                let expires = expires.map(Instant::ns);
                let ttl = self.ttl;
                let Some(e) = self.envs.get_mut(&env) else {
                    return self.fail(now, what, "idle but not alive".into());
                };
                let want = if e.provisioned {
                    None
                } else {
                    Some(ttl.map_or(now, |t| now.saturating_add(t)))
                };
                e.expires = expires;
                let busy = e.in_flight;
                if busy != 0 || expires != want {
                    let msg = format!("{busy} in flight, expiry {expires:?}, expected {want:?}");
                    self.fail(now, what, msg);
                }
            }
            // Generated scenarios have no database (tests/modes.rs checks connections).
            Happening::Connection { .. } => self.fail(now, what, "no database here".into()),
            Happening::Evicted { func, env } => match self.envs.remove(&env) {
                Some(e) if !e.provisioned && e.in_flight == 0 && e.expires == Some(now) => {
                    self.live[func.index()] -= 1;
                    self.live_total -= 1;
                }
                other => {
                    let msg = format!("evicted {other:?}");
                    self.fail(now, what, msg);
                }
            },
        }
        if now >= self.warmup {
            self.note_window_peak();
        }
    }

    fn note_window_peak(&mut self) {
        self.peak_window = self.peak_window.max(self.live_total);
        for (p, &l) in self.peak_func_window.iter_mut().zip(&self.live) {
            *p = (*p).max(l);
        }
    }

    fn totals(&self) -> Counts {
        let mut t = Counts::default();
        for c in &self.counts {
            add(&mut t, c);
        }
        t
    }
}

fn add(t: &mut Counts, c: &Counts) {
    t.arrivals += c.arrivals;
    t.warm_starts += c.warm_starts;
    t.cold_starts += c.cold_starts;
    t.throttled += c.throttled;
    t.throttled_concurrency += c.throttled_concurrency;
    t.throttled_scaling += c.throttled_scaling;
    t.throttled_memory += c.throttled_memory;
    t.timeouts += c.timeouts;
    t.completed += c.completed;
    t.errors += c.errors;
    t.connection_errors += c.connection_errors;
}

/// Runs `sc` with a closure observer feeding a [`Watch`].
fn watched(sc: &Scenario) -> (Report, Watch) {
    let mut watch = Watch::new(sc);
    let report = {
        let observer = |now: Instant, what: &Happening| watch.on(now.ns(), what);
        let sim = Simulation::with_observer(&faasim::compile(sc).unwrap(), 0, observer);
        sim.run_observed().0
    };
    // Environments alive at the end count towards the window's peak.
    watch.note_window_peak();
    (report, watch)
}

/// The reconciliations every report must satisfy, overall and per function.
fn check_counts(r: &Report) -> Result<(), TestCaseError> {
    let check = |what: &str, c: &Counts, in_flight: u64| -> Result<(), TestCaseError> {
        prop_assert_eq!(
            c.arrivals,
            c.warm_starts + c.cold_starts + c.throttled,
            "{}: arrivals",
            what
        );
        prop_assert!(
            c.completed <= c.warm_starts + c.cold_starts,
            "{}: {:?}",
            what,
            c
        );
        prop_assert_eq!(
            c.warm_starts + c.cold_starts,
            c.completed + in_flight,
            "{}: admitted",
            what
        );
        prop_assert_eq!(
            c.throttled,
            c.throttled_concurrency + c.throttled_scaling + c.throttled_memory,
            "{}: throttled",
            what
        );
        prop_assert!(c.timeouts <= c.completed, "{}: {:?}", what, c);
        Ok(())
    };
    check("total", &r.counts, r.in_flight_at_end)?;
    let mut sum = Counts::default();
    let mut in_flight = 0;
    for f in &r.functions {
        check(&f.name, &f.counts, f.in_flight_at_end)?;
        add(&mut sum, &f.counts);
        in_flight += f.in_flight_at_end;
    }
    prop_assert_eq!(sum, r.counts, "per-function counts do not add up");
    prop_assert_eq!(in_flight, r.in_flight_at_end);
    Ok(())
}

/// The observer's rules can fail: feed it made-up histories that break one rule each.
#[test]
fn the_watch_notices_broken_rules() {
    let sc = util::scenario(
        r#"
        [run]
        horizon = "10s"
        [platform]
        account_concurrency = 1
        [keep_alive]
        kind = "fixed"
        ttl = "1s"
        [[function]]
        name = "f"
        duration = { kind = "constant", value = "1ms" }
        arrivals = { kind = "poisson", rate = "1/s" }
        "#,
    );
    let s = 1_000_000_000;
    let (f0, e0, r0) = (FuncId::new(0), EnvId::new(0), ReqId::new(0));
    let cold = |env, req| Happening::ColdStart {
        func: f0,
        env: EnvId::new(env),
        req: ReqId::new(req),
        init: Span::from_ns(5),
    };
    let done = Happening::Completed {
        func: f0,
        env: e0,
        req: r0,
        latency: Span::from_ns(10),
        timed_out: false,
    };
    let idle = |t| Happening::Idle {
        func: f0,
        env: e0,
        expires: Some(Instant::from_ns(t)),
    };
    let ready = Happening::Ready { func: f0, env: e0 };
    let evicted = Happening::Evicted { func: f0, env: e0 };
    let cases: Vec<(&str, Vec<(Ns, Happening)>)> = vec![
        (
            "fine",
            vec![
                (s, cold(0, 0)),
                (s + 5, ready),
                (s + 10, done),
                (s + 10, idle(2 * s + 10)),
                (2 * s + 10, evicted),
            ],
        ),
        ("time went back", vec![(s, cold(0, 0)), (s - 1, ready)]),
        (
            "after the horizon",
            vec![(11 * s, Happening::Arrival { func: f0 })],
        ),
        ("admitted", vec![(s, cold(0, 0)), (s, cold(1, 1))]),
        (
            "throttled by concurrency",
            vec![(
                s,
                Happening::Throttled {
                    func: f0,
                    reason: ThrottleReason::Concurrency,
                },
            )],
        ),
        (
            "warm start",
            vec![(
                s,
                Happening::WarmStart {
                    func: f0,
                    env: e0,
                    req: r0,
                },
            )],
        ),
        ("completed on", vec![(s, cold(0, 0)), (s + 10, done)]),
        (
            "expiry",
            vec![
                (s, cold(0, 0)),
                (s + 5, ready),
                (s + 10, done),
                (s + 10, idle(s + 11)),
            ],
        ),
        (
            "evicted",
            vec![
                (s, cold(0, 0)),
                (s + 5, ready),
                (s + 10, done),
                (s + 10, idle(2 * s + 10)),
                (s + 20, evicted),
            ],
        ),
        (
            "cold start on a live environment",
            vec![
                (0, Happening::Provisioned { func: f0, env: e0 }),
                (s, cold(0, 0)),
            ],
        ),
        (
            "already alive",
            vec![
                (0, Happening::Provisioned { func: f0, env: e0 }),
                (0, Happening::Provisioned { func: f0, env: e0 }),
            ],
        ),
    ];
    for (want, history) in cases {
        let mut w = Watch::new(&sc);
        for (t, h) in &history {
            w.on(*t, h);
        }
        match (&w.broken, want) {
            (None, "fine") => {}
            (Some(why), _) if want != "fine" => {
                assert!(why.contains(want), "wanted {want:?}, got {why}")
            }
            (got, _) => panic!("{want}: {got:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties of runs

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn counts_reconcile_and_the_observer_agrees(g in gen()) {
        let sc = g.scenario();
        let (r, w) = watched(&sc);
        check_counts(&r)?;
        if let Some(why) = &w.broken {
            return Err(TestCaseError::fail(format!("{why}\n{}", g.toml())));
        }
        // The report's counts are the observer's, function by function.
        for (i, f) in r.functions.iter().enumerate() {
            prop_assert_eq!(f.counts, w.counts[i], "function {}", i);
        }
        prop_assert_eq!(r.counts, w.totals());
        // Latency: the exact maximum and mean of the measured completions.
        prop_assert_eq!(r.latency_ms.max, w.max_latency as f64 / 1e6);
        if r.counts.completed > 0 {
            let mean = w.sum_latency as f64 / r.counts.completed as f64 / 1e6;
            prop_assert!((r.latency_ms.mean - mean).abs() <= 1e-9 * mean.max(1.0));
        }
        // Environments: the reported peaks over the window, overall and per function, are the
        // observer's.
        prop_assert_eq!(r.instances.peak, w.peak_window as u64, "\n{}", g.toml());
        for (i, f) in r.functions.iter().enumerate() {
            prop_assert_eq!(
                f.instances.peak,
                w.peak_func_window[i] as u64,
                "function {} (its peak over the whole run: {})\n{}",
                i,
                w.peak_func[i],
                g.toml()
            );
            prop_assert!(f.instances.mean_total <= f.instances.peak as f64 + 1e-9);
        }
        prop_assert!(r.instances.mean_total <= r.instances.peak as f64 + 1e-9);
        // Keep-alive "none" leaves nothing idle.
        if g.ttl_s.is_none() && g.funcs.iter().all(|f| f.provisioned == 0) {
            prop_assert_eq!(r.idle_memory_gb_s, 0.0);
        }
    }

    #[test]
    fn without_keep_alive_every_start_is_cold(g in gen()) {
        let mut g = g;
        g.ttl_s = None;
        for f in &mut g.funcs {
            f.provisioned = 0;
            f.per_instance = 1;
        }
        let r = faasim::simulate(&g.scenario()).unwrap();
        check_counts(&r)?;
        prop_assert_eq!(r.counts.warm_starts, 0);
        prop_assert_eq!(r.counts.cold_starts, r.counts.arrivals - r.counts.throttled);
        prop_assert_eq!(r.instances.mean_idle, 0.0);
    }

    #[test]
    fn same_seed_same_bytes(g in gen()) {
        let sc = g.scenario();
        let a = faasim::simulate(&sc).unwrap().to_json();
        let b = faasim::simulate(&sc).unwrap().to_json();
        prop_assert!(a == b, "two runs of the same scenario differ:\n{}", g.toml());
        // And the text form is what it says.
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        prop_assert_eq!(v["seed"].as_u64(), Some(g.seed));
        prop_assert_eq!(v["arrivals"].as_u64(), Some(faasim::simulate(&sc).unwrap().counts.arrivals));
    }

    #[test]
    fn keep_alive_does_not_change_the_arrivals(g in gen()) {
        // Common random numbers: arrivals have their own streams, so a policy change leaves
        // every arrival where it was.
        let mut none = g.clone();
        none.ttl_s = None;
        let mut fixed = g;
        fixed.ttl_s = Some(600.0);
        let (ra, a) = watched(&none.scenario());
        let (rb, b) = watched(&fixed.scenario());
        prop_assert!(a.broken.is_none(), "{:?}", a.broken);
        prop_assert!(b.broken.is_none(), "{:?}", b.broken);
        prop_assert_eq!(a.arrivals.len(), b.arrivals.len());
        prop_assert!(a.arrivals == b.arrivals, "arrival times differ");
        prop_assert_eq!(ra.counts.arrivals, rb.counts.arrivals);
    }
}

// ---------------------------------------------------------------------------------------------
// Error paths never panic

/// A valid scenario using most of the format, for mutation.
const RICH: &str = r#"name = "rich"
description = "mutation base"

[run]
horizon = "30s"
seed = 5
warmup = "2s"

[platform]
model = "aws-lambda"
account_concurrency = 20
routing = "lru"
scaling = { scope = "account", burst = 5, refill = 2, interval = "1s" }

[keep_alive]
kind = "fixed"
ttl = "3s"

[billing]
rounding = "100ms"
bill_init = false
free_tier = true

[metrics]
timeseries = "1s"

[[function]]
name = "api"
memory_mb = 256
runtime = "nodejs"
arch = "arm"
duration = { kind = "lognormal", mean = "80ms", cv = 1.5 }
cold_start = { kind = "exponential", mean = "300ms" }
arrivals = { kind = "poisson", rate = "20/s" }
timeout = "1s"
reserved_concurrency = 5
provisioned_concurrency = 1
concurrency_per_instance = 2

[[function]]
name = "batch"
copies = 3
popularity = { kind = "zipf", s = 1.2 }
duration = { kind = "gamma", mean = "200ms", cv = 0.5 }
arrivals = { kind = "ramp", points = [["0s", "1/s"], ["10s", "30/s"]] }

[[function]]
name = "cron"
duration = { kind = "empirical", points = [[0, "1ms"], [50, "5ms"], [100, "40ms"]] }
arrivals = { kind = "periodic", period = "1s", jitter = "100ms" }
"#;

/// A number as TOML writes it, from tame to extreme.
fn odd_number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..5000).prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:e}")),
        (-1e3..1e3f64).prop_map(|x| format!("{x}")),
    ]
}

/// Values that have broken parsers before: empty, negative, huge, wrong types, odd units; most
/// are valid TOML, so they reach the validator and the simulation.
fn odd_value() -> impl Strategy<Value = String> {
    let units = prop::sample::select(vec!["ns", "us", "µs", "ms", "s", "min", "h", "d", "", "x"]);
    prop_oneof![
        6 => prop::sample::select(vec![
            "0", "-1", "1e309", "nan", "inf", "-inf", "4294967296", "18446744073709551616",
            "\"\"", "\"0s\"", "\"-0s\"", "\"0/s\"", "\"1e30d\"", "\"213503d\"", "\"1ns\"",
            "\"nan s\"", "\"inf/s\"", "\"1e-300s\"", "\"5\"", "{}", "[]", "[[]]",
            "{ kind = \"none\" }", "{ kind = \"x\" }", "true", "\"µs\"", "\"1µs\"",
            "{ kind = \"constant\", value = \"0s\" }",
            "{ kind = \"exponential\", mean = \"1ns\" }",
            "{ kind = \"lognormal\", median = \"1ms\", sigma = 1e308 }",
            "{ kind = \"lognormal\", mean = \"1ms\", cv = 0 }",
            "{ kind = \"uniform\", min = \"2s\", max = \"1s\" }",
            "{ kind = \"empirical\", points = [[0, \"1ms\"]] }",
            "{ kind = \"poisson\", rate = \"0/s\" }",
            "{ kind = \"periodic\", period = \"1s\", jitter = \"2s\" }",
            "{ kind = \"ramp\", points = [] }",
            "{ kind = \"diurnal\", mean_rate = \"1/s\", peak_to_trough = 0.5 }",
            "{ kind = \"on-off\", on_rate = \"5/s\", mean_on = \"0s\", mean_off = \"1s\" }",
            "{ kind = \"zipf\", s = -1.0 }", "{ kind = \"uniform\" }",
            "{ scope = \"account\", burst = 0, refill = 0, interval = \"0s\" }",
            "1979-05-27T07:32:00Z",
        ])
        .prop_map(str::to_string),
        3 => odd_number(),
        2 => (odd_number(), units.clone()).prop_map(|(n, u)| format!("\"{n}{u}\"")),
        2 => (odd_number(), units).prop_map(|(n, u)| format!("\"{n}/{u}\"")),
        1 => "[ -~]{0,16}",
        1 => "\\PC{0,8}",
    ]
}

/// Values of the right shape for most keys: counts, durations and rates with valid units.
fn plausible_value() -> impl Strategy<Value = String> {
    let unit = prop::sample::select(vec!["ns", "us", "ms", "s", "min", "h", "d"]);
    let x = prop_oneof![
        Just(0.0),
        0.0..10.0f64,
        0.0..1e4f64,
        Just(213503.0),
        Just(1e6)
    ];
    prop_oneof![
        (0u32..5000).prop_map(|n| n.to_string()),
        (x.clone(), unit.clone()).prop_map(|(x, u)| format!("\"{x}{u}\"")),
        (x, unit).prop_map(|(x, u)| format!("\"{x}/{u}\"")),
    ]
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Delete the characters in [start, start + len) (in characters).
    Delete(usize, usize),
    /// Duplicate line i.
    Duplicate(usize),
    /// Replace the value on line i (if it has ` = `) by this text.
    Replace(usize, String),
    /// Insert this text at character i.
    Insert(usize, String),
    /// Replace every number on line i by one of these, in turn (keeps the file well formed).
    Renumber(usize, Vec<&'static str>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        1 => any::<usize>().prop_map(Mutation::Duplicate),
        6 => (any::<usize>(), odd_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => (any::<usize>(), odd_value()).prop_map(|(i, v)| Mutation::Insert(i, v)),
        6 => (
            any::<usize>(),
            prop::collection::vec(
                prop::sample::select(vec![
                    "0", "1", "3", "0.5", "1e-9", "1e9", "100000", "4294967295", "1e300", "-1",
                    "213503",
                ]),
                1..4,
            ),
        )
            .prop_map(|(i, v)| Mutation::Renumber(i, v)),
    ]
}

fn mutate(text: &str, m: &Mutation) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lines: Vec<&str> = text.lines().collect();
    match m {
        Mutation::Delete(a, n) => {
            let a = a % chars.len();
            let b = (a + n).min(chars.len());
            chars[..a].iter().chain(&chars[b..]).collect()
        }
        Mutation::Duplicate(i) => {
            let i = i % lines.len();
            let mut out: Vec<&str> = lines.clone();
            out.insert(i, lines[i]);
            out.join("\n")
        }
        Mutation::Replace(i, v) => {
            let with_value: Vec<usize> = (0..lines.len())
                .filter(|&k| lines[k].contains(" = "))
                .collect();
            let k = with_value[i % with_value.len()];
            let (key, _) = lines[k].split_once(" = ").unwrap();
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[k] = format!("{key} = {v}");
            out.join("\n")
        }
        Mutation::Insert(i, v) => {
            let i = i % (chars.len() + 1);
            let mut out: String = chars[..i].iter().collect();
            out.push_str(v);
            out.extend(&chars[i..]);
            out
        }
        Mutation::Renumber(i, numbers) => {
            let k = i % lines.len();
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[k] = renumber(lines[k], numbers);
            out.join("\n")
        }
    }
}

/// `line` with each maximal run of digits (with `.`, `e`, `-` inside) replaced by the next of
/// `numbers`, cycling.
fn renumber(line: &str, numbers: &[&str]) -> String {
    let mut out = String::new();
    let mut n = 0;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|d| d.is_ascii_digit() || matches!(d, '.' | 'e' | '-'))
            {
                chars.next();
            }
            out.push_str(numbers[n % numbers.len()]);
            n += 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a scenario that parsed is small enough to simulate in a test.
fn small_enough(sc: &Scenario) -> bool {
    let rate_ok = |r: f64| r <= 100.0;
    sc.run.horizon.secs() <= 60.0
        && sc.metrics.timeseries.is_none_or(|w| w.ns() >= 1_000_000)
        && sc.functions.len() <= 10
        && sc.functions.iter().all(|f| {
            f.copies <= 10
                && f.provisioned_concurrency
                    .as_ref()
                    .is_none_or(|p| p.max() <= 10)
                && match &f.arrivals {
                    ArrivalSpec::Poisson { rate } => rate_ok(rate.per_sec()),
                    ArrivalSpec::Ramp { points } => {
                        points.iter().all(|(_, r)| rate_ok(r.per_sec()))
                    }
                    ArrivalSpec::Periodic { period, .. } => period.secs() >= 0.01,
                    _ => false,
                }
        })
}

/// Parses (and, when small, simulates) `text`; a panic anywhere is a failure.
fn no_panic(text: &str, overrides: &[String]) -> Result<(), TestCaseError> {
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        Scenario::from_str_named(text, "mutant.toml", overrides)
    }));
    let parsed = match parsed {
        Ok(p) => p,
        Err(_) => {
            return Err(TestCaseError::fail(format!(
                "parsing panicked; overrides {overrides:?}, text:\n{text}"
            )))
        }
    };
    match parsed {
        Err(e) => {
            // Errors say where they come from.
            let msg = e.to_string();
            prop_assert!(
                msg.starts_with("mutant.toml") || msg.starts_with("--set"),
                "{}",
                msg
            );
            prop_assert!(!e.message.is_empty());
        }
        Ok(sc) => {
            if small_enough(&sc) {
                let run = catch_unwind(AssertUnwindSafe(|| faasim::simulate(&sc)));
                match run {
                    Ok(Ok(r)) => check_counts(&r)?,
                    Ok(Err(e)) => prop_assert!(!e.to_string().is_empty()),
                    Err(_) => {
                        return Err(TestCaseError::fail(format!(
                            "simulating panicked; overrides {overrides:?}, text:\n{text}"
                        )))
                    }
                }
            }
        }
    }
    Ok(())
}

#[test]
fn the_mutation_base_is_valid_and_runs() {
    let sc = util::scenario(RICH);
    assert!(small_enough(&sc));
    let r = faasim::simulate(&sc).unwrap();
    check_counts(&r).unwrap();
    assert_eq!(r.functions.len(), 5);
    assert!(r.counts.arrivals > 100, "{}", r.counts.arrivals);
}

// ---------------------------------------------------------------------------------------------
// The fuzzing campaign (#19): parsers of scenarios, `--set` and experiments fed arbitrary and
// mutated input. Each target prints how many inputs it tried; FAASIM_FUZZ_CASES sets the count
// (256 by default, more in CI's campaign step).

/// Inputs per fuzz target.
pub(crate) fn fuzz_cases() -> u32 {
    std::env::var("FAASIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Runs `check` on `fuzz_cases()` inputs drawn from `strategy`, and says how many it tried.
pub(crate) fn campaign<S: Strategy>(
    name: &str,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let cases = fuzz_cases();
    let mut runner = proptest::test_runner::TestRunner::new(config(cases));
    if let Err(e) = runner.run(&strategy, check) {
        panic!("fuzz {name}: {e}");
    }
    println!("fuzz {name}: {cases} inputs tried, none panicked");
}

#[test]
fn fuzz_scenario_arbitrary_text() {
    campaign("scenario (arbitrary text)", ".*", |text: String| {
        no_panic(&text, &[])
    });
}

#[test]
fn fuzz_scenario_arbitrary_bytes() {
    campaign(
        "scenario (arbitrary bytes)",
        prop::collection::vec(any::<u8>(), 0..200),
        |bytes: Vec<u8>| no_panic(&String::from_utf8_lossy(&bytes), &[]),
    );
}

#[test]
fn fuzz_scenario_mutated() {
    campaign(
        "scenario (mutated)",
        prop::collection::vec(mutation(), 1..4),
        |ms: Vec<Mutation>| {
            let mut text = RICH.to_string();
            for m in &ms {
                text = mutate(&text, m);
            }
            no_panic(&text, &[])
        },
    );
}

#[test]
fn fuzz_set_overrides() {
    let key = prop_oneof![
        3 => prop::sample::select(vec![
            "run.horizon", "run.seed", "run.warmup", "run", "keep_alive", "keep_alive.kind",
            "keep_alive.ttl", "platform.model", "platform.account_concurrency",
            "platform.routing", "platform.scaling", "platform.scaling.burst",
            "platform.scaling.interval", "billing.rounding", "metrics.timeseries",
            "function", "function.0", "function.0.memory_mb", "function.0.duration",
            "function.0.duration.mean", "function.0.cold_start", "function.0.arrivals",
            "function.0.arrivals.rate", "function.0.timeout",
            "function.0.reserved_concurrency", "function.0.provisioned_concurrency",
            "function.0.concurrency_per_instance", "function.1.copies",
            "function.1.popularity", "function.1.popularity.s",
            "function.1.arrivals.points", "function.1.arrivals.points.0.1",
            "function.2.arrivals.jitter", "function.2.arrivals.period",
            "function.2.duration.points.1", "function.3.name",
        ]).prop_map(str::to_string),
        1 => prop::collection::vec(
            prop::sample::select(vec![
                "run", "horizon", "platform", "scaling", "keep_alive", "ttl", "function",
                "0", "2", "4294967296", "-1", "arrivals", "rate", "points", "x", "",
            ]),
            1..5,
        ).prop_map(|p| p.join(".")),
    ];
    let value = prop_oneof![
        1 => odd_value(),
        2 => plausible_value(),
    ];
    campaign(
        "--set",
        (key, value, prop::bool::weighted(0.95)),
        |(key, value, eq): (String, String, bool)| {
            let spec = if eq { format!("{key}={value}") } else { key };
            no_panic(RICH, &[spec])
        },
    );
}

/// A small experiment over RICH's first function, for the experiment parser's campaign.
const EXPERIMENT: &str = r#"name = "fz"
seed = 3
replications = 2
baseline = { mem = 512 }

[base]
name = "b"
[base.run]
horizon = "10s"
[[base.function]]
name = "api"
memory_mb = 512
duration = { kind = "constant", value = "10ms" }
arrivals = { kind = "poisson", rate = "5/s" }

[[axis]]
name = "mem"
path = "function.0.memory_mb"
values = [512, 1024]

[[axis]]
name = "ttl"
path = "keep_alive"
values = [{ kind = "fixed", ttl = "1min" }, { kind = "none" }]

[[plot]]
kind = "metric"
x = "mem"
y = "cold_start_probability"

[[plot]]
kind = "tradeoff"
along = "ttl"
"#;

#[test]
fn fuzz_experiment_mutated() {
    campaign(
        "experiment (mutated)",
        prop::collection::vec(mutation(), 1..4),
        |ms: Vec<Mutation>| {
            let mut text = EXPERIMENT.to_string();
            for m in &ms {
                text = mutate(&text, m);
            }
            let loaded = catch_unwind(AssertUnwindSafe(|| {
                faasim::Experiment::from_str_named(&text, "fz.toml", std::path::Path::new("."))
            }));
            match loaded {
                Err(_) => Err(TestCaseError::fail(format!("loading panicked:\n{text}"))),
                Ok(Err(e)) => {
                    prop_assert!(!e.message.is_empty());
                    prop_assert!(
                        e.origin == "fz.toml"
                            || e.origin.starts_with("--set")
                            || e.origin.contains("[base]"),
                        "{}",
                        e
                    );
                    Ok(())
                }
                Ok(Ok(_)) => Ok(()),
            }
        },
    );
}

#[test]
fn the_experiment_fuzz_base_is_valid() {
    faasim::Experiment::from_str_named(EXPERIMENT, "fz.toml", std::path::Path::new(".")).unwrap();
}

/// Like the overall peak, a function's peak counts only environments alive in the window.
#[test]
fn a_functions_peak_ignores_the_warm_up_like_the_total() {
    // 100/s for the first 10 s, then nothing; statistics start at 20 s.
    let r = util::run(
        r#"
        [run]
        horizon = "60s"
        warmup = "20s"
        [keep_alive]
        kind = "none"
        [[function]]
        name = "api"
        duration = { kind = "constant", value = "100ms" }
        cold_start = { kind = "constant", value = "10ms" }
        arrivals = { kind = "ramp", points = [["0s", "100/s"], ["10s", "100/s"], ["10s", "0/s"]] }
        "#,
    );
    assert_eq!(r.instances.peak, 0);
    assert_eq!(r.functions[0].instances.peak, r.instances.peak);
}

// ---------------------------------------------------------------------------------------------
// Known problems, kept as ignored tests that describe the wanted behaviour.

/// One request at 1 d into a 2 d run, with the given `[[function]]` keys.
fn late_request(function_keys: &str) -> Report {
    util::run(&late_request_text(function_keys))
}

fn late_request_text(function_keys: &str) -> String {
    format!(
        r#"
        [run]
        horizon = "2d"
        [[function]]
        name = "f"
        arrivals = {{ kind = "periodic", period = "1d", phase = "1d" }}
        {function_keys}
        "#
    )
}

#[test]
fn a_cold_start_beyond_the_clock_leaves_the_request_in_flight() {
    // 213503 d is just under u64::MAX ns; added to 1 d it overflows the clock.
    let r = late_request(
        r#"duration = { kind = "constant", value = "1ms" }
        cold_start = { kind = "constant", value = "213503d" }"#,
    );
    assert_eq!(r.counts.arrivals, 1);
    assert_eq!(
        r.counts.completed, 0,
        "completed after {} ms",
        r.latency_ms.max
    );
    assert_eq!(r.in_flight_at_end, 1);
}

#[test]
fn a_timeout_beyond_the_model_is_rejected() {
    // Executions are cut at the timeout, which the model caps (15 min on Lambda), so an
    // execution can no longer run past the clock; the cap itself is the error.
    let text = late_request_text(
        r#"duration = { kind = "constant", value = "213503d" }
        timeout = "213503d"
        cold_start = { kind = "constant", value = "1ms" }"#,
    );
    let sc = util::scenario(&text);
    let err = faasim::simulate(&sc).unwrap_err().to_string();
    assert!(err.contains("function.0.timeout"), "{err}");
    assert!(err.contains("15min"), "{err}");
}
