//! Arrival processes: when invocations of one function arrive.
//!
//! A running [`Arrivals`] gives absolute arrival times in nanoseconds, never decreasing, from
//! [`Arrivals::next`]. Internally time is kept in `f64` seconds (nanoseconds for the periodic
//! process, so that its spacing is exact) and rounded to the clock once per arrival.

use crate::core::rng::Stream;
use crate::core::time::{secs_to_ns, Instant, NS_PER_SEC};
use crate::core::workload::dist::Dist;
use rand::RngExt;
use rand_distr::{Distribution, Exp1};

/// The last instant the clock can hold, in seconds. A process whose next arrival would fall
/// later has ended.
pub(crate) const MAX_SECS: f64 = u64::MAX as f64 / NS_PER_SEC as f64;

/// One linear piece of a ramp: rate `r0 + slope·(t − t0)` on `[t0, t1)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RampSeg {
    pub(crate) t0: f64,
    pub(crate) r0: f64,
    pub(crate) slope: f64,
    pub(crate) t1: f64,
    /// The rate at `t1`, kept to avoid recomputing it (and its rounding) when a segment is
    /// crossed.
    pub(crate) r1: f64,
}

/// A running arrival process, built by the input layer from what a scenario wrote
/// (`crate::input::arrivals::ArrivalSpec::build`).
#[derive(Clone, Debug)]
pub struct Arrivals {
    /// The last time returned, so that rounding (or jitter) never makes time go backwards.
    pub(crate) last: Instant,
    pub(crate) state: State,
    /// Seconds after which the process is not asked for arrivals (the run's horizon, with a
    /// margin): the processes that step through empty stretches (on-off with a tiny rate, say)
    /// stop there instead of stepping to the end of the clock.
    pub(crate) end: f64,
}

impl Arrivals {
    /// The same process, ending at `horizon`: nothing after it is drawn. Arrivals before it are
    /// unchanged, draw for draw.
    pub fn until(mut self, horizon: Instant) -> Self {
        // A second of margin: an arrival rounded to the horizon's nanosecond is still produced
        // (and dropped by the simulation, as any arrival at or after the horizon is).
        self.end = (horizon.ns() as f64 / NS_PER_SEC as f64 + 1.0).min(MAX_SECS);
        self
    }
}

/// The per-kind state. Times `t` are seconds since the start of the run. The input layer builds
/// it (hence no constructor here, and unused variants when the core is built alone).
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "input"), allow(dead_code))]
pub(crate) enum State {
    /// No more arrivals.
    Ended,
    Poisson {
        t: f64,
        mean_gap: f64,
    },
    Renewal {
        t: f64,
        dist: Dist,
        inv_scale: f64,
    },
    /// Kept in nanoseconds and computed from the index rather than accumulated, so that the
    /// spacing is exact and does not drift.
    Periodic {
        k: u64,
        phase_ns: f64,
        period_ns: f64,
        jitter_ns: f64,
    },
    /// `idx` is the segment containing `t`; it only moves forward.
    Ramp {
        t: f64,
        idx: usize,
        segs: Box<[RampSeg]>,
    },
    /// Thinning of a Poisson process at the peak rate `mean·(1 + amp)`; `max_gap` is its mean gap.
    Diurnal {
        t: f64,
        amp: f64,
        omega: f64,
        peak: f64,
        max_gap: f64,
    },
    /// `on` is `None` until the first call draws the stationary starting state.
    OnOff {
        t: f64,
        on: Option<bool>,
        state_end: f64,
        on_rate: f64,
        off_rate: f64,
        mean_on: f64,
        mean_off: f64,
    },
    /// A trace replay (boxed: its read buffer and look-ahead are larger than the other kinds).
    Trace(Box<crate::core::workload::replay::TraceState>),
}

impl Arrivals {
    /// The instant of the next arrival: never earlier than the previous one, the first at or
    /// after the start of the run. `None` once the process has no more arrivals (a zero rate
    /// forever, or a next arrival beyond the clock's range); it then stays `None`.
    #[inline]
    pub fn next(&mut self, rng: &mut Stream) -> Option<Instant> {
        let ns = match &mut self.state {
            State::Ended => return None,
            State::Periodic {
                k,
                phase_ns,
                period_ns,
                jitter_ns,
            } => {
                let mut x = (*k as f64).mul_add(*period_ns, *phase_ns);
                *k += 1;
                if *jitter_ns > 0.0 {
                    x += *jitter_ns * (rng.random::<f64>() - 0.5);
                }
                if x < u64::MAX as f64 {
                    // `max` also maps a (theoretically impossible) NaN to 0.
                    x.round().max(0.0) as u64
                } else {
                    u64::MAX
                }
            }
            State::Trace(t) => t.next(rng),
            state => secs_to_ns(next_secs(state, rng, self.end).unwrap_or(f64::INFINITY)),
        };
        if ns == u64::MAX {
            self.state = State::Ended;
            return None;
        }
        self.last = self.last.max(Instant::from_ns(ns));
        Some(self.last)
    }
}

/// The next arrival in seconds for the kinds kept in seconds, or `None` if there is none.
#[inline]
fn next_secs(state: &mut State, rng: &mut Stream, end: f64) -> Option<f64> {
    match state {
        State::Ended | State::Periodic { .. } | State::Trace(_) => None,
        State::Poisson { t, mean_gap } => {
            let e: f64 = Exp1.sample(rng);
            *t += e * *mean_gap;
            Some(*t)
        }
        State::Renewal { t, dist, inv_scale } => {
            *t += dist.sample(rng) * *inv_scale;
            Some(*t)
        }
        State::Ramp { t, idx, segs } => ramp_next(t, idx, segs, rng),
        State::Diurnal {
            t,
            amp,
            omega,
            peak,
            max_gap,
        } => loop {
            let e: f64 = Exp1.sample(rng);
            *t += e * *max_gap;
            if *t >= end {
                return None;
            }
            // Accept with probability rate(t)/max_rate = (1 + a·cos)/(1 + a).
            let accept = amp.mul_add((*omega * (*t - *peak)).cos(), 1.0);
            if rng.random::<f64>() * (1.0 + *amp) < accept {
                return Some(*t);
            }
        },
        State::OnOff {
            t,
            on,
            state_end,
            on_rate,
            off_rate,
            mean_on,
            mean_off,
        } => {
            let mut is_on = match *on {
                Some(s) => s,
                None => {
                    // Stationary start; by memorylessness the residual holding time of the
                    // starting state has the same exponential law as a full one.
                    let s = rng.random::<f64>() * (*mean_on + *mean_off) < *mean_on;
                    let e: f64 = Exp1.sample(rng);
                    *state_end = e * if s { *mean_on } else { *mean_off };
                    s
                }
            };
            let result = loop {
                let rate = if is_on { *on_rate } else { *off_rate };
                if rate > 0.0 {
                    // Competing exponentials: the next arrival at this rate or the state change,
                    // whichever comes first; memorylessness lets the race restart after a switch.
                    let e: f64 = Exp1.sample(rng);
                    let x = *t + e / rate;
                    if x < *state_end {
                        *t = x;
                        break Some(x);
                    }
                }
                *t = *state_end;
                if *t >= end {
                    break None;
                }
                is_on = !is_on;
                let e: f64 = Exp1.sample(rng);
                *state_end = *t + e * if is_on { *mean_on } else { *mean_off };
            };
            *on = Some(is_on);
            result
        }
    }
}

/// Next arrival of a piecewise-linear-rate Poisson process by exact inversion of the cumulative
/// rate: draw `E ~ Exp(1)` and find the `x` with `∫ₜ^{t+x} rate = E`, walking segments. The cost
/// does not depend on how high the rate climbs, unlike thinning.
#[inline]
fn ramp_next(t: &mut f64, idx: &mut usize, segs: &[RampSeg], rng: &mut Stream) -> Option<f64> {
    let mut e: f64 = Exp1.sample(rng);
    loop {
        let s = segs.get(*idx)?;
        // Rate at t, clamped because rounding can push a ramp down to 0 slightly negative.
        let a = s.slope.mul_add(*t - s.t0, s.r0).max(0.0);
        let len = s.t1 - *t;
        if e <= 0.0 {
            return Some(*t);
        }
        // Solve a·x + slope·x²/2 = e. The form 2e/(a + √(a² + 2·slope·e)) has no cancellation
        // for either sign of the slope and stays exact as the slope goes to 0 (it becomes e/a);
        // a negative discriminant means the rate reaches 0 within this line before e is used up.
        let disc = a.mul_add(a, 2.0 * s.slope * e);
        if disc >= 0.0 {
            let x = 2.0 * e / (a + disc.sqrt());
            // NaN (a = slope = 0) and infinity fail this test and move on.
            if x <= len {
                *t += x;
                return Some(*t);
            }
        }
        if s.t1.is_infinite() {
            // The final constant segment has rate 0: the process has ended.
            return None;
        }
        // Use up the rest of this segment (trapezoid) and continue in the next.
        e = (e - (a + s.r1) / 2.0 * len).max(0.0);
        *t = s.t1;
        *idx += 1;
    }
}
