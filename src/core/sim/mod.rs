//! The platform simulation: requests meet environments, limits and the keep-alive policy.
//!
//! [`Simulation`] is one run of a [`Plan`]. Its state is held by components, each in its own
//! file with the handlers of its events: admission and routing (`admission.rs`), requests in
//! flight and their deadlines (`requests.rs`), environments and memory (`environments.rs`), idle
//! environments and keep-alive (`keepalive.rs`), provisioned environments and pings
//! (`provisioning.rs`), async events and queues (`delivery.rs`), calls and fan-outs
//! (`compose.rs`), database connections (`connections.rs`), foresight for offline bounds
//! (`foresight.rs`), the statistics (`recorder.rs`) and the report (`finish.rs`). The loop below
//! pops the next event and hands it to its component.
//!
//! Events are small `Copy` values that carry typed ids ([`crate::core::ids`]) into the slabs;
//! times are [`Instant`]s and lengths of time [`crate::core::time::Span`]s. Handling one
//! allocates nothing once the slabs have grown to the live size. Events at the same instant run
//! in the order they were scheduled (the ordering contract of the event queue, `core/engine`).
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
mod events;
mod finish;
mod foresight;
mod functions;
mod keepalive;
mod provisioning;
mod recorder;
mod requests;

pub use events::{Happening, Observer, Quiet, ThrottleReason};

use crate::core::billing::prices::Pricing;
use crate::core::engine::EventQueue;
use crate::core::ids::{DbId, FuncId, IdVec};
use crate::core::metrics::{TimeSeries, Window};
use crate::core::plan::{Plan, Routing};
use crate::core::platform::database::Database;
use crate::core::platform::env::{EnvSlab, EnvState};
use crate::core::policy::{Builtin, FunctionInfo, IdleDecision, Policy};
use crate::core::report::Report;
use crate::core::time::Instant;
use admission::Admission;
use compose::Flows;
use delivery::{Delivery, Mode};
use environments::Memory;
use events::Event;
use functions::Func;
use keepalive::Expiry;
use recorder::Recorder;
use requests::{Origin, Phase, Requests};

/// One run of a plan, with observer `O` and keep-alive policy `P`.
pub struct Simulation<O: Observer = Quiet, P: Policy = Builtin> {
    /// The functions: configuration and running state.
    funcs: IdVec<FuncId, Func>,
    /// Execution environments, in a slab.
    envs: EnvSlab,
    /// Requests in flight, in a slab.
    reqs: Requests,
    /// Concurrency pools, scaling buckets and the routing rule.
    admission: Admission,
    /// Hosts and requests waiting for memory.
    memory: Memory,
    /// The keep-alive policy.
    policy: P,
    /// How expiry timers are queued.
    expiry: Expiry,
    /// Per function, the arrivals drawn ahead for a policy that asks for foresight
    /// ([`Policy::foresight`]); empty when it asks for none, so other policies never touch it.
    ahead: IdVec<FuncId, foresight::Ahead>,
    /// Async events, queues, batches and their counts.
    delivery: Delivery,
    /// Fan-out flows.
    flows: Flows,
    /// Databases.
    dbs: IdVec<DbId, Database>,
    /// What the run counts.
    recorder: Recorder,
    queue: EventQueue<Event>,
    observer: O,
    horizon: Instant,
    /// Set when the backlog outgrew `max_backlog`: the run ends at that instant.
    stopped: Option<Instant>,
    max_backlog: u64,
    pricing: Pricing,
    name: String,
    seed: u64,
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
        let window = Window::starting_at(plan.warmup);
        let mut delivery = Delivery::new(window);
        let mut funcs: IdVec<FuncId, Func> = plan
            .functions
            .iter()
            .enumerate()
            .map(|(i, fp)| {
                let mode = delivery.register(&fp.invocation, FuncId::from_index(i));
                Func::new(fp, plan.seed, run, mode)
            })
            .collect();
        let admission = Admission::new(plan, run, &mut funcs);
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
        let expiry = Expiry::new(&policy, &mut queue);
        let series = plan
            .timeseries
            .map(|w| TimeSeries::new(plan.warmup, plan.horizon, w));
        let mut sim = Simulation {
            recorder: Recorder::new(window, series, funcs.len()),
            funcs,
            envs: EnvSlab::default(),
            reqs: Requests::default(),
            admission,
            memory: Memory::new(plan.cluster.as_ref(), window),
            policy,
            expiry,
            ahead,
            delivery,
            flows: Flows::new(window),
            dbs: plan
                .databases
                .iter()
                .map(|d| Database::new(d, window))
                .collect(),
            queue,
            observer,
            horizon: plan.horizon,
            stopped: None,
            max_backlog: plan.max_backlog,
            pricing: plan.pricing.clone(),
            name: plan.name.clone(),
            seed: plan.seed,
        };
        sim.start();
        sim
    }

    /// Provisioned environments and the first arrival of every function.
    fn start(&mut self) {
        const START: Instant = Instant::ZERO;
        for f in self.funcs.ids() {
            // `provisioned` held the schedule's largest count for the limit checks; from here on
            // it is the count in force.
            let func = &mut self.funcs[f];
            func.provisioned = func.provision.count_at(START);
            if let Some(t) = func
                .provision
                .next_change(START)
                .filter(|&t| t < self.horizon)
            {
                self.queue.schedule(t, Event::Provision { func: f });
            }
            for _ in 0..self.funcs[f].provisioned {
                let room = self
                    .place(f, START, false)
                    .expect("the compiler checked that provisioned environments fit");
                let e = self.new_env(f, room, EnvState::Idle, START, true);
                let func = &mut self.funcs[f];
                func.provisioned_live += 1;
                func.avail_provisioned.push_back(&mut self.envs, e);
                self.observer
                    .on(START, &Happening::Provisioned { func: f, env: e });
            }
            if !self.funcs[f].ping_every.is_zero() {
                self.queue.schedule(START, Event::Ping { func: f });
            }
            let func = &mut self.funcs[f];
            let first = match self.ahead.get_mut(f).filter(|a| a.on()) {
                Some(a) => a.first(func, self.horizon),
                None => func.arrivals.next(&mut func.rng_arrivals),
            };
            if let Some(t) = first.filter(|&t| t < self.horizon) {
                self.queue.schedule(t, Event::Arrival { func: f });
                self.funcs[f].next_arrival = t;
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
                Event::Arrival { func } => self.arrival(func, now),
                Event::InitDone { env } => self.init_done(env, now),
                Event::Complete { req } => {
                    self.complete(req, now);
                    if !self.memory.waiting.is_empty() {
                        self.drain_mem_queue(now);
                    }
                }
                Event::Expire { env, generation } => {
                    self.expire(env, generation, now);
                    if !self.memory.waiting.is_empty() {
                        self.drain_mem_queue(now);
                    }
                }
                Event::Prewarm { func, generation } => self.prewarm(func, generation, now),
                Event::Ping { func } => self.ping(func, now),
                Event::Deadline { req, generation } => {
                    self.deadline(req, generation, now);
                    if !self.memory.waiting.is_empty() {
                        self.drain_mem_queue(now);
                    }
                }
                Event::Retry { event } => self.retry_event(event, now),
                Event::Visible { batch } => self.batch_visible(batch, now),
                Event::PollTick { queue } => self.poll_tick(queue, now),
                Event::PollWindow { queue } => self.poll_window(queue, now),
                Event::Provision { func } => self.provision(func, now),
            }
            if let Some(at) = self.stopped {
                // The run ends here; what it measured so far is reported as such.
                self.horizon = self.horizon.min(at);
                break;
            }
        }
        self.finish()
    }
}
