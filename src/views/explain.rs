//! `faasim explain`: a run told in plain words, and the Gantt chart of its environments.
//!
//! An [`Observer`] watches every happening of the run in time order and keeps the first N as
//! sentences a class can follow ("request 3 for api: no idle environment → cold start"), with
//! requests and environments numbered from 1 in order of appearance (the simulation's own ids
//! are slab slots that get reused). Over the same stretch of time it records each
//! environment's life (initializing, busy, idle, evicted) for [`crate::views::plot::gantt`].
//!
//! ```
//! use faasim::Scenario;
//! let sc = Scenario::load("cold-start-101", &[]).unwrap();
//! let told = faasim::views::explain::explain(&sc, 5).unwrap();
//! assert_eq!(told.lines.len(), 5);
//! assert!(told.lines[0].contains("cold start"));
//! ```

use crate::core::report::Report;
use crate::core::sim::{Happening, Observer, Simulation, ThrottleReason};
use crate::core::time::Instant;

/// Nanoseconds since the start of the run, as the narration keeps them.
type SimTime = u64;
use crate::input::scenario::Scenario;
use crate::input::InputError;
use crate::views::plot::gantt::{Gantt, GanttRow, Outcome, Phase};
use std::collections::HashMap;
use std::fmt::Write as _;

/// At most this many environments get a row in the chart (the first ones created).
pub(crate) const MAX_ROWS: usize = 40;
/// At most this many arrivals are marked on the chart.
const MAX_MARKS: usize = 20_000;

/// A run told in words.
#[derive(Clone, Debug)]
pub struct Explained {
    /// The run's report.
    pub report: Report,
    /// The narration, one sentence per line, at most the number asked for.
    pub lines: Vec<String>,
    /// Whether the run had more to tell than `lines` holds.
    pub truncated: bool,
    /// The end of the stretch the narration covers (the horizon when nothing was left out).
    pub until: SimTime,
    /// The environments over that stretch.
    pub gantt: Gantt,
}

/// Runs `scenario` once and tells its first `events` happenings (a request's arrival and what
/// became of it count as one).
pub fn explain(scenario: &Scenario, events: usize) -> Result<Explained, InputError> {
    let plan = crate::input::compile(scenario)?;
    let horizon = plan.horizon().ns();
    let (report, n) = Simulation::with_observer(&plan, 0, Narrator::new(events)).run_observed();
    let names: Vec<&str> = report.functions.iter().map(|f| f.name.as_str()).collect();
    let name = |f: u32| names.get(f as usize).copied().unwrap_or("?");
    let until = n.cut.unwrap_or(horizon);
    let lines: Vec<String> = n.items.iter().map(|(t, it)| it.tell(*t, &name)).collect();

    // Close the segments still open at the end of the stretch.
    let envs_total = n.env_total;
    let mut rows: Vec<GanttRow> = Vec::with_capacity(n.rows.len());
    for r in n.rows {
        let mut segments = r.segments;
        if r.evicted.is_none() && r.since < until {
            segments.push((r.since, until, r.phase));
        }
        rows.push(GanttRow {
            label: format!("{} #{}", name(r.func), r.number),
            segments,
            evicted: r.evicted,
        });
    }
    let span = words(until);
    let mut note = format!(
        "The first {} happening(s) of the run, to t = {}; {} environment(s) appear",
        lines.len(),
        span,
        envs_total
    );
    if envs_total as usize > rows.len() {
        let _ = write!(note, " (the first {} drawn)", rows.len());
    }
    note.push('.');
    let gantt = Gantt {
        title: format!(
            "{}: environments, one row each (seed {})",
            scenario.display_name(),
            scenario.run.seed
        ),
        note: Some(note),
        start: 0,
        end: until,
        rows,
        arrivals: n.marks,
    };
    Ok(Explained {
        report,
        truncated: n.cut.is_some(),
        until,
        lines,
        gantt,
    })
}

/// What became of an arriving request.
#[derive(Clone, Copy, Debug)]
enum Fate {
    Warm { env: u32, idle_for: Option<SimTime> },
    Cold { env: u32, init: SimTime },
    Joins { env: u32 },
    Throttled(ThrottleReason),
    WaitsForMemory,
}

/// One sentence, with numbers rather than names (names are known after the run).
#[derive(Clone, Copy, Debug)]
enum Item {
    Provisioned {
        func: u32,
        env: u32,
    },
    Request {
        func: u32,
        req: u64,
        fate: Fate,
    },
    /// A keep-warm ping (a synthetic invocation) and what became of it.
    Ping {
        func: u32,
        fate: Fate,
    },
    /// A request that waited for memory gets an environment.
    Unblocked {
        func: u32,
        req: u64,
        fate: Fate,
    },
    Prewarm {
        func: u32,
        env: u32,
        init: SimTime,
    },
    Ready {
        func: u32,
        env: u32,
        init: SimTime,
        first_req: Option<u64>,
        waiting: u32,
    },
    Completed {
        req: u64,
        env: u32,
        latency: SimTime,
        /// Time spent waiting for a cold start (or for memory) before running.
        wait: SimTime,
        timed_out: bool,
    },
    Idle {
        func: u32,
        env: u32,
        expires: Option<SimTime>,
        provisioned: bool,
    },
    Evicted {
        func: u32,
        env: u32,
        idle_for: SimTime,
        early: bool,
    },
}

/// A duration in words: "250 ms", "34.9 s", "10 min", "2.5 h".
pub(crate) fn words(ns: SimTime) -> String {
    let s = ns as f64 / 1e9;
    let trim = |v: f64, d: usize| {
        let t = format!("{v:.d$}");
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t
        }
    };
    if s < 1.0 {
        format!("{} ms", trim(s * 1e3, if s < 0.01 { 2 } else { 0 }))
    } else if s < 60.0 {
        format!("{} s", trim(s, 1))
    } else if s < 3600.0 {
        format!("{} min", trim(s / 60.0, 1))
    } else if s < 2.0 * 86400.0 {
        format!("{} h", trim(s / 3600.0, 1))
    } else {
        format!("{} d", trim(s / 86400.0, 1))
    }
}

/// A point in time for the narration: seconds with three decimals.
fn at(t: SimTime) -> String {
    format!("t={:>8.3}s", t as f64 / 1e9)
}

impl Item {
    fn tell<'a>(&self, t: SimTime, name: &dyn Fn(u32) -> &'a str) -> String {
        let when = at(t);
        match *self {
            Item::Provisioned { func, env } => format!(
                "{when}  environment {env} of {} is provisioned: initialized before the run, always warm, billed all the time",
                name(func)
            ),
            Item::Request { func, req, fate } => {
                format!("{when}  request {req} for {}: {}", name(func), fate.tell(t))
            }
            Item::Ping { func, fate } => {
                format!("{when}  keep-warm ping for {}: {}", name(func), fate.tell(t))
            }
            Item::Unblocked { func, req, fate } => format!(
                "{when}  {} for {} got memory: {}",
                if req == 0 {
                    "a keep-warm ping".to_string()
                } else {
                    format!("request {req}")
                },
                name(func),
                fate.tell(t)
            ),
            Item::Prewarm { func, env, init } => format!(
                "{when}  the keep-alive policy pre-warms environment {env} of {} ({} init) before any request asks for it",
                name(func),
                words(init)
            ),
            Item::Ready { func, env, init, first_req, waiting } => {
                format!("{when}  environment {env} of {} finished initializing after {} → {}",
                    name(func),
                    words(init),
                    ready_then(first_req, waiting)
                )
            }
            Item::Completed {
                req,
                env,
                latency,
                wait,
                timed_out,
            } => format!("{when}  {}", completed(req, env, latency, wait, timed_out)),
            Item::Idle {
                func,
                env,
                expires,
                provisioned,
            } => {
                let fate = idle_fate(t, expires, provisioned);
                format!("{when}  environment {env} of {} is idle → {fate}", name(func))
            }
            Item::Evicted {
                func,
                env,
                idle_for,
                early,
            } => format!("{when}  {}", evicted(name(func), env, idle_for, early)),
        }
    }
}

/// What a newly ready environment does first.
fn ready_then(first_req: Option<u64>, waiting: u32) -> String {
    match (first_req, waiting) {
        (None, _) => "ready and idle, waiting for a request".to_string(),
        (Some(0), _) => "starts a keep-warm ping".to_string(),
        (Some(r), 1) => format!("starts request {r}"),
        (Some(r), w) => format!("starts request {r} and {} more", w - 1),
    }
}

/// A request (0: a ping) done: how long it took, and where the time went.
fn completed(req: u64, env: u32, latency: SimTime, wait: SimTime, timed_out: bool) -> String {
    if req == 0 {
        return format!(
            "keep-warm ping done on environment {env} after {}",
            words(latency)
        );
    }
    let how = if wait > 0 {
        format!(
            "{} waiting for the cold start + {} running",
            words(wait),
            words(latency.saturating_sub(wait))
        )
    } else {
        "warm: all of it running".to_string()
    };
    let cut = if timed_out {
        ", cut at the timeout (an error)"
    } else {
        ""
    };
    format!(
        "request {req} done on environment {env}: {} end to end ({how}){cut}",
        words(latency)
    )
}

/// What becomes of an environment gone idle at `t`.
fn idle_fate(t: SimTime, expires: Option<SimTime>, provisioned: bool) -> String {
    match expires {
        _ if provisioned => "provisioned, so it stays warm".to_string(),
        None => "kept until memory runs short (the policy evicts on pressure only)".to_string(),
        Some(e) if e <= t => "no keep-alive: it goes at once".to_string(),
        Some(e) => format!(
            "kept warm for {} (until t={:.3}s) unless a request comes",
            words(e - t),
            e as f64 / 1e9
        ),
    }
}

/// An eviction of environment `env` of function `func`, and why.
fn evicted(func: &str, env: u32, idle_for: SimTime, early: bool) -> String {
    if early {
        format!(
            "environment {env} of {func} idle for {} → evicted to free memory for another",
            words(idle_for)
        )
    } else if idle_for == 0 {
        format!("environment {env} of {func} evicted (scale to zero)")
    } else {
        format!(
            "environment {env} of {func} idle for {} → evicted (its keep-alive ran out)",
            words(idle_for)
        )
    }
}

impl Fate {
    fn tell(&self, _t: SimTime) -> String {
        match *self {
            Fate::Warm {
                env,
                idle_for: Some(i),
            } => format!(
                "environment {env} is idle (for {}) → warm start",
                words(i)
            ),
            Fate::Warm { env, idle_for: None } => {
                format!("environment {env} has a free slot → warm start")
            }
            Fate::Cold { env, init } => format!(
                "no idle environment → cold start of environment {env}, {} init",
                words(init)
            ),
            Fate::Joins { env } => format!(
                "environment {env} is still initializing and has a free slot → waits for its cold start"
            ),
            Fate::Throttled(ThrottleReason::Concurrency) => {
                "the concurrency limit is reached → throttled (HTTP 429)".to_string()
            }
            Fate::Throttled(ThrottleReason::ScalingRate) => {
                "no idle environment, and the scaling rate allows no new one yet → throttled (HTTP 429)"
                    .to_string()
            }
            Fate::Throttled(ThrottleReason::Memory) => {
                "no host has memory for a new environment → throttled".to_string()
            }
            Fate::WaitsForMemory => {
                "no host has memory for a new environment → waits in the queue".to_string()
            }
        }
    }
}

/// An environment as the narrator knows it.
#[derive(Clone, Debug)]
struct Env {
    number: u32,
    /// Its row in the chart, if it got one.
    row: Option<usize>,
    init: SimTime,
    /// Since when it is idle, while it is.
    idle_since: Option<SimTime>,
    /// When its keep-alive ends (`SimTime::MAX`: kept until memory runs short).
    expires: Option<SimTime>,
    provisioned: bool,
    /// Requests (slab slot) waiting for its cold start.
    waiting: Vec<u32>,
}

/// An environment's row while the run goes on.
#[derive(Clone, Debug)]
struct Row {
    func: u32,
    number: u32,
    segments: Vec<(SimTime, SimTime, Phase)>,
    phase: Phase,
    since: SimTime,
    evicted: Option<SimTime>,
}

impl Row {
    fn enter(&mut self, phase: Phase, now: SimTime) {
        if phase == self.phase {
            return;
        }
        if now > self.since {
            self.segments.push((self.since, now, self.phase));
        }
        self.phase = phase;
        self.since = now;
    }
}

/// The request in flight, as the narrator knows it.
#[derive(Clone, Copy, Debug)]
struct Req {
    number: u64,
    arrival: SimTime,
    /// When it started running.
    start: Option<SimTime>,
}

/// The observer behind [`explain`].
struct Narrator {
    limit: usize,
    items: Vec<(SimTime, Item)>,
    /// The time of the first happening left untold; nothing is recorded from there on.
    cut: Option<SimTime>,
    /// An arrival whose fate has not been reported yet: (time, function, number).
    pending: Option<(SimTime, u32, u64)>,
    next_req: u64,
    reqs: HashMap<u32, Req>,
    envs: HashMap<u32, Env>,
    per_func: Vec<u32>,
    env_total: u32,
    rows: Vec<Row>,
    marks: Vec<(SimTime, Outcome)>,
}

impl Narrator {
    fn new(limit: usize) -> Narrator {
        Narrator {
            limit,
            items: Vec::new(),
            cut: if limit == 0 { Some(0) } else { None },
            pending: None,
            next_req: 1,
            reqs: HashMap::new(),
            envs: HashMap::new(),
            per_func: Vec::new(),
            env_total: 0,
            rows: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// Keeps a sentence; the first one over the limit closes the story at its time.
    fn tell(&mut self, now: SimTime, item: Item) {
        if self.cut.is_some() {
            return;
        }
        if self.items.len() >= self.limit {
            self.cut = Some(now);
            return;
        }
        self.items.push((now, item));
    }

    fn new_env(&mut self, now: SimTime, func: u32, env: u32, phase: Phase) -> u32 {
        let f = func as usize;
        if self.per_func.len() <= f {
            self.per_func.resize(f + 1, 0);
        }
        self.per_func[f] += 1;
        self.env_total += 1;
        let number = self.per_func[f];
        let row = (self.rows.len() < MAX_ROWS).then(|| {
            self.rows.push(Row {
                func,
                number,
                segments: Vec::new(),
                phase,
                since: now,
                evicted: None,
            });
            self.rows.len() - 1
        });
        self.envs.insert(
            env,
            Env {
                number,
                row,
                init: 0,
                idle_since: (phase == Phase::Idle).then_some(now),
                expires: None,
                provisioned: false,
                waiting: Vec::new(),
            },
        );
        number
    }

    fn enter(&mut self, env: u32, phase: Phase, now: SimTime) {
        if let Some(r) = self.envs.get(&env).and_then(|e| e.row) {
            self.rows[r].enter(phase, now);
        }
    }

    fn mark(&mut self, now: SimTime, outcome: Outcome) {
        if self.marks.len() < MAX_MARKS {
            self.marks.push((now, outcome));
        }
    }

    /// The number of the request whose fate is being reported: the pending arrival's, or 0 for
    /// a keep-warm ping (pings are admitted without an arrival).
    fn take_request(&mut self, func: u32) -> u64 {
        match self.pending.take() {
            Some((_, f, n)) if f == func => n,
            other => {
                self.pending = other;
                0
            }
        }
    }

    /// Records simulator request `req` of `func` as started (at `start`, or waiting for a cold
    /// start): its narrated number, and whether it was known already (it waited for memory).
    fn admitted(
        &mut self,
        now: SimTime,
        func: u32,
        req: u32,
        start: Option<SimTime>,
    ) -> (u64, bool) {
        let known = self.reqs.get(&req).copied();
        let number = match known {
            Some(r) => r.number,
            None => self.take_request(func),
        };
        let arrival = known.map_or(now, |r| r.arrival);
        self.reqs.insert(
            req,
            Req {
                number,
                arrival,
                start,
            },
        );
        (number, known.is_some())
    }

    /// Tells what became of request `req` (0: a ping); `known` when it had been waiting for
    /// memory.
    fn fate(&mut self, now: SimTime, func: u32, req: u64, known: bool, fate: Fate) {
        let outcome = match fate {
            Fate::Warm { .. } => Outcome::Warm,
            Fate::Throttled(_) => Outcome::Throttled,
            _ => Outcome::Cold,
        };
        if known {
            self.tell(now, Item::Unblocked { func, req, fate });
        } else if req == 0 {
            self.tell(now, Item::Ping { func, fate });
        } else {
            self.mark(now, outcome);
            self.tell(now, Item::Request { func, req, fate });
        }
    }
}

impl Observer for Narrator {
    fn on(&mut self, now: Instant, what: &Happening) {
        let now = now.ns();
        if self.cut.is_some() {
            return;
        }
        match *what {
            Happening::Provisioned { func, env } => self.provisioned(now, func.get(), env.get()),
            Happening::Arrival { func } => {
                let func = func.get();
                let n = self.next_req;
                self.next_req += 1;
                self.pending = Some((now, func, n));
            }
            Happening::Throttled { func, reason } => {
                let func = func.get();
                let req = self.take_request(func);
                self.fate(now, func, req, false, Fate::Throttled(reason));
            }
            Happening::WaitingForMemory { func, req } => {
                self.waiting_for_memory(now, func.get(), req.get())
            }
            Happening::WarmStart { func, env, req } => {
                self.warm_start(now, func.get(), env.get(), req.get())
            }
            Happening::ColdStart {
                func,
                env,
                req,
                init,
            } => self.cold_start(now, func.get(), env.get(), req.get(), init.ns()),
            Happening::Prewarm { func, env, init } => {
                let (func, env, init) = (func.get(), env.get(), init.ns());
                let n = self.new_env(now, func, env, Phase::Initializing);
                if let Some(e) = self.envs.get_mut(&env) {
                    e.init = init;
                }
                self.tell(now, Item::Prewarm { func, env: n, init });
            }
            Happening::Ready { func, env } => self.ready(now, func.get(), env.get()),
            Happening::Completed {
                env,
                req,
                latency,
                timed_out,
                ..
            } => self.completed(now, env.get(), req.get(), latency.ns(), timed_out),
            Happening::Idle { func, env, expires } => {
                self.idle(now, func.get(), env.get(), expires.map(|t| t.ns()))
            }
            // The narration is about environments; database connections are not told.
            Happening::Connection { .. } => {}
            Happening::Evicted { func, env } => self.evicted(now, func.get(), env.get()),
        }
    }
}

/// What each happening does to the story and the chart.
impl Narrator {
    fn provisioned(&mut self, now: SimTime, func: u32, env: u32) {
        let n = self.new_env(now, func, env, Phase::Idle);
        if let Some(e) = self.envs.get_mut(&env) {
            e.provisioned = true;
        }
        self.tell(now, Item::Provisioned { func, env: n });
    }

    fn waiting_for_memory(&mut self, now: SimTime, func: u32, req: u32) {
        let number = self.take_request(func);
        let r = Req {
            number,
            arrival: now,
            start: None,
        };
        self.reqs.insert(req, r);
        self.fate(now, func, number, false, Fate::WaitsForMemory);
    }

    fn warm_start(&mut self, now: SimTime, func: u32, env: u32, req: u32) {
        let (number, known) = self.admitted(now, func, req, Some(now));
        let (env_no, idle_for) = match self.envs.get_mut(&env) {
            Some(e) => {
                let idle_for = e.idle_since.take().map(|s| now - s);
                e.expires = None;
                (e.number, idle_for)
            }
            None => (0, None),
        };
        self.enter(env, Phase::Busy, now);
        let fate = Fate::Warm {
            env: env_no,
            idle_for,
        };
        self.fate(now, func, number, known, fate);
    }

    fn cold_start(&mut self, now: SimTime, func: u32, env: u32, req: u32, init_ns: SimTime) {
        let (number, known) = self.admitted(now, func, req, None);
        let fate = if init_ns > 0 {
            let n = self.new_env(now, func, env, Phase::Initializing);
            Fate::Cold {
                env: n,
                init: init_ns,
            }
        } else {
            Fate::Joins {
                env: self.envs.get(&env).map_or(0, |e| e.number),
            }
        };
        if let Some(e) = self.envs.get_mut(&env) {
            if init_ns > 0 {
                e.init = init_ns;
            }
            e.idle_since = None;
            e.waiting.push(req);
        }
        self.fate(now, func, number, known, fate);
    }

    fn ready(&mut self, now: SimTime, func: u32, env: u32) {
        let (number, init, waiting) = match self.envs.get_mut(&env) {
            Some(e) => (e.number, e.init, std::mem::take(&mut e.waiting)),
            None => (0, 0, Vec::new()),
        };
        let mut first_req = None;
        for slot in &waiting {
            if let Some(r) = self.reqs.get_mut(slot) {
                r.start = Some(now);
                first_req = first_req.or(Some(r.number));
            }
        }
        self.enter(env, Phase::Busy, now);
        self.tell(
            now,
            Item::Ready {
                func,
                env: number,
                init,
                first_req,
                waiting: waiting.len() as u32,
            },
        );
    }

    fn completed(
        &mut self,
        now: SimTime,
        env: u32,
        req: u32,
        latency_ns: SimTime,
        timed_out: bool,
    ) {
        let (number, wait) = match self.reqs.remove(&req) {
            Some(r) => (r.number, r.start.map_or(0, |s| s.saturating_sub(r.arrival))),
            None => (0, 0),
        };
        let env_no = self.envs.get(&env).map_or(0, |e| e.number);
        self.tell(
            now,
            Item::Completed {
                req: number,
                env: env_no,
                latency: latency_ns,
                wait: wait.min(latency_ns),
                timed_out,
            },
        );
    }

    fn idle(&mut self, now: SimTime, func: u32, env: u32, expires: Option<SimTime>) {
        let (number, provisioned) = match self.envs.get_mut(&env) {
            Some(e) => {
                e.idle_since = Some(now);
                e.expires = Some(expires.unwrap_or(SimTime::MAX));
                (e.number, e.provisioned)
            }
            None => (0, false),
        };
        self.enter(env, Phase::Idle, now);
        self.tell(
            now,
            Item::Idle {
                func,
                env: number,
                expires,
                provisioned,
            },
        );
    }

    fn evicted(&mut self, now: SimTime, func: u32, env: u32) {
        let Some(e) = self.envs.remove(&env) else {
            return;
        };
        if let Some(r) = e.row {
            let row = &mut self.rows[r];
            if now > row.since {
                row.segments.push((row.since, now, row.phase));
            }
            row.since = now;
            row.evicted = Some(now);
        }
        let early = e.expires.is_some_and(|x| now < x);
        let idle_for = e.idle_since.map_or(0, |s| now.saturating_sub(s));
        self.tell(
            now,
            Item::Evicted {
                func,
                env: e.number,
                idle_for,
                early,
            },
        );
    }
}

/// The narration as text: a header, the lines, and what was left out.
pub fn narration(scenario: &Scenario, told: &Explained) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "faasim explain — scenario '{}', seed {}, {} simulated",
        scenario.display_name(),
        scenario.run.seed,
        crate::core::time::format_duration(scenario.run.horizon.ns())
    );
    if let Some(d) = &scenario.description {
        let _ = writeln!(s, "{}", d.trim());
    }
    let _ = writeln!(s);
    for l in &told.lines {
        let _ = writeln!(s, "{l}");
    }
    let _ = writeln!(s);
    if told.truncated {
        let _ = writeln!(
            s,
            "... the run goes on to {} (--events N tells more). Over the whole run:",
            crate::core::time::format_duration(scenario.run.horizon.ns())
        );
    } else {
        let _ = writeln!(s, "That is the whole run. In total:");
    }
    let c = &told.report.counts;
    let _ = writeln!(
        s,
        "{} request(s): {} warm, {} cold, {} throttled; p99 latency {:.1} ms; {:.1} GB-s of memory held idle; cost ${:.6}",
        c.arrivals,
        c.warm_starts,
        c.cold_starts,
        c.throttled,
        told.report.latency_ms.p99,
        told.report.idle_memory_gb_s,
        told.report.cost_usd.total
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(words(250_000_000), "250 ms");
        assert_eq!(words(34_930_000_000), "34.9 s");
        assert_eq!(words(600_000_000_000), "10 min");
        assert_eq!(words(5_400_000_000_000), "1.5 h");
        assert_eq!(words(1_500_000), "1.5 ms");
    }
}
