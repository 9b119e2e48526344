//! Admission and routing: a request meets the concurrency pools, the scaling-rate bucket and
//! the routing rule, and finds a warm environment, joins one initializing, starts a cold one, or
//! is throttled.

use super::*;

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// A user request of `f` (from its arrival process) at `now`.
    #[inline]
    pub(super) fn arrival(&mut self, f: u32, now: SimTime) {
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
    pub(super) fn send(&mut self, f: u32, now: SimTime, origin: Origin, work: SimTime) {
        match self.funcs[f as usize].mode {
            Mode::Sync => self.admit(f, now, false, origin, work),
            Mode::Async(_) => self.new_event(f, now),
            Mode::Queue(q) => self.send_message(q, now),
        }
    }

    /// Admission, routing and cold start for an invocation (or a ping) of `f` arriving at the
    /// platform at `now`; `origin` is told if it is throttled.
    pub(super) fn admit(&mut self, f: u32, now: SimTime, ping: bool, origin: Origin, work: SimTime) {
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

    pub(super) fn throttle(
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

    /// The environment that takes a request of `f`, from its provisioned list first.
    #[inline]
    pub(super) fn pick(&mut self, f: u32) -> u32 {
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
    pub(super) fn touch(&mut self, e: u32) {
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
}
