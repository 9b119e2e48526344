//! Provisioning: provisioned environments (a count, or a daily schedule) and keep-warm pings.

use super::events::Event;
use super::requests::Origin;
use super::{Happening, Observer, Simulation};
use crate::core::ids::FuncId;
use crate::core::platform::env::EnvState;
use crate::core::policy::Policy;
use crate::core::time::Instant;

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// A boundary of `f`'s provisioned-concurrency schedule: add environments up to the new
    /// count (as far as memory allows), or remove idle ones down to it; busy ones above the
    /// count leave when they turn idle.
    pub(super) fn provision(&mut self, f: FuncId, now: Instant) {
        let func = &mut self.funcs[f];
        let target = func.provision.count_at(now);
        func.provisioned = target;
        if let Some(t) = func
            .provision
            .next_change(now)
            .filter(|&t| t < self.horizon)
        {
            self.queue.schedule(t, Event::Provision { func: f });
        }
        while self.funcs[f].provisioned_live < target {
            let Some(room) = self.place(f, now, true) else {
                break; // no memory on any host: fewer than asked, as a real fleet would be
            };
            let e = self.new_env(f, room, EnvState::Idle, now, true);
            let func = &mut self.funcs[f];
            func.provisioned_live += 1;
            func.avail_provisioned.push_back(&mut self.envs, e);
            self.observer
                .on(now, &Happening::Provisioned { func: f, env: e });
        }
        // Idle ones above the count go at once, least recently used first.
        let mut next = self.funcs[f].avail_provisioned.front();
        while let Some(i) = next.filter(|_| self.funcs[f].provisioned_live > target) {
            next = self.funcs[f].avail_provisioned.next(&self.envs, i);
            if self.envs[i].state == EnvState::Idle {
                self.evict(i, now);
            }
        }
    }

    /// A keep-warm ping: to the platform an invocation like any other (it takes a concurrency
    /// slot, reuses or creates an environment, is billed, and the policy sees it), but it is
    /// counted apart from user requests and its duration is fixed, so the user requests'
    /// random streams are untouched.
    pub(super) fn ping(&mut self, f: FuncId, now: Instant) {
        let every = self.funcs[f].ping_every;
        if now.saturating_add(every) < self.horizon {
            self.queue.schedule(now + every, Event::Ping { func: f });
        }
        let func = &self.funcs[f];
        let idle_for = (func.in_flight == 0 && func.idle_since != Instant::MAX)
            .then(|| now.saturating_since(func.idle_since));
        self.policy.on_arrival(f, now, idle_for);
        self.admit(f, now, true, Origin::Direct, None);
    }
}
