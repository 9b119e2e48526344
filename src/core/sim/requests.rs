//! Execution and deadlines: a request in flight runs its work (cut at its timeout), may fail,
//! goes on to its calls, and finishes: latency, billing and counts recorded, its environment
//! freed, whoever waits for it told.

use super::functions::{X_CALLS, X_CDN, X_DB, X_ERRORS, X_FAN_OUT, X_FRONT_DOOR};
use super::recorder::Ended;
use super::{Event, Happening, Observer, Simulation};
use crate::core::billing;
use crate::core::ids::{BatchId, EnvId, EventId, FlowId, FuncId, ReqId};
use crate::core::policy::Policy;
use crate::core::time::{Instant, Span};
use rand::RngExt;

/// Who waits for a request's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// A user's request (from the function's own arrivals): it passed the front door and the
    /// CDN, whose latency it carries.
    User,
    /// A call nobody waits for.
    Direct,
    /// An attempt of an async event.
    Event { event: EventId },
    /// A batch of a queue.
    Batch { batch: BatchId },
    /// A call that `caller` waits for (valid while its slot's generation is `generation`).
    Call { caller: ReqId, generation: u32 },
    /// A worker of a fan-out flow.
    Worker { flow: FlowId },
    /// The aggregator of a fan-out flow.
    Join { flow: FlowId },
}

/// What a request is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
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
pub(super) struct Req {
    pub(super) func: FuncId,
    /// Its environment; `None` while it waits for memory.
    pub(super) env: Option<EnvId>,
    pub(super) arrival: Instant,
    /// Init time billed with this request (the first request of a cold environment).
    pub(super) init: Span,
    /// When execution started (after any cold start).
    pub(super) start: Instant,
    pub(super) timed_out: bool,
    /// A keep-warm ping, not a user request: billed and occupying, but not in the statistics.
    pub(super) ping: bool,
    /// Next request waiting for the same initializing environment.
    pub(super) next: Option<ReqId>,
    /// Who waits for its outcome.
    pub(super) origin: Origin,
    /// Changes when the slot is freed, so stale deadlines and call results are ignored.
    pub(super) gen: u32,
    pub(super) phase: Phase,
    /// The call step in progress, and how often it was tried.
    pub(super) step: u32,
    pub(super) tries: u32,
    /// Ended in an error (a function error, a failed call, no database connection).
    pub(super) failed: bool,
    /// Holds a database connection of its own (per-request connections).
    pub(super) conn: bool,
    /// Its deadline timer is in the queue.
    pub(super) deadline_armed: bool,
    /// Its environment could not open its database connection: like an error in init code,
    /// that discards the environment once it is free.
    pub(super) discard_env: bool,
    /// Its own work (the raw draw, before CPU scaling and the timeout), drawn when a user's
    /// synchronous request arrives, so that the n-th request of a function runs as long under
    /// every policy; `None` for requests that draw their work when they start running.
    pub(super) work: Option<Span>,
}

/// Requests in flight, in a slab whose slots are reused; a slot's generation changes when it is
/// freed, so timers and call results meant for an earlier request are ignored.
#[derive(Clone, Debug, Default)]
pub(super) struct Requests {
    slots: Vec<Req>,
    free: Vec<ReqId>,
}

impl std::ops::Index<ReqId> for Requests {
    type Output = Req;
    #[inline(always)]
    fn index(&self, r: ReqId) -> &Req {
        &self.slots[r.index()]
    }
}

impl std::ops::IndexMut<ReqId> for Requests {
    #[inline(always)]
    fn index_mut(&mut self, r: ReqId) -> &mut Req {
        &mut self.slots[r.index()]
    }
}

impl Requests {
    /// A slot for `r` (its generation kept from the slot's last use).
    #[inline]
    pub(super) fn alloc(&mut self, r: Req) -> ReqId {
        match self.free.pop() {
            Some(i) => {
                // The generation moved on when the slot was freed.
                let gen = self[i].gen;
                self[i] = Req { gen, ..r };
                i
            }
            None => {
                self.slots.push(r);
                ReqId::from_index(self.slots.len() - 1)
            }
        }
    }

    /// Frees slot `r`; its generation changes.
    #[inline]
    pub(super) fn free(&mut self, r: ReqId) {
        let q = &mut self[r];
        q.gen = q.gen.wrapping_add(1);
        self.free.push(r);
    }
}

impl<O: Observer, P: Policy> Simulation<O, P> {
    #[inline(always)]
    pub(super) fn alloc_req(
        &mut self,
        func: FuncId,
        env: Option<EnvId>,
        arrival: Instant,
        ping: bool,
        origin: Origin,
        work: Option<Span>,
    ) -> ReqId {
        self.funcs[func].in_flight += 1;
        let r = Req {
            func,
            env,
            arrival,
            init: Span::ZERO,
            start: arrival,
            timed_out: false,
            ping,
            next: None,
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
        self.reqs.alloc(r)
    }

    /// Returns request slot `r` to the free list; its generation changes so that timers and
    /// call results meant for it are ignored.
    #[inline]
    pub(super) fn free_req(&mut self, r: ReqId) {
        let q = self.reqs[r];
        self.reqs.free(r);
        if q.work.is_some() && !self.ahead.is_empty() {
            self.foresee_ended(q.func, r);
        }
    }

    /// Starts request `r` at `now` on its environment: its billed time begins, it takes a
    /// database connection if its function needs one, and then runs.
    #[inline(always)]
    pub(super) fn start_exec(&mut self, r: ReqId, now: Instant) {
        let req = &mut self.reqs[r];
        req.start = now;
        req.phase = Phase::Running;
        let (f, e, ping) = (req.func, req.env, req.ping);
        let e = e.expect("a request starts on its environment");
        self.policy.on_use(f, e, now);
        if self.funcs[f].extras & X_DB != 0 && !ping && !self.connect(r, now) {
            return; // waits for a connection, or failed without one
        }
        self.run_exec(r, now);
    }

    /// Runs request `r`'s own work from `now`, cut at its deadline.
    #[inline(always)]
    pub(super) fn run_exec(&mut self, r: ReqId, now: Instant) {
        let req = self.reqs[r];
        let func = &mut self.funcs[req.func];
        let mut exec = if req.ping {
            func.ping_duration
        } else if let Origin::Batch { batch } = req.origin {
            // One invocation for the batch: the messages' work one after another.
            let n = self.delivery.batch_len(batch);
            let mut t = Span::ZERO;
            for _ in 0..n {
                t = t.saturating_add(func.duration.sample_span(&mut func.rng_durations));
            }
            func.terms.scale_exec(t)
        } else {
            let work = match req.work {
                Some(w) => w,
                None => func.duration.sample_span(&mut func.rng_durations),
            };
            // CPU-bound work runs slower below one full vCPU (the model's `exec_scale`).
            func.terms.scale_exec(work)
        };
        let left = req.start.saturating_add(func.timeout).saturating_since(now);
        if exec > left {
            exec = left;
            self.reqs[r].timed_out = true;
        }
        // Saturating: a delay beyond the clock means "never within this run".
        let end = now.saturating_add(exec);
        self.queue.schedule(end, Event::Complete { req: r });
        if req.work.is_some() && !self.ahead.is_empty() {
            self.foresee_end(req.func, r, end, !req.init.is_zero());
        }
    }

    /// Request `r`'s own work ended at `now` (or it failed to get a database connection): it
    /// may have failed, it may go on to its calls, else it is finished.
    #[inline(always)]
    pub(super) fn complete(&mut self, r: ReqId, now: Instant) {
        let req = self.reqs[r];
        let f = req.func;
        if req.conn {
            self.reqs[r].conn = false;
            self.close_connection(self.funcs[f].database(), now);
        }
        if req.ping || req.failed || req.timed_out {
            return self.finish_req(r, now);
        }
        let func = &mut self.funcs[f];
        if func.extras & X_ERRORS != 0 && func.rng_errors.random::<f64>() < func.error_rate {
            self.reqs[r].failed = true;
            return self.finish_req(r, now);
        }
        if let Origin::Batch { batch } = req.origin {
            if self.delivery.batch_fails(batch) {
                // A poison message makes the handler throw, unless it reports item failures.
                self.reqs[r].failed = true;
                return self.finish_req(r, now);
            }
        }
        if self.funcs[f].extras & X_CALLS != 0 {
            return self.next_call(r, now);
        }
        self.finish_req(r, now);
    }

    /// Tells whoever waits for an invocation how it ended (`throttled`: it never ran).
    pub(super) fn outcome(&mut self, origin: Origin, ok: bool, throttled: bool, now: Instant) {
        match origin {
            Origin::User | Origin::Direct => {}
            Origin::Event { event } => self.event_outcome(event, ok, throttled, now),
            Origin::Batch { batch } => self.batch_outcome(batch, ok, throttled, now),
            Origin::Call { caller, generation } => self.call_done(caller, generation, ok, now),
            Origin::Worker { flow } => self.worker_done(flow, ok, now),
            Origin::Join { flow } => self.flow_done(flow, ok, now),
        }
    }

    /// Arms request `r`'s timeout while it waits (for a connection or a call); once per
    /// request.
    pub(super) fn arm_deadline(&mut self, r: ReqId) {
        let req = &mut self.reqs[r];
        if req.deadline_armed {
            return;
        }
        req.deadline_armed = true;
        let t = req.start.saturating_add(self.funcs[req.func].timeout);
        if t < self.horizon {
            let generation = req.gen;
            self.queue
                .schedule(t, Event::Deadline { req: r, generation });
        }
    }

    /// Request `r`'s timeout ended; if it is still waiting it ends now, timed out. A callee
    /// it waited for runs on, and its result is ignored.
    pub(super) fn deadline(&mut self, r: ReqId, g: u32, now: Instant) {
        let req = self.reqs[r];
        if req.gen != g {
            return;
        }
        match req.phase {
            Phase::Connecting => {
                let d = self.funcs[req.func].database();
                self.dbs[d].withdraw(r);
            }
            Phase::Calling | Phase::Compensating => {}
            // Running: its own completion is due at the deadline and cuts it there.
            Phase::Starting | Phase::Running => return,
        }
        self.reqs[r].timed_out = true;
        self.finish_req(r, now);
    }

    /// Request `r` is over at `now`: latency, billing and counts, its environment freed, and
    /// whoever waits for it told.
    #[inline(always)]
    pub(super) fn finish_req(&mut self, r: ReqId, now: Instant) {
        let req = self.reqs[r];
        self.free_req(r);
        let f = req.func;
        let e = req.env.expect("a request ends on its environment");
        // The front door (API gateway), if any, adds its latency to every request.
        // A user's request also spent the front door's and the CDN's time on the way.
        let latency = now - req.arrival
            + match req.origin {
                Origin::User if self.funcs[f].extras & (X_FRONT_DOOR | X_CDN) != 0 => {
                    let func = &self.funcs[f];
                    func.terms.front_door_latency()
                        + func.cdn.as_ref().map_or(Span::ZERO, |c| c.latency)
                }
                _ => Span::ZERO,
            };
        let exec = now - req.start;
        let billed_time = if self.pricing.bill_init {
            exec + req.init
        } else {
            exec
        };
        self.recorder.finished(
            f,
            Ended {
                arrival: req.arrival,
                latency,
                billed: billing::billed_ns(&self.pricing, billed_time.ns()),
                provisioned: self.envs[e].provisioned,
                ping: req.ping,
                timed_out: req.timed_out,
                failed: req.failed,
            },
        );
        self.observer.on(
            now,
            &Happening::Completed {
                func: f,
                env: e,
                req: r,
                latency,
                timed_out: req.timed_out,
            },
        );
        self.admission.pools.release(self.funcs[f].pool);
        self.leave_env(f, e, now, req.discard_env);
        let ok = !req.failed && !req.timed_out;
        if ok && !req.ping && self.funcs[f].extras & X_FAN_OUT != 0 {
            if let Some(fo) = self.funcs[f].fan_out {
                self.start_flow(fo, req.arrival, now);
            }
        }
        if !matches!(req.origin, Origin::User | Origin::Direct) {
            self.outcome(req.origin, ok, false, now);
        }
    }
}
