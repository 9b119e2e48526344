//! The pending-event set: a 4-ary heap plus FIFO lanes, ordered by `(time, seq)`.
//!
//! # Ordering contract
//! Every scheduled event gets a sequence number from one counter. Events are delivered in
//! increasing `(time, seq)` order: by time, and among equal times in the order they were
//! scheduled, whichever structure holds them. Delivery never goes back in time: an event
//! scheduled for a time before the last delivered one is delivered at the current time (and in
//! debug builds that is reported as a bug).
//!
//! # Lanes
//! A lane is a FIFO queue for timers that are always set in non-decreasing time order, such as a
//! fixed keep-alive that is re-armed on every use: pushing and popping is O(1) instead of the
//! heap's O(log n). If a caller pushes a time earlier than the lane's last one, the event goes to
//! the heap instead, so the contract holds regardless.
//!
//! Nothing here allocates per event once the heap and lanes have grown to the live size.

use crate::core::time::Instant;
use std::collections::VecDeque;

/// A pending event. `key` packs `(time, seq)` into one integer (time in the high 64 bits), so
/// ordering is a single comparison.
#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    key: u128,
    ev: E,
}

impl<E> Entry<E> {
    #[inline]
    fn time(&self) -> Instant {
        Instant::from_ns((self.key >> 64) as u64)
    }
}

/// A 4-ary min-heap on the packed key: half the depth of a binary heap, and the four children
/// of a node sit side by side, which makes `pop` (the engine's hottest operation) markedly
/// cheaper than `std::collections::BinaryHeap`.
///
/// `pop` leaves the root empty (a "hole") instead of refilling it at once: most handlers
/// schedule an event right away (an arrival schedules the next one), and that event then
/// drops into the hole and sifts down, one pass instead of a pop's sift-down plus a push's
/// sift-up. Any other operation fills the hole first with the last element, as a plain pop
/// would have.
#[derive(Clone, Debug)]
struct QuadHeap<E> {
    v: Vec<Entry<E>>,
    /// `v[0]` is stale: it was popped and awaits a replacement.
    hole: bool,
}

impl<E: Copy> QuadHeap<E> {
    fn new() -> Self {
        QuadHeap {
            v: Vec::new(),
            hole: false,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.v.len() - self.hole as usize
    }

    /// Fills a pending hole with the last element.
    #[inline]
    fn settle(&mut self) {
        if self.hole {
            self.hole = false;
            let last = self.v.pop().expect("a hole implies a root slot");
            if !self.v.is_empty() {
                self.sift_down(last);
            }
        }
    }

    #[inline]
    fn peek(&mut self) -> Option<&Entry<E>> {
        self.settle();
        self.v.first()
    }

    #[inline]
    fn push(&mut self, e: Entry<E>) {
        if self.hole {
            self.hole = false;
            self.sift_down(e);
            return;
        }
        let mut i = self.v.len();
        self.v.push(e);
        // Move the hole up while the parent is later.
        while i > 0 {
            let parent = (i - 1) / 4;
            if self.v[parent].key <= e.key {
                break;
            }
            self.v[i] = self.v[parent];
            i = parent;
        }
        self.v[i] = e;
    }

    /// Places `e` at the root (whose old value is gone) and moves it down to its place.
    #[inline]
    fn sift_down(&mut self, e: Entry<E>) {
        let v = &mut self.v[..];
        let n = v.len();
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            let c = if let Some(k) = v.get(first..first + 4) {
                // Four children (the common case), compared in pairs; one bounds check for the
                // four. Keys are unique (the seq part), so ties cannot arise.
                let a = (k[1].key < k[0].key) as usize;
                let b = 2 + (k[3].key < k[2].key) as usize;
                first + if k[b].key < k[a].key { b } else { a }
            } else if first < n {
                let mut best = first;
                for c in first + 1..n {
                    if v[c].key < v[best].key {
                        best = c;
                    }
                }
                best
            } else {
                break;
            };
            let child = v[c];
            if child.key >= e.key {
                break;
            }
            v[i] = child;
            i = c;
        }
        v[i] = e;
    }

    /// Removes the minimum, leaving a hole at the root.
    #[inline]
    fn pop(&mut self) -> Option<Entry<E>> {
        self.settle();
        let top = *self.v.first()?;
        self.hole = true;
        Some(top)
    }
}

/// A lane's handle, returned by [`EventQueue::add_lane`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lane(usize);

/// The pending events of a simulation. `E` is a small `Copy` event that carries ids.
#[derive(Clone, Debug)]
pub(crate) struct EventQueue<E> {
    heap: QuadHeap<E>,
    lanes: Vec<VecDeque<Entry<E>>>,
    seq: u64,
    now: Instant,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue at time 0.
    pub(crate) fn new() -> Self {
        EventQueue {
            heap: QuadHeap::new(),
            lanes: Vec::new(),
            seq: 0,
            now: Instant::ZERO,
        }
    }

    /// Adds a FIFO lane for timers set in non-decreasing time order.
    pub(crate) fn add_lane(&mut self) -> Lane {
        self.lanes.push(VecDeque::new());
        Lane(self.lanes.len() - 1)
    }

    /// Number of pending events (including any a caller will discard as stale).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(VecDeque::len).sum::<usize>()
    }

    /// True when nothing is pending.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn entry(&mut self, time: Instant, ev: E) -> Entry<E> {
        debug_assert!(
            time >= self.now,
            "event scheduled in the past: {time:?} < {:?}",
            self.now
        );
        let seq = self.seq;
        self.seq += 1;
        Entry {
            key: ((time.max(self.now).ns() as u128) << 64) | seq as u128,
            ev,
        }
    }

    /// Schedules `ev` at `time`.
    #[inline]
    pub(crate) fn schedule(&mut self, time: Instant, ev: E) {
        let e = self.entry(time, ev);
        self.heap.push(e);
    }

    /// Schedules `ev` at `time` in `lane`; falls back to the heap if `time` is earlier than the
    /// lane's last entry.
    #[inline]
    pub(crate) fn schedule_in_lane(&mut self, lane: Lane, time: Instant, ev: E) {
        let e = self.entry(time, ev);
        let q = &mut self.lanes[lane.0];
        if q.back().is_none_or(|b| b.key <= e.key) {
            q.push_back(e);
        } else {
            self.heap.push(e);
        }
    }

    /// Removes and returns the earliest event by `(time, seq)`.
    #[cfg(test)]
    pub(crate) fn pop(&mut self) -> Option<(Instant, E)> {
        self.pop_until(Instant::MAX)
    }

    /// Removes and returns the earliest event if its time is at most `limit`; otherwise leaves
    /// the queue as it is and returns `None`.
    #[inline]
    pub(crate) fn pop_until(&mut self, limit: Instant) -> Option<(Instant, E)> {
        // Which source holds the minimum: usize::MAX is the heap, else a lane index.
        let mut best_key = self.heap.peek().map_or(u128::MAX, |e| e.key);
        let mut src = usize::MAX;
        for (i, lane) in self.lanes.iter().enumerate() {
            if let Some(front) = lane.front() {
                if front.key < best_key {
                    best_key = front.key;
                    src = i;
                }
            }
        }
        // u128::MAX is never a real key: the seq part would have to reach u64::MAX.
        if best_key == u128::MAX || (best_key >> 64) as u64 > limit.ns() {
            return None;
        }
        let e = if src == usize::MAX {
            self.heap.pop()
        } else {
            self.lanes[src].pop_front()
        }?;
        let time = e.time();
        self.now = time;
        Some((time, e.ev))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_time_events_come_in_the_order_scheduled_whichever_structure_holds_them() {
        let t = Instant::from_ns;
        let mut q = EventQueue::new();
        let lane = q.add_lane();
        q.schedule(t(5), 'b');
        q.schedule_in_lane(lane, t(5), 'c');
        q.schedule(t(1), 'a');
        assert_eq!(q.pop(), Some((t(1), 'a')));
        assert_eq!(q.pop(), Some((t(5), 'b')));
        assert_eq!(q.pop(), Some((t(5), 'c')));
        assert_eq!(q.pop(), None);
    }

    fn t(ns: u64) -> Instant {
        Instant::from_ns(ns)
    }

    #[test]
    fn equal_times_are_fifo_across_heap_and_lanes() {
        let mut q = EventQueue::new();
        let l = q.add_lane();
        for i in 0..10u32 {
            if i % 3 == 0 {
                q.schedule_in_lane(l, t(7), i);
            } else {
                q.schedule(t(7), i);
            }
        }
        let got: Vec<u32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn out_of_order_lane_push_falls_back_to_heap() {
        let mut q = EventQueue::new();
        let l = q.add_lane();
        q.schedule_in_lane(l, t(10), 'x');
        q.schedule_in_lane(l, t(5), 'y');
        assert_eq!(q.pop(), Some((t(5), 'y')));
        assert_eq!(q.pop(), Some((t(10), 'x')));
    }

    #[test]
    fn matches_a_sorted_reference() {
        // A pseudo-random schedule interleaved with pops; each pop must return the (time, seq)
        // minimum of a plain list holding the same events.
        let mut q = EventQueue::new();
        let l = q.add_lane();
        let mut reference: Vec<(u64, u64, u32)> = Vec::new();
        let mut lane_last = 0u64;
        let mut x = 12345u64;
        let mut now = 0;
        let check_pop = |q: &mut EventQueue<u32>, reference: &mut Vec<(u64, u64, u32)>| {
            let (at, e) = q.pop().unwrap();
            let i = (0..reference.len())
                .min_by_key(|&i| (reference[i].0, reference[i].1))
                .unwrap();
            let (rt, _, re) = reference.swap_remove(i);
            assert_eq!((at.ns(), e), (rt, re));
            at.ns()
        };
        for i in 0..3000u32 {
            x = crate::core::rng::mix64(x);
            let at = now + x % 100;
            if x.is_multiple_of(2) && at >= lane_last {
                q.schedule_in_lane(l, t(at), i);
                lane_last = at;
            } else {
                q.schedule(t(at), i);
            }
            reference.push((at, i as u64, i));
            if x.is_multiple_of(3) {
                now = check_pop(&mut q, &mut reference);
            }
        }
        while !reference.is_empty() {
            check_pop(&mut q, &mut reference);
        }
        assert!(q.is_empty());
    }
}
