//! Admission and routing: a request meets the concurrency pools, the scaling-rate bucket and
//! the routing rule, and finds a warm environment, joins one initializing, starts a cold one, or
//! is throttled.

use super::functions::{Func, X_CDN, X_FRONT_DOOR};
use super::requests::Origin;
use super::{Event, Happening, Mode, Observer, Simulation, ThrottleReason};
use crate::core::ids::{EnvId, FuncId, IdVec};
use crate::core::plan::{Plan, Routing};
use crate::core::platform::cluster::WhenFull;
use crate::core::platform::env::{AvailList, EnvState};
use crate::core::platform::limits::{Pools, ScalingScope, TokenBucket};
use crate::core::policy::Policy;
use crate::core::rng::{self, Stream, StreamKind};
use crate::core::time::{Instant, Span};
use rand::Rng;

/// Admission's state: the concurrency pools, the scaling-rate buckets, and the routing rule with
/// its random stream.
#[derive(Clone, Debug)]
pub(super) struct Admission {
    pub(super) pools: Pools,
    pub(super) buckets: Vec<TokenBucket>,
    pub(super) routing: Routing,
    pub(super) rng: Stream,
}

impl Admission {
    /// The pools and buckets of `plan`'s run `run`; each function learns its pool and bucket.
    pub(super) fn new(plan: &Plan, run: u64, funcs: &mut IdVec<FuncId, Func>) -> Admission {
        let reserved: Vec<Option<u32>> = plan.functions.iter().map(|f| f.reserved).collect();
        let (pools, pool_of) = Pools::new(plan.account_concurrency, &reserved)
            .expect("the compiler checked the reservations against the account");
        let s = &plan.scaling;
        let bucket = TokenBucket::new(s.burst, s.refill as f64, s.interval.span());
        let buckets = match s.scope {
            ScalingScope::Account => vec![bucket],
            ScalingScope::Function => vec![bucket; funcs.len()],
        };
        for (i, f) in funcs.iter_mut().enumerate() {
            f.pool = pool_of[i];
            f.bucket = if buckets.len() == 1 { 0 } else { i as u32 };
        }
        Admission {
            pools,
            buckets,
            routing: plan.routing,
            rng: rng::stream(plan.seed, run, StreamKind::Routing, 0),
        }
    }
}

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// A user request of `f` (from its arrival process) at `now`.
    #[inline]
    pub(super) fn arrival(&mut self, f: FuncId, now: Instant) {
        let measured = self.recorder.window.measures(now);
        let func = &mut self.funcs[f];
        let horizon = self.horizon;
        let (next, work) = match self.ahead.get_mut(f).filter(|a| a.on()) {
            Some(a) => a.arrived(func, now, horizon),
            None => {
                let next = func.arrivals.next(&mut func.rng_arrivals);
                // A synchronous request's work is drawn now, in arrival order (see `Req::work`).
                let work = match func.mode {
                    Mode::Sync => Some(func.duration.sample_span(&mut func.rng_durations)),
                    _ => None,
                };
                (next, work)
            }
        };
        let next = next.filter(|&t| t < horizon);
        func.next_arrival = next.unwrap_or(Instant::MAX);
        if let Some(t) = next {
            self.queue.schedule(t, Event::Arrival { func: f });
        }
        if func.extras & X_CDN != 0 {
            let cdn = func.cdn.as_deref_mut().expect("X_CDN means a CDN");
            if cdn.lookup(now, &mut func.rng_cdn, measured) {
                // Answered at the edge: the platform never sees it.
                let latency = cdn.latency;
                self.recorder.answered_at_edge(f, now, latency);
                return;
            }
        }
        // A front door (API gateway) takes users' synchronous and async requests; queue
        // messages come from the queue, not through it.
        if func.extras & X_FRONT_DOOR != 0 && !matches!(func.mode, Mode::Queue(_)) {
            self.recorder.front_door(f, now);
        }
        self.send(f, now, Origin::User, work);
    }

    /// Hands an invocation of `f` to its invocation mode: a synchronous request, an async
    /// event, or a queue message. Used for user requests and for calls nobody waits for.
    #[inline(always)]
    pub(super) fn send(&mut self, f: FuncId, now: Instant, origin: Origin, work: Option<Span>) {
        match self.funcs[f].mode {
            Mode::Sync => self.admit(f, now, false, origin, work),
            Mode::Async(_) => self.new_event(f, now),
            Mode::Queue(q) => self.send_message(q, now),
        }
    }

    /// Admission, routing and cold start for an invocation (or a ping) of `f` arriving at the
    /// platform at `now`; `origin` is told if it is throttled.
    pub(super) fn admit(
        &mut self,
        f: FuncId,
        now: Instant,
        ping: bool,
        origin: Origin,
        work: Option<Span>,
    ) {
        if !ping {
            self.recorder.arrival(f, now);
            self.observer.on(now, &Happening::Arrival { func: f });
            let func = &self.funcs[f];
            let idle_for = (func.in_flight == 0 && func.idle_since != Instant::MAX)
                .then(|| now.saturating_since(func.idle_since));
            self.policy.on_arrival(f, now, idle_for);
        }
        let pool = self.funcs[f].pool;
        if !self.admission.pools.try_acquire(pool) {
            return self.throttle(f, now, ThrottleReason::Concurrency, ping, origin);
        }
        if let Some(e) = self.pick(f) {
            return self.start_on(e, f, now, ping, origin, work);
        }
        let bucket = self.funcs[f].bucket as usize;
        if !self.admission.buckets[bucket].take(now) {
            self.admission.pools.release(pool);
            return self.throttle(f, now, ThrottleReason::ScalingRate, ping, origin);
        }
        match self.place(f, now, true) {
            Some(room) => {
                let r = self.alloc_req(f, None, now, ping, origin, work);
                self.recorder.start(f, now, true, ping);
                self.cold_start(r, room, now);
            }
            None => self.no_memory(f, now, ping, origin, work),
        }
    }

    /// An admitted invocation of `f` takes environment `e`: it runs warm, or joins the cold
    /// start in progress (with more than one request per instance).
    #[inline(always)]
    fn start_on(
        &mut self,
        e: EnvId,
        f: FuncId,
        now: Instant,
        ping: bool,
        origin: Origin,
        work: Option<Span>,
    ) {
        let r = self.alloc_req(f, Some(e), now, ping, origin, work);
        self.envs[e].in_flight += 1;
        self.touch(e);
        if self.envs[e].state == EnvState::Initializing {
            let env = &mut self.envs[e];
            self.reqs[r].next = env.pending;
            env.pending = Some(r);
            self.recorder.start(f, now, true, ping);
            self.observer.on(
                now,
                &Happening::ColdStart {
                    func: f,
                    env: e,
                    req: r,
                    init: Span::ZERO,
                },
            );
            return;
        }
        if self.envs[e].state == EnvState::Idle {
            self.set_state(e, EnvState::Busy, now);
        }
        self.recorder.start(f, now, false, ping);
        self.observer.on(
            now,
            &Happening::WarmStart {
                func: f,
                env: e,
                req: r,
            },
        );
        self.start_exec(r, now);
    }

    /// No host has memory for a new environment of `f`: the invocation waits for memory (with
    /// `when_full = "queue"`, while the queue has room) or is throttled.
    fn no_memory(
        &mut self,
        f: FuncId,
        now: Instant,
        ping: bool,
        origin: Origin,
        work: Option<Span>,
    ) {
        let c = self
            .memory
            .cluster
            .as_ref()
            .expect("only a cluster runs out of memory");
        if c.when_full == WhenFull::Queue && self.memory.waiting.len() < c.queue_limit {
            // Admitted, and cold: it waits for memory, then for its cold start.
            let r = self.alloc_req(f, None, now, ping, origin, work);
            self.recorder.start(f, now, true, ping);
            self.memory.waiting.push_back(r);
            self.observer
                .on(now, &Happening::WaitingForMemory { func: f, req: r });
            return;
        }
        self.admission.pools.release(self.funcs[f].pool);
        self.throttle(f, now, ThrottleReason::Memory, ping, origin)
    }

    /// An invocation (or a ping) of `f` is refused at `now` for `reason`; whoever waits for
    /// it is told.
    pub(super) fn throttle(
        &mut self,
        f: FuncId,
        now: Instant,
        reason: ThrottleReason,
        ping: bool,
        origin: Origin,
    ) {
        self.recorder.throttle(f, now, reason, ping);
        if ping {
            return;
        }
        self.observer
            .on(now, &Happening::Throttled { func: f, reason });
        if !matches!(origin, Origin::User | Origin::Direct) {
            self.outcome(origin, false, true, now);
        }
    }

    /// The environment that takes a request of `f`, from its provisioned list first (`None`
    /// when no environment of `f` has a free slot).
    #[inline]
    pub(super) fn pick(&mut self, f: FuncId) -> Option<EnvId> {
        let func = &self.funcs[f];
        let list = if !func.avail_provisioned.is_empty() {
            func.avail_provisioned
        } else if !func.avail.is_empty() {
            func.avail
        } else {
            return None;
        };
        match self.admission.routing {
            Routing::Mru => list.back(),
            Routing::Lru => list.front(),
            // Linear in the idle count; fine for the small pools this rule is used with. The
            // last of equals wins, as the list runs from least to most recently used.
            Routing::Newest => list.iter(&self.envs).reduce(|best, i| {
                if self.envs[i].created >= self.envs[best].created {
                    i
                } else {
                    best
                }
            }),
            Routing::Random => {
                let k = self.admission.rng.next_u64() % list.len() as u64;
                list.iter(&self.envs).nth(k as usize)
            }
        }
    }

    /// Marks `e` as just used: last in its list, or out of it when it has no free slot left.
    #[inline]
    pub(super) fn touch(&mut self, e: EnvId) {
        let (f, provisioned, in_flight) = {
            let env = &self.envs[e];
            (env.func, env.provisioned, env.in_flight)
        };
        let func = &mut self.funcs[f];
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
}
