//! Asynchronous events and queue-polled messages: retries, backoff, batches, pollers and
//! dead letters.
//!
//! **Async** (Lambda's event invocation): an accepted event is tried at once. A function error
//! or timeout is retried up to `retries` times, `retry_delay` after the failure and twice that
//! after the next; a throttle is retried with a backoff from `throttle_backoff` doubling up to
//! `max_throttle_backoff`. A retry that would come after `max_event_age` is not made: the event
//! goes to the dead-letter destination. So every event ends exactly once, succeeded or
//! dead-lettered, unless it is still pending at the horizon.
//!
//! **Queue** (SQS with a Lambda event source mapping): messages wait in the queue; each
//! poller takes a batch (up to `batch_size`, waiting up to `batch_window` to fill it) and
//! invokes the function once with it, its duration the sum of the messages' durations. A
//! failed batch (function error, timeout, throttle, or a poison message without partial batch
//! responses) reappears `visibility_timeout` after it was received; a message received
//! `max_receive_count` times goes to the dead-letter queue instead, and one older than
//! `retention` is dropped by the queue (counted as expired). The pollers start at
//! `initial_pollers`; every second in which messages wait and every poller is busy they grow by
//! `pollers_per_minute / 60` (carried exactly), up to `max_concurrency`; with the queue empty
//! they fall back to the busy ones (at least `initial_pollers`).
//!
//! The backlog is what waits outside a function: async events waiting to be retried, visible
//! messages, and failed messages waiting to reappear.

use super::{Event, Observer, Origin, Simulation};
use crate::core::ids::{BatchId, EventId, FuncId, IdVec, QueueId};
use crate::core::metrics::{Latency, Window};
use crate::core::platform::modes::{AsyncSpec, Invocation, QueueSpec};
use crate::core::policy::Policy;
use crate::core::report::{DeliveryCounts, DeliveryReport};
use crate::core::time::{Instant, Span};
use rand::RngExt;
use std::collections::VecDeque;

/// How a function is invoked, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    Sync,
    /// Options at this index of `Delivery::asyncs`.
    Async(u32),
    /// This queue of `Delivery::queues`.
    Queue(QueueId),
}

/// An async event, or a free slot (`live` false).
#[derive(Clone, Copy, Debug)]
struct AsyncEvent {
    live: bool,
    func: FuncId,
    spec: u32,
    arrival: Instant,
    tries: u32,
    /// The last wait after a throttle (zero before the first).
    backoff: Span,
}

#[derive(Clone, Copy, Debug)]
struct Msg {
    sent: Instant,
    receives: u32,
    poison: bool,
}

#[derive(Clone, Debug)]
struct Queue {
    func: FuncId,
    spec: QueueSpec,
    visible: VecDeque<Msg>,
    pollers: u32,
    busy: u32,
    /// Poller growth not yet granted, in pollers × 1/60.
    carry: u32,
    ticking: bool,
    /// End of the batching window in progress, `Instant::MAX` when none.
    window_at: Instant,
}

/// A batch in flight, or failed and waiting to reappear, or a free slot (`live` false). Slots
/// keep their message vector, so batches allocate nothing once the slab has grown.
#[derive(Clone, Debug)]
struct Batch {
    live: bool,
    queue: QueueId,
    msgs: Vec<Msg>,
    received: Instant,
}

/// All async and queue state of a run.
#[derive(Clone, Debug)]
pub(super) struct Delivery {
    asyncs: Vec<AsyncSpec>,
    events: IdVec<EventId, AsyncEvent>,
    free_events: Vec<EventId>,
    queues: IdVec<QueueId, Queue>,
    batches: IdVec<BatchId, Batch>,
    free_batches: Vec<BatchId>,
    counts: DeliveryCounts,
    age: Latency,
    backlog: u64,
    backlog_since: Instant,
    backlog_area: u128,
    backlog_peak: u64,
    window: Window,
}

impl Delivery {
    pub(super) fn new(window: Window) -> Self {
        Delivery {
            asyncs: Vec::new(),
            events: IdVec::new(),
            free_events: Vec::new(),
            queues: IdVec::new(),
            batches: IdVec::new(),
            free_batches: Vec::new(),
            counts: DeliveryCounts::default(),
            age: Latency::new(Latency::COARSE),
            backlog: 0,
            backlog_since: window.start(),
            backlog_area: 0,
            backlog_peak: 0,
            window,
        }
    }

    /// The mode of function `func` invoked as `inv`, creating its queue if it has one.
    pub(super) fn register(&mut self, inv: &Invocation, func: FuncId) -> Mode {
        match inv {
            Invocation::Sync => Mode::Sync,
            Invocation::Async(a) => {
                self.asyncs.push(a.clone());
                Mode::Async(self.asyncs.len() as u32 - 1)
            }
            Invocation::Queue(q) => Mode::Queue(self.queues.push(Queue {
                func,
                spec: q.clone(),
                visible: VecDeque::new(),
                pollers: q.initial_pollers,
                busy: 0,
                carry: 0,
                ticking: false,
                window_at: Instant::MAX,
            })),
        }
    }

    /// Messages in batch `b`.
    #[inline]
    pub(super) fn batch_len(&self, b: BatchId) -> usize {
        self.batches[b].msgs.len()
    }

    /// Whether batch `b` makes its handler fail: it holds a poison message and the mapping
    /// does not report item failures.
    pub(super) fn batch_fails(&self, b: BatchId) -> bool {
        let batch = &self.batches[b];
        !self.queues[batch.queue].spec.partial_batch_response && batch.msgs.iter().any(|m| m.poison)
    }

    fn alloc_batch(&mut self, queue: QueueId, received: Instant) -> BatchId {
        match self.free_batches.pop() {
            Some(b) => {
                let batch = &mut self.batches[b];
                batch.live = true;
                batch.queue = queue;
                batch.received = received;
                batch.msgs.clear();
                b
            }
            None => self.batches.push(Batch {
                live: true,
                queue,
                msgs: Vec::new(),
                received,
            }),
        }
    }

    /// Batch `b` is done with: its slot is free for reuse.
    fn free_batch(&mut self, b: BatchId) {
        self.batches[b].live = false;
        self.free_batches.push(b);
    }

    /// Moves the backlog by `delta` at `now`, integrating its level over the measured window.
    fn backlog_add(&mut self, delta: i64, now: Instant) -> (Instant, u64) {
        let from = self.window.clip(self.backlog_since);
        let level = self.backlog;
        if now > from {
            self.backlog_area += level as u128 * (now - from).ns() as u128;
        }
        self.backlog_since = now.max(self.backlog_since);
        self.backlog = self.backlog.saturating_add_signed(delta);
        if self.window.measures(now) {
            self.backlog_peak = self.backlog_peak.max(self.backlog);
        }
        (from, level)
    }

    /// The report at `end` over a window of length `span`, if the run had async or queue
    /// functions.
    pub(super) fn report(&mut self, end: Instant, span: Span) -> Option<DeliveryReport> {
        if self.asyncs.is_empty() && self.queues.is_empty() {
            return None;
        }
        self.backlog_add(0, end);
        let mut c = self.counts;
        // Counted from what is still alive, not as a difference, so that the reconciliation
        // `events = succeeded + dead_lettered + expired + pending_at_end` is a real check that
        // every event ended exactly once.
        let w = self.window;
        let events = self
            .events
            .iter()
            .filter(|e| e.live && w.measures(e.arrival));
        let visible = self.queues.iter().flat_map(|q| q.visible.iter());
        let held = self
            .batches
            .iter()
            .filter(|b| b.live)
            .flat_map(|b| b.msgs.iter());
        c.pending_at_end = events.count() as u64
            + visible.chain(held).filter(|m| w.measures(m.sent)).count() as u64;
        let span = span.ns().max(1) as f64;
        Some(DeliveryReport {
            counts: c,
            peak_backlog: self.backlog_peak,
            mean_backlog: self.backlog_area as f64 / span,
            age_ms: self.age.summary(),
            throughput_per_s: c.succeeded as f64 / (span / 1e9),
        })
    }
}

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// The backlog moves by `delta` at `now` (into the time series too).
    fn backlog(&mut self, delta: i64, now: Instant) {
        let (from, level) = self.delivery.backlog_add(delta, now);
        if let Some(s) = self.recorder.levels.series_mut() {
            s.integrate_backlog(from, now, level);
        }
        if self.delivery.backlog > self.max_backlog && self.stopped.is_none() {
            self.stopped = Some(now);
        }
    }

    /// An event for async function `f` is accepted at `now` and tried at once.
    pub(super) fn new_event(&mut self, f: FuncId, now: Instant) {
        let super::Mode::Async(spec) = self.funcs[f].mode else {
            unreachable!("only async functions get events")
        };
        let ev = AsyncEvent {
            live: true,
            func: f,
            spec,
            arrival: now,
            tries: 0,
            backoff: Span::ZERO,
        };
        let d = &mut self.delivery;
        let id = match d.free_events.pop() {
            Some(i) => {
                d.events[i] = ev;
                i
            }
            None => d.events.push(ev),
        };
        if d.window.measures(now) {
            d.counts.events += 1;
        }
        self.admit(f, now, false, Origin::Event { event: id }, None);
    }

    /// A retry of event `ev` is due.
    pub(super) fn retry_event(&mut self, ev: EventId, now: Instant) {
        self.backlog(-1, now);
        let f = self.delivery.events[ev].func;
        self.admit(f, now, false, Origin::Event { event: ev }, None);
    }

    /// An attempt of event `ev` ended: done, retried later, or dead-lettered.
    pub(super) fn event_outcome(&mut self, ev: EventId, ok: bool, throttled: bool, now: Instant) {
        let e = self.delivery.events[ev];
        let measured = self.delivery.window.measures(e.arrival);
        let spec = &self.delivery.asyncs[e.spec as usize];
        let retry_at = if ok {
            None
        } else if throttled {
            let b = if e.backoff.is_zero() {
                spec.throttle_backoff.span()
            } else {
                e.backoff
                    .saturating_mul(2)
                    .min(spec.max_throttle_backoff.span())
            };
            self.delivery.events[ev].backoff = b;
            Some(now.saturating_add(b))
        } else if e.tries < spec.retries {
            // 1 min after the first failure, 2 min after the second (with the default delay).
            let wait = spec.retry_delay.span().saturating_mul(1 << e.tries.min(30));
            Some(now.saturating_add(wait))
        } else {
            None
        };
        let max_age = spec.max_event_age.span();
        let d = &mut self.delivery;
        match retry_at {
            Some(t) if t - e.arrival <= max_age => {
                if throttled {
                    d.counts.throttle_retries += measured as u64;
                } else {
                    d.events[ev].tries += 1;
                    d.counts.retries += measured as u64;
                }
                self.backlog(1, now);
                self.queue.schedule(t, Event::Retry { event: ev });
                return;
            }
            _ => {}
        }
        if measured {
            if ok {
                d.counts.succeeded += 1;
                d.age.record(now - e.arrival);
            } else {
                d.counts.dead_lettered += 1;
            }
        }
        d.events[ev].live = false;
        d.free_events.push(ev);
    }

    /// A message for queue `q` is sent at `now`.
    pub(super) fn send_message(&mut self, q: QueueId, now: Instant) {
        let qu = &self.delivery.queues[q];
        let f = qu.func;
        let rate = qu.spec.poison_rate;
        let poison = rate > 0.0 && self.funcs[f].rng_errors.random::<f64>() < rate;
        let d = &mut self.delivery;
        d.queues[q].visible.push_back(Msg {
            sent: now,
            receives: 0,
            poison,
        });
        if d.window.measures(now) {
            d.counts.events += 1;
        }
        self.backlog(1, now);
        self.ensure_tick(q, now);
        self.poll(q, now);
    }

    fn ensure_tick(&mut self, q: QueueId, now: Instant) {
        let qu = &mut self.delivery.queues[q];
        if !qu.ticking {
            qu.ticking = true;
            self.queue.schedule(
                now.saturating_add(Span::from_secs(1)),
                Event::PollTick { queue: q },
            );
        }
    }

    /// Free pollers of queue `q` take batches while there are messages.
    fn poll(&mut self, q: QueueId, now: Instant) {
        loop {
            let window = self.delivery.window;
            let d = &mut self.delivery;
            let qu = &mut d.queues[q];
            let mut dropped = 0;
            while let Some(m) = qu.visible.front() {
                if now - m.sent < qu.spec.retention.span() {
                    break;
                }
                dropped += 1;
                d.counts.expired += (window.measures(m.sent)) as u64;
                qu.visible.pop_front();
            }
            if dropped > 0 {
                self.backlog(-dropped, now);
            }
            let qu = &mut self.delivery.queues[q];
            if qu.busy >= qu.pollers || qu.visible.is_empty() {
                return;
            }
            let want = qu.spec.batch_size as usize;
            let window = qu.spec.batch_window.map_or(Span::ZERO, |w| w.span());
            if qu.visible.len() < want && !window.is_zero() {
                if qu.window_at == Instant::MAX {
                    qu.window_at = now.saturating_add(window);
                    let t = qu.window_at;
                    self.queue.schedule(t, Event::PollWindow { queue: q });
                }
                if now < qu.window_at {
                    return;
                }
            }
            qu.window_at = Instant::MAX;
            qu.busy += 1;
            let n = want.min(qu.visible.len());
            let f = qu.func;
            let b = self.delivery.alloc_batch(q, now);
            let d = &mut self.delivery;
            let (queues, batches) = (&mut d.queues, &mut d.batches);
            let batch = &mut batches[b];
            for m in queues[q].visible.drain(..n) {
                batch.msgs.push(Msg {
                    receives: m.receives + 1,
                    ..m
                });
            }
            if d.window.measures(now) {
                d.counts.batches += 1;
            }
            self.backlog(-(n as i64), now);
            self.admit(f, now, false, Origin::Batch { batch: b }, None);
        }
    }

    /// The batching window of queue `q` ended at `now`.
    pub(super) fn poll_window(&mut self, q: QueueId, now: Instant) {
        if self.delivery.queues[q].window_at == now {
            self.poll(q, now);
        }
    }

    /// Every second while queue `q` has work: pollers grow when all are busy and messages
    /// wait, and fall back when the queue is empty.
    pub(super) fn poll_tick(&mut self, q: QueueId, now: Instant) {
        let qu = &mut self.delivery.queues[q];
        if !qu.visible.is_empty() {
            if qu.busy >= qu.pollers && qu.pollers < qu.spec.max_concurrency {
                qu.carry += qu.spec.pollers_per_minute;
                let add = qu.carry / 60;
                qu.carry %= 60;
                qu.pollers = (qu.pollers + add).min(qu.spec.max_concurrency);
            }
        } else {
            qu.pollers = qu.busy.max(qu.spec.initial_pollers);
            qu.carry = 0;
        }
        self.poll(q, now);
        let qu = &mut self.delivery.queues[q];
        if !qu.visible.is_empty() || qu.busy > 0 || qu.pollers > qu.spec.initial_pollers {
            self.queue.schedule(
                now.saturating_add(Span::from_secs(1)),
                Event::PollTick { queue: q },
            );
        } else {
            qu.ticking = false;
        }
    }

    /// Batch `b`'s invocation ended (or was throttled): its messages are deleted, or wait to
    /// reappear.
    pub(super) fn batch_outcome(&mut self, b: BatchId, ok: bool, throttled: bool, now: Instant) {
        let window = self.delivery.window;
        let d = &mut self.delivery;
        let (queues, batches) = (&mut d.queues, &mut d.batches);
        let batch = &mut batches[b];
        let q = batch.queue;
        let qu = &mut queues[q];
        qu.busy -= 1;
        if ok {
            // With partial batch responses the poison messages alone fail (and without, `ok`
            // is false for a batch holding one).
            let (age, counts) = (&mut d.age, &mut d.counts);
            batch.msgs.retain(|m| {
                if m.poison {
                    return true;
                }
                if window.measures(m.sent) {
                    counts.succeeded += 1;
                    age.record(now - m.sent);
                }
                false
            });
        }
        let left = batch.msgs.len() as i64;
        if left > 0 {
            let visible_at = batch
                .received
                .saturating_add(qu.spec.visibility_timeout.span());
            self.backlog(left, now);
            self.queue
                .schedule(visible_at.max(now), Event::Visible { batch: b });
        } else {
            d.free_batch(b);
        }
        if !throttled {
            // A throttled batch is inside `poll`, whose loop goes on by itself.
            self.poll(q, now);
        }
    }

    /// The messages of failed batch `b` reappear, or go to the dead-letter queue.
    pub(super) fn batch_visible(&mut self, b: BatchId, now: Instant) {
        let window = self.delivery.window;
        let d = &mut self.delivery;
        let (queues, batches) = (&mut d.queues, &mut d.batches);
        let batch = &mut batches[b];
        let q = batch.queue;
        let qu = &mut queues[q];
        let mut gone = 0;
        for m in batch.msgs.drain(..) {
            let measured = window.measures(m.sent);
            if qu.spec.max_receive_count.is_some_and(|c| m.receives >= c) {
                d.counts.dead_lettered += measured as u64;
                gone += 1;
            } else if now - m.sent >= qu.spec.retention.span() {
                d.counts.expired += measured as u64;
                gone += 1;
            } else {
                d.counts.redeliveries += measured as u64;
                qu.visible.push_back(m);
            }
        }
        d.free_batch(b);
        self.backlog(-gone, now);
        self.ensure_tick(q, now);
        self.poll(q, now);
    }
}
