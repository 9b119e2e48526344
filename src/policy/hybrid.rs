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
//! than `oob_threshold` of the idle times fall beyond the range, the paper switches to an ARIMA
//! forecast of the next idle time; faasim does not implement ARIMA yet and uses the fallback
//! there too (docs/policies.md says so).
//!
//! Percentiles are read from a Fenwick tree over the bins (O(log bins) per query) and the bin
//! counts' CV is kept incrementally, so a decision costs a few dozen operations, not a pass
//! over the histogram.

use crate::policy::{FunctionInfo, IdleDecision, Policy};
use crate::time::{Duration, SimTime, NS_PER_SEC};
use serde::{Deserialize, Serialize};

/// Parameters of the hybrid policy; every constant of the paper, with its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HybridParams {
    /// Histogram range (default 4 h).
    #[serde(default = "default_range")]
    pub range: Duration,
    /// Bin width (default 1 min).
    #[serde(default = "default_bin")]
    pub bin: Duration,
    /// Percentile of the idle times that sets the pre-warm window (default 5).
    #[serde(default = "default_head")]
    pub head_percentile: f64,
    /// Percentile that sets the end of the keep-alive window (default 99).
    #[serde(default = "default_tail")]
    pub tail_percentile: f64,
    /// Fraction the pre-warm window is shortened by (default 0.1).
    #[serde(default = "default_margin")]
    pub head_margin: f64,
    /// Fraction the keep-alive window is lengthened by (default 0.1).
    #[serde(default = "default_margin")]
    pub tail_margin: f64,
    /// Below this coefficient of variation of the bin counts the histogram is not
    /// representative (default 2).
    #[serde(default = "default_cv")]
    pub cv_threshold: f64,
    /// Fewer idle times than this and the histogram is not representative (default 10).
    #[serde(default = "default_min_samples")]
    pub min_samples: u32,
    /// Share of idle times beyond the range above which the paper forecasts instead (default
    /// 0.5).
    #[serde(default = "default_oob")]
    pub oob_threshold: f64,
    /// Fixed keep-alive used when the histogram cannot be trusted (default: the range, 4 h).
    #[serde(default)]
    pub fallback: Option<Duration>,
    /// Whose idle times fill the histogram (default `environment`).
    #[serde(default)]
    pub idle_times: IdleTimes,
}

/// Whose idle times the hybrid policy learns from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdleTimes {
    /// Each environment's: from when it turns idle to when it is used again (or, once
    /// evicted, to when its function next needs a new environment). With one environment per
    /// function this is the paper's application idle time; with several it also learns how
    /// long the reserve environments of a busy function wait between peaks.
    #[default]
    Environment,
    /// The function's, as in the paper: from when it has no request in flight to its next
    /// arrival.
    Function,
}

fn default_range() -> Duration {
    Duration(4 * 3600 * NS_PER_SEC)
}
fn default_bin() -> Duration {
    Duration(60 * NS_PER_SEC)
}
fn default_head() -> f64 {
    5.0
}
fn default_tail() -> f64 {
    99.0
}
fn default_margin() -> f64 {
    0.1
}
fn default_cv() -> f64 {
    2.0
}
fn default_min_samples() -> u32 {
    10
}
fn default_oob() -> f64 {
    0.5
}

impl Default for HybridParams {
    fn default() -> Self {
        HybridParams {
            range: default_range(),
            bin: default_bin(),
            head_percentile: default_head(),
            tail_percentile: default_tail(),
            head_margin: default_margin(),
            tail_margin: default_margin(),
            cv_threshold: default_cv(),
            min_samples: default_min_samples(),
            oob_threshold: default_oob(),
            fallback: None,
            idle_times: IdleTimes::default(),
        }
    }
}

impl HybridParams {
    /// Checks ranges; errors name the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let e = |k: &str, m: &str| Err((k.to_string(), m.to_string()));
        if self.bin.ns() == 0 {
            return e("bin", "must be longer than 0");
        }
        if self.range.ns() < self.bin.ns() {
            return e("range", "must be at least one bin wide");
        }
        if self.range.ns() / self.bin.ns() > 100_000 {
            return e(
                "bin",
                "makes more than 100,000 bins over the range; widen it",
            );
        }
        let pct = |v: f64| (0.0..=100.0).contains(&v);
        if !pct(self.head_percentile) || !pct(self.tail_percentile) {
            return e("head_percentile", "percentiles must be within 0 to 100");
        }
        if self.head_percentile > self.tail_percentile {
            return e("head_percentile", "must not exceed tail_percentile");
        }
        // `contains` is false for NaN, so NaN is rejected too.
        if !(0.0..1.0).contains(&self.head_margin) || !(0.0..=f64::MAX).contains(&self.tail_margin)
        {
            return e(
                "head_margin",
                "margins must be >= 0 (and the head's below 1)",
            );
        }
        if !(0.0..=f64::MAX).contains(&self.cv_threshold)
            || !(0.0..=1.0).contains(&self.oob_threshold)
        {
            return e("cv_threshold", "must be >= 0 (oob_threshold within 0 to 1)");
        }
        Ok(())
    }
}

/// One function's idle-time histogram.
#[derive(Clone, Debug)]
struct Histogram {
    /// Fenwick tree over bin counts (1-based inside).
    tree: Vec<u32>,
    counts: Vec<u32>,
    /// Idle times within the range.
    n: u64,
    /// Sum of squared bin counts, for the bin counts' coefficient of variation.
    sum_sq: u64,
    /// Idle times beyond the range.
    oob: u64,
}

impl Histogram {
    fn new(bins: usize) -> Self {
        Histogram {
            tree: vec![0; bins + 1],
            counts: vec![0; bins],
            n: 0,
            sum_sq: 0,
            oob: 0,
        }
    }

    fn add(&mut self, bin: usize) {
        let c = self.counts[bin] as u64;
        self.sum_sq += 2 * c + 1;
        self.counts[bin] += 1;
        self.n += 1;
        let mut i = bin + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }

    /// The bin holding the `rank`-th smallest idle time (1-based rank), by Fenwick descent.
    fn bin_of_rank(&self, rank: u64) -> usize {
        let mut pos = 0;
        let mut remaining = rank;
        let mut step = (self.tree.len() - 1).next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next < self.tree.len() && (self.tree[next] as u64) < remaining {
                pos = next;
                remaining -= self.tree[next] as u64;
            }
            step >>= 1;
        }
        pos.min(self.counts.len() - 1)
    }

    /// Coefficient of variation of the bin counts.
    fn cv(&self) -> f64 {
        let bins = self.counts.len() as f64;
        let mean = self.n as f64 / bins;
        if mean == 0.0 {
            return 0.0;
        }
        let var = (self.sum_sq as f64 / bins - mean * mean).max(0.0);
        var.sqrt() / mean
    }
}

/// The hybrid histogram policy.
#[derive(Clone, Debug)]
pub struct HybridHistogram {
    params: HybridParams,
    bins: usize,
    hist: Vec<Histogram>,
    /// Per environment slot: when it turned idle (`SimTime::MAX`: not idle).
    env_idle_since: Vec<SimTime>,
    /// Per function: when its last evicted environment had turned idle (`SimTime::MAX`: none
    /// pending), so the next new environment closes that idle time.
    evicted_idle_since: Vec<SimTime>,
}

/// The windows the policy would use for a function now, for inspection and tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Windows {
    /// The histogram is trusted: unload and pre-warm after `prewarm`, expire at `keep_alive`
    /// (both counted from the end of the execution).
    Histogram {
        /// Pre-warm window (0: stay loaded).
        prewarm: SimTime,
        /// End of the keep-alive window.
        keep_alive: SimTime,
    },
    /// Not representative, or too many idle times out of range: fixed keep-alive.
    Fallback(SimTime),
}

impl HybridHistogram {
    /// A policy with these parameters (validate them first).
    pub fn new(params: HybridParams) -> Self {
        let bins = (params.range.ns().div_ceil(params.bin.ns().max(1))).max(1) as usize;
        HybridHistogram {
            params,
            bins,
            hist: Vec::new(),
            env_idle_since: Vec::new(),
            evicted_idle_since: Vec::new(),
        }
    }

    fn sample(&mut self, func: u32, it: SimTime) {
        let Some(h) = self.hist.get_mut(func as usize) else {
            return;
        };
        let bin = (it / self.params.bin.ns()) as usize;
        if bin < self.bins {
            h.add(bin);
        } else {
            h.oob += 1;
        }
    }

    /// The windows for function `func` given what it has seen so far.
    pub fn windows(&self, func: u32) -> Windows {
        let p = &self.params;
        let fallback = Windows::Fallback(p.fallback.unwrap_or(p.range).ns());
        let Some(h) = self.hist.get(func as usize) else {
            return fallback;
        };
        let total = h.n + h.oob;
        if total < p.min_samples as u64 || h.n == 0 {
            return fallback;
        }
        if h.oob as f64 / total as f64 > p.oob_threshold {
            // The paper forecasts with ARIMA here; not implemented, so stay conservative.
            return fallback;
        }
        if h.cv() < p.cv_threshold {
            return fallback;
        }
        let rank = |pct: f64| ((pct / 100.0 * h.n as f64).ceil() as u64).clamp(1, h.n);
        let bin = p.bin.ns();
        // Head at its bin's lower edge, tail at its bin's upper edge: both err on the side of
        // being warm.
        let head = h.bin_of_rank(rank(p.head_percentile)) as u64 * bin;
        let tail = (h.bin_of_rank(rank(p.tail_percentile)) as u64 + 1) * bin;
        let prewarm = (head as f64 * (1.0 - p.head_margin)) as SimTime;
        let keep_alive = (tail as f64 * (1.0 + p.tail_margin)) as SimTime;
        Windows::Histogram {
            prewarm,
            keep_alive,
        }
    }
}

impl Policy for HybridHistogram {
    fn start(&mut self, functions: &[FunctionInfo]) {
        self.hist = vec![Histogram::new(self.bins); functions.len()];
        self.evicted_idle_since = vec![SimTime::MAX; functions.len()];
    }

    #[inline]
    fn on_arrival(&mut self, func: u32, _now: SimTime, idle_for: Option<SimTime>) {
        if self.params.idle_times == IdleTimes::Function {
            if let Some(it) = idle_for {
                self.sample(func, it);
            }
        }
    }

    #[inline]
    fn on_use(&mut self, func: u32, env: u32, now: SimTime) {
        if self.params.idle_times != IdleTimes::Environment {
            return;
        }
        let e = env as usize;
        let since = match self.env_idle_since.get_mut(e) {
            Some(t) if *t != SimTime::MAX => std::mem::replace(t, SimTime::MAX),
            // A new environment: it closes the idle time of the function's last eviction.
            _ => match self.evicted_idle_since.get_mut(func as usize) {
                Some(t) => std::mem::replace(t, SimTime::MAX),
                None => SimTime::MAX,
            },
        };
        if since != SimTime::MAX {
            self.sample(func, now.saturating_sub(since));
        }
    }

    fn on_evict(&mut self, func: u32, env: u32, _now: SimTime) {
        if let Some(t) = self.env_idle_since.get_mut(env as usize) {
            let since = std::mem::replace(t, SimTime::MAX);
            if since != SimTime::MAX {
                if let Some(f) = self.evicted_idle_since.get_mut(func as usize) {
                    *f = since;
                }
            }
        }
    }

    fn on_idle(&mut self, func: u32, env: u32, now: SimTime) -> IdleDecision {
        if self.params.idle_times == IdleTimes::Environment {
            let e = env as usize;
            if e >= self.env_idle_since.len() {
                self.env_idle_since.resize(e + 1, SimTime::MAX);
            }
            self.env_idle_since[e] = now;
        }
        match self.windows(func) {
            Windows::Fallback(ttl) => IdleDecision::ExpireAt(now.saturating_add(ttl)),
            Windows::Histogram {
                prewarm,
                keep_alive,
            } => {
                if prewarm == 0 {
                    IdleDecision::ExpireAt(now.saturating_add(keep_alive))
                } else {
                    IdleDecision::Unload {
                        prewarm_at: now.saturating_add(prewarm),
                        expire_at: now.saturating_add(keep_alive.max(prewarm)),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: SimTime = 60 * NS_PER_SEC;

    /// Learning the paper's way, from function idle times fed through `on_arrival`.
    fn policy() -> HybridHistogram {
        let mut h = HybridHistogram::new(HybridParams {
            idle_times: IdleTimes::Function,
            ..HybridParams::default()
        });
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
            h.on_arrival(0, 0, Some(60 * MIN - NS_PER_SEC));
        }
        match h.windows(0) {
            Windows::Histogram {
                prewarm,
                keep_alive,
            } => {
                // Head = 59 min (bin's lower edge) less 10%; tail = 60 min (upper edge) plus 10%.
                assert_eq!(prewarm, (59.0 * 0.9 * MIN as f64) as SimTime);
                assert_eq!(keep_alive, (60.0 * 1.1 * MIN as f64) as SimTime);
            }
            w => panic!("{w:?}"),
        }
        assert_eq!(
            h.on_idle(0, 0, 1000),
            IdleDecision::Unload {
                prewarm_at: 1000 + (59.0 * 0.9 * MIN as f64) as SimTime,
                expire_at: 1000 + (66.0 * MIN as f64) as SimTime,
            }
        );
    }

    #[test]
    fn environment_idle_times_come_from_reuse_and_eviction() {
        let mut h = HybridHistogram::new(HybridParams {
            min_samples: 2,
            ..HybridParams::default()
        });
        h.start(&[FunctionInfo {
            name: "f".into(),
            memory_mb: 128,
            mean_cold_start_s: 0.2,
        }]);
        // Environment 3 idles 10 min then is reused: one sample in bin 10.
        h.on_idle(0, 3, 0);
        h.on_use(0, 3, 10 * MIN);
        // It idles again from 11 min, is evicted, and the function's next new environment
        // (id 7) starts at 31 min: the idle time is 20 min, bin 20.
        h.on_idle(0, 3, 11 * MIN);
        h.on_evict(0, 3, 15 * MIN);
        h.on_use(0, 7, 31 * MIN);
        // Arrivals' function idle times are ignored in this mode.
        h.on_arrival(0, 0, Some(200 * MIN));
        let hist = &h.hist[0];
        assert_eq!((hist.n, hist.oob), (2, 0));
        assert_eq!((hist.counts[10], hist.counts[20]), (1, 1));
        // A reuse without a recorded idle start (a fresh environment, nothing evicted) adds
        // nothing.
        h.on_use(0, 8, 40 * MIN);
        assert_eq!(h.hist[0].n, 2);
    }

    #[test]
    fn few_samples_or_flat_histograms_fall_back() {
        let mut h = policy();
        for _ in 0..5 {
            h.on_arrival(0, 0, Some(10 * MIN));
        }
        assert_eq!(h.windows(0), Windows::Fallback(4 * 60 * MIN));
        // Idle times spread evenly over the range: CV of the bin counts is 0.
        let mut h = policy();
        for b in 0..240 {
            h.on_arrival(0, 0, Some(b * MIN + 1));
        }
        assert_eq!(h.windows(0), Windows::Fallback(4 * 60 * MIN));
        // Mostly beyond the range: fall back too.
        let mut h = policy();
        for i in 0..20 {
            h.on_arrival(0, 0, Some(if i < 15 { 5 * 60 * MIN } else { MIN }));
        }
        assert_eq!(h.windows(0), Windows::Fallback(4 * 60 * MIN));
    }

    #[test]
    fn fenwick_percentiles_match_a_sorted_list() {
        let mut h = Histogram::new(240);
        let mut all = Vec::new();
        let mut x = 7u64;
        for _ in 0..2000 {
            x = crate::rng::mix64(x);
            let b = (x % 240) as usize;
            let b = if x % 3 == 0 { b / 8 } else { b };
            h.add(b);
            all.push(b);
        }
        all.sort();
        for rank in [1u64, 2, 100, 999, 1000, 1999, 2000] {
            assert_eq!(h.bin_of_rank(rank), all[rank as usize - 1], "rank {rank}");
        }
        let mean = 2000.0 / 240.0;
        let var = h
            .counts
            .iter()
            .map(|&c| (c as f64 - mean).powi(2))
            .sum::<f64>()
            / 240.0;
        assert!((h.cv() - var.sqrt() / mean).abs() < 1e-9);
    }

    #[test]
    fn short_idle_times_keep_loaded() {
        // Head in bin 0: no pre-warm, just a keep-alive to the tail.
        let mut h = policy();
        for i in 0..100 {
            h.on_arrival(0, 0, Some(if i < 98 { NS_PER_SEC } else { 3 * MIN }));
        }
        match h.on_idle(0, 0, 0) {
            IdleDecision::ExpireAt(t) => assert_eq!(t, (4.0 * 1.1 * MIN as f64) as SimTime),
            d => panic!("{d:?}"),
        }
    }
}
