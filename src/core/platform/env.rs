//! Execution environments in a slab, and the per-function lists of environments that can take a
//! request.
//!
//! An environment moves `Initializing → Busy ⇄ Idle → Evicted`. Slots of evicted environments are
//! reused through a free list; each slot keeps a generation counter that changes on reuse, so a
//! keep-alive timer set for an earlier occupant can tell it is stale without being removed
//! from the queue.
//!
//! An [`AvailList`] is an intrusive doubly-linked list (links live in the slab) of the
//! environments of one function that have a free request slot, ordered by the time they last
//! changed: the back is the most recently used, the front the least. Insertion and removal
//! anywhere are O(1) and allocate nothing. The links hold a sentinel for "none" (`END`),
//! private to this file, so that an environment stays small; the lists answer with `Option`.

use crate::core::ids::{EnvId, FuncId, HostId, ReqId};
use crate::core::platform::cluster::HostLinks;
use crate::core::time::{Instant, Span};

/// The end of a list, in the links of [`AvailList`] and of its environments.
const END: EnvId = EnvId::new(u32::MAX);

/// Lifecycle state of an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvState {
    /// Cold start in progress.
    Initializing,
    /// Serving at least one request.
    Busy,
    /// Initialized, serving nothing.
    Idle,
    /// Evicted; the slot is free for reuse.
    Free,
}

/// One execution environment.
#[derive(Clone, Copy, Debug)]
pub struct Env {
    /// The function it belongs to.
    pub func: FuncId,
    /// Lifecycle state.
    pub state: EnvState,
    /// Requests assigned to it (running, or waiting for its initialization).
    pub in_flight: u32,
    /// Part of the function's provisioned concurrency (never expires).
    pub provisioned: bool,
    /// Changes whenever the slot is freed or reused.
    pub generation: u32,
    /// Creation time.
    pub created: Instant,
    /// Start of the current state (for time-in-state accounting).
    pub since: Instant,
    /// Cold-start delay of this environment (billed with its first request when init is billed).
    pub init: Span,
    /// First request waiting for its initialization (the rest follow the requests' own links).
    pub pending: Option<ReqId>,
    /// When it expires if it stays idle (set by the keep-alive policy).
    pub expire_at: Instant,
    /// Time of its pending keep-alive timer, [`Instant::MAX`] (never) when none is pending.
    pub timer_at: Instant,
    /// Host it is placed on (`None` without a cluster).
    pub host: Option<HostId>,
    /// Its links in its host's list of idle environments (kept by `cluster::Cluster`).
    pub host_links: HostLinks,
    /// Holds a database connection for its lifetime (see `platform::database`).
    pub conn: bool,
    prev: EnvId,
    next: EnvId,
    linked: bool,
}

/// All environments of a run.
#[derive(Clone, Debug, Default)]
pub struct EnvSlab {
    envs: Vec<Env>,
    free: Vec<EnvId>,
    live: usize,
}

impl EnvSlab {
    /// Allocates an environment for `func`, created at `now` in `state`.
    pub fn alloc(
        &mut self,
        func: FuncId,
        state: EnvState,
        now: Instant,
        provisioned: bool,
    ) -> EnvId {
        let env = Env {
            func,
            state,
            in_flight: 0,
            provisioned,
            generation: 0,
            created: now,
            since: now,
            init: Span::ZERO,
            pending: None,
            expire_at: Instant::ZERO,
            timer_at: Instant::MAX,
            host: None,
            host_links: HostLinks::default(),
            conn: false,
            prev: END,
            next: END,
            linked: false,
        };
        self.live += 1;
        match self.free.pop() {
            Some(i) => {
                let g = self.envs[i.index()].generation;
                self.envs[i.index()] = Env {
                    generation: g.wrapping_add(1),
                    ..env
                };
                i
            }
            None => {
                self.envs.push(env);
                EnvId::from_index(self.envs.len() - 1)
            }
        }
    }

    /// Frees slot `id` (the environment must be unlinked).
    pub fn free(&mut self, id: EnvId) {
        let e = &mut self.envs[id.index()];
        debug_assert!(!e.linked, "freeing a linked environment");
        e.state = EnvState::Free;
        e.generation = e.generation.wrapping_add(1);
        self.live -= 1;
        self.free.push(id);
    }

    /// Environments alive now.
    pub fn live(&self) -> usize {
        self.live
    }

    /// All slots, free ones included (state `Free`).
    pub fn iter(&self) -> impl Iterator<Item = (EnvId, &Env)> {
        self.envs
            .iter()
            .enumerate()
            .map(|(i, e)| (EnvId::from_index(i), e))
    }
}

impl std::ops::Index<EnvId> for EnvSlab {
    type Output = Env;
    #[inline(always)]
    fn index(&self, i: EnvId) -> &Env {
        &self.envs[i.index()]
    }
}

impl std::ops::IndexMut<EnvId> for EnvSlab {
    #[inline(always)]
    fn index_mut(&mut self, i: EnvId) -> &mut Env {
        &mut self.envs[i.index()]
    }
}

/// The environments of one function that have a free request slot, least recently used first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AvailList {
    head: EnvId,
    tail: EnvId,
    len: u32,
}

impl Default for AvailList {
    fn default() -> Self {
        AvailList {
            head: END,
            tail: END,
            len: 0,
        }
    }
}

/// A link, `None` at the end of the list.
#[inline(always)]
fn link(e: EnvId) -> Option<EnvId> {
    (e != END).then_some(e)
}

impl AvailList {
    /// Number of environments in the list.
    #[inline]
    pub(crate) fn len(&self) -> u32 {
        self.len
    }

    /// True when no environment is available.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Least recently used (`None` when empty).
    #[inline]
    pub(crate) fn front(&self) -> Option<EnvId> {
        link(self.head)
    }

    /// Most recently used (`None` when empty).
    #[inline]
    pub(crate) fn back(&self) -> Option<EnvId> {
        link(self.tail)
    }

    /// The environment after `id` (towards the back), `None` at the back.
    #[inline]
    pub(crate) fn next(&self, slab: &EnvSlab, id: EnvId) -> Option<EnvId> {
        link(slab[id].next)
    }

    /// The environments from the front (least recently used) to the back.
    pub(crate) fn iter<'a>(&self, slab: &'a EnvSlab) -> impl Iterator<Item = EnvId> + 'a {
        std::iter::successors(self.front(), move |&e| link(slab[e].next))
    }

    /// Appends `id` at the back (most recently used).
    #[inline]
    pub(crate) fn push_back(&mut self, slab: &mut EnvSlab, id: EnvId) {
        debug_assert!(!slab[id].linked);
        let tail = self.tail;
        {
            let e = &mut slab[id];
            e.prev = tail;
            e.next = END;
            e.linked = true;
        }
        if tail == END {
            self.head = id;
        } else {
            slab[tail].next = id;
        }
        self.tail = id;
        self.len += 1;
    }

    /// Removes `id` from wherever it is in the list.
    #[inline]
    pub(crate) fn remove(&mut self, slab: &mut EnvSlab, id: EnvId) {
        debug_assert!(slab[id].linked);
        let (prev, next) = (slab[id].prev, slab[id].next);
        if prev == END {
            self.head = next;
        } else {
            slab[prev].next = next;
        }
        if next == END {
            self.tail = prev;
        } else {
            slab[next].prev = prev;
        }
        let e = &mut slab[id];
        e.prev = END;
        e.next = END;
        e.linked = false;
        self.len -= 1;
    }

    /// Whether `id` is in some list.
    #[inline]
    pub(crate) fn contains(slab: &EnvSlab, id: EnvId) -> bool {
        slab[id].linked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(l: &AvailList, s: &EnvSlab) -> Vec<EnvId> {
        let mut v = vec![];
        let mut i = l.front();
        while let Some(e) = i {
            v.push(e);
            i = l.next(s, e);
        }
        assert_eq!(l.iter(s).collect::<Vec<_>>(), v);
        v
    }

    #[test]
    fn list_keeps_order_through_removals() {
        let mut s = EnvSlab::default();
        let ids: Vec<EnvId> = (0..5)
            .map(|_| s.alloc(FuncId::new(0), EnvState::Idle, Instant::ZERO, false))
            .collect();
        let mut l = AvailList::default();
        for &i in &ids {
            l.push_back(&mut s, i);
        }
        l.remove(&mut s, ids[2]);
        l.remove(&mut s, ids[0]);
        l.remove(&mut s, ids[4]);
        assert_eq!(order(&l, &s), vec![ids[1], ids[3]]);
        assert_eq!(
            (l.front(), l.back(), l.len()),
            (Some(ids[1]), Some(ids[3]), 2)
        );
        l.push_back(&mut s, ids[0]);
        assert_eq!(order(&l, &s), vec![ids[1], ids[3], ids[0]]);
    }

    #[test]
    fn reused_slots_change_generation() {
        let mut s = EnvSlab::default();
        let a = s.alloc(FuncId::new(0), EnvState::Idle, Instant::ZERO, false);
        let g = s[a].generation;
        s.free(a);
        let b = s.alloc(FuncId::new(1), EnvState::Busy, Instant::from_ns(5), false);
        assert_eq!(a, b);
        assert_ne!(s[b].generation, g);
        assert_eq!(s.live(), 1);
    }
}
