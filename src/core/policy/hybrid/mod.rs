//! The hybrid histogram policy of Shahrad et al., "Serverless in the Wild: Characterizing and
//! Optimizing the Serverless Workload at a Large Cloud Provider" (USENIX ATC 2020), §4.2.
//!
//! Per function, the idle times (from the moment the function has no request in flight to its
//! next arrival) go into a histogram of 1-minute bins over a 4-hour range. From it:
//! - the **pre-warm window** is the 5th percentile ("head") less 10%: after an execution the
//!   environment is unloaded and a fresh one is pre-warmed that long after;
//! - the **keep-alive window** ends at the 99th percentile ("tail") plus 10%: the environment
//!   (or the pre-warmed one) expires then, counted from the end of the execution.
//!   With a head of 0 the environment simply stays loaded until then.
//!
//! When the histogram is not representative — fewer than `min_samples` idle times, or a
//! coefficient of variation of the bin counts below `cv_threshold` — the policy falls back to a
//! fixed keep-alive of `fallback` (the paper's conservative choice: the whole range). When more
//! than `oob_threshold` of the idle times fall beyond the range, the paper forecasts the next
//! idle time with ARIMA and pre-warms at `(1 − arima_margin)` × the forecast, keeping the
//! environment until `(1 + arima_margin)` × the forecast (±15% by default). faasim's ARIMA is
//! an ARIMA(p, d, 0) model (see [`forecast`]) fitted by Yule–Walker on the last
//! `arima_window` idle times of the function, kept in a fixed ring buffer, so memory does not
//! grow with invocations.
//!
//! Cost: each percentile is tracked incrementally (the bin holding its rank and the count
//! below it move by at most one occupied bin per new idle time; a bitmap of occupied bins finds
//! the neighbour), and the bin counts' CV is kept as a running sum of squares, so a decision
//! costs a few dozen operations, not a pass or a tree search over the histogram.

mod histogram;
mod params;

use histogram::{Histogram, Recent};
pub(crate) use params::MAX_ARIMA_P;
pub use params::{HybridParams, IdleTimes};

use crate::core::ids::{EnvId, FuncId};
use crate::core::policy::forecast::forecast;
use crate::core::policy::{FunctionInfo, IdleDecision, Policy};
use crate::core::time::{Instant, Span};

/// The hybrid histogram policy.
#[derive(Clone, Debug)]
pub struct HybridHistogram {
    params: HybridParams,
    bins: usize,
    /// Head and tail percentiles as fractions.
    head_frac: f64,
    tail_frac: f64,
    /// Per bin: the pre-warm window if the head is in it, the keep-alive window if the tail
    /// is (computed once, so a decision does no float arithmetic).
    prewarm_of: Vec<Span>,
    keep_alive_of: Vec<Span>,
    /// `bins` × bin width: idle times from here on are beyond the range.
    range: Span,
    hist: Vec<Histogram>,
    /// Per function: recent idle times (empty until one is beyond the range).
    recent: Vec<Recent>,
    /// Per environment slot: when it turned idle ([`Instant::MAX`]: not idle).
    env_idle_since: Vec<Instant>,
    /// Per function: when its last evicted environment had turned idle ([`Instant::MAX`]:
    /// none pending), so the next new environment closes that idle time.
    evicted_idle_since: Vec<Instant>,
}

/// The windows the policy would use for a function now, for inspection and tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Windows {
    /// The histogram is trusted: unload and pre-warm after `prewarm`, expire at `keep_alive`
    /// (both counted from the end of the execution).
    Histogram {
        /// Pre-warm window (zero: stay loaded).
        prewarm: Span,
        /// End of the keep-alive window.
        keep_alive: Span,
    },
    /// Too many idle times beyond the range: the ARIMA forecast of the next idle time sets
    /// the windows (both counted from the end of the execution).
    Forecast {
        /// The forecast idle time.
        predicted: Span,
        /// Pre-warm window: (1 − margin) × forecast.
        prewarm: Span,
        /// End of the keep-alive window: (1 + margin) × forecast.
        keep_alive: Span,
    },
    /// Not representative (or out of range with no forecast): fixed keep-alive.
    Fallback(Span),
}

impl HybridHistogram {
    /// A policy with these parameters (validate them first).
    pub fn new(params: HybridParams) -> Self {
        let bins = (params.range.ns().div_ceil(params.bin.ns().max(1))).max(1) as usize;
        let bin = params.bin.ns();
        // Head at its bin's lower edge, tail at its bin's upper edge: both err on the side of
        // being warm.
        let scaled = |ns: u64, by: f64| Span::from_ns((ns as f64 * by) as u64);
        let prewarm_of = (0..bins as u64)
            .map(|b| scaled(b * bin, 1.0 - params.head_margin))
            .collect();
        let keep_alive_of = (0..bins as u64)
            .map(|b| scaled((b + 1) * bin, 1.0 + params.tail_margin))
            .collect();
        HybridHistogram {
            range: Span::from_ns(bins as u64 * bin),
            prewarm_of,
            keep_alive_of,
            head_frac: params.head_percentile / 100.0,
            tail_frac: params.tail_percentile / 100.0,
            params,
            bins,
            hist: Vec::new(),
            recent: Vec::new(),
            env_idle_since: Vec::new(),
            evicted_idle_since: Vec::new(),
        }
    }

    #[inline]
    fn sample(&mut self, func: FuncId, it: Span) {
        let Some(h) = self.hist.get_mut(func.index()) else {
            return;
        };
        // Most idle times of busy functions fall in bin 0, and the rest are compared with the
        // range before a (slow) 64-bit division.
        let width = self.params.bin.span();
        let bin = if it < width {
            0
        } else if it >= self.range {
            u64::MAX
        } else {
            it / width
        };
        let beyond = bin >= self.bins as u64;
        if beyond {
            h.oob += 1;
        } else {
            h.add(bin as usize, self.head_frac, self.tail_frac);
        }
        // Once the function has an idle time beyond the range, it keeps its recent ones.
        if h.oob > 0 {
            if let Some(r) = self.recent.get_mut(func.index()) {
                r.remember(it, self.params.arima_window as usize);
            }
        }
    }

    /// The windows for function `func` given what it has seen so far.
    pub fn windows(&self, func: FuncId) -> Windows {
        let p = &self.params;
        let fallback = Windows::Fallback(p.fallback.unwrap_or(p.range).span());
        let Some(h) = self.hist.get(func.index()) else {
            return fallback;
        };
        let total = h.n + h.oob;
        if total < p.min_samples as u64 {
            return fallback;
        }
        if h.oob > 0 && h.oob as f64 / total as f64 > p.oob_threshold {
            return self.forecast_windows(func).unwrap_or(fallback);
        }
        if h.n == 0 || h.cv() < p.cv_threshold {
            return fallback;
        }
        Windows::Histogram {
            prewarm: self.prewarm_of[h.head_bin as usize],
            keep_alive: self.keep_alive_of[h.tail_bin as usize],
        }
    }

    fn forecast_windows(&self, func: FuncId) -> Option<Windows> {
        let p = &self.params;
        let r = self.recent.get(func.index())?;
        let secs = forecast(r.secs(), r.len(), p.arima_p as usize, p.arima_d as usize)?;
        Some(Windows::Forecast {
            predicted: Span::from_secs_f64(secs),
            prewarm: Span::from_secs_f64(secs * (1.0 - p.arima_margin)),
            keep_alive: Span::from_secs_f64(secs * (1.0 + p.arima_margin)),
        })
    }
}

impl Policy for HybridHistogram {
    fn start(&mut self, functions: &[FunctionInfo]) {
        self.hist = vec![Histogram::new(self.bins); functions.len()];
        self.recent = vec![Recent::default(); functions.len()];
        self.evicted_idle_since = vec![Instant::MAX; functions.len()];
    }

    #[inline]
    fn on_arrival(&mut self, func: FuncId, _now: Instant, idle_for: Option<Span>) {
        if self.params.idle_times == IdleTimes::Function {
            if let Some(it) = idle_for {
                self.sample(func, it);
            }
        }
    }

    #[inline]
    fn on_use(&mut self, func: FuncId, env: EnvId, now: Instant) {
        if self.params.idle_times != IdleTimes::Environment {
            return;
        }
        let e = env.index();
        let since = match self.env_idle_since.get_mut(e) {
            Some(t) if *t != Instant::MAX => std::mem::replace(t, Instant::MAX),
            // A new environment: it closes the idle time of the function's last eviction.
            _ => match self.evicted_idle_since.get_mut(func.index()) {
                Some(t) => std::mem::replace(t, Instant::MAX),
                None => Instant::MAX,
            },
        };
        if since != Instant::MAX {
            self.sample(func, now.saturating_since(since));
        }
    }

    fn on_evict(&mut self, func: FuncId, env: EnvId, _now: Instant) {
        if let Some(t) = self.env_idle_since.get_mut(env.index()) {
            let since = std::mem::replace(t, Instant::MAX);
            if since != Instant::MAX {
                if let Some(f) = self.evicted_idle_since.get_mut(func.index()) {
                    *f = since;
                }
            }
        }
    }

    fn on_idle(&mut self, func: FuncId, env: EnvId, now: Instant) -> IdleDecision {
        if self.params.idle_times == IdleTimes::Environment {
            let e = env.index();
            if e >= self.env_idle_since.len() {
                self.env_idle_since.resize(e + 1, Instant::MAX);
            }
            self.env_idle_since[e] = now;
        }
        let (prewarm, keep_alive) = match self.windows(func) {
            Windows::Fallback(ttl) => return IdleDecision::ExpireAt(now.saturating_add(ttl)),
            Windows::Histogram {
                prewarm,
                keep_alive,
            }
            | Windows::Forecast {
                prewarm,
                keep_alive,
                ..
            } => (prewarm, keep_alive),
        };
        if prewarm.is_zero() {
            IdleDecision::ExpireAt(now.saturating_add(keep_alive))
        } else {
            IdleDecision::Unload {
                prewarm_at: now.saturating_add(prewarm),
                expire_at: now.saturating_add(keep_alive.max(prewarm)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::histogram::ceil_u64;
    use super::*;

    const SEC: Span = Span::from_secs(1);
    const MIN: Span = Span::from_secs(60);
    const T0: Instant = Instant::ZERO;

    /// `x` minutes, truncated to the nanosecond as the policy's windows are.
    fn mins(x: f64) -> Span {
        Span::from_ns((x * MIN.ns() as f64) as u64)
    }
    const F: FuncId = FuncId::new(0);
    const E: EnvId = EnvId::new(0);

    /// Learning the paper's way, from function idle times fed through `on_arrival`.
    fn policy() -> HybridHistogram {
        started(HybridParams {
            idle_times: IdleTimes::Function,
            ..HybridParams::default()
        })
    }

    /// The policy with `params`, started for one function of 128 MB.
    fn started(params: HybridParams) -> HybridHistogram {
        let mut h = HybridHistogram::new(params);
        h.start(&[FunctionInfo {
            name: "f".into(),
            memory_mb: 128,
            mean_cold_start_s: 0.2,
        }]);
        h
    }

    #[test]
    fn hourly_function_gets_head_and_tail_windows() {
        // Idle times just under 60 minutes: all in bin 59 = [59, 60) min.
        let mut h = policy();
        for _ in 0..50 {
            h.on_arrival(F, T0, Some(60 * MIN - SEC));
        }
        match h.windows(F) {
            Windows::Histogram {
                prewarm,
                keep_alive,
            } => {
                // Head = 59 min (bin's lower edge) less 10%; tail = 60 min (upper edge) plus 10%.
                assert_eq!(prewarm, mins(59.0 * 0.9));
                assert_eq!(keep_alive, mins(60.0 * 1.1));
            }
            w => panic!("{w:?}"),
        }
        assert_eq!(
            h.on_idle(F, E, Instant::from_ns(1000)),
            IdleDecision::Unload {
                prewarm_at: Instant::from_ns(1000) + mins(59.0 * 0.9),
                expire_at: Instant::from_ns(1000) + mins(66.0),
            }
        );
    }

    #[test]
    fn environment_idle_times_come_from_reuse_and_eviction() {
        let mut h = started(HybridParams {
            min_samples: 2,
            ..HybridParams::default()
        });
        // Environment 3 idles 10 min then is reused: one sample in bin 10.
        h.on_idle(F, EnvId::new(3), T0);
        h.on_use(F, EnvId::new(3), T0 + 10 * MIN);
        // It idles again from 11 min, is evicted, and the function's next new environment
        // (id 7) starts at 31 min: the idle time is 20 min, bin 20.
        h.on_idle(F, EnvId::new(3), T0 + 11 * MIN);
        h.on_evict(F, EnvId::new(3), T0 + 15 * MIN);
        h.on_use(F, EnvId::new(7), T0 + 31 * MIN);
        // Arrivals' function idle times are ignored in this mode.
        h.on_arrival(F, T0, Some(200 * MIN));
        let hist = &h.hist[0];
        assert_eq!((hist.n, hist.oob), (2, 0));
        assert_eq!((hist.counts()[10], hist.counts()[20]), (1, 1));
        // A reuse without a recorded idle start (a fresh environment, nothing evicted) adds
        // nothing.
        h.on_use(F, EnvId::new(8), T0 + 40 * MIN);
        assert_eq!(h.hist[0].n, 2);
    }

    #[test]
    fn few_samples_or_flat_histograms_fall_back() {
        let mut h = policy();
        for _ in 0..5 {
            h.on_arrival(F, T0, Some(10 * MIN));
        }
        assert_eq!(h.windows(F), Windows::Fallback(4 * 60 * MIN));
        // Idle times spread evenly over the range: CV of the bin counts is 0.
        let mut h = policy();
        for b in 0..240 {
            h.on_arrival(F, T0, Some(b * MIN + Span::from_ns(1)));
        }
        assert_eq!(h.windows(F), Windows::Fallback(4 * 60 * MIN));
        // Mostly beyond the range: forecast, not the histogram.
        let mut h = policy();
        for i in 0..20 {
            h.on_arrival(F, T0, Some(if i < 15 { 5 * 60 * MIN } else { MIN }));
        }
        assert!(
            matches!(h.windows(F), Windows::Forecast { .. }),
            "{:?}",
            h.windows(F)
        );
    }

    #[test]
    fn tracked_percentiles_match_a_sorted_list_at_every_step() {
        // 300 bins: the occupied-bin bitmap spans ten words, and skewed draws leave long runs
        // of empty bins for the trackers to jump over.
        for (head, tail) in [(0.05, 0.99), (0.0, 1.0), (0.5, 0.75)] {
            let mut h = Histogram::new(300);
            let mut all: Vec<usize> = Vec::new();
            let mut x = 7u64;
            for i in 0..3000 {
                x = crate::core::rng::mix64(x);
                let b = (x % 300) as usize;
                let b = match x % 5 {
                    0 => b / 16,
                    1 => 299 - b / 32,
                    2 if i % 2 == 0 => 150,
                    _ => b,
                };
                h.add(b, head, tail);
                all.push(b);
                all.sort_unstable();
                let n = all.len() as u64;
                for (q, frac) in [(h.head(), head), (h.tail(), tail)] {
                    let rank = ((frac * n as f64).ceil() as u64).clamp(1, n);
                    assert_eq!(
                        q.bin as usize,
                        all[rank as usize - 1],
                        "step {i} frac {frac}"
                    );
                    let below = all.iter().filter(|&&v| v < q.bin as usize).count() as u64;
                    assert_eq!(q.below, below, "step {i}");
                }
            }
            let mean = 3000.0 / 300.0;
            let var = h
                .counts()
                .iter()
                .map(|&c| (c as f64 - mean).powi(2))
                .sum::<f64>()
                / 300.0;
            assert!((h.cv() - var.sqrt() / mean).abs() < 1e-9);
        }
    }

    #[test]
    fn ceil_without_libm_matches_ceil() {
        for x in [0.0, 0.5, 1.0, 1.0000001, 2.9999, 3.0, 1e15 + 0.5, 123456.0] {
            assert_eq!(ceil_u64(x), x.ceil() as u64, "{x}");
        }
    }

    #[test]
    fn idle_times_beyond_the_range_are_forecast() {
        // Every 6 h ± 5 min (all beyond the 4 h range): the forecast sits within the spread,
        // pre-warm at 0.85 of it, keep-alive to 1.15 of it.
        let mut h = policy();
        let mut x = 3u64;
        for _ in 0..40 {
            x = crate::core::rng::mix64(x);
            let jitter = Span::from_ns(x % (10 * MIN).ns());
            h.on_arrival(F, T0, Some(6 * 60 * MIN - 5 * MIN + jitter));
        }
        match h.windows(F) {
            Windows::Forecast {
                predicted,
                prewarm,
                keep_alive,
            } => {
                let six_h = (6 * 60 * MIN).ns() as f64;
                let (predicted, prewarm, keep_alive) =
                    (predicted.ns(), prewarm.ns(), keep_alive.ns());
                assert!(
                    (predicted as f64 - six_h).abs() < 5.0 * MIN.ns() as f64,
                    "{predicted}"
                );
                assert!((prewarm as f64 / predicted as f64 - 0.85).abs() < 1e-9);
                assert!((keep_alive as f64 / predicted as f64 - 1.15).abs() < 1e-9);
            }
            w => panic!("{w:?}"),
        }
        // With the forecast turned off, the same history falls back.
        let mut h = started(HybridParams {
            idle_times: IdleTimes::Function,
            arima_window: 0,
            ..HybridParams::default()
        });
        for _ in 0..40 {
            h.on_arrival(F, T0, Some(6 * 60 * MIN));
        }
        assert_eq!(h.windows(F), Windows::Fallback(4 * 60 * MIN));
    }

    #[test]
    fn short_idle_times_keep_loaded() {
        // Head in bin 0: no pre-warm, just a keep-alive to the tail.
        let mut h = policy();
        for i in 0..100 {
            h.on_arrival(F, T0, Some(if i < 98 { SEC } else { 3 * MIN }));
        }
        match h.on_idle(F, E, T0) {
            IdleDecision::ExpireAt(t) => assert_eq!(t, T0 + mins(4.0 * 1.1)),
            d => panic!("{d:?}"),
        }
    }
}
