//! Idle environments and keep-alive: what happens when an environment has no request left,
//! its expiry timer, and pre-warming, as the keep-alive policy decides.

use super::events::Event;
use super::{Happening, Observer, Simulation};
use crate::core::engine::{EventQueue, Lane};
use crate::core::ids::{EnvId, FuncId};
use crate::core::platform::env::EnvState;
use crate::core::policy::{IdleDecision, Policy};
use crate::core::time::Instant;

/// How expiry timers are queued: in a FIFO lane when every expiry is `now` plus one constant
/// (see [`Policy::fifo_expiry`]), else in the event heap.
#[derive(Clone, Copy, Debug)]
pub(super) struct Expiry {
    fifo: bool,
    lane: Lane,
}

impl Expiry {
    pub(super) fn new<P: Policy>(policy: &P, queue: &mut EventQueue<Event>) -> Expiry {
        Expiry {
            fifo: policy.fifo_expiry(),
            lane: queue.add_lane(),
        }
    }
}

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// A request of `f` left environment `e` at `now`: the environment takes a request waiting
    /// for memory, or goes idle under the keep-alive policy.
    pub(super) fn leave_env(&mut self, f: FuncId, e: EnvId, now: Instant, discard: bool) {
        let provisioned = self.envs[e].provisioned;
        let func = &mut self.funcs[f];
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
        if !self.memory.waiting.is_empty() && self.hand_to_waiting(f, e, now) {
            return;
        }
        self.set_state(e, EnvState::Idle, now);
        if provisioned {
            let func = &self.funcs[f];
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
        self.idle(f, e, now);
    }

    /// A request of `f` waiting for memory takes `e`, just freed, directly (false when none
    /// waits).
    fn hand_to_waiting(&mut self, f: FuncId, e: EnvId, now: Instant) -> bool {
        let Some(pos) = self
            .memory
            .waiting
            .iter()
            .position(|&w| self.reqs[w].func == f)
        else {
            return false;
        };
        let w = self
            .memory
            .waiting
            .remove(pos)
            .expect("position is in range");
        self.reqs[w].env = Some(e);
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
        true
    }

    /// On-demand environment `e` of `f` turned idle at `now`: the policy decides its fate.
    #[inline]
    fn idle(&mut self, f: FuncId, e: EnvId, now: Instant) {
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
                let func = &mut self.funcs[f];
                // A newer decision replaces any pre-warm still pending.
                func.prewarm_gen = func.prewarm_gen.wrapping_add(1);
                func.prewarm_expire = expire_at;
                let generation = func.prewarm_gen;
                self.queue.schedule(
                    prewarm_at.max(now),
                    Event::Prewarm {
                        func: f,
                        generation,
                    },
                );
            }
        }
    }

    /// Sets idle environment `e` to expire at `t`. At most one timer per environment is kept
    /// pending (plus any superseded by an earlier deadline): a reuse before the timer fires
    /// only moves `expire_at`, and the timer re-arms itself when it finds the deadline moved.
    /// So the queue holds about one timer per live environment, not one per idle period.
    #[inline]
    pub(super) fn arm_expiry(&mut self, e: EnvId, t: Instant) {
        let env = &mut self.envs[e];
        env.expire_at = t;
        if env.timer_at <= t {
            return; // the pending timer fires first and will re-arm
        }
        env.timer_at = t;
        let ev = Event::Expire {
            env: e,
            generation: env.generation,
        };
        if self.expiry.fifo {
            self.queue.schedule_in_lane(self.expiry.lane, t, ev);
        } else {
            self.queue.schedule(t, ev);
        }
    }

    /// A keep-alive timer of `e` fired.
    pub(super) fn expire(&mut self, e: EnvId, g: u32, now: Instant) {
        let env = &mut self.envs[e];
        if env.generation != g || env.timer_at != now {
            return; // the slot was reused, or an earlier deadline superseded this timer
        }
        env.timer_at = Instant::MAX;
        if env.state != EnvState::Idle {
            return; // in use: it arms a new timer when it is idle again
        }
        if env.expire_at <= now {
            if self.policy.reconsider_on_expiry() {
                let f = env.func;
                let arriving = self.funcs[f].next_arrival == now;
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
    pub(super) fn prewarm(&mut self, f: FuncId, g: u32, now: Instant) {
        let func = &self.funcs[f];
        if func.prewarm_gen != g || !func.avail.is_empty() || !func.avail_provisioned.is_empty() {
            return;
        }
        let expire_at = func.prewarm_expire;
        // A pre-warm only uses free memory; it never evicts another function's environment.
        let Some(room) = self.place(f, now, false) else {
            return;
        };
        let e = self.new_env(f, room, EnvState::Initializing, now, false);
        let func = &mut self.funcs[f];
        let init = func.cold_start.sample(&mut func.rng_cold);
        let env = &mut self.envs[e];
        env.init = init;
        env.expire_at = expire_at;
        // No request yet: it is available, and a request that comes now joins its init.
        self.touch(e);
        self.observer.on(
            now,
            &Happening::Prewarm {
                func: f,
                env: e,
                init,
            },
        );
        self.queue
            .schedule(now.saturating_add(init), Event::InitDone { env: e });
    }
}
