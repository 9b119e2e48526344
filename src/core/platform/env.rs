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
//! anywhere are O(1) and allocate nothing.

use crate::core::time::SimTime;

/// No environment / end of list.
pub const NIL: u32 = u32::MAX;

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
    /// Index of the function it belongs to.
    pub func: u32,
    /// Lifecycle state.
    pub state: EnvState,
    /// Requests assigned to it (running, or waiting for its initialization).
    pub in_flight: u32,
    /// Part of the function's provisioned concurrency (never expires).
    pub provisioned: bool,
    /// Changes whenever the slot is freed or reused.
    pub generation: u32,
    /// Creation time.
    pub created: SimTime,
    /// Start of the current state (for time-in-state accounting).
    pub since: SimTime,
    /// Cold-start delay of this environment (billed with its first request when init is billed).
    pub init_ns: SimTime,
    /// First request waiting for initialization (request slab index), or NIL.
    pub pending: u32,
    /// When it expires if it stays idle (set by the keep-alive policy).
    pub expire_at: SimTime,
    /// Time of its pending keep-alive timer, `SimTime::MAX` when none is pending.
    pub timer_at: SimTime,
    /// Host it is placed on (NIL without a cluster).
    pub host: u32,
    /// Links in its host's list of idle environments (see `cluster::Cluster`).
    pub hprev: u32,
    /// See `hprev`.
    pub hnext: u32,
    /// Holds a database connection for its lifetime (see `platform::database`).
    pub conn: bool,
    prev: u32,
    next: u32,
    linked: bool,
}

/// All environments of a run.
#[derive(Clone, Debug, Default)]
pub struct EnvSlab {
    envs: Vec<Env>,
    free: Vec<u32>,
    live: usize,
}

impl EnvSlab {
    /// Allocates an environment for `func`, created at `now` in `state`.
    pub fn alloc(&mut self, func: u32, state: EnvState, now: SimTime, provisioned: bool) -> u32 {
        let env = Env {
            func,
            state,
            in_flight: 0,
            provisioned,
            generation: 0,
            created: now,
            since: now,
            init_ns: 0,
            pending: NIL,
            expire_at: 0,
            timer_at: SimTime::MAX,
            host: NIL,
            hprev: NIL,
            hnext: NIL,
            conn: false,
            prev: NIL,
            next: NIL,
            linked: false,
        };
        self.live += 1;
        match self.free.pop() {
            Some(i) => {
                let g = self.envs[i as usize].generation;
                self.envs[i as usize] = Env {
                    generation: g.wrapping_add(1),
                    ..env
                };
                i
            }
            None => {
                self.envs.push(env);
                (self.envs.len() - 1) as u32
            }
        }
    }

    /// Frees slot `id` (the environment must be unlinked).
    pub fn free(&mut self, id: u32) {
        let e = &mut self.envs[id as usize];
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
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Env)> {
        self.envs.iter().enumerate().map(|(i, e)| (i as u32, e))
    }
}

impl std::ops::Index<u32> for EnvSlab {
    type Output = Env;
    #[inline]
    fn index(&self, i: u32) -> &Env {
        &self.envs[i as usize]
    }
}

impl std::ops::IndexMut<u32> for EnvSlab {
    #[inline]
    fn index_mut(&mut self, i: u32) -> &mut Env {
        &mut self.envs[i as usize]
    }
}

/// The environments of one function that have a free request slot, least recently used first.
#[derive(Clone, Copy, Debug)]
pub struct AvailList {
    head: u32,
    tail: u32,
    len: u32,
}

impl Default for AvailList {
    fn default() -> Self {
        AvailList {
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }
}

impl AvailList {
    /// Number of environments in the list.
    #[inline]
    pub fn len(&self) -> u32 {
        self.len
    }

    /// True when no environment is available.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Least recently used.
    #[inline]
    pub fn front(&self) -> u32 {
        self.head
    }

    /// Most recently used.
    #[inline]
    pub fn back(&self) -> u32 {
        self.tail
    }

    /// The environment after `id` (towards the back), or NIL.
    #[inline]
    pub fn next(&self, slab: &EnvSlab, id: u32) -> u32 {
        slab[id].next
    }

    /// Appends `id` at the back (most recently used).
    #[inline]
    pub fn push_back(&mut self, slab: &mut EnvSlab, id: u32) {
        debug_assert!(!slab[id].linked);
        let tail = self.tail;
        {
            let e = &mut slab[id];
            e.prev = tail;
            e.next = NIL;
            e.linked = true;
        }
        if tail == NIL {
            self.head = id;
        } else {
            slab[tail].next = id;
        }
        self.tail = id;
        self.len += 1;
    }

    /// Removes `id` from wherever it is in the list.
    #[inline]
    pub fn remove(&mut self, slab: &mut EnvSlab, id: u32) {
        debug_assert!(slab[id].linked);
        let (prev, next) = (slab[id].prev, slab[id].next);
        if prev == NIL {
            self.head = next;
        } else {
            slab[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            slab[next].prev = prev;
        }
        let e = &mut slab[id];
        e.prev = NIL;
        e.next = NIL;
        e.linked = false;
        self.len -= 1;
    }

    /// Whether `id` is in some list.
    #[inline]
    pub fn contains(slab: &EnvSlab, id: u32) -> bool {
        slab[id].linked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(l: &AvailList, s: &EnvSlab) -> Vec<u32> {
        let mut v = vec![];
        let mut i = l.front();
        while i != NIL {
            v.push(i);
            i = l.next(s, i);
        }
        v
    }

    #[test]
    fn list_keeps_order_through_removals() {
        let mut s = EnvSlab::default();
        let ids: Vec<u32> = (0..5)
            .map(|_| s.alloc(0, EnvState::Idle, 0, false))
            .collect();
        let mut l = AvailList::default();
        for &i in &ids {
            l.push_back(&mut s, i);
        }
        l.remove(&mut s, ids[2]);
        l.remove(&mut s, ids[0]);
        l.remove(&mut s, ids[4]);
        assert_eq!(order(&l, &s), vec![ids[1], ids[3]]);
        assert_eq!((l.front(), l.back(), l.len()), (ids[1], ids[3], 2));
        l.push_back(&mut s, ids[0]);
        assert_eq!(order(&l, &s), vec![ids[1], ids[3], ids[0]]);
    }

    #[test]
    fn reused_slots_change_generation() {
        let mut s = EnvSlab::default();
        let a = s.alloc(0, EnvState::Idle, 0, false);
        let g = s[a].generation;
        s.free(a);
        let b = s.alloc(1, EnvState::Busy, 5, false);
        assert_eq!(a, b);
        assert_ne!(s[b].generation, g);
        assert_eq!(s.live(), 1);
    }
}
