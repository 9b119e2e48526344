//! Recording: what a run counts, over the measured window. One recorder keeps the run's and
//! every function's counts side by side, so they reconcile by construction; it owns the latency
//! histograms, the environment levels (and the time series) and the per-function areas, and
//! asks the [`Window`] whether an instant is measured.

use super::ThrottleReason;
use crate::core::ids::{FuncId, IdVec};
use crate::core::metrics::{Counts, Latency, Level, Levels, TimeSeries, Window};
use crate::core::platform::env::{EnvSlab, EnvState};
use crate::core::time::{Instant, Span};

/// One function's statistics.
#[derive(Clone, Debug)]
pub(super) struct FuncStats {
    pub(super) counts: Counts,
    pub(super) latency: Latency,
    /// ns × environments in each [`Level`] (index by level) over the measured window.
    pub(super) area: [u128; 3],
    /// Environments alive now, and the most at once in the window.
    pub(super) live: u32,
    pub(super) peak: u32,
    /// Billed execution time on on-demand and on provisioned environments, ns.
    pub(super) billed_ns: u128,
    pub(super) billed_ns_provisioned: u128,
    /// Users' requests that passed the front door.
    pub(super) front_door_requests: u64,
}

impl Default for FuncStats {
    fn default() -> Self {
        FuncStats {
            counts: Counts::default(),
            latency: Latency::new(Latency::COARSE),
            area: [0; 3],
            live: 0,
            peak: 0,
            billed_ns: 0,
            billed_ns_provisioned: 0,
            front_door_requests: 0,
        }
    }
}

/// How a request ended, for [`Recorder::finished`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Ended {
    /// When it arrived: a request is measured when it arrived inside the window.
    pub(super) arrival: Instant,
    /// End-to-end latency.
    pub(super) latency: Span,
    /// Billed time, ns (already rounded as the provider rounds it).
    pub(super) billed: u64,
    /// It ran on a provisioned environment.
    pub(super) provisioned: bool,
    /// A keep-warm ping: billed, not counted as a request.
    pub(super) ping: bool,
    pub(super) timed_out: bool,
    pub(super) failed: bool,
}

/// The run's statistics.
#[derive(Clone, Debug)]
pub(super) struct Recorder {
    pub(super) window: Window,
    pub(super) counts: Counts,
    pub(super) latency: Latency,
    pub(super) levels: Levels,
    pub(super) funcs: IdVec<FuncId, FuncStats>,
}

/// The level an environment state counts towards (`None` for a free slot).
#[inline]
pub(super) fn level(s: EnvState) -> Option<Level> {
    match s {
        EnvState::Initializing => Some(Level::Initializing),
        EnvState::Busy => Some(Level::Busy),
        EnvState::Idle => Some(Level::Idle),
        EnvState::Free => None,
    }
}

impl Recorder {
    /// A recorder for `functions` functions over `window`, with a time series when asked.
    pub(super) fn new(window: Window, series: Option<TimeSeries>, functions: usize) -> Self {
        Recorder {
            window,
            counts: Counts::default(),
            latency: Latency::new(Latency::FINE),
            levels: Levels::new(window.start(), series),
            funcs: vec![FuncStats::default(); functions].into(),
        }
    }

    /// A request of `f` arrived at the platform at `now`.
    #[inline(always)]
    pub(super) fn arrival(&mut self, f: FuncId, now: Instant) {
        if !self.window.measures(now) {
            return;
        }
        self.funcs[f].counts.arrivals += 1;
        self.counts.arrivals += 1;
        if let Some(b) = self.levels.series_mut().and_then(|s| s.at(now)) {
            b.arrivals += 1;
        }
    }

    /// A user's request of `f` passed the front door at `now`.
    #[inline]
    pub(super) fn front_door(&mut self, f: FuncId, now: Instant) {
        if self.window.measures(now) {
            self.funcs[f].front_door_requests += 1;
        }
    }

    /// A CDN answered a request of `f` at `now`, taking `latency`.
    pub(super) fn answered_at_edge(&mut self, f: FuncId, now: Instant, latency: Span) {
        if self.window.measures(now) {
            self.funcs[f].latency.record(latency);
            self.latency.record(latency);
        }
    }

    /// An invocation (or a ping) of `f` started at `now`, warm or cold.
    #[inline(always)]
    pub(super) fn start(&mut self, f: FuncId, now: Instant, cold: bool, ping: bool) {
        if !self.window.measures(now) {
            return;
        }
        if ping {
            for c in [&mut self.counts, &mut self.funcs[f].counts] {
                c.pings += 1;
                c.ping_cold_starts += cold as u64;
            }
            return;
        }
        let bucket = self.levels.series_mut().and_then(|s| s.at(now));
        let func = &mut self.funcs[f].counts;
        if cold {
            func.cold_starts += 1;
            self.counts.cold_starts += 1;
            if let Some(b) = bucket {
                b.cold_starts += 1;
            }
        } else {
            func.warm_starts += 1;
            self.counts.warm_starts += 1;
            if let Some(b) = bucket {
                b.warm_starts += 1;
            }
        }
    }

    /// An invocation (or a ping) of `f` was throttled at `now`.
    pub(super) fn throttle(&mut self, f: FuncId, now: Instant, reason: ThrottleReason, ping: bool) {
        if !self.window.measures(now) {
            return;
        }
        if ping {
            self.counts.pings_throttled += 1;
            self.funcs[f].counts.pings_throttled += 1;
            return;
        }
        for c in [&mut self.counts, &mut self.funcs[f].counts] {
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

    /// A request of `f` ended; it is measured when it arrived inside the window.
    #[inline(always)]
    pub(super) fn finished(&mut self, f: FuncId, e: Ended) {
        if !self.window.measures(e.arrival) {
            return;
        }
        let s = &mut self.funcs[f];
        if !e.ping {
            s.latency.record(e.latency);
            s.counts.completed += 1;
            self.counts.completed += 1;
            self.latency.record(e.latency);
            if e.timed_out {
                s.counts.timeouts += 1;
                self.counts.timeouts += 1;
            } else if e.failed {
                s.counts.errors += 1;
                self.counts.errors += 1;
            }
        }
        if e.provisioned {
            s.billed_ns_provisioned += e.billed as u128;
        } else {
            s.billed_ns += e.billed as u128;
        }
    }

    /// A request of `f` that arrived at `arrival` failed for want of a database connection.
    pub(super) fn connection_error(&mut self, f: FuncId, arrival: Instant) {
        if self.window.measures(arrival) {
            self.counts.connection_errors += 1;
            self.funcs[f].counts.connection_errors += 1;
        }
    }

    /// `f` gained (`delta` = 1) or lost (-1) an environment at `now`.
    #[inline(always)]
    pub(super) fn live(&mut self, f: FuncId, delta: i32, now: Instant) {
        let s = &mut self.funcs[f];
        let before = s.live;
        s.live = s.live.wrapping_add_signed(delta);
        if self.window.measures(now) {
            // Both counts were alive at `now`, which is inside the measured window.
            s.peak = s.peak.max(before.max(s.live));
        }
    }

    /// An environment of `f` that has been `from` since `since` becomes `to` at `now`.
    #[inline(always)]
    pub(super) fn moved(
        &mut self,
        f: FuncId,
        from: EnvState,
        since: Instant,
        to: EnvState,
        now: Instant,
    ) {
        if let Some(l) = level(from) {
            let t = self.window.overlap(since, now);
            if !t.is_zero() {
                self.funcs[f].area[l as usize] += t.ns() as u128;
            }
        }
        self.levels.change(now, level(from), level(to));
    }
}

impl Recorder {
    /// Closes the time-in-state intervals of the environments still alive at `end`, and
    /// returns the run's peak of environments alive at once.
    pub(super) fn close(&mut self, envs: &EnvSlab, end: Instant) -> u64 {
        for (_, env) in envs.iter() {
            if let Some(l) = level(env.state) {
                let t = self.window.overlap(env.since, end);
                if !t.is_zero() {
                    self.funcs[env.func].area[l as usize] += t.ns() as u128;
                }
            }
        }
        for s in &mut self.funcs {
            s.peak = s.peak.max(s.live);
        }
        self.levels.finish(end)
    }
}
