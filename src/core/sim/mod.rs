//! The platform simulation: requests meet environments, limits and the keep-alive policy.
//!
//! [`Simulation`] owns all state of one run (functions, environments in a slab, requests in a
//! slab, limits, metrics) and implements [`engine::Model`]. Events are small `Copy` values that
//! carry slab indices; handling one allocates nothing once the slabs have grown to the live size.
//!
//! Semantics (see docs/model.md for the full list):
//! - An arrival first needs a free concurrency slot in its pool, else it is throttled.
//! - It then takes an environment with a free request slot, chosen by the routing rule among the
//!   function's provisioned environments first, then its on-demand ones (warm start). With more
//!   than one request per instance, an initializing environment with a free slot also takes it
//!   (the request waits for that cold start, and counts as cold).
//! - Otherwise it needs a token from the scaling-rate bucket to create an environment (cold
//!   start), else it is throttled.
//! - Execution takes the sampled warm duration, cut at the timeout (counted as a timeout).
//! - When an environment has no request left it turns idle; the keep-alive policy decides when
//!   it is evicted. Provisioned environments never are.

mod compose;
mod connections;
mod delivery;
mod foresight;

use crate::core::billing::prices::Pricing;
use crate::core::billing::terms::ModelTerms;
use crate::core::billing::{self, FunctionUsage};
use crate::core::engine::{EventQueue, Lane};
use crate::core::metrics::{Counts, InstanceSummary, Latency, Level, Levels, TimeSeries};
use crate::core::plan::{Call, ColdStart, FanOut, Plan, Provision, Routing};
use crate::core::platform::cdn::Cdn;
use crate::core::platform::cluster::{Cluster, WhenFull};
use crate::core::platform::database::Database;
use crate::core::platform::env::{AvailList, EnvSlab, EnvState, NIL};
use crate::core::platform::function::Arch;
use crate::core::platform::limits::{Pools, ScalingScope, TokenBucket};
use crate::core::policy::{Builtin, Candidate, FunctionInfo, IdleDecision, Policy};
use crate::core::report::{FunctionReport, Report};
use crate::core::rng::{self, Stream, StreamKind};
use crate::core::time::SimTime;
use crate::core::workload::arrivals::Arrivals;
use crate::core::workload::dist::Dist;
use compose::Flows;
use delivery::{Delivery, Mode};
use rand::{Rng, RngExt};

/// The events of a platform run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A request for function `.0` arrives.
    Arrival(u32),
    /// Environment `.0` finished initializing.
    InitDone(u32),
    /// Request `.0` finished.
    Complete(u32),
    /// Keep-alive timer of environment `.0`, valid if the slot's generation is still `.1` and
    /// it is the environment's current timer.
    Expire(u32, u32),
    /// Pre-warm an environment of function `.0`, valid if its pre-warm generation is `.1`.
    Prewarm(u32, u32),
    /// A keep-warm ping of function `.0` (a synthetic invocation).
    Ping(u32),
    /// The timeout of request `.0` (generation `.1`) while it waits for a call or a database
    /// connection.
    Deadline(u32, u32),
    /// Async event `.0` is tried again.
    Retry(u32),
    /// The messages of failed batch `.0` become visible again.
    Visible(u32),
    /// Queue `.0`'s pollers scale (every second while it has work).
    PollTick(u32),
    /// Queue `.0`'s batching window ends (if it is still the window set for this time).
    PollWindow(u32),
    /// A boundary of function `.0`'s provisioned-concurrency schedule.
    Provision(u32),
}

/// Why a request was throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThrottleReason {
    /// The account's or the function's concurrency limit was reached.
    Concurrency,
    /// No token in the scaling-rate bucket to create an environment.
    ScalingRate,
    /// No host had memory for a new environment, and nothing could be evicted (or the wait
    /// queue was full).
    Memory,
}

/// Something that happened, reported to an [`Observer`] (for narration and for tests).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Happening {
    /// A provisioned environment was made ready (before the run, or at a boundary of the
    /// function's provisioned-concurrency schedule).
    Provisioned {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
    },
    /// A request arrived.
    Arrival {
        /// Function index.
        func: u32,
    },
    /// It was admitted but waits for memory on a host (cluster with `when_full = "queue"`).
    WaitingForMemory {
        /// Function index.
        func: u32,
        /// Request id.
        req: u32,
    },
    /// It was throttled.
    Throttled {
        /// Function index.
        func: u32,
        /// Which limit.
        reason: ThrottleReason,
    },
    /// It found a warm environment.
    WarmStart {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Request id.
        req: u32,
    },
    /// It needs a cold start (a new environment, or joining one that is initializing).
    ColdStart {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Request id.
        req: u32,
        /// Init delay of the new environment; 0 when joining one already initializing.
        init_ns: SimTime,
    },
    /// The policy started pre-warming an environment (no request waiting for it).
    Prewarm {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Init delay.
        init_ns: SimTime,
    },
    /// An environment finished initializing.
    Ready {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
    },
    /// A request finished.
    Completed {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Request id.
        req: u32,
        /// End-to-end latency.
        latency_ns: SimTime,
        /// Cut at the timeout.
        timed_out: bool,
    },
    /// An environment became idle; it expires at the given time unless used.
    Idle {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Expiry time, `None` for provisioned environments.
        expires: Option<SimTime>,
    },
    /// An environment was evicted.
    Evicted {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
    },
    /// A database connection was opened or closed (one passed from a request to a waiting
    /// one is neither).
    Connection {
        /// Database index (in the scenario's order).
        db: u32,
        /// Opened (else closed).
        open: bool,
    },
}

/// Watches a run. The default methods do nothing and compile away.
pub trait Observer {
    /// Called for every happening, in simulated-time order.
    #[inline]
    fn on(&mut self, _now: SimTime, _what: &Happening) {}
}

/// An observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;
impl Observer for Quiet {}

impl<F: FnMut(SimTime, &Happening)> Observer for F {
    fn on(&mut self, now: SimTime, what: &Happening) {
        self(now, what)
    }
}

/// Per-function statistics.
#[derive(Clone, Debug)]
#[repr(C)]
struct FuncStats {
    counts: Counts,
    latency: Latency,
    /// ns × environments in each [`Level`] (index by level) over the measured window.
    area: [u128; 3],
    live: u32,
    peak: u32,
    billed_ns: u128,
    billed_ns_provisioned: u128,
    /// Users' requests that passed the front door.
    front_door_requests: u64,
}

/// One function's configuration and running state. `repr(C)` keeps the declared order: the
/// fields an arrival and a completion touch come first and share a few cache lines, which
/// matters when a thousand functions are interleaved at random.
#[derive(Clone, Debug)]
#[repr(C)]
struct Func {
    arrivals: Arrivals,
    rng_arrivals: Stream,
    pool: u32,
    bucket: u32,
    per_instance: u32,
    /// How callers invoke it.
    mode: Mode,
    /// Which optional parts it has (`X_*` bits), so that the common path tests one byte and
    /// leaves the cold fields at the end of the struct alone.
    extras: u8,
    provisioned: u32,
    avail: AvailList,
    avail_provisioned: AvailList,
    /// Requests of this function in flight, and since when it has had none (its idle time
    /// starts there; `SimTime::MAX` before its first request).
    in_flight: u32,
    /// Its next arrival already in the queue (`SimTime::MAX` when none): the future, told only
    /// to offline-bound policies through `Policy::on_idle_knowing`.
    next_arrival: SimTime,
    idle_since: SimTime,
    /// Keep-warm pings: period (0 = none) and how long each runs.
    ping_every: SimTime,
    ping_duration: SimTime,
    /// The pending pre-warm's generation and the expiry of the environment it will create.
    prewarm_gen: u32,
    prewarm_expire: SimTime,
    timeout: SimTime,
    rng_durations: Stream,
    duration: Dist,
    stats: FuncStats,
    rng_cold: Stream,
    cold_start: ColdStart,
    memory_mb: u32,
    arch: Arch,
    name: String,
    /// What the model makes of the function (billing figures, CPU scaling, front door).
    terms: ModelTerms,
    /// Probability that an invocation ends in a function error.
    error_rate: f64,
    rng_errors: Stream,
    /// What it calls after its own work, in order.
    calls: Vec<Call>,
    /// Workers it starts when done, and their aggregator.
    fan_out: Option<FanOut>,
    /// Index of its database in `dbs`, NIL for none.
    db: u32,
    /// A CDN cache in front of it.
    cdn: Option<Box<Cdn>>,
    rng_cdn: Stream,
    /// Provisioned concurrency as configured (`provisioned` is its count now), and how many
    /// provisioned environments are alive (above the count while busy ones wait to be idle).
    provision: Provision,
    provisioned_live: u32,
    /// Its application, when a workload names one (else it is an application of its own).
    app: Option<Box<str>>,
}

/// Bits of `Func::extras`.
const X_CDN: u8 = 1;
const X_FRONT_DOOR: u8 = 2;
const X_ERRORS: u8 = 4;
const X_CALLS: u8 = 8;
const X_FAN_OUT: u8 = 16;
const X_DB: u8 = 32;

/// Who waits for a request's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// A user's request (from the function's own arrivals): it passed the front door and the
    /// CDN, whose latency it carries.
    User,
    /// A call nobody waits for.
    Direct,
    /// An attempt of async event `.0`.
    Event(u32),
    /// Batch `.0` of a queue.
    Batch(u32),
    /// A call request `.0` (generation `.1`) waits for.
    Call(u32, u32),
    /// A worker of fan-out flow `.0`.
    Worker(u32),
    /// The aggregator of flow `.0`.
    Join(u32),
}

/// What a request is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Admitted, waiting for memory or its environment's initialization.
    Starting,
    /// Waiting for a database connection.
    Connecting,
    /// Running its own work.
    Running,
    /// Waiting for the function it called.
    Calling,
    /// Waiting for the compensating function of a failed call.
    Compensating,
}

/// A request in flight.
#[derive(Clone, Copy, Debug)]
struct Req {
    func: u32,
    env: u32,
    arrival: SimTime,
    /// Init time billed with this request (the first request of a cold environment).
    init_ns: SimTime,
    /// When execution started (after any cold start).
    start: SimTime,
    timed_out: bool,
    /// A keep-warm ping, not a user request: billed and occupying, but not in the statistics.
    ping: bool,
    /// Next request waiting for the same initializing environment.
    next: u32,
    /// Who waits for its outcome.
    origin: Origin,
    /// Changes when the slot is freed, so stale deadlines and call results are ignored.
    gen: u32,
    phase: Phase,
    /// The call step in progress, and how often it was tried.
    step: u32,
    tries: u32,
    /// Ended in an error (a function error, a failed call, no database connection).
    failed: bool,
    /// Holds a database connection of its own (per-request connections).
    conn: bool,
    /// Its deadline timer is in the queue.
    deadline_armed: bool,
    /// Its environment could not open its database connection: like an error in init code,
    /// that discards the environment once it is free.
    discard_env: bool,
    /// Its own work (the raw draw, before CPU scaling and the timeout), drawn when a user's
    /// synchronous request arrives, so that the n-th request of a function runs as long under
    /// every policy; `NO_WORK` for requests that draw when they start running.
    work: SimTime,
}

/// `Req::work` of a request that draws its work when it starts running.
const NO_WORK: SimTime = SimTime::MAX;

/// One run of a scenario on a platform model, with observer `O` and keep-alive policy `P`.
pub struct Simulation<O: Observer = Quiet, P: Policy = Builtin> {
    funcs: Vec<Func>,
    envs: EnvSlab,
    reqs: Vec<Req>,
    free_reqs: Vec<u32>,
    pools: Pools,
    buckets: Vec<TokenBucket>,
    routing: Routing,
    rng_routing: Stream,
    /// Hosts and their memory, when the scenario has a `[cluster]`.
    cluster: Option<Cluster>,
    /// Requests waiting for memory (with `when_full = "queue"`), oldest first.
    mem_queue: std::collections::VecDeque<u32>,
    /// Scratch space for eviction candidates, reused so eviction allocates nothing.
    scratch: Vec<u32>,
    candidates: Vec<Candidate>,
    policy: P,
    /// Per function, the arrivals drawn ahead for a policy that asks for foresight
    /// ([`Policy::foresight`]); empty when it asks for none, so other policies never touch it.
    ahead: Vec<foresight::Ahead>,
    /// Whether the policy's expiries can go in a FIFO lane (see `Policy::fifo_expiry`).
    fifo_expiry: bool,
    lane: Lane,
    queue: EventQueue<Event>,
    levels: Levels,
    warmup: SimTime,
    horizon: SimTime,
    pricing: Pricing,
    counts: Counts,
    latency: Latency,
    observer: O,
    name: String,
    seed: u64,
    /// Async events, queues, batches and their counts.
    delivery: Delivery,
    /// Fan-out flows.
    flows: Flows,
    /// Databases, by index.
    dbs: Vec<Database>,
}

impl Simulation<Quiet> {
    /// Builds run number `run` of `plan` (0 for a single run) with the plan's keep-alive policy.
    /// The random streams derive from the plan's seed and `run`.
    pub fn new(plan: &Plan, run: u64) -> Self {
        Self::with_observer(plan, run, Quiet)
    }
}

impl<O: Observer> Simulation<O> {
    /// Like [`Simulation::new`], reporting every happening to `observer`.
    pub fn with_observer(plan: &Plan, run: u64, observer: O) -> Self {
        Simulation::with_policy(plan, run, observer, plan.keep_alive.build())
    }
}

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// Builds a run with a policy of the caller's own instead of the plan's keep-alive.
    pub fn with_policy(plan: &Plan, run: u64, observer: O, mut policy: P) -> Self {
        let (seed, horizon, warmup) = (plan.seed, plan.horizon, plan.warmup);
        let mut delivery = Delivery::new(warmup);
        let mut funcs: Vec<Func> = plan
            .functions
            .iter()
            .enumerate()
            .map(|(i, fp)| {
                let sid = fp.stream;
                let stream = |kind| rng::stream(seed, run, kind, sid);
                let mut func = Func {
                    name: fp.name.clone(),
                    memory_mb: fp.memory_mb,
                    arch: fp.arch,
                    terms: fp.terms.clone(),
                    per_instance: fp.per_instance,
                    timeout: fp.timeout,
                    provisioned: 0,
                    provision: fp.provision.clone(),
                    provisioned_live: 0,
                    duration: fp.duration.clone(),
                    cold_start: fp.cold_start.clone(),
                    arrivals: fp.arrivals.clone(),
                    rng_arrivals: stream(StreamKind::Arrivals),
                    rng_durations: stream(StreamKind::Durations),
                    rng_cold: stream(StreamKind::ColdStart),
                    pool: 0,
                    bucket: 0,
                    avail: AvailList::default(),
                    avail_provisioned: AvailList::default(),
                    in_flight: 0,
                    next_arrival: SimTime::MAX,
                    idle_since: SimTime::MAX,
                    prewarm_gen: 0,
                    prewarm_expire: 0,
                    ping_every: fp.ping.map_or(0, |p| p.every),
                    ping_duration: fp.ping.map_or(0, |p| p.duration),
                    mode: delivery.register(&fp.invocation, i as u32),
                    error_rate: fp.error_rate,
                    extras: 0,
                    rng_errors: stream(StreamKind::Errors),
                    calls: fp.calls.clone(),
                    fan_out: fp.fan_out,
                    db: fp.database.unwrap_or(NIL),
                    cdn: fp.cdn.as_ref().map(|c| Box::new(Cdn::new(c))),
                    rng_cdn: stream(StreamKind::Cdn),
                    app: fp.app.clone(),
                    stats: FuncStats {
                        counts: Counts::default(),
                        latency: Latency::new(Latency::COARSE),
                        area: [0; 3],
                        live: 0,
                        peak: 0,
                        billed_ns: 0,
                        billed_ns_provisioned: 0,
                        front_door_requests: 0,
                    },
                };
                let bit = |on: bool, b: u8| if on { b } else { 0 };
                func.extras = bit(func.cdn.is_some(), X_CDN)
                    | bit(func.terms.front_door.is_some(), X_FRONT_DOOR)
                    | bit(func.error_rate > 0.0, X_ERRORS)
                    | bit(!func.calls.is_empty(), X_CALLS)
                    | bit(func.fan_out.is_some(), X_FAN_OUT)
                    | bit(func.db != NIL, X_DB);
                func
            })
            .collect();
        let reserved: Vec<Option<u32>> = plan.functions.iter().map(|f| f.reserved).collect();
        let (pools, pool_of) = Pools::new(plan.account_concurrency, &reserved)
            .expect("the compiler checked the reservations against the account");
        let scaling = &plan.scaling;
        let bucket = TokenBucket::new(scaling.burst, scaling.refill as f64, scaling.interval.ns());
        let buckets = match scaling.scope {
            ScalingScope::Account => vec![bucket],
            ScalingScope::Function => vec![bucket; funcs.len()],
        };
        for (i, f) in funcs.iter_mut().enumerate() {
            f.pool = pool_of[i];
            f.bucket = if buckets.len() == 1 { 0 } else { i as u32 };
        }
        let series = plan.timeseries.map(|w| TimeSeries::new(warmup, horizon, w));
        let infos: Vec<FunctionInfo> = funcs
            .iter()
            .map(|f| FunctionInfo {
                name: f.name.clone(),
                memory_mb: f.memory_mb,
                mean_cold_start_s: f.cold_start.mean_secs(),
            })
            .collect();
        policy.start(&infos);
        let ahead = foresight::Ahead::for_policy(&policy, &funcs);
        let mut queue = EventQueue::new();
        let lane = queue.add_lane();
        let mut sim = Simulation {
            funcs,
            envs: EnvSlab::default(),
            reqs: Vec::new(),
            free_reqs: Vec::new(),
            pools,
            buckets,
            routing: plan.routing,
            rng_routing: rng::stream(seed, run, StreamKind::Routing, 0),
            fifo_expiry: policy.fifo_expiry(),
            cluster: plan.cluster.as_ref().map(|c| Cluster::new(c, warmup)),
            mem_queue: std::collections::VecDeque::new(),
            scratch: Vec::new(),
            candidates: Vec::new(),
            policy,
            ahead,
            lane,
            queue,
            levels: Levels::new(warmup, series),
            warmup,
            horizon,
            pricing: plan.pricing.clone(),
            counts: Counts::default(),
            latency: Latency::new(Latency::FINE),
            observer,
            name: plan.name.clone(),
            seed,
            delivery,
            flows: Flows::default(),
            dbs: plan
                .databases
                .iter()
                .map(|d| Database::new(d, warmup))
                .collect(),
        };
        sim.start();
        sim
    }

    /// Provisioned environments and the first arrival of every function.
    fn start(&mut self) {
        for f in 0..self.funcs.len() as u32 {
            // `provisioned` held the schedule's largest count for the limit checks; from here on
            // it is the count in force.
            let func = &mut self.funcs[f as usize];
            func.provisioned = func.provision.count_at(0);
            if let Some(t) = func.provision.next_change(0).filter(|&t| t < self.horizon) {
                self.queue.schedule(t, Event::Provision(f));
            }
            for _ in 0..self.funcs[f as usize].provisioned {
                let host = self
                    .place(f, 0, false)
                    .expect("the compiler checked that provisioned environments fit");
                let e = self.new_env(f, host, EnvState::Idle, 0, true);
                let func = &mut self.funcs[f as usize];
                func.provisioned_live += 1;
                func.avail_provisioned.push_back(&mut self.envs, e);
                self.observer
                    .on(0, &Happening::Provisioned { func: f, env: e });
            }
            if self.funcs[f as usize].ping_every > 0 {
                self.queue.schedule(0, Event::Ping(f));
            }
            let func = &mut self.funcs[f as usize];
            let first = match self.ahead.get_mut(f as usize).filter(|a| a.on()) {
                Some(a) => a.first(func, self.horizon),
                None => func.arrivals.next(&mut func.rng_arrivals),
            };
            if let Some(t) = first.filter(|&t| t < self.horizon) {
                self.queue.schedule(t, Event::Arrival(f));
                self.funcs[f as usize].next_arrival = t;
            }
        }
    }

    /// Runs to the horizon and returns the report.
    pub fn run(self) -> Report {
        self.run_observed().0
    }

    /// Runs to the horizon and returns the report and the observer.
    pub fn run_observed(mut self) -> (Report, O) {
        while let Some((now, ev)) = self.queue.pop_until(self.horizon) {
            match ev {
                Event::Arrival(f) => self.arrival(f, now),
                Event::InitDone(e) => self.init_done(e, now),
                Event::Complete(r) => {
                    self.complete(r, now);
                    if !self.mem_queue.is_empty() {
                        self.drain_mem_queue(now);
                    }
                }
                Event::Expire(e, g) => {
                    self.expire(e, g, now);
                    if !self.mem_queue.is_empty() {
                        self.drain_mem_queue(now);
                    }
                }
                Event::Prewarm(f, g) => self.prewarm(f, g, now),
                Event::Ping(f) => self.ping(f, now),
                Event::Deadline(r, g) => {
                    self.deadline(r, g, now);
                    if !self.mem_queue.is_empty() {
                        self.drain_mem_queue(now);
                    }
                }
                Event::Retry(ev) => self.retry_event(ev, now),
                Event::Visible(b) => self.batch_visible(b, now),
                Event::PollTick(q) => self.poll_tick(q, now),
                Event::PollWindow(q) => self.poll_window(q, now),
                Event::Provision(f) => self.provision(f, now),
            }
        }
        self.finish()
    }

    #[inline]
    fn count_live(&mut self, f: u32, delta: i32, now: SimTime) {
        let s = &mut self.funcs[f as usize].stats;
        let before = s.live;
        s.live = s.live.wrapping_add_signed(delta);
        if now >= self.warmup {
            // Both counts were alive at `now`, which is inside the measured window.
            s.peak = s.peak.max(before.max(s.live));
        }
    }

    /// Moves environment `e` to `to` at `now`, accounting the time spent in its old state.
    #[inline]
    fn set_state(&mut self, e: u32, to: EnvState, now: SimTime) {
        let (from, since, f) = {
            let env = &self.envs[e];
            (env.state, env.since, env.func)
        };
        let start = since.max(self.warmup);
        if let Some(l) = level(from) {
            if now > start {
                self.funcs[f as usize].stats.area[l as usize] += (now - start) as u128;
            }
        }
        self.levels.change(now, level(from), level(to));
        let env = &mut self.envs[e];
        env.state = to;
        env.since = now;
        let host = env.host;
        if host != NIL && (from == EnvState::Idle) != (to == EnvState::Idle) {
            if let Some(c) = self.cluster.as_mut() {
                let mb = self.funcs[f as usize].memory_mb as u64;
                if to == EnvState::Idle {
                    c.idle_push(&mut self.envs, host, e, mb);
                } else {
                    c.idle_remove(&mut self.envs, host, e, mb);
                }
            }
        }
    }

    /// Finds memory for a new environment of `f`: a host with room, or one where evicting
    /// idle environments (chosen by the policy) makes room, when `evict` allows. Returns the
    /// host with the memory taken, NIL without a cluster, or `None` when there is no room.
    fn place(&mut self, f: u32, now: SimTime, evict: bool) -> Option<u32> {
        let Some(c) = self.cluster.as_ref() else {
            return Some(NIL);
        };
        let need = self.funcs[f as usize].memory_mb as u64;
        let host = match c.with_room(need, f) {
            Some(h) => h,
            None if evict => {
                let h = c.with_room_after_eviction(need, f)?;
                while self.cluster.as_ref()?.free(h) < need {
                    let mut ids = std::mem::take(&mut self.scratch);
                    let mut cands = std::mem::take(&mut self.candidates);
                    ids.clear();
                    cands.clear();
                    self.cluster.as_ref()?.idle_on(&self.envs, h, &mut ids);
                    cands.extend(ids.iter().map(|&e| Candidate {
                        env: e,
                        func: self.envs[e].func,
                        idle_since: self.envs[e].since,
                        memory_mb: self.funcs[self.envs[e].func as usize].memory_mb,
                    }));
                    let pick = if cands.is_empty() {
                        None
                    } else {
                        self.policy.victim(&cands, now)
                    };
                    let victim = pick.and_then(|i| cands.get(i)).map(|c| c.env);
                    self.scratch = ids;
                    self.candidates = cands;
                    match victim {
                        Some(v) => self.evict(v, now),
                        None => return None,
                    }
                }
                h
            }
            None => return None,
        };
        self.cluster.as_mut()?.take(host, need, now);
        Some(host)
    }

    #[inline(always)]
    fn alloc_req(
        &mut self,
        func: u32,
        env: u32,
        arrival: SimTime,
        ping: bool,
        origin: Origin,
        work: SimTime,
    ) -> u32 {
        self.funcs[func as usize].in_flight += 1;
        let r = Req {
            func,
            env,
            arrival,
            init_ns: 0,
            start: arrival,
            timed_out: false,
            ping,
            next: NIL,
            origin,
            gen: 0,
            phase: Phase::Starting,
            step: 0,
            tries: 0,
            failed: false,
            conn: false,
            deadline_armed: false,
            discard_env: false,
            work,
        };
        match self.free_reqs.pop() {
            Some(i) => {
                // The generation moved on when the slot was freed.
                let gen = self.reqs[i as usize].gen;
                self.reqs[i as usize] = Req { gen, ..r };
                i
            }
            None => {
                self.reqs.push(r);
                (self.reqs.len() - 1) as u32
            }
        }
    }

    /// Returns request slot `r` to the free list; its generation changes so that timers and
    /// call results meant for it are ignored.
    #[inline]
    fn free_req(&mut self, r: u32) {
        let q = &mut self.reqs[r as usize];
        q.gen = q.gen.wrapping_add(1);
        if q.work != NO_WORK && !self.ahead.is_empty() {
            let f = q.func;
            self.foresee_ended(f, r);
        }
        self.free_reqs.push(r);
    }

    /// The environment that takes a request of `f`, from its provisioned list first.
    #[inline]
    fn pick(&mut self, f: u32) -> u32 {
        let func = &self.funcs[f as usize];
        let list = if !func.avail_provisioned.is_empty() {
            func.avail_provisioned
        } else if !func.avail.is_empty() {
            func.avail
        } else {
            return NIL;
        };
        match self.routing {
            Routing::Mru => list.back(),
            Routing::Lru => list.front(),
            Routing::Newest => {
                // Linear in the idle count; fine for the small pools this rule is used with.
                let (mut best, mut i) = (NIL, list.front());
                while i != NIL {
                    if best == NIL || self.envs[i].created >= self.envs[best].created {
                        best = i;
                    }
                    i = list.next(&self.envs, i);
                }
                best
            }
            Routing::Random => {
                let k = self.rng_routing.next_u64() % list.len() as u64;
                let mut i = list.front();
                for _ in 0..k {
                    i = list.next(&self.envs, i);
                }
                i
            }
        }
    }

    /// Marks `e` as just used: last in its list, or out of it when it has no free slot left.
    #[inline]
    fn touch(&mut self, e: u32) {
        let (f, provisioned, in_flight) = {
            let env = &self.envs[e];
            (env.func, env.provisioned, env.in_flight)
        };
        let func = &mut self.funcs[f as usize];
        let full = in_flight >= func.per_instance;
        let list = if provisioned {
            &mut func.avail_provisioned
        } else {
            &mut func.avail
        };
        if AvailList::contains(&self.envs, e) {
            list.remove(&mut self.envs, e);
        }
        if !full {
            list.push_back(&mut self.envs, e);
        }
    }

    /// Starts request `r` at `now` on its environment: its billed time begins, it takes a
    /// database connection if its function needs one, and then runs.
    #[inline(always)]
    fn start_exec(&mut self, r: u32, now: SimTime) {
        let req = &mut self.reqs[r as usize];
        req.start = now;
        req.phase = Phase::Running;
        let (f, e, ping) = (req.func, req.env, req.ping);
        self.policy.on_use(f, e, now);
        if self.funcs[f as usize].extras & X_DB != 0 && !ping && !self.connect(r, now) {
            return; // waits for a connection, or failed without one
        }
        self.run_exec(r, now);
    }

    /// Runs request `r`'s own work from `now`, cut at its deadline.
    #[inline(always)]
    fn run_exec(&mut self, r: u32, now: SimTime) {
        let req = self.reqs[r as usize];
        let func = &mut self.funcs[req.func as usize];
        let mut exec = if req.ping {
            func.ping_duration
        } else if let Origin::Batch(b) = req.origin {
            // One invocation for the batch: the messages' work one after another.
            let n = self.delivery.batch_len(b);
            let mut t: SimTime = 0;
            for _ in 0..n {
                t = t.saturating_add(func.duration.sample_ns(&mut func.rng_durations));
            }
            func.terms.scale_exec(t)
        } else {
            let work = if req.work != NO_WORK {
                req.work
            } else {
                func.duration.sample_ns(&mut func.rng_durations)
            };
            // CPU-bound work runs slower below one full vCPU (the model's `exec_scale`).
            func.terms.scale_exec(work)
        };
        let left = req.start.saturating_add(func.timeout).saturating_sub(now);
        if exec > left {
            exec = left;
            self.reqs[r as usize].timed_out = true;
        }
        // Saturating: a delay beyond the clock means "never within this run".
        let end = now.saturating_add(exec);
        self.queue.schedule(end, Event::Complete(r));
        if req.work != NO_WORK && !self.ahead.is_empty() {
            self.foresee_end(req.func, r, end, req.init_ns > 0);
        }
    }

    fn throttle(
        &mut self,
        f: u32,
        now: SimTime,
        reason: ThrottleReason,
        ping: bool,
        origin: Origin,
    ) {
        if ping {
            if now >= self.warmup {
                self.counts.pings_throttled += 1;
                self.funcs[f as usize].stats.counts.pings_throttled += 1;
            }
            return;
        }
        if now >= self.warmup {
            for c in [&mut self.counts, &mut self.funcs[f as usize].stats.counts] {
                c.throttled += 1;
                match reason {
                    ThrottleReason::Concurrency => c.throttled_concurrency += 1,
                    ThrottleReason::ScalingRate => c.throttled_scaling += 1,
                    ThrottleReason::Memory => c.throttled_memory += 1,
                }
            }
            if let Some(b) = self.levels.series_mut().and_then(|s| s.at(now)) {
                b.throttled += 1;
            }
        }
        self.observer
            .on(now, &Happening::Throttled { func: f, reason });
        if !matches!(origin, Origin::User | Origin::Direct) {
            self.outcome(origin, false, true, now);
        }
    }

    /// A user request of `f` (from its arrival process) at `now`.
    #[inline]
    fn arrival(&mut self, f: u32, now: SimTime) {
        let measured = now >= self.warmup;
        let func = &mut self.funcs[f as usize];
        let horizon = self.horizon;
        let (next, work) = match self.ahead.get_mut(f as usize).filter(|a| a.on()) {
            Some(a) => a.arrived(func, now, horizon),
            None => {
                let next = func.arrivals.next(&mut func.rng_arrivals);
                // A synchronous request's work is drawn now, in arrival order (see `Req::work`).
                let work = match func.mode {
                    Mode::Sync => func.duration.sample_ns(&mut func.rng_durations),
                    _ => NO_WORK,
                };
                (next, work)
            }
        };
        let next = next.filter(|&t| t < horizon);
        func.next_arrival = next.unwrap_or(SimTime::MAX);
        if let Some(t) = next {
            self.queue.schedule(t, Event::Arrival(f));
        }
        if func.extras & X_CDN != 0 {
            let cdn = func.cdn.as_deref_mut().expect("X_CDN means a CDN");
            if cdn.lookup(now, &mut func.rng_cdn, measured) {
                // Answered at the edge: the platform never sees it.
                let ns = cdn.latency_ns;
                if measured {
                    func.stats.latency.record(ns);
                    self.latency.record(ns);
                }
                return;
            }
        }
        // A front door (API gateway) takes users' synchronous and async requests; queue
        // messages come from the queue, not through it.
        if measured && func.extras & X_FRONT_DOOR != 0 && !matches!(func.mode, Mode::Queue(_)) {
            func.stats.front_door_requests += 1;
        }
        self.send(f, now, Origin::User, work);
    }

    /// Hands an invocation of `f` to its invocation mode: a synchronous request, an async
    /// event, or a queue message. Used for user requests and for calls nobody waits for.
    #[inline(always)]
    fn send(&mut self, f: u32, now: SimTime, origin: Origin, work: SimTime) {
        match self.funcs[f as usize].mode {
            Mode::Sync => self.admit(f, now, false, origin, work),
            Mode::Async(_) => self.new_event(f, now),
            Mode::Queue(q) => self.send_message(q, now),
        }
    }

    /// A keep-warm ping: to the platform an invocation like any other (it takes a concurrency
    /// slot, reuses or creates an environment, is billed, and the policy sees it), but it is
    /// counted apart from user requests and its duration is fixed, so the user requests'
    /// random streams are untouched.
    fn ping(&mut self, f: u32, now: SimTime) {
        let every = self.funcs[f as usize].ping_every;
        if now.saturating_add(every) < self.horizon {
            self.queue.schedule(now + every, Event::Ping(f));
        }
        let func = &self.funcs[f as usize];
        let idle_for = (func.in_flight == 0 && func.idle_since != SimTime::MAX)
            .then(|| now.saturating_sub(func.idle_since));
        self.policy.on_arrival(f, now, idle_for);
        self.admit(f, now, true, Origin::Direct, NO_WORK);
    }

    /// Admission, routing and cold start for an invocation (or a ping) of `f` arriving at the
    /// platform at `now`; `origin` is told if it is throttled.
    fn admit(&mut self, f: u32, now: SimTime, ping: bool, origin: Origin, work: SimTime) {
        if !ping {
            if now >= self.warmup {
                self.funcs[f as usize].stats.counts.arrivals += 1;
                self.counts.arrivals += 1;
                if let Some(b) = self.levels.series_mut().and_then(|s| s.at(now)) {
                    b.arrivals += 1;
                }
            }
            self.observer.on(now, &Happening::Arrival { func: f });
            let func = &self.funcs[f as usize];
            let idle_for = (func.in_flight == 0 && func.idle_since != SimTime::MAX)
                .then(|| now.saturating_sub(func.idle_since));
            self.policy.on_arrival(f, now, idle_for);
        }
        let pool = self.funcs[f as usize].pool;
        if !self.pools.try_acquire(pool) {
            return self.throttle(f, now, ThrottleReason::Concurrency, ping, origin);
        }
        let e = self.pick(f);
        if e != NIL {
            let r = self.alloc_req(f, e, now, ping, origin, work);
            self.envs[e].in_flight += 1;
            self.touch(e);
            if self.envs[e].state == EnvState::Initializing {
                // Joins a cold start in progress (more than one request per instance).
                let env = &mut self.envs[e];
                self.reqs[r as usize].next = env.pending;
                env.pending = r;
                self.count_start(f, now, true, ping);
                self.observer.on(
                    now,
                    &Happening::ColdStart {
                        func: f,
                        env: e,
                        req: r,
                        init_ns: 0,
                    },
                );
                return;
            }
            if self.envs[e].state == EnvState::Idle {
                self.set_state(e, EnvState::Busy, now);
            }
            self.count_start(f, now, false, ping);
            self.observer.on(
                now,
                &Happening::WarmStart {
                    func: f,
                    env: e,
                    req: r,
                },
            );
            self.start_exec(r, now);
            return;
        }
        let bucket = self.funcs[f as usize].bucket as usize;
        if !self.buckets[bucket].take(now) {
            self.pools.release(pool);
            return self.throttle(f, now, ThrottleReason::ScalingRate, ping, origin);
        }
        let host = match self.place(f, now, true) {
            Some(h) => h,
            None => {
                let c = self
                    .cluster
                    .as_ref()
                    .expect("only a cluster runs out of memory");
                if c.when_full == WhenFull::Queue && self.mem_queue.len() < c.queue_limit {
                    // Admitted, and cold: it waits for memory, then for its cold start.
                    let r = self.alloc_req(f, NIL, now, ping, origin, work);
                    self.count_start(f, now, true, ping);
                    self.mem_queue.push_back(r);
                    self.observer
                        .on(now, &Happening::WaitingForMemory { func: f, req: r });
                    return;
                }
                self.pools.release(pool);
                return self.throttle(f, now, ThrottleReason::Memory, ping, origin);
            }
        };
        let r = self.alloc_req(f, NIL, now, ping, origin, work);
        self.count_start(f, now, true, ping);
        self.cold_start(r, host, now);
    }

    /// A new environment of `f` on `host`, entering `state` at `now`. It is born `Free` so that
    /// `set_state` does all the bookkeeping of entering a state (levels, host idle lists).
    #[inline]
    fn new_env(
        &mut self,
        f: u32,
        host: u32,
        state: EnvState,
        now: SimTime,
        provisioned: bool,
    ) -> u32 {
        let e = self.envs.alloc(f, EnvState::Free, now, provisioned);
        self.envs[e].host = host;
        self.set_state(e, state, now);
        self.count_live(f, 1, now);
        e
    }

    /// Creates an environment on `host` for request `r` (admitted and counted as cold) and
    /// starts its initialization.
    fn cold_start(&mut self, r: u32, host: u32, now: SimTime) {
        let f = self.reqs[r as usize].func;
        let e = self.new_env(f, host, EnvState::Initializing, now, false);
        let func = &mut self.funcs[f as usize];
        let init = func.cold_start.sample(&mut func.rng_cold);
        let req = &mut self.reqs[r as usize];
        req.env = e;
        req.init_ns = init;
        let work = req.work;
        if work != NO_WORK && init > 0 && !self.ahead.is_empty() {
            // Its end as far as known now: after its initialization, for its work (replaced
            // when it starts running: `init_ns > 0` tells `run_exec` so).
            let end = now
                .saturating_add(init)
                .saturating_add(foresight::run_time(&self.funcs[f as usize], work));
            self.foresee_end(f, r, end, false);
        }
        let env = &mut self.envs[e];
        env.init_ns = init;
        env.pending = r;
        env.in_flight = 1;
        self.touch(e);
        self.observer.on(
            now,
            &Happening::ColdStart {
                func: f,
                env: e,
                req: r,
                init_ns: init,
            },
        );
        self.queue
            .schedule(now.saturating_add(init), Event::InitDone(e));
    }

    /// Gives memory to waiting requests, oldest first, while it can be found.
    fn drain_mem_queue(&mut self, now: SimTime) {
        while let Some(&r) = self.mem_queue.front() {
            let f = self.reqs[r as usize].func;
            let Some(host) = self.place(f, now, true) else {
                return;
            };
            self.mem_queue.pop_front();
            self.cold_start(r, host, now);
        }
    }

    #[inline]
    fn count_start(&mut self, f: u32, now: SimTime, cold: bool, ping: bool) {
        if now < self.warmup {
            return;
        }
        if ping {
            for c in [&mut self.counts, &mut self.funcs[f as usize].stats.counts] {
                c.pings += 1;
                c.ping_cold_starts += cold as u64;
            }
            return;
        }
        let bucket = self.levels.series_mut().and_then(|s| s.at(now));
        let func = &mut self.funcs[f as usize].stats.counts;
        if cold {
            func.cold_starts += 1;
            self.counts.cold_starts += 1;
            if let Some(b) = bucket {
                b.cold_starts += 1;
            }
        } else {
            func.warm_starts += 1;
            self.counts.warm_starts += 1;
            if let Some(b) = bucket {
                b.warm_starts += 1;
            }
        }
    }

    fn init_done(&mut self, e: u32, now: SimTime) {
        let f = self.envs[e].func;
        if self.envs[e].in_flight == 0 {
            // A pre-warmed environment nobody has joined: idle until its expiry.
            self.set_state(e, EnvState::Idle, now);
            self.observer.on(now, &Happening::Ready { func: f, env: e });
            let expire = self.envs[e].expire_at.max(now);
            self.observer.on(
                now,
                &Happening::Idle {
                    func: f,
                    env: e,
                    expires: Some(expire),
                },
            );
            self.arm_expiry(e, expire);
            return;
        }
        self.set_state(e, EnvState::Busy, now);
        self.observer.on(now, &Happening::Ready { func: f, env: e });
        let mut r = std::mem::replace(&mut self.envs[e].pending, NIL);
        while r != NIL {
            let next = self.reqs[r as usize].next;
            self.start_exec(r, now);
            r = next;
        }
    }

    /// Request `r`'s own work ended at `now` (or it failed to get a database connection): it
    /// may have failed, it may go on to its calls, else it is finished.
    #[inline(always)]
    fn complete(&mut self, r: u32, now: SimTime) {
        let req = self.reqs[r as usize];
        let f = req.func as usize;
        if req.conn {
            self.reqs[r as usize].conn = false;
            self.close_connection(self.funcs[f].db, now);
        }
        if req.ping || req.failed || req.timed_out {
            return self.finish_req(r, now);
        }
        let func = &mut self.funcs[f];
        if func.extras & X_ERRORS != 0 && func.rng_errors.random::<f64>() < func.error_rate {
            self.reqs[r as usize].failed = true;
            return self.finish_req(r, now);
        }
        if let Origin::Batch(b) = req.origin {
            if self.delivery.batch_fails(b) {
                // A poison message makes the handler throw, unless it reports item failures.
                self.reqs[r as usize].failed = true;
                return self.finish_req(r, now);
            }
        }
        if self.funcs[f].extras & X_CALLS != 0 {
            return self.next_call(r, now);
        }
        self.finish_req(r, now);
    }

    /// Tells whoever waits for an invocation how it ended (`throttled`: it never ran).
    fn outcome(&mut self, origin: Origin, ok: bool, throttled: bool, now: SimTime) {
        match origin {
            Origin::User | Origin::Direct => {}
            Origin::Event(ev) => self.event_outcome(ev, ok, throttled, now),
            Origin::Batch(b) => self.batch_outcome(b, ok, throttled, now),
            Origin::Call(p, g) => self.call_done(p, g, ok, now),
            Origin::Worker(id) => self.worker_done(id, ok, now),
            Origin::Join(id) => self.flow_done(id, ok, now),
        }
    }

    /// Arms request `r`'s timeout while it waits (for a connection or a call); once per
    /// request.
    fn arm_deadline(&mut self, r: u32) {
        let req = &mut self.reqs[r as usize];
        if req.deadline_armed {
            return;
        }
        req.deadline_armed = true;
        let t = req
            .start
            .saturating_add(self.funcs[req.func as usize].timeout);
        if t < self.horizon {
            self.queue.schedule(t, Event::Deadline(r, req.gen));
        }
    }

    /// Request `r`'s timeout ended; if it is still waiting it ends now, timed out. A callee
    /// it waited for runs on, and its result is ignored.
    fn deadline(&mut self, r: u32, g: u32, now: SimTime) {
        let req = self.reqs[r as usize];
        if req.gen != g {
            return;
        }
        match req.phase {
            Phase::Connecting => {
                let d = self.funcs[req.func as usize].db as usize;
                self.dbs[d].withdraw(r);
            }
            Phase::Calling | Phase::Compensating => {}
            // Running: its own completion is due at the deadline and cuts it there.
            Phase::Starting | Phase::Running => return,
        }
        self.reqs[r as usize].timed_out = true;
        self.finish_req(r, now);
    }

    /// Request `r` is over at `now`: latency, billing and counts, its environment freed, and
    /// whoever waits for it told.
    #[inline(always)]
    fn finish_req(&mut self, r: u32, now: SimTime) {
        let req = self.reqs[r as usize];
        self.free_req(r);
        let (f, e) = (req.func, req.env);
        // The front door (API gateway), if any, adds its latency to every request.
        // A user's request also spent the front door's and the CDN's time on the way.
        let latency = now - req.arrival
            + match req.origin {
                Origin::User if self.funcs[f as usize].extras & (X_FRONT_DOOR | X_CDN) != 0 => {
                    let func = &self.funcs[f as usize];
                    func.terms.front_door_ns() + func.cdn.as_ref().map_or(0, |c| c.latency_ns)
                }
                _ => 0,
            };
        let provisioned = self.envs[e].provisioned;
        if req.arrival >= self.warmup {
            let exec = now - req.start;
            let billed_time = if self.pricing.bill_init {
                exec + req.init_ns
            } else {
                exec
            };
            let billed = billing::billed_ns(&self.pricing, billed_time) as u128;
            let s = &mut self.funcs[f as usize].stats;
            if !req.ping {
                s.latency.record(latency);
                s.counts.completed += 1;
                self.counts.completed += 1;
                self.latency.record(latency);
                if req.timed_out {
                    s.counts.timeouts += 1;
                    self.counts.timeouts += 1;
                } else if req.failed {
                    s.counts.errors += 1;
                    self.counts.errors += 1;
                }
            }
            if provisioned {
                s.billed_ns_provisioned += billed;
            } else {
                s.billed_ns += billed;
            }
        }
        self.observer.on(
            now,
            &Happening::Completed {
                func: f,
                env: e,
                req: r,
                latency_ns: latency,
                timed_out: req.timed_out,
            },
        );
        self.pools.release(self.funcs[f as usize].pool);
        self.leave_env(f, e, now, req.discard_env);
        let ok = !req.failed && !req.timed_out;
        if ok && !req.ping && self.funcs[f as usize].extras & X_FAN_OUT != 0 {
            if let Some(fo) = self.funcs[f as usize].fan_out {
                self.start_flow(fo, req.arrival, now);
            }
        }
        if !matches!(req.origin, Origin::User | Origin::Direct) {
            self.outcome(req.origin, ok, false, now);
        }
    }

    /// A request of `f` left environment `e` at `now`: the environment takes a request waiting
    /// for memory, or goes idle under the keep-alive policy.
    fn leave_env(&mut self, f: u32, e: u32, now: SimTime, discard: bool) {
        let provisioned = self.envs[e].provisioned;
        let func = &mut self.funcs[f as usize];
        func.in_flight -= 1;
        if func.in_flight == 0 {
            func.idle_since = now;
        }
        self.envs[e].in_flight -= 1;
        self.touch(e);
        if self.envs[e].in_flight > 0 {
            return;
        }
        if discard && !self.envs[e].conn && !self.envs[e].provisioned {
            return self.evict(e, now);
        }
        if !self.mem_queue.is_empty() {
            // A request of this function waiting for memory takes the environment directly.
            if let Some(pos) = self
                .mem_queue
                .iter()
                .position(|&w| self.reqs[w as usize].func == f)
            {
                let w = self.mem_queue.remove(pos).expect("position is in range");
                self.reqs[w as usize].env = e;
                self.envs[e].in_flight = 1;
                self.touch(e);
                self.observer.on(
                    now,
                    &Happening::WarmStart {
                        func: f,
                        env: e,
                        req: w,
                    },
                );
                self.start_exec(w, now);
                return;
            }
        }
        self.set_state(e, EnvState::Idle, now);
        if provisioned {
            let func = &self.funcs[f as usize];
            if func.provisioned_live > func.provisioned {
                // The schedule lowered the count while this one was busy: it leaves now.
                return self.evict(e, now);
            }
            self.observer.on(
                now,
                &Happening::Idle {
                    func: f,
                    env: e,
                    expires: None,
                },
            );
            return;
        }
        let decision = self.decide_idle(f, e, now);
        let expires = match decision {
            IdleDecision::EvictNow | IdleDecision::Unload { .. } => Some(now),
            IdleDecision::ExpireAt(t) => Some(t.max(now)),
            IdleDecision::KeepUntilEvicted => None,
        };
        self.observer.on(
            now,
            &Happening::Idle {
                func: f,
                env: e,
                expires,
            },
        );
        match decision {
            IdleDecision::EvictNow => self.evict(e, now),
            IdleDecision::ExpireAt(t) => self.arm_expiry(e, t.max(now)),
            IdleDecision::KeepUntilEvicted => {}
            IdleDecision::Unload {
                prewarm_at,
                expire_at,
            } => {
                self.evict(e, now);
                let func = &mut self.funcs[f as usize];
                // A newer decision replaces any pre-warm still pending.
                func.prewarm_gen = func.prewarm_gen.wrapping_add(1);
                func.prewarm_expire = expire_at;
                let g = func.prewarm_gen;
                self.queue
                    .schedule(prewarm_at.max(now), Event::Prewarm(f, g));
            }
        }
    }

    /// Sets idle environment `e` to expire at `t`. At most one timer per environment is kept
    /// pending (plus any superseded by an earlier deadline): a reuse before the timer fires
    /// only moves `expire_at`, and the timer re-arms itself when it finds the deadline moved.
    /// So the queue holds about one timer per live environment, not one per idle period.
    #[inline]
    fn arm_expiry(&mut self, e: u32, t: SimTime) {
        let env = &mut self.envs[e];
        env.expire_at = t;
        if env.timer_at <= t {
            return; // the pending timer fires first and will re-arm
        }
        env.timer_at = t;
        let g = env.generation;
        if self.fifo_expiry {
            self.queue
                .schedule_in_lane(self.lane, t, Event::Expire(e, g));
        } else {
            self.queue.schedule(t, Event::Expire(e, g));
        }
    }

    /// A keep-alive timer of `e` fired.
    fn expire(&mut self, e: u32, g: u32, now: SimTime) {
        let env = &mut self.envs[e];
        if env.generation != g || env.timer_at != now {
            return; // the slot was reused, or an earlier deadline superseded this timer
        }
        env.timer_at = SimTime::MAX;
        if env.state != EnvState::Idle {
            return; // in use: it arms a new timer when it is idle again
        }
        if env.expire_at <= now {
            if self.policy.reconsider_on_expiry() {
                let f = env.func;
                let arriving = self.funcs[f as usize].next_arrival == now;
                match self.decide_idle(f, e, now) {
                    // `t == now` too when the function's arrival at this instant is still
                    // queued (foreseen as this environment's use): the re-armed timer runs
                    // after it, and cannot come back to this instant once it has.
                    IdleDecision::ExpireAt(t) if t > now || (t == now && arriving) => {
                        return self.arm_expiry(e, t)
                    }
                    IdleDecision::KeepUntilEvicted => return,
                    _ => {}
                }
            }
            self.evict(e, now);
        } else {
            let t = env.expire_at;
            self.arm_expiry(e, t);
        }
    }

    /// Starts a pre-warm for function `f` unless it was superseded or the function already has
    /// an environment that can take a request.
    fn prewarm(&mut self, f: u32, g: u32, now: SimTime) {
        let func = &self.funcs[f as usize];
        if func.prewarm_gen != g || !func.avail.is_empty() || !func.avail_provisioned.is_empty() {
            return;
        }
        let expire_at = func.prewarm_expire;
        // A pre-warm only uses free memory; it never evicts another function's environment.
        let Some(host) = self.place(f, now, false) else {
            return;
        };
        let e = self.new_env(f, host, EnvState::Initializing, now, false);
        let func = &mut self.funcs[f as usize];
        let init = func.cold_start.sample(&mut func.rng_cold);
        let env = &mut self.envs[e];
        env.init_ns = init;
        env.expire_at = expire_at;
        // No request yet: it is available, and a request that comes now joins its init.
        self.touch(e);
        self.observer.on(
            now,
            &Happening::Prewarm {
                func: f,
                env: e,
                init_ns: init,
            },
        );
        self.queue
            .schedule(now.saturating_add(init), Event::InitDone(e));
    }

    /// A boundary of `f`'s provisioned-concurrency schedule: add environments up to the new
    /// count (as far as memory allows), or remove idle ones down to it; busy ones above the
    /// count leave when they turn idle.
    fn provision(&mut self, f: u32, now: SimTime) {
        let func = &mut self.funcs[f as usize];
        let target = func.provision.count_at(now);
        func.provisioned = target;
        if let Some(t) = func
            .provision
            .next_change(now)
            .filter(|&t| t < self.horizon)
        {
            self.queue.schedule(t, Event::Provision(f));
        }
        while self.funcs[f as usize].provisioned_live < target {
            let Some(host) = self.place(f, now, true) else {
                break; // no memory on any host: fewer than asked, as a real fleet would be
            };
            let e = self.new_env(f, host, EnvState::Idle, now, true);
            let func = &mut self.funcs[f as usize];
            func.provisioned_live += 1;
            func.avail_provisioned.push_back(&mut self.envs, e);
            self.observer
                .on(now, &Happening::Provisioned { func: f, env: e });
        }
        // Idle ones above the count go at once, least recently used first.
        let mut i = self.funcs[f as usize].avail_provisioned.front();
        while i != NIL && self.funcs[f as usize].provisioned_live > target {
            let next = self.funcs[f as usize].avail_provisioned.next(&self.envs, i);
            if self.envs[i].state == EnvState::Idle {
                self.evict(i, now);
            }
            i = next;
        }
    }

    fn evict(&mut self, e: u32, now: SimTime) {
        let f = self.envs[e].func;
        if AvailList::contains(&self.envs, e) {
            let func = &mut self.funcs[f as usize];
            let list = if self.envs[e].provisioned {
                &mut func.avail_provisioned
            } else {
                &mut func.avail
            };
            list.remove(&mut self.envs, e);
        }
        if self.envs[e].conn {
            self.envs[e].conn = false;
            self.close_connection(self.funcs[f as usize].db, now);
        }
        self.set_state(e, EnvState::Free, now);
        let host = self.envs[e].host;
        if host != NIL {
            if let Some(c) = self.cluster.as_mut() {
                c.give_back(host, self.funcs[f as usize].memory_mb as u64, now);
            }
        }
        if self.envs[e].provisioned {
            let func = &mut self.funcs[f as usize];
            func.provisioned_live = func.provisioned_live.saturating_sub(1);
        }
        self.envs.free(e);
        self.policy.on_evict(f, e, now);
        self.count_live(f, -1, now);
        self.observer
            .on(now, &Happening::Evicted { func: f, env: e });
    }

    fn finish(mut self) -> (Report, O) {
        let end = self.horizon;
        // Close the open time-in-state intervals of environments still alive.
        for (_, env) in self.envs.iter() {
            if let Some(l) = level(env.state) {
                let start = env.since.max(self.warmup);
                if end > start {
                    self.funcs[env.func as usize].stats.area[l as usize] += (end - start) as u128;
                }
            }
        }
        let peak = self.levels.finish(end);
        for f in &mut self.funcs {
            f.stats.peak = f.stats.peak.max(f.stats.live);
        }
        let span = end - self.warmup;
        let usage: Vec<FunctionUsage> = self
            .funcs
            .iter()
            .map(|f| FunctionUsage {
                memory_mb: f.memory_mb,
                arch: f.arch,
                requests: f.stats.counts.warm_starts
                    + f.stats.counts.cold_starts
                    + f.stats.counts.pings,
                billed_ns: f.stats.billed_ns,
                billed_ns_provisioned: f.stats.billed_ns_provisioned,
                front_door_requests: f.stats.front_door_requests,
                // The schedule's integral over the measured window (count × span if constant).
                provisioned_env_ns: f.provision.env_ns(self.warmup, end),
                cold_starts: f.stats.counts.cold_starts,
                env_ns: f.stats.area,
                peak_envs: f.stats.peak,
                plan: f.terms.clone(),
            })
            .collect();
        let (mut cost, mut per_fn_cost) = billing::bill(&self.pricing, &usage, span);
        let mut cdn: Option<crate::core::platform::cdn::CdnReport> = None;
        for (f, c) in self.funcs.iter().zip(per_fn_cost.iter_mut()) {
            if let Some(r) = f.cdn.as_ref().map(|x| x.report()) {
                c.add_cdn(r.cost_usd);
                cost.add_cdn(r.cost_usd);
                let t = cdn.get_or_insert_with(Default::default);
                t.hits += r.hits;
                t.misses += r.misses;
                t.cost_usd += r.cost_usd;
            }
        }
        if let Some(t) = cdn.as_mut() {
            let n = t.hits + t.misses;
            t.hit_ratio = if n == 0 {
                0.0
            } else {
                t.hits as f64 / n as f64
            };
        }
        let functions: Vec<FunctionReport> = self
            .funcs
            .iter()
            .zip(per_fn_cost)
            .map(|(f, cost)| {
                let a = &f.stats.area;
                let idle_env_s = a[Level::Idle as usize] as f64 / 1e9;
                let mut r = FunctionReport::new(
                    f.name.clone(),
                    f.memory_mb,
                    f.stats.counts,
                    f.stats.latency.summary(),
                    InstanceSummary::from_areas(a, span, f.stats.peak as u64),
                    idle_env_s * f.memory_mb as f64 / 1024.0,
                    cost,
                );
                if let Some(app) = &f.app {
                    r.app = app.to_string();
                }
                r
            })
            .collect();
        let idle_memory_gb_s = functions.iter().map(|f| f.idle_memory_gb_s).sum();
        let mut area = [0u128; 3];
        for f in &self.funcs {
            for (a, x) in area.iter_mut().zip(f.stats.area) {
                *a += x;
            }
        }
        let instances = InstanceSummary::from_areas(&area, span, peak);
        let timeseries = self.levels.take_series().map(TimeSeries::finish);
        let report = Report::new(
            self.name.clone(),
            self.seed,
            self.horizon,
            self.warmup,
            self.counts,
            self.latency.summary(),
            instances,
            idle_memory_gb_s,
            cost,
            functions,
            timeseries,
            self.latency,
        );
        let mut report = report;
        if let Some(c) = self.cluster.as_mut() {
            report.hosts = c.report(end);
        }
        report.delivery = self.delivery.report(end, span);
        report.flows = self.flows.report();
        report.databases = self.dbs.iter_mut().map(|d| d.report(end)).collect();
        report.cdn = cdn;
        (report, self.observer)
    }
}

#[inline]
fn level(s: EnvState) -> Option<Level> {
    match s {
        EnvState::Initializing => Some(Level::Initializing),
        EnvState::Busy => Some(Level::Busy),
        EnvState::Idle => Some(Level::Idle),
        EnvState::Free => None,
    }
}
