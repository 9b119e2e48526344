//! Replaying one function of a loaded trace as an arrival process.
//!
//! A per-interval trace (Azure 2019, Huawei) gives counts per minute; the arrivals inside a
//! minute are placed when they are needed, one at a time, from the function's own arrival
//! stream, in one of three ways ([`Placement`]). A per-invocation trace (Azure 2021, generic
//! CSV) gives the arrival times themselves. Either way only the current interval's state and a
//! small read buffer are held, never the function's arrivals.

use super::spill::{Cursor, Spill};
use crate::core::rng::Stream;
use rand::RngExt;
use rand_distr::{Distribution, Exp1};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// Where the invocations counted in one interval (a minute) are placed inside it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// The interval's `n` invocations at independent uniform times, sorted: a Poisson process
    /// conditioned on the count, so every interval keeps its count exactly (the default).
    #[default]
    Uniform,
    /// Evenly spaced: the i-th of `n` at `(i + 1/2)·width/n` into the interval (exact).
    Equidistant,
    /// A Poisson process at the interval's rate `n/width`: counts vary (Poisson with mean `n`),
    /// so totals are kept only on average.
    Poisson,
}

/// What a spill entry means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// `(interval index, count)` with intervals of this many nanoseconds.
    Interval(u64),
    /// `(arrival time in ns, _)`.
    Instant,
}

/// What replay needs of a loaded trace, shared by all its functions: the spilled entries and
/// how to read them.
#[derive(Debug)]
pub struct Recording {
    pub(crate) spill: Arc<Spill>,
    pub(crate) unit: Unit,
    /// Entry time (entry units) that becomes time 0 of the run.
    pub(crate) shift: i64,
    /// Entries at or after this (shifted) time are past the window.
    pub(crate) end: i64,
    /// Length of the replayed window, ns.
    pub(crate) span_ns: u64,
}

impl Recording {
    /// A recording of `spill`'s entries in `unit`, shifted down by `shift` and cut at `end`
    /// (both in entry units), spanning `span_ns`.
    pub fn new(spill: Arc<Spill>, unit: Unit, shift: i64, end: i64, span_ns: u64) -> Self {
        Recording {
            spill,
            unit,
            shift,
            end,
            span_ns,
        }
    }
}

/// One function of a loaded trace, as an [`crate::input::arrivals::ArrivalSpec::Trace`].
#[derive(Clone, Debug)]
pub struct TraceHandle {
    pub(crate) recording: Arc<Recording>,
    /// The function's entries in the spill.
    pub(crate) spill: u32,
    /// Largest amount by which an entry comes before an earlier-read one (per-invocation).
    pub(crate) disorder: i64,
    /// Invocations in the window.
    pub(crate) invocations: u64,
    pub(crate) placement: Placement,
    /// Rate multiplier (1 = as recorded).
    pub(crate) scale: f64,
}

impl PartialEq for TraceHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.recording, &other.recording)
            && self.spill == other.spill
            && self.placement == other.placement
            && self.scale == other.scale
    }
}

impl TraceHandle {
    /// Long-run mean rate per second at `scale` 1 of the arrival spec (the recorded count over
    /// the trace's span, times the workload's own rescaling).
    pub fn mean_rate(&self) -> f64 {
        let span = self.recording.span_ns as f64 / 1e9;
        if span > 0.0 {
            self.invocations as f64 / span * self.scale
        } else {
            0.0
        }
    }

    /// Starts the process at time 0, with the rate multiplied by `scale` on top.
    pub fn start(&self, scale: f64) -> TraceState {
        let l = &self.recording;
        TraceState {
            spill: l.spill.clone(),
            cursor: Cursor::new(self.spill),
            unit: l.unit,
            placement: self.placement,
            scale: self.scale * scale,
            shift: l.shift,
            end: l.end,
            disorder: self.disorder,
            base: 0,
            width: 0,
            n: 0,
            i: 0,
            u: 0.0,
            poisson_t: 0.0,
            poisson_end: 0.0,
            poisson_gap: 0.0,
            heap: BinaryHeap::new(),
            max_read: i64::MIN,
            done: false,
        }
    }
}

/// The running state of one replayed function.
#[derive(Clone, Debug)]
pub struct TraceState {
    spill: Arc<Spill>,
    cursor: Cursor,
    unit: Unit,
    placement: Placement,
    scale: f64,
    /// Entry times are shifted down by this (window start), in entry units.
    shift: i64,
    /// Entries at or after this (shifted) time are past the window.
    end: i64,
    /// Largest amount by which an entry comes before an earlier-read one (per-invocation).
    disorder: i64,
    // The interval being emitted: start (ns), width (ns), count, emitted, uniform position.
    base: u64,
    width: u64,
    n: u64,
    i: u64,
    u: f64,
    // Poisson placement inside the current interval (ns as f64).
    poisson_t: f64,
    poisson_end: f64,
    poisson_gap: f64,
    // Per-invocation reordering.
    heap: BinaryHeap<Reverse<i64>>,
    max_read: i64,
    done: bool,
}

/// `floor(x) + Bernoulli(frac(x))`: an integer with mean `x`.
#[inline]
fn random_round(x: f64, rng: &mut Stream) -> u64 {
    let f = x.floor();
    let extra = if rng.random::<f64>() < x - f {
        1.0
    } else {
        0.0
    };
    (f + extra) as u64
}

impl TraceState {
    /// The next arrival (ns), or `u64::MAX` when the function has no more.
    #[inline]
    pub fn next(&mut self, rng: &mut Stream) -> u64 {
        loop {
            if self.i < self.n {
                return self.emit_in_interval(rng);
            }
            if self.poisson_gap > 0.0 {
                let e: f64 = Exp1.sample(rng);
                self.poisson_t += e * self.poisson_gap;
                if self.poisson_t < self.poisson_end {
                    return self.poisson_t as u64;
                }
                self.poisson_gap = 0.0;
            }
            let more = match self.unit {
                Unit::Interval(w) => self.next_interval(w, rng),
                Unit::Instant => match self.next_instant(rng) {
                    Some(t) => return t,
                    None => false,
                },
            };
            if !more {
                return u64::MAX;
            }
        }
    }

    #[inline]
    fn emit_in_interval(&mut self, rng: &mut Stream) -> u64 {
        let i = self.i;
        self.i += 1;
        match self.placement {
            Placement::Equidistant => {
                let off = ((2 * i as u128 + 1) * self.width as u128) / (2 * self.n as u128);
                self.base.saturating_add(off as u64)
            }
            _ => {
                // Sorted uniforms one at a time: the minimum of the k still to come, uniform on
                // [u, 1), is u + (1 - u)·(1 - V^(1/k)), and V^(1/k) = exp(-E/k).
                let k = (self.n - i) as f64;
                let e: f64 = Exp1.sample(rng);
                self.u += (1.0 - self.u) * -(-e / k).exp_m1();
                let off = (self.u * self.width as f64) as u64;
                self.base
                    .saturating_add(off.min(self.width.saturating_sub(1)))
            }
        }
    }

    /// Loads the next interval with a positive (scaled) count; false at the end.
    fn next_interval(&mut self, w: u64, rng: &mut Stream) -> bool {
        loop {
            let Some((time, count)) = self.cursor.next(&self.spill) else {
                return false;
            };
            let t = time.saturating_sub(self.shift);
            if t < 0 {
                continue;
            }
            if t >= self.end {
                return false;
            }
            let base = (t as u64).saturating_mul(w);
            if self.placement == Placement::Poisson {
                let mean = count as f64 * self.scale;
                if mean > 0.0 {
                    self.poisson_t = base as f64;
                    self.poisson_end = base as f64 + w as f64;
                    self.poisson_gap = w as f64 / mean;
                    return true;
                }
                continue;
            }
            let n = if self.scale == 1.0 {
                count
            } else {
                random_round(count as f64 * self.scale, rng)
            };
            if n > 0 {
                self.base = base;
                self.width = w;
                self.n = n;
                self.i = 0;
                self.u = 0.0;
                return true;
            }
        }
    }

    /// The next recorded arrival in time order (per-invocation traces), with rescaling.
    fn next_instant(&mut self, rng: &mut Stream) -> Option<u64> {
        loop {
            // Read ahead until the earliest held time cannot be undercut by an unread entry.
            while !self.done {
                if let Some(&Reverse(min)) = self.heap.peek() {
                    if min <= self.max_read.saturating_sub(self.disorder) {
                        break;
                    }
                }
                match self.cursor.next(&self.spill) {
                    None => self.done = true,
                    Some((time, _)) => {
                        let t = time.saturating_sub(self.shift);
                        self.max_read = self.max_read.max(t);
                        if t >= 0 && t < self.end {
                            self.heap.push(Reverse(t));
                        } else if t >= self.end && self.disorder == 0 {
                            self.done = true;
                        }
                    }
                }
            }
            let Reverse(t) = self.heap.pop()?;
            let t = t as u64;
            if self.scale == 1.0 {
                return Some(t);
            }
            let m = random_round(self.scale, rng);
            if m == 0 {
                continue;
            }
            if m > 1 {
                // The extra copies go uniformly between this arrival and the next one.
                let next = self.heap.peek().map_or(t + 1_000_000_000, |r| r.0 as u64);
                self.base = t;
                self.width = next.saturating_sub(t).max(1);
                self.n = m - 1;
                self.i = 0;
                self.u = 0.0;
            }
            return Some(t);
        }
    }
}
