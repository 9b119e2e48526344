//! Streaming statistics whose memory does not depend on the number of invocations.
//!
//! - [`Latency`]: an HDR histogram (microsecond resolution) plus the exact count, sum and max;
//! - [`Counts`]: arrivals, warm and cold starts, throttles, timeouts, completions;
//! - [`Levels`]: how many environments are busy, idle and initializing, integrated over time
//!   (time-weighted means), with the peak;
//! - [`TimeSeries`]: the same counts and levels per fixed-width time bucket, for timelines and for
//!   batch-means confidence intervals.
//!
//! Everything before the warm-up time is ignored: [`Levels`] starts integrating at the warm-up
//! and callers only count requests that arrived after it.

use crate::core::time::{Instant, Span};
use serde::Serialize;

/// A log-linear histogram of latencies (HDR-style): values in microseconds, each power of two
/// split into `2^bits` equal buckets, so every bucket is at most `2^-bits` of its value wide.
///
/// faasim keeps one per function on the hot path, and the `hdrhistogram` crate offers only
/// decimal precision steps (1 digit ≈ 6%, 2 digits ≈ 0.8%): at 2 digits a thousand functions'
/// histograms overflow the L2 cache and recording costs a cache miss per request. With `bits`
/// = 5 (±1.6%) they fit; the overall histogram uses `bits` = 10 (±0.05%).
#[derive(Clone, Debug)]
pub struct Latency {
    bits: u32,
    /// Bucket counts modulo 2^32; `carry` holds the multiples of 2^32 of any bucket that
    /// overflowed. Half the bytes of u64 counts keeps more functions' histograms in cache.
    counts: Vec<u32>,
    carry: Vec<u64>,
    count: u64,
    sum_ns: u128,
    max_ns: u64,
}

/// Latency percentiles in milliseconds, as reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Exact mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Exact maximum.
    pub max: f64,
}

impl Latency {
    /// Buckets per power of two for the overall histogram: relative error ≤ 2^-10 ≈ 0.1%.
    pub const FINE: u32 = 10;
    /// Buckets per power of two for per-function histograms: relative error ≤ 2^-5 ≈ 3%
    /// (half that around the bucket's midpoint, which is what is reported).
    pub const COARSE: u32 = 5;

    /// An empty histogram with `2^bits` buckets per power of two (1 ≤ bits ≤ 16).
    pub fn new(bits: u32) -> Self {
        let bits = bits.clamp(1, 16);
        // Sized up front for latencies to 2^24 µs (about 17 s): growing a thousand histograms
        // bucket by bucket as new maxima appear fragments the allocator's heap badly.
        let initial = ((24 - bits as usize) + 1) << bits;
        Latency {
            bits,
            counts: vec![0; initial],
            carry: Vec::new(),
            count: 0,
            sum_ns: 0,
            max_ns: 0,
        }
    }

    #[inline]
    fn index(&self, us: u64) -> usize {
        let sub = 1u64 << self.bits;
        if us < sub {
            return us as usize;
        }
        let top = 63 - us.leading_zeros(); // >= bits
        let shift = top - self.bits;
        let offset = (us >> shift) - sub; // 0..sub
        (sub + (shift as u64) * sub + offset) as usize
    }

    /// The midpoint of bucket `i`, microseconds.
    fn value(&self, i: usize) -> f64 {
        let sub = 1usize << self.bits;
        if i < sub {
            return i as f64;
        }
        let shift = (i - sub) / sub;
        let offset = (i - sub) % sub;
        let low = ((sub + offset) as f64) * (1u64 << shift) as f64;
        low + ((1u64 << shift) as f64 - 1.0) / 2.0
    }

    /// Records one latency.
    #[inline(always)]
    pub fn record(&mut self, latency: Span) {
        let ns = latency.ns();
        let i = self.index(ns / 1000);
        if i >= self.counts.len() {
            // Grows only when a new maximum bucket is seen: bounded by 64·2^bits entries.
            self.counts.resize(i + 1, 0);
        }
        match self.counts[i].checked_add(1) {
            Some(c) => self.counts[i] = c,
            None => self.overflow(i),
        }
        self.count += 1;
        self.sum_ns += ns as u128;
        self.max_ns = self.max_ns.max(ns);
    }

    #[cold]
    fn overflow(&mut self, i: usize) {
        self.counts[i] = 0;
        if self.carry.len() <= i {
            self.carry.resize(i + 1, 0);
        }
        self.carry[i] += 1 << 32;
    }

    /// The full count of bucket `i`.
    #[inline]
    fn bucket(&self, i: usize) -> u64 {
        self.counts[i] as u64 + self.carry.get(i).copied().unwrap_or(0)
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Adds another histogram's values (for aggregating runs). Both must use the same `bits`.
    pub fn merge(&mut self, other: &Latency) {
        debug_assert_eq!(self.bits, other.bits);
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for i in 0..other.counts.len() {
            let total = self.bucket(i) + other.bucket(i);
            self.counts[i] = total as u32;
            let high = total - (total as u32) as u64;
            if high > 0 || i < self.carry.len() {
                if self.carry.len() <= i {
                    self.carry.resize(i + 1, 0);
                }
                self.carry[i] = high;
            }
        }
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// The value at quantile `q` (0..=1) in milliseconds: the midpoint of the bucket holding the
    /// `ceil(q·n)`-th smallest value, capped at the exact maximum.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for i in 0..self.counts.len() {
            seen += self.bucket(i);
            if seen >= rank {
                return (self.value(i) / 1000.0).min(self.max_ns as f64 / 1e6);
            }
        }
        self.max_ns as f64 / 1e6
    }

    /// Mean and percentiles in milliseconds (all zero when nothing was recorded).
    pub fn summary(&self) -> LatencySummary {
        if self.count == 0 {
            return LatencySummary::default();
        }
        let q = |p| self.quantile_ms(p);
        LatencySummary {
            mean: self.sum_ns as f64 / self.count as f64 / 1e6,
            p50: q(0.50),
            p90: q(0.90),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
            max: self.max_ns as f64 / 1e6,
        }
    }

    /// `(milliseconds, cumulative fraction)` at every non-empty bucket, for CDF plots.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let mut seen = 0;
        let n = self.count.max(1) as f64;
        (0..self.counts.len())
            .filter(|&i| self.bucket(i) > 0)
            .map(|i| {
                seen += self.bucket(i);
                (self.value(i) / 1000.0, seen as f64 / n)
            })
            .collect()
    }
}

/// Request counts. Every arrival is exactly one of warm, cold or throttled; every admitted
/// request is either completed or still in flight at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Requests that arrived.
    pub arrivals: u64,
    /// Requests served by an environment that was already initialized.
    pub warm_starts: u64,
    /// Requests that waited for an environment to initialize.
    pub cold_starts: u64,
    /// Requests refused by a concurrency limit or the scaling rate.
    pub throttled: u64,
    /// Of those, refused by the account's or the function's concurrency limit.
    pub throttled_concurrency: u64,
    /// Of those, refused because the scaling rate allowed no new environment.
    pub throttled_scaling: u64,
    /// Of those, refused because no host had memory (with a `[cluster]`).
    pub throttled_memory: u64,
    /// Requests cut at the function's timeout (they also count as completed).
    pub timeouts: u64,
    /// Requests that finished (including those cut at the timeout).
    pub completed: u64,
    /// Keep-warm pings admitted (synthetic invocations: billed, occupying environments, and
    /// counted in none of the fields above).
    pub pings: u64,
    /// Of those, pings that needed a cold start.
    pub ping_cold_starts: u64,
    /// Pings refused by a limit.
    pub pings_throttled: u64,
    /// Requests that ended in an error: a function error, a failed call, or no database
    /// connection (timeouts are counted apart).
    pub errors: u64,
    /// Of those, requests that found no database connection.
    pub connection_errors: u64,
}

/// Which level an environment is in, for [`Levels`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Initializing (cold start in progress).
    Initializing = 0,
    /// Serving at least one request.
    Busy = 1,
    /// Initialized and waiting for a request.
    Idle = 2,
}

/// Environments by level over time: the current counts, the peak, and (when asked) the
/// per-bucket time series. The run's time-weighted means are summed from the per-environment
/// time-in-state intervals the simulation keeps per function, so this stays cheap when no time
/// series is wanted.
#[derive(Clone, Debug)]
pub struct Levels {
    count: [u64; 3],
    total: u64,
    last: Instant,
    start: Instant,
    /// Whether the measured window has begun (the peak counts from then).
    started: bool,
    peak: u64,
    series: Option<TimeSeries>,
}

/// The measured window: statistics count what happens from its start (the end of the warm-up)
/// to the horizon. This type is the warm-up rule, in one place: every component that counts or
/// integrates asks it instead of comparing with the warm-up itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    start: Instant,
}

impl Window {
    /// The window that starts at `start` ([`Instant::ZERO`] for no warm-up).
    pub fn starting_at(start: Instant) -> Self {
        Window { start }
    }

    /// Where it starts.
    #[inline]
    pub fn start(self) -> Instant {
        self.start
    }

    /// Whether something that happens (or arrives) at `t` is counted.
    #[inline]
    pub fn measures(self, t: Instant) -> bool {
        t >= self.start
    }

    /// The measured part of an interval that began at `since` starts here.
    #[inline]
    pub fn clip(self, since: Instant) -> Instant {
        since.max(self.start)
    }

    /// Length of the measured part of `[since, until)` (zero when it is all before the window).
    #[inline]
    pub fn overlap(self, since: Instant, until: Instant) -> Span {
        until.saturating_since(self.clip(since))
    }

    /// Length of the window when the run ends at `end`.
    #[inline]
    pub fn span(self, end: Instant) -> Span {
        end.saturating_since(self.start)
    }
}

/// Time-weighted means of environments over the measured window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct InstanceSummary {
    /// Busy + idle + initializing (SimFaaS counts busy instances too).
    pub mean_total: f64,
    /// Serving at least one request.
    pub mean_busy: f64,
    /// Initialized, waiting.
    pub mean_idle: f64,
    /// Cold start in progress.
    pub mean_initializing: f64,
    /// Most environments alive at once.
    pub peak: u64,
}

impl InstanceSummary {
    /// Means from `area[level]` = ns × environments over a window of length `span`.
    pub fn from_areas(area: &[u128; 3], span: Span, peak: u64) -> Self {
        let span = span.ns().max(1) as f64;
        let m = |l: Level| area[l as usize] as f64 / span;
        InstanceSummary {
            mean_total: area.iter().sum::<u128>() as f64 / span,
            mean_busy: m(Level::Busy),
            mean_idle: m(Level::Idle),
            mean_initializing: m(Level::Initializing),
            peak,
        }
    }
}

impl Levels {
    /// Measures from `start` (the end of the warm-up); `series` collects per-bucket figures.
    pub fn new(start: Instant, series: Option<TimeSeries>) -> Self {
        Levels {
            count: [0; 3],
            total: 0,
            last: Instant::ZERO,
            start,
            started: start == Instant::ZERO,
            peak: 0,
            series,
        }
    }

    /// One environment enters `to` (from `from`, or from nothing) at `now`.
    #[inline(always)]
    pub fn change(&mut self, now: Instant, from: Option<Level>, to: Option<Level>) {
        if let Some(s) = self.series.as_mut() {
            if now > self.last {
                let from = self.last.max(self.start);
                if now > from {
                    s.integrate(from, now, &self.count);
                }
                self.last = now;
            }
        }
        if !self.started && now >= self.start {
            // Environments alive when the window opens count towards the peak.
            self.started = true;
            self.peak = self.total;
        }
        if let Some(f) = from {
            self.count[f as usize] -= 1;
            self.total -= 1;
        }
        if let Some(t) = to {
            self.count[t as usize] += 1;
            self.total += 1;
            if self.started && self.total > self.peak {
                self.peak = self.total;
            }
        }
    }

    /// Current number of environments at `level`.
    pub fn current(&self, level: Level) -> u64 {
        self.count[level as usize]
    }

    /// Closes the window at `end`; returns the peak.
    pub fn finish(&mut self, end: Instant) -> u64 {
        self.change(end, None, None);
        self.peak
    }

    /// Takes the time series out (after [`Levels::finish`]).
    pub fn take_series(&mut self) -> Option<TimeSeries> {
        self.series.take()
    }

    /// The time series, if one was asked for.
    pub fn series_mut(&mut self) -> Option<&mut TimeSeries> {
        self.series.as_mut()
    }
}

/// Figures for one time bucket (read back from a sweep's per-run files, too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// Bucket start, seconds.
    pub t: f64,
    /// Arrivals in the bucket.
    pub arrivals: u64,
    /// Warm starts.
    pub warm_starts: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Throttled requests.
    pub throttled: u64,
    /// Time-weighted mean of busy environments.
    pub busy: f64,
    /// Time-weighted mean of idle environments.
    pub idle: f64,
    /// Time-weighted mean of initializing environments.
    pub initializing: f64,
    /// Time-weighted mean of async events and queue messages waiting (see
    /// `platform::sim` delivery): 0 without async or queue functions.
    #[serde(default)]
    pub queued: f64,
}

/// Per-bucket counts and time-weighted levels over `[start, end)`.
#[derive(Clone, Debug)]
pub struct TimeSeries {
    start: Instant,
    width: Span,
    buckets: Vec<Bucket>,
}

impl TimeSeries {
    /// The most buckets a run may ask for; beyond it memory would rival the trace.
    pub const MAX_BUCKETS: u64 = 10_000_000;

    /// Buckets of `width` covering `[start, end)`.
    pub fn new(start: Instant, end: Instant, width: Span) -> Self {
        let width = width.max(Span::from_ns(1));
        let n = end
            .saturating_since(start)
            .ns()
            .div_ceil(width.ns())
            .min(Self::MAX_BUCKETS) as usize;
        let buckets = (0..n)
            .map(|i| Bucket {
                t: (start + width * i as u64).as_secs_f64(),
                ..Bucket::default()
            })
            .collect();
        TimeSeries {
            start,
            width,
            buckets,
        }
    }

    #[inline]
    fn index(&self, t: Instant) -> Option<usize> {
        if t < self.start {
            return None;
        }
        let i = ((t - self.start) / self.width) as usize;
        (i < self.buckets.len()).then_some(i)
    }

    /// The end of bucket `i`.
    #[inline]
    fn edge(&self, i: usize) -> Instant {
        self.start + self.width * (i as u64 + 1)
    }

    /// The bucket holding time `t`, if any.
    #[inline]
    pub fn at(&mut self, t: Instant) -> Option<&mut Bucket> {
        let i = self.index(t)?;
        self.buckets.get_mut(i)
    }

    fn integrate(&mut self, from: Instant, to: Instant, count: &[u64; 3]) {
        // Splits [from, to) at bucket edges; stores ns·count, turned into means in `finish`.
        let mut t = from;
        while t < to {
            let Some(i) = self.index(t) else { return };
            let edge = self.edge(i);
            let seg = (to.min(edge) - t).ns() as f64;
            let b = &mut self.buckets[i];
            b.initializing += seg * count[0] as f64;
            b.busy += seg * count[1] as f64;
            b.idle += seg * count[2] as f64;
            t = to.min(edge);
        }
    }

    /// Adds a backlog of `level` over `[from, to)` (split at bucket edges, like the levels).
    pub fn integrate_backlog(&mut self, from: Instant, to: Instant, level: u64) {
        let mut t = from;
        while t < to && level > 0 {
            let Some(i) = self.index(t) else { return };
            let edge = self.edge(i);
            self.buckets[i].queued += (to.min(edge) - t).ns() as f64 * level as f64;
            t = to.min(edge);
        }
    }

    /// Converts the integrated levels into time-weighted means and returns the buckets.
    pub fn finish(mut self) -> Vec<Bucket> {
        let w = self.width.ns() as f64;
        for b in &mut self.buckets {
            b.busy /= w;
            b.idle /= w;
            b.initializing /= w;
            b.queued /= w;
        }
        self.buckets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ns: u64) -> Instant {
        Instant::from_ns(ns)
    }

    #[test]
    fn levels_track_peak_and_series() {
        let series = TimeSeries::new(t(0), t(10), Span::from_ns(5));
        let mut l = Levels::new(t(0), Some(series));
        l.change(t(0), None, Some(Level::Initializing));
        l.change(t(2), Some(Level::Initializing), Some(Level::Busy));
        l.change(t(4), None, Some(Level::Idle));
        l.change(t(6), Some(Level::Busy), Some(Level::Idle));
        assert_eq!(l.finish(t(10)), 2);
        let b = l.take_series().unwrap().finish();
        assert_eq!(b.len(), 2);
        // [0, 5): initializing 0-2, busy 2-5 (3 units), idle 4-5 (1 unit).
        assert_eq!(b[0].initializing, 2.0 / 5.0);
        assert_eq!(b[0].busy, 3.0 / 5.0);
        assert_eq!(b[0].idle, 1.0 / 5.0);
        // [5, 10): busy until 6; one idle env until 6, then two.
        assert_eq!(b[1].busy, 1.0 / 5.0);
        assert_eq!(b[1].idle, (1.0 + 2.0 * 4.0) / 5.0);
    }

    #[test]
    fn warmup_is_ignored_by_the_peak() {
        let mut l = Levels::new(t(5), None);
        l.change(t(0), None, Some(Level::Busy));
        l.change(t(0), None, Some(Level::Busy));
        l.change(t(3), Some(Level::Busy), None);
        assert_eq!(l.finish(t(15)), 1);
        let mut l = Levels::new(t(5), None);
        l.change(t(0), None, Some(Level::Busy));
        l.change(t(7), None, Some(Level::Busy));
        l.change(t(8), Some(Level::Busy), None);
        assert_eq!(l.finish(t(15)), 2);
    }

    #[test]
    fn means_from_areas() {
        let s = InstanceSummary::from_areas(&[2, 4, 10], Span::from_ns(10), 3);
        assert_eq!(
            (s.mean_initializing, s.mean_busy, s.mean_idle, s.mean_total),
            (0.2, 0.4, 1.0, 1.6)
        );
    }

    #[test]
    fn latency_summary() {
        for bits in [Latency::COARSE, Latency::FINE] {
            let mut h = Latency::new(bits);
            for ms in 1..=1000u64 {
                h.record(Span::from_millis(ms));
            }
            let s = h.summary();
            let tol = |v: f64| v * 2f64.powi(-(bits as i32));
            assert!((s.mean - 500.5).abs() < 1e-9);
            assert!((s.p50 - 500.0).abs() <= tol(500.0), "{bits}: {}", s.p50);
            assert!((s.p99 - 990.0).abs() <= tol(990.0), "{bits}: {}", s.p99);
            assert_eq!(s.max, 1000.0);
        }
    }

    #[test]
    fn counts_survive_overflowing_32_bits() {
        let mut h = Latency::new(Latency::COARSE);
        h.record(Span::from_micros(5));
        let i = h.index(5);
        h.counts[i] = u32::MAX - 1;
        h.record(Span::from_micros(5)); // reaches u32::MAX
        h.record(Span::from_micros(5)); // wraps into the carry
        h.record(Span::from_millis(7));
        assert_eq!(h.bucket(i), u32::MAX as u64 + 1);
        let mut m = Latency::new(Latency::COARSE);
        m.merge(&h);
        m.merge(&h);
        assert_eq!(m.bucket(i), 2 * (u32::MAX as u64 + 1));
        // The median is the 5 µs bucket, the maximum the one recorded.
        assert!((h.quantile_ms(0.5) - 0.005).abs() < 0.001);
    }

    #[test]
    fn buckets_are_within_their_relative_width() {
        // Every value lands in a bucket whose midpoint is within 2^-bits of it.
        let h = Latency::new(Latency::COARSE);
        let mut v = 1u64;
        while v < (1 << 40) {
            let mid = h.value(h.index(v));
            assert!(
                (mid - v as f64).abs() <= v as f64 / 32.0 + 0.5,
                "{v} -> {mid}"
            );
            v = v * 3 / 2 + 1;
        }
        // Indices are monotone in the value.
        let mut last = 0;
        for v in 0..100_000u64 {
            let i = h.index(v);
            assert!(i >= last);
            last = i;
        }
    }
}
