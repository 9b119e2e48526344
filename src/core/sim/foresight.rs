//! Foresight for offline bounds: a function's arrivals drawn ahead of the present, and from
//! them the time each idle environment is next used.
//!
//! Only a policy that asks for it ([`Policy::foresight`], the oracle) pays for any of this.
//! The arrivals and their work come from the function's own streams in the order a run
//! without foresight draws them, so the oracle sees the very requests every other policy
//! serves. The buffer holds at most [`Ahead::CAP`] arrivals per function: memory stays bound
//! by the window, not by the run's length.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::{Func, IdleDecision, Mode, Observer, Routing, Simulation};
use crate::core::ids::{EnvId, FuncId, IdVec, ReqId};
use crate::core::platform::env::AvailList;
use crate::core::policy::Policy;
use crate::core::time::{Instant, Span};

/// One function's arrivals drawn ahead, and its users' requests in flight.
///
/// Finding an environment's next use means walking the upcoming arrivals while counting the
/// requests that end meanwhile. So that the walk is a plain pass over the buffer, each
/// upcoming arrival carries `level`: how many of the function's arrivals so far (itself
/// included) have not ended by its time, had each run from its arrival for its work. The
/// arrivals that came before the present are then taken out of that count with two sorted
/// lists, their ends in that picture and their ends as known now.
#[derive(Clone, Debug, Default)]
pub(super) struct Ahead {
    /// How far past the present the policy wants to see (zero: no foresight for this function).
    window: Span,
    /// The arrivals to come, in order; the front one is in the queue.
    upcoming: VecDeque<Upcoming>,
    /// No arrival is left before the horizon.
    ended: bool,
    /// Arrivals drawn so far that had not ended (arrival + run time) by the last one drawn:
    /// the last one's `level`. Their ends are in `pending`.
    open: i64,
    pending: BinaryHeap<Reverse<Instant>>,
    /// Arrival + run time of the arrivals already come, sorted, those in the past dropped.
    arrived_ends: VecDeque<Instant>,
    /// When its users' requests in flight will end, where that is known (they run, or wait
    /// for their environment's initialization), with their request slots: sorted by end.
    live: Vec<(Instant, ReqId)>,
}

/// An arrival drawn ahead.
#[derive(Clone, Copy, Debug)]
struct Upcoming {
    at: Instant,
    /// Its raw work (see `Req::work`).
    work: Span,
    /// Arrivals up to this one, less those ended by `at`, each counted from its arrival for
    /// its run time.
    level: i64,
}

impl Ahead {
    /// At most this many upcoming arrivals are held per function.
    pub(super) const CAP: usize = 1 << 15;

    /// One per function when `policy` asks for foresight on any of them, else none at all.
    /// Functions invoked asynchronously or through a queue get none: their user arrivals are
    /// events whose attempts the look-ahead cannot place.
    pub(super) fn for_policy<P: Policy>(
        policy: &P,
        funcs: &IdVec<FuncId, Func>,
    ) -> IdVec<FuncId, Ahead> {
        let windows: Vec<Span> = funcs
            .iter_ids()
            .map(|(f, func)| match func.mode {
                Mode::Sync => policy.foresight(f),
                _ => Span::ZERO,
            })
            .collect();
        if windows.iter().all(|w| w.is_zero()) {
            return IdVec::new();
        }
        windows
            .into_iter()
            .map(|window| Ahead {
                window,
                ..Ahead::default()
            })
            .collect()
    }

    /// Whether this function's arrivals come through the look-ahead.
    #[inline]
    pub(super) fn on(&self) -> bool {
        !self.window.is_zero()
    }

    /// Draws arrivals, each with its work, until one lies beyond the window past `now` (or the
    /// buffer is full, or the arrivals end).
    fn fill(&mut self, func: &mut Func, now: Instant, horizon: Instant) {
        let until = now.saturating_add(self.window);
        while !self.ended
            && self.upcoming.len() < Self::CAP
            && self.upcoming.back().is_none_or(|u| u.at <= until)
        {
            match func
                .arrivals
                .next(&mut func.rng_arrivals)
                .filter(|&t| t < horizon)
            {
                Some(at) => {
                    let work = func.duration.sample_span(&mut func.rng_durations);
                    while self.pending.peek().is_some_and(|x| x.0 <= at) {
                        self.pending.pop();
                        self.open -= 1;
                    }
                    self.open += 1;
                    self.upcoming.push_back(Upcoming {
                        at,
                        work,
                        level: self.open,
                    });
                    self.pending
                        .push(Reverse(at.saturating_add(run_time(func, work))));
                }
                None => self.ended = true,
            }
        }
    }

    /// Request `r` is no longer counted among those in flight.
    fn forget(&mut self, r: ReqId) {
        if let Some(i) = self.live.iter().position(|x| x.1 == r) {
            self.live.remove(i);
        }
    }

    /// The function's first arrival.
    pub(super) fn first(&mut self, func: &mut Func, horizon: Instant) -> Option<Instant> {
        self.fill(func, Instant::ZERO, horizon);
        self.upcoming.front().map(|u| u.at)
    }

    /// The arrival at the front happened at `now`: returns the next arrival and this one's
    /// work.
    pub(super) fn arrived(
        &mut self,
        func: &mut Func,
        now: Instant,
        horizon: Instant,
    ) -> (Option<Instant>, Option<Span>) {
        let work = match self.upcoming.pop_front() {
            Some(u) => {
                let end = u.at.saturating_add(run_time(func, u.work));
                while self.arrived_ends.front().is_some_and(|&d| d <= now) {
                    self.arrived_ends.pop_front();
                }
                let at = self.arrived_ends.partition_point(|&d| d <= end);
                self.arrived_ends.insert(at, end);
                Some(u.work)
            }
            None => None,
        };
        self.fill(func, now, horizon);
        (self.upcoming.front().map(|u| u.at), work)
    }
}

/// How long a request of `func` with raw work `work` runs once started: scaled to its CPU
/// share and cut at the function's timeout, as `run_exec` does.
pub(super) fn run_time(func: &Func, work: Span) -> Span {
    func.terms.scale_exec(work).min(func.timeout)
}

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// User request `r` of `f`, whose work is known, will end at `end`: it has just started
    /// running, or its cold start has begun. `replace`: what was known of it before (at its
    /// cold start) is replaced.
    pub(super) fn foresee_end(&mut self, f: FuncId, r: ReqId, end: Instant, replace: bool) {
        if let Some(a) = self.ahead.get_mut(f).filter(|a| a.on()) {
            if replace {
                a.forget(r);
            }
            // Requests mostly end in the order they start: inserted near the back, and
            // removed near the front.
            let at = a.live.partition_point(|x| x.0 <= end);
            a.live.insert(at, (end, r));
        }
    }

    /// User request `r` of `f` is over.
    pub(super) fn foresee_ended(&mut self, f: FuncId, r: ReqId) {
        if let Some(a) = self.ahead.get_mut(f) {
            a.forget(r);
        }
    }

    /// Asks the policy about idle environment `e` of `f` at `now`: with the function's next
    /// arrival, and with `e`'s own next use when the policy looks ahead.
    #[inline]
    pub(super) fn decide_idle(&mut self, f: FuncId, e: EnvId, now: Instant) -> IdleDecision {
        let next = self.funcs[f].next_arrival;
        let next = (next != Instant::MAX).then_some(next);
        if self.ahead.get(f).is_some_and(Ahead::on) {
            let next_use = self.next_use(f, e, now);
            self.policy.on_idle_foreseeing(f, e, now, next, next_use)
        } else {
            self.policy.on_idle_knowing(f, e, now, next)
        }
    }

    /// When idle environment `e` of `f` is next used, if within the foresight window past
    /// `now` (see [`Policy::on_idle_foreseeing`] for the rule and what it leaves out).
    fn next_use(&mut self, f: FuncId, e: EnvId, now: Instant) -> Option<Instant> {
        let horizon = self.horizon;
        {
            let (ahead, funcs) = (&mut self.ahead, &mut self.funcs);
            ahead[f].fill(&mut funcs[f], now, horizon);
        }
        let a = &self.ahead[f];
        let limit = now.saturating_add(a.window);
        let within = |t: Instant| (t <= limit).then_some(t);
        // Past the last buffered arrival nothing is known: judge again there.
        let unknown = if a.ended {
            None
        } else {
            a.upcoming.back().and_then(|u| within(u.at))
        };
        let func = &self.funcs[f];
        let listed = AvailList::contains(&self.envs, e);
        // The idle environments taken before `e`: any idle provisioned one, then those after
        // `e` in its list (MRU takes from the back, LRU from the front).
        let mut before = func.avail_provisioned.len() as usize;
        match self.admission.routing {
            Routing::Mru => {
                if listed {
                    let mut i = func.avail.next(&self.envs, e);
                    while let Some(n) = i {
                        before += 1;
                        i = func.avail.next(&self.envs, n);
                    }
                }
                // `e` is taken by the arrival that finds `before + 1` more arrivals than ends
                // since now: every ending request puts its environment above `e`, every
                // arrival takes the top one. Walking the upcoming arrivals, that surplus is
                // the arrival's `level` less the arrivals already come that have not ended
                // by then in the picture (they are counted in `level`), less the requests in
                // flight that have truly ended by then. An end already past belongs to a
                // request held up by something unknown; it is left out.
                let (ends, live) = (&a.arrived_ends, &a.live);
                let (mut ended_before, mut live_ended) = (0usize, 0usize);
                let live_from = live.partition_point(|x| x.0 < now);
                let mut found = unknown;
                for u in &a.upcoming {
                    if u.at > limit {
                        found = None;
                        break;
                    }
                    while ended_before < ends.len() && ends[ended_before] <= u.at {
                        ended_before += 1;
                    }
                    while live_from + live_ended < live.len()
                        && live[live_from + live_ended].0 <= u.at
                    {
                        live_ended += 1;
                    }
                    let surplus = u.level - (ends.len() - ended_before) as i64 - live_ended as i64;
                    if surplus > before as i64 {
                        found = Some(u.at);
                        break;
                    }
                }
                found
            }
            Routing::Lru => {
                if listed {
                    before += func.avail.iter(&self.envs).take_while(|&i| i != e).count();
                }
                match a.upcoming.get(before) {
                    Some(u) => within(u.at),
                    None => unknown,
                }
            }
            Routing::Newest | Routing::Random => a.upcoming.front().and_then(|u| within(u.at)),
        }
    }
}
