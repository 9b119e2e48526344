//! `faasim trace stats`: what a workload holds, as faasim replays it.
//!
//! Every function's arrivals are generated exactly as a run would (same placement, same
//! rescaling, seeded from the function's own arrival stream of run 0) over the workload's span,
//! and summarized in one streaming pass: counts per function and per application, the shares
//! invoked at most once an hour and once a minute (by mean rate over the span), the
//! coefficient of variation of inter-arrival times (functions with at least 3 invocations),
//! mean durations per function and memory per application. Memory is O(functions).

use crate::core::rng::{self, StreamKind};
use crate::core::time::Instant;
use crate::input::workload::Workload;
use std::collections::BTreeMap;
use std::fmt;

/// The figures `faasim trace stats` prints.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Workload kind.
    pub kind: String,
    /// Files read, data rows, bad rows skipped.
    pub files: usize,
    /// Data rows read.
    pub rows: u64,
    /// Bad rows skipped, and the first one.
    pub bad_rows: u64,
    /// The first bad row's error.
    pub first_bad: Option<String>,
    /// Functions read from the input (before selection).
    pub functions_read: usize,
    /// Functions left out: never invoked in the window, no durations.
    pub not_invoked: usize,
    /// Left out for want of durations.
    pub no_duration: usize,
    /// Functions given the default memory.
    pub default_memory: usize,
    /// Functions in the workload.
    pub functions: usize,
    /// Applications.
    pub apps: usize,
    /// Invocations over the span.
    pub invocations: u64,
    /// Span, seconds.
    pub span_s: f64,
    /// Percentiles (0, 25, 50, 75, 90, 99, 100) of invocations per day per function.
    pub rate_pcts: Vec<(f64, f64)>,
    /// Shares of functions and of applications at most once an hour / once a minute.
    pub fn_hour: f64,
    /// See `fn_hour`.
    pub fn_minute: f64,
    /// See `fn_hour`.
    pub app_hour: f64,
    /// See `fn_hour`.
    pub app_minute: f64,
    /// Functions with a defined inter-arrival CV, and its percentiles (25, 50, 75, 90).
    pub cv_functions: usize,
    /// See `cv_functions`.
    pub cv_pcts: Vec<(f64, f64)>,
    /// Percentiles (1, 25, 50, 75, 99) of the mean duration per function, seconds.
    pub duration_pcts: Vec<(f64, f64)>,
    /// Percentiles (1, 25, 50, 75, 99) of memory per application, MB.
    pub memory_pcts: Vec<(f64, f64)>,
}

/// Linear-interpolated percentile (type 7) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p / 100.0;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo as f64)
}

fn pcts(mut v: Vec<f64>, ps: &[f64]) -> Vec<(f64, f64)> {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    ps.iter().map(|&p| (p, percentile(&v, p))).collect()
}

/// Computes the figures of `w` over `span_ns` (the trace's span, or a horizon for a synthetic
/// population), drawing placements with `seed`.
pub fn compute(w: &Workload, span_ns: u64, seed: u64) -> Stats {
    let mut s = Stats::default();
    if let Some(l) = &w.loaded {
        let m = &l.summary;
        s.files = m.files.len();
        s.rows = m.rows;
        s.bad_rows = m.bad_rows;
        s.first_bad = m.first_bad.as_ref().map(|e| e.to_string());
        s.functions_read = m.functions_read;
        s.not_invoked = m.not_invoked;
        s.no_duration = m.dropped_no_duration;
        s.default_memory = m.default_memory;
    } else {
        s.functions_read = w.functions.len();
    }
    s.functions = w.functions.len();
    s.span_s = span_ns as f64 / 1e9;
    let days = s.span_s / 86_400.0;
    let hours = s.span_s / 3600.0;
    let minutes = s.span_s / 60.0;
    let mut per_app: BTreeMap<&str, (u64, f64)> = BTreeMap::new();
    let mut rates = Vec::with_capacity(w.functions.len());
    let mut cvs = Vec::new();
    let mut durations = Vec::with_capacity(w.functions.len());
    let (mut fn_hour, mut fn_minute) = (0usize, 0usize);
    for f in &w.functions {
        let mut n = 0u64;
        // Welford over the gaps (seconds).
        let (mut mean, mut m2, mut gaps) = (0.0f64, 0.0f64, 0u64);
        if let Ok(mut a) = f
            .spec
            .arrivals
            .build(1.0)
            .map(|a| a.until(Instant::from_ns(span_ns)))
        {
            let mut r = rng::stream(seed, 0, StreamKind::Arrivals, f.stream);
            let mut last: Option<u64> = None;
            while let Some(t) = a.next(&mut r).map(|t| t.ns()) {
                if t >= span_ns {
                    break;
                }
                n += 1;
                if let Some(p) = last {
                    let g = (t - p) as f64 / 1e9;
                    gaps += 1;
                    let d = g - mean;
                    mean += d / gaps as f64;
                    m2 += d * (g - mean);
                }
                last = Some(t);
            }
        }
        s.invocations += n;
        let e = per_app
            .entry(f.app.as_str())
            .or_insert((0, f64::from(f.spec.memory_mb)));
        e.0 += n;
        rates.push(if days > 0.0 { n as f64 / days } else { 0.0 });
        if n as f64 <= hours {
            fn_hour += 1;
        }
        if n as f64 <= minutes {
            fn_minute += 1;
        }
        if gaps >= 2 && mean > 0.0 {
            cvs.push((m2 / gaps as f64).sqrt() / mean);
        }
        if let Ok(d) = f.spec.duration.build() {
            durations.push(d.mean());
        }
    }
    s.apps = per_app.len();
    let nf = w.functions.len().max(1) as f64;
    s.fn_hour = fn_hour as f64 / nf;
    s.fn_minute = fn_minute as f64 / nf;
    let na = per_app.len().max(1) as f64;
    s.app_hour = per_app.values().filter(|a| a.0 as f64 <= hours).count() as f64 / na;
    s.app_minute = per_app.values().filter(|a| a.0 as f64 <= minutes).count() as f64 / na;
    s.rate_pcts = pcts(rates, &[0.0, 25.0, 50.0, 75.0, 90.0, 99.0, 100.0]);
    s.cv_functions = cvs.len();
    s.cv_pcts = pcts(cvs, &[25.0, 50.0, 75.0, 90.0]);
    s.duration_pcts = pcts(durations, &[1.0, 25.0, 50.0, 75.0, 99.0]);
    s.memory_pcts = pcts(
        per_app.values().map(|a| a.1).collect(),
        &[1.0, 25.0, 50.0, 75.0, 99.0],
    );
    s
}

/// A number in a short, readable form.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.001 {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}

fn row(ps: &[(f64, f64)], scale: f64) -> String {
    ps.iter()
        .map(|(p, v)| format!("p{p:<3} {:>10}", num(v * scale)))
        .collect::<Vec<_>>()
        .join("  ")
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "workload      {}", self.kind)?;
        if self.files > 0 {
            writeln!(
                f,
                "read          {} files, {} rows, {} bad rows skipped",
                self.files, self.rows, self.bad_rows
            )?;
            if let Some(b) = &self.first_bad {
                writeln!(f, "first bad row {b}")?;
            }
            writeln!(
                f,
                "left out      {} of {} functions never invoked in the window, {} without durations",
                self.not_invoked, self.functions_read, self.no_duration
            )?;
            if self.default_memory > 0 {
                writeln!(
                    f,
                    "default memory {} functions had no memory figure",
                    self.default_memory
                )?;
            }
        }
        writeln!(f, "functions     {}", self.functions)?;
        writeln!(f, "applications  {}", self.apps)?;
        writeln!(
            f,
            "invocations   {} over {} s ({:.3} days)",
            self.invocations,
            num(self.span_s),
            self.span_s / 86_400.0
        )?;
        writeln!(f, "invocations per day, per function")?;
        writeln!(f, "  {}", row(&self.rate_pcts, 1.0))?;
        writeln!(
            f,
            "at most once an hour   {:.1}% of functions, {:.1}% of applications",
            100.0 * self.fn_hour,
            100.0 * self.app_hour
        )?;
        writeln!(
            f,
            "at most once a minute  {:.1}% of functions, {:.1}% of applications",
            100.0 * self.fn_minute,
            100.0 * self.app_minute
        )?;
        writeln!(
            f,
            "inter-arrival CV ({} functions with at least 3 invocations)",
            self.cv_functions
        )?;
        writeln!(f, "  {}", row(&self.cv_pcts, 1.0))?;
        writeln!(f, "mean duration per function (ms)")?;
        writeln!(f, "  {}", row(&self.duration_pcts, 1000.0))?;
        writeln!(f, "memory per application (MB)")?;
        writeln!(f, "  {}", row(&self.memory_pcts, 1.0))
    }
}
