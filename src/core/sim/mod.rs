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

mod admission;
mod compose;
mod connections;
mod delivery;
mod environments;
mod finish;
mod foresight;
mod keepalive;
mod provisioning;
mod recorder;
mod requests;

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
