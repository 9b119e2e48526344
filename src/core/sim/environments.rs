//! Execution environments and memory: creating one (on a host, when there is a cluster), its
//! state changes, cold starts, initialization, eviction, and requests waiting for memory.

use super::events::Event;
use super::foresight;
use super::{Happening, Observer, Simulation};
use crate::core::ids::{EnvId, FuncId, HostId, ReqId};
use crate::core::metrics::Window;
use crate::core::platform::cluster::{Cluster, ClusterSpec};
use crate::core::platform::env::{AvailList, EnvState};
use crate::core::policy::{Candidate, Policy};
use crate::core::time::Instant;
use std::collections::VecDeque;

/// Memory's state: the hosts, when the plan has a cluster, and the requests waiting for memory.
#[derive(Clone, Debug)]
pub(super) struct Memory {
    /// Hosts and their memory, when the scenario has a `[cluster]`.
    pub(super) cluster: Option<Cluster>,
    /// Requests waiting for memory (with `when_full = "queue"`), oldest first.
    pub(super) waiting: VecDeque<ReqId>,
    /// Scratch space for eviction candidates, reused so eviction allocates nothing.
    scratch: Vec<EnvId>,
    candidates: Vec<Candidate>,
}

/// Memory found (and taken) for a new environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Room {
    /// The host it is on; `None` without a cluster, where memory is unlimited.
    pub(super) host: Option<HostId>,
}

impl Memory {
    /// Unlimited memory, or the hosts of `cluster`.
    pub(super) fn new(cluster: Option<&ClusterSpec>, window: Window) -> Memory {
        Memory {
            cluster: cluster.map(|c| Cluster::new(c, window)),
            waiting: VecDeque::new(),
            scratch: Vec::new(),
            candidates: Vec::new(),
        }
    }
}

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// A new environment of `f` on `host`, entering `state` at `now`. It is born `Free` so that
    /// `set_state` does all the bookkeeping of entering a state (levels, host idle lists).
    #[inline]
    pub(super) fn new_env(
        &mut self,
        f: FuncId,
        room: Room,
        state: EnvState,
        now: Instant,
        provisioned: bool,
    ) -> EnvId {
        let e = self.envs.alloc(f, EnvState::Free, now, provisioned);
        self.envs[e].host = room.host;
        self.set_state(e, state, now);
        self.recorder.live(f, 1, now);
        e
    }

    /// Moves environment `e` to `to` at `now`, accounting the time spent in its old state.
    #[inline]
    pub(super) fn set_state(&mut self, e: EnvId, to: EnvState, now: Instant) {
        let (from, since, f) = {
            let env = &self.envs[e];
            (env.state, env.since, env.func)
        };
        self.recorder.moved(f, from, since, to, now);
        let env = &mut self.envs[e];
        env.state = to;
        env.since = now;
        if let Some(host) = env
            .host
            .filter(|_| (from == EnvState::Idle) != (to == EnvState::Idle))
        {
            if let Some(c) = self.memory.cluster.as_mut() {
                let mb = self.funcs[f].memory_mb as u64;
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
    /// room with the memory taken (on no host without a cluster), or `None` when there is none.
    pub(super) fn place(&mut self, f: FuncId, now: Instant, evict: bool) -> Option<Room> {
        let Some(c) = self.memory.cluster.as_ref() else {
            return Some(Room { host: None });
        };
        let need = self.funcs[f].memory_mb as u64;
        let host = match c.with_room(need, f) {
            Some(h) => h,
            None if evict => {
                let h = c.with_room_after_eviction(need, f)?;
                while self.memory.cluster.as_ref()?.free(h) < need {
                    let mut ids = std::mem::take(&mut self.memory.scratch);
                    let mut cands = std::mem::take(&mut self.memory.candidates);
                    ids.clear();
                    cands.clear();
                    self.memory
                        .cluster
                        .as_ref()?
                        .idle_on(&self.envs, h, &mut ids);
                    cands.extend(ids.iter().map(|&e| Candidate {
                        env: e,
                        func: self.envs[e].func,
                        idle_since: self.envs[e].since,
                        memory_mb: self.funcs[self.envs[e].func].memory_mb,
                    }));
                    let pick = if cands.is_empty() {
                        None
                    } else {
                        self.policy.victim(&cands, now)
                    };
                    let victim = pick.and_then(|i| cands.get(i)).map(|c| c.env);
                    self.memory.scratch = ids;
                    self.memory.candidates = cands;
                    match victim {
                        Some(v) => self.evict(v, now),
                        None => return None,
                    }
                }
                h
            }
            None => return None,
        };
        self.memory.cluster.as_mut()?.take(host, need, now);
        Some(Room { host: Some(host) })
    }

    /// Creates an environment on `host` for request `r` (admitted and counted as cold) and
    /// starts its initialization.
    pub(super) fn cold_start(&mut self, r: ReqId, room: Room, now: Instant) {
        let f = self.reqs[r].func;
        let e = self.new_env(f, room, EnvState::Initializing, now, false);
        let func = &mut self.funcs[f];
        let init = func.cold_start.sample(&mut func.rng_cold);
        let req = &mut self.reqs[r];
        req.env = Some(e);
        req.init = init;
        if let Some(work) = req
            .work
            .filter(|_| !init.is_zero() && !self.ahead.is_empty())
        {
            // Its end as far as known now: after its initialization, for its work (replaced
            // when it starts running: a non-zero `init` tells `run_exec` so).
            let end = now
                .saturating_add(init)
                .saturating_add(foresight::run_time(&self.funcs[f], work));
            self.foresee_end(f, r, end, false);
        }
        let env = &mut self.envs[e];
        env.init = init;
        env.pending = Some(r);
        env.in_flight = 1;
        self.touch(e);
        self.observer.on(
            now,
            &Happening::ColdStart {
                func: f,
                env: e,
                req: r,
                init,
            },
        );
        self.queue
            .schedule(now.saturating_add(init), Event::InitDone { env: e });
    }

    /// Gives memory to waiting requests, oldest first, while it can be found.
    pub(super) fn drain_mem_queue(&mut self, now: Instant) {
        while let Some(&r) = self.memory.waiting.front() {
            let f = self.reqs[r].func;
            let Some(room) = self.place(f, now, true) else {
                return;
            };
            self.memory.waiting.pop_front();
            self.cold_start(r, room, now);
        }
    }

    /// `e` finished initializing at `now`: the requests waiting for it start, or (pre-warmed)
    /// it turns idle.
    pub(super) fn init_done(&mut self, e: EnvId, now: Instant) {
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
        let mut next = self.envs[e].pending.take();
        while let Some(r) = next {
            next = self.reqs[r].next;
            self.start_exec(r, now);
        }
    }

    /// Evicts `e` at `now`: its memory and connection are released and the policy told.
    pub(super) fn evict(&mut self, e: EnvId, now: Instant) {
        let f = self.envs[e].func;
        if AvailList::contains(&self.envs, e) {
            let func = &mut self.funcs[f];
            let list = if self.envs[e].provisioned {
                &mut func.avail_provisioned
            } else {
                &mut func.avail
            };
            list.remove(&mut self.envs, e);
        }
        if self.envs[e].conn {
            self.envs[e].conn = false;
            self.close_connection(self.funcs[f].database(), now);
        }
        self.set_state(e, EnvState::Free, now);
        if let Some(host) = self.envs[e].host {
            if let Some(c) = self.memory.cluster.as_mut() {
                c.give_back(host, self.funcs[f].memory_mb as u64, now);
            }
        }
        if self.envs[e].provisioned {
            let func = &mut self.funcs[f];
            func.provisioned_live = func.provisioned_live.saturating_sub(1);
        }
        self.envs.free(e);
        self.policy.on_evict(f, e, now);
        self.recorder.live(f, -1, now);
        self.observer
            .on(now, &Happening::Evicted { func: f, env: e });
    }
}
