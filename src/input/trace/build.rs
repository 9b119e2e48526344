//! What every reader fills while it parses: the functions met so far, their entries (in the
//! spill), their totals and what is known of their durations and memory; then the selection,
//! rescaling and the finished [`Loaded`] workload.

use super::table::{BadRowLog, BadRows};
use super::{DurationModel, Loaded, Select, Summary, TraceFunction, TraceSpec};
use crate::core::rng::{self, StreamKind};
use crate::core::time::Duration;
use crate::core::workload::replay::{Recording, Unit};
use crate::core::workload::spill::{Cursor, Spill, SpillWriter};
use crate::input::dist::DistSpec;
use crate::input::InputError;
use rand::RngExt;
use std::collections::HashMap;
use std::sync::Arc;

/// The percentiles a duration table is built at (per-invocation traces).
const HIST_PCTS: [f64; 11] = [
    0.0, 1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 100.0,
];
/// Log-spaced duration histogram: buckets from 1 µs to 1e5 s.
const HIST_BUCKETS: usize = 160;
const HIST_LO: f64 = 1e-6;
const HIST_DECADES: f64 = 11.0;

/// What is known of one function's durations.
#[derive(Clone, Debug, Default)]
pub(crate) enum DurAcc {
    /// Nothing yet.
    #[default]
    None,
    /// Azure 2019 percentile rows, weighted by their counts: sums of weight × value (ms) at
    /// percentiles 0, 1, 25, 50, 75, 99, 100.
    Pct { weight: f64, sums: [f64; 7] },
    /// Per-invocation durations in a log histogram (seconds).
    Hist {
        counts: Box<[u32]>,
        n: u64,
        min: f64,
        max: f64,
    },
}

impl DurAcc {
    /// Adds one 2019 percentile row (ms) of `weight` invocations.
    pub(crate) fn add_pct(&mut self, weight: f64, row: [f64; 7]) {
        if !matches!(self, DurAcc::Pct { .. }) {
            *self = DurAcc::Pct {
                weight: 0.0,
                sums: [0.0; 7],
            };
        }
        if let DurAcc::Pct { weight: w, sums } = self {
            *w += weight;
            for (s, v) in sums.iter_mut().zip(row) {
                *s += weight * v;
            }
        }
    }

    /// Adds one invocation's duration (seconds).
    pub(crate) fn add_secs(&mut self, secs: f64) {
        if !matches!(self, DurAcc::Hist { .. }) {
            *self = DurAcc::Hist {
                counts: vec![0; HIST_BUCKETS].into_boxed_slice(),
                n: 0,
                min: f64::INFINITY,
                max: 0.0,
            };
        }
        if let DurAcc::Hist {
            counts,
            n,
            min,
            max,
        } = self
        {
            let s = if secs.is_finite() { secs.max(0.0) } else { 0.0 };
            let b = bucket(s);
            counts[b] = counts[b].saturating_add(1);
            *n += 1;
            *min = min.min(s);
            *max = max.max(s);
        }
    }

    /// The distribution, or `None` when nothing is known.
    pub(crate) fn build(&self, model: DurationModel) -> Option<DistSpec> {
        // (percentile, seconds) points, values made non-decreasing.
        let mut pts: Vec<(f64, f64)> = match self {
            DurAcc::None => return None,
            DurAcc::Pct { weight, sums } => {
                if *weight <= 0.0 {
                    return None;
                }
                const P: [f64; 7] = [0.0, 1.0, 25.0, 50.0, 75.0, 99.0, 100.0];
                P.iter()
                    .zip(sums)
                    .map(|(&p, s)| (p, s / weight / 1000.0))
                    .collect()
            }
            DurAcc::Hist {
                counts,
                n,
                min,
                max,
            } => {
                if *n == 0 {
                    return None;
                }
                HIST_PCTS
                    .iter()
                    .map(|&p| {
                        let v = if p == 0.0 {
                            *min
                        } else if p == 100.0 {
                            *max
                        } else {
                            hist_quantile(counts, *n, p / 100.0)
                        };
                        (p, v.clamp(*min, *max))
                    })
                    .collect()
            }
        };
        let mut hi = 0.0f64;
        for p in pts.iter_mut() {
            if !(p.1.is_finite() && p.1 >= 0.0) {
                p.1 = 0.0;
            }
            hi = hi.max(p.1);
            p.1 = hi;
        }
        let at = |q: f64| pts.iter().find(|p| p.0 == q).map(|p| p.1);
        let secs = |s: f64| Duration(crate::core::time::secs_to_ns(s));
        match model {
            DurationModel::Percentiles => {
                if pts.iter().all(|p| p.1 == pts[0].1) {
                    return Some(DistSpec::constant(pts[0].1));
                }
                Some(DistSpec::Empirical {
                    points: pts.iter().map(|&(p, v)| (p, secs(v))).collect(),
                })
            }
            DurationModel::Lognormal => {
                let med = at(50.0).unwrap_or(0.0);
                let (q25, q75, q99) = (at(25.0), at(75.0), at(99.0));
                if med <= 0.0 {
                    return Some(DistSpec::constant(med));
                }
                // sigma from the interquartile range (z = ±0.6745), else from the 99th
                // percentile (z = 2.326), else a point mass at the median.
                let sigma = match (q25, q75, q99) {
                    (Some(a), Some(b), _) if a > 0.0 && b > a => (b / a).ln() / 1.349,
                    (_, _, Some(c)) if c > med => (c / med).ln() / 2.326,
                    _ => return Some(DistSpec::constant(med)),
                };
                Some(DistSpec::Lognormal {
                    median: Some(secs(med)),
                    sigma: Some(sigma),
                    mean: None,
                    cv: None,
                })
            }
        }
    }
}

fn bucket(s: f64) -> usize {
    if s <= HIST_LO {
        return 0;
    }
    let x = (s / HIST_LO).log10() / HIST_DECADES * (HIST_BUCKETS - 1) as f64;
    (x as usize + 1).min(HIST_BUCKETS - 1)
}

/// Lower edge (seconds) of bucket `b` (bucket 0 holds everything up to 1 µs).
fn edge(b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        HIST_LO * 10f64.powf((b - 1) as f64 / (HIST_BUCKETS - 1) as f64 * HIST_DECADES)
    }
}

fn hist_quantile(counts: &[u32], n: u64, q: f64) -> f64 {
    let target = q * n as f64;
    let mut acc = 0.0;
    for (b, &c) in counts.iter().enumerate() {
        let c = c as f64;
        if c > 0.0 && acc + c >= target {
            // Log-linear inside the bucket.
            let frac = ((target - acc) / c).clamp(0.0, 1.0);
            let (lo, hi) = (edge(b).max(HIST_LO), edge(b + 1));
            if b == 0 {
                return HIST_LO * frac;
            }
            return lo * (hi / lo).powf(frac);
        }
        acc += c;
    }
    edge(HIST_BUCKETS - 1)
}

/// One function while loading.
#[derive(Clone, Debug, Default)]
pub(crate) struct Acc {
    pub name: String,
    pub app: String,
    pub trigger: Option<String>,
    pub spill: u32,
    /// Invocations over the whole input.
    pub total: u64,
    /// Per-invocation traces: the most an entry comes before an earlier one (ns).
    pub disorder: i64,
    pub max_time: i64,
    /// Last day a row of this function was read (Azure 2019), to catch duplicates.
    pub last_day: Option<u32>,
    pub durations: DurAcc,
    /// Memory in MB and the weight behind it.
    pub memory: Option<(f64, f64)>,
}

/// The state a reader fills.
pub(crate) struct Builder {
    pub spill: SpillWriter,
    pub index: HashMap<String, u32>,
    pub funcs: Vec<Acc>,
    pub policy: BadRows,
    pub bad: BadRowLog,
    pub rows: u64,
    pub files: Vec<String>,
    pub unit: Unit,
    /// Smallest and largest entry time (entry units), and the end of the data when the
    /// format says (Azure 2019: whole days).
    pub min_time: i64,
    pub max_time: i64,
    pub data_end: Option<i64>,
}

impl Builder {
    pub(crate) fn new(policy: BadRows, unit: Unit) -> Result<Builder, InputError> {
        Ok(Builder {
            spill: SpillWriter::new().map_err(|e| {
                InputError::new(
                    std::env::temp_dir().display().to_string(),
                    format!("cannot create a spill file for the trace: {e}"),
                )
            })?,
            index: HashMap::new(),
            funcs: Vec::new(),
            policy,
            bad: BadRowLog::default(),
            rows: 0,
            files: Vec::new(),
            unit,
            min_time: i64::MAX,
            max_time: i64::MIN,
            data_end: None,
        })
    }

    /// The function with `key`, created (named `name`, in `app`) if new.
    pub(crate) fn function(&mut self, key: &str, name: &str, app: &str) -> u32 {
        if let Some(&f) = self.index.get(key) {
            return f;
        }
        let spill = self.spill.add_function();
        let f = self.funcs.len() as u32;
        self.funcs.push(Acc {
            name: name.to_string(),
            app: app.to_string(),
            spill,
            max_time: i64::MIN,
            ..Acc::default()
        });
        self.index.insert(key.to_string(), f);
        f
    }

    /// Records `count` invocations of `f` at `time` (an interval index or ns).
    pub(crate) fn push(&mut self, f: u32, time: i64, count: u64) -> Result<(), InputError> {
        let a = &mut self.funcs[f as usize];
        a.total = a.total.saturating_add(count);
        if a.max_time != i64::MIN {
            a.disorder = a.disorder.max(a.max_time.saturating_sub(time));
        }
        a.max_time = a.max_time.max(time);
        self.min_time = self.min_time.min(time);
        self.max_time = self.max_time.max(time);
        let spill = a.spill;
        self.spill
            .push(spill, time, count)
            .map_err(|e| InputError::new("spill file", format!("cannot write: {e}")))
    }

    /// Handles a bad row per the policy.
    pub(crate) fn bad_row(&mut self, e: InputError) -> Result<(), InputError> {
        self.bad.handle(self.policy, e)
    }

    /// Applies the window, durations, memory, selection and rescaling.
    pub(crate) fn finish(self, spec: &TraceSpec, origin: i64) -> Result<Loaded, InputError> {
        let window = self.window(spec, origin);
        let spill = Arc::new(
            self.spill
                .finish()
                .map_err(|e| InputError::new("spill file", format!("cannot write: {e}")))?,
        );
        let mut summary = Summary {
            files: self.files,
            rows: self.rows,
            bad_rows: self.bad.skipped,
            first_bad: self.bad.first,
            functions_read: self.funcs.len(),
            spill_bytes: spill.bytes,
            ..Summary::default()
        };
        let mut cands = Vec::new();
        for (i, a) in self.funcs.iter().enumerate() {
            // Totals inside the window: a pass over the spill when a window applies.
            let total = if window.windowed {
                window.count(a.spill, &spill)
            } else {
                a.total
            };
            if let Some(f) = candidate(i, a, total, spec, &mut summary) {
                cands.push(f);
            }
        }
        summary.candidates = cands.len();
        let mut functions = select(cands, spec.select.as_ref());
        functions.sort_by_key(|f| f.index);
        unique_names(&mut functions);
        let scale = rescale(spec, &functions, window.span_ns);
        Ok(Loaded {
            functions,
            summary,
            recording: Arc::new(Recording::new(
                spill,
                self.unit,
                window.shift,
                window.end,
                window.span_ns,
            )),
            span_ns: window.span_ns,
            scale,
        })
    }

    /// The part of the entries that is replayed: from the spec's `start` (rounded down to
    /// whole intervals) after `origin`, to its `end` or the end of the data.
    fn window(&self, spec: &TraceSpec, origin: i64) -> Window {
        let (unit_ns, per_interval) = match self.unit {
            Unit::Interval(w) => (w, true),
            Unit::Instant => (1, false),
        };
        let start = spec.start.map_or(0, |d| (d.ns() / unit_ns) as i64);
        let shift = origin.saturating_add(start);
        let end = spec.end.map_or(i64::MAX, |d| {
            ((d.ns() / unit_ns) as i64).saturating_sub(start)
        });
        let data_end = match (self.data_end, self.max_time) {
            (Some(e), _) => e,
            (None, m) if m == i64::MIN => shift,
            (None, m) => m.saturating_add(1),
        };
        let span_units = match spec.end {
            Some(_) => end,
            None => data_end.saturating_sub(shift),
        }
        .max(0);
        Window {
            per_interval,
            shift,
            end,
            span_ns: (span_units as u64).saturating_mul(unit_ns),
            // Entries before time 0 or outside [start, end) are not replayed, so they must
            // not count.
            windowed: spec.start.is_some() || spec.end.is_some() || self.min_time < shift,
        }
    }
}

/// The replayed part of a trace, in entry units (intervals, or ns for per-invocation traces).
struct Window {
    /// Whether an entry is a count per interval (else one invocation).
    per_interval: bool,
    /// The entry time replayed at time 0.
    shift: i64,
    /// The end of the window, relative to `shift` (exclusive).
    end: i64,
    /// The length of the replay, ns.
    span_ns: u64,
    /// Whether some entries may fall outside the window, so that totals must be recounted.
    windowed: bool,
}

impl Window {
    /// Invocations of spill function `f` inside the window: one pass over its entries.
    fn count(&self, f: u32, spill: &Spill) -> u64 {
        let mut c = Cursor::new(f);
        let mut n = 0u64;
        while let Some((t, v)) = c.next(spill) {
            let t = t.saturating_sub(self.shift);
            if t >= 0 && t < self.end {
                n = n.saturating_add(if self.per_interval { v } else { 1 });
            }
        }
        n
    }
}

/// Function `i` (`a`, with `total` invocations in the window) as a candidate for selection,
/// with its duration and memory, or the defaults the spec gives; `None` when it was never
/// invoked or has no duration. `summary` counts each outcome.
fn candidate(
    i: usize,
    a: &Acc,
    total: u64,
    spec: &TraceSpec,
    summary: &mut Summary,
) -> Option<TraceFunction> {
    if total == 0 {
        summary.not_invoked += 1;
        return None;
    }
    let duration = match a.durations.build(spec.durations.unwrap_or_default()) {
        Some(d) => d,
        None => match &spec.default_duration {
            Some(d) => {
                summary.default_duration += 1;
                d.clone()
            }
            None => {
                summary.dropped_no_duration += 1;
                return None;
            }
        },
    };
    let memory_mb = match a.memory {
        Some((m, w)) if w > 0.0 && m.is_finite() => m / w,
        _ => {
            summary.default_memory += 1;
            f64::from(spec.default_memory_mb.unwrap_or(128))
        }
    };
    Some(TraceFunction {
        name: a.name.clone(),
        app: a.app.clone(),
        trigger: a.trigger.clone(),
        index: i as u32,
        invocations: total,
        duration,
        memory_mb,
        spill: a.spill,
        disorder: a.disorder,
    })
}

/// The factor on every rate: the spec's `scale`, or what brings the selected `functions`'
/// mean rate over `span_ns` to its `target_rate` (left at `scale` when they have none).
fn rescale(spec: &TraceSpec, functions: &[TraceFunction], span_ns: u64) -> f64 {
    let total: u64 = functions.iter().map(|f| f.invocations).sum();
    let mut scale = spec.scale.unwrap_or(1.0);
    if let Some(r) = spec.target_rate {
        let have = if span_ns > 0 {
            total as f64 / (span_ns as f64 / 1e9)
        } else {
            0.0
        };
        if have > 0.0 {
            scale = r.per_sec() / have;
        }
    }
    scale
}

/// Applies the selection; candidates come in trace order.
fn select(mut c: Vec<TraceFunction>, sel: Option<&Select>) -> Vec<TraceFunction> {
    // Most invoked first; ties by name then trace order, so the order never depends on hashing.
    let by_rank = |v: &mut Vec<TraceFunction>| {
        v.sort_by(|a, b| {
            b.invocations
                .cmp(&a.invocations)
                .then_with(|| a.name.cmp(&b.name))
                .then(a.index.cmp(&b.index))
        })
    };
    match sel {
        None | Some(Select::All {}) => c,
        Some(Select::Top { n }) => {
            by_rank(&mut c);
            c.truncate(*n as usize);
            c
        }
        Some(Select::Sample { n, seed }) => {
            let mut rng = rng::stream(seed.unwrap_or(0), 0, StreamKind::Setup, SELECT_STREAM);
            sample(&mut c, *n as usize, &mut rng);
            c
        }
        Some(Select::Quartiles { n, seed }) => {
            let mut rng = rng::stream(seed.unwrap_or(0), 0, StreamKind::Setup, SELECT_STREAM);
            by_rank(&mut c);
            c.reverse(); // least invoked first: quartile 1 is the least popular
            let len = c.len();
            let mut groups: Vec<Vec<TraceFunction>> = vec![Vec::new(); 4];
            for (r, f) in c.into_iter().enumerate() {
                groups[r * 4 / len.max(1)].push(f);
            }
            let n = *n as usize;
            let mut out = Vec::new();
            for (q, g) in groups.iter_mut().enumerate() {
                // An even share each; the remainder goes to the most popular quartiles.
                let want = n / 4 + usize::from(q >= 4 - n % 4);
                sample(g, want, &mut rng);
                out.append(g);
            }
            out
        }
    }
}

/// Stream index of the selection's random draws.
const SELECT_STREAM: u64 = 0x5e1ec7;

/// Keeps a uniformly random `n` of `v` (partial Fisher-Yates), in their original order.
fn sample(v: &mut Vec<TraceFunction>, n: usize, rng: &mut crate::core::rng::Stream) {
    if n >= v.len() {
        return;
    }
    let mut idx: Vec<usize> = (0..v.len()).collect();
    for i in 0..n {
        let j = i + (rng.random::<u64>() % (idx.len() - i) as u64) as usize;
        idx.swap(i, j);
    }
    let mut keep = vec![false; v.len()];
    for &i in &idx[..n] {
        keep[i] = true;
    }
    let mut k = keep.iter();
    v.retain(|_| *k.next().unwrap_or(&false));
}

/// Makes names unique: a clash gets the function's trace index appended.
fn unique_names(fs: &mut [TraceFunction]) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for f in fs.iter() {
        *seen.entry(f.name.clone()).or_default() += 1;
    }
    for f in fs.iter_mut() {
        if seen.get(&f.name).copied().unwrap_or(0) > 1 {
            f.name = format!("{}#{}", f.name, f.index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_percentiles_are_close() {
        let mut d = DurAcc::default();
        for i in 1..=10_000 {
            d.add_secs(i as f64 / 1000.0); // 1 ms .. 10 s uniformly
        }
        let spec = d.build(DurationModel::Percentiles).unwrap();
        let dist = spec.build().unwrap();
        for q in [0.25, 0.5, 0.75, 0.9] {
            let want = 10.0 * q;
            let got = dist.quantile(q);
            assert!((got / want - 1.0).abs() < 0.08, "q{q}: {got} vs {want}");
        }
        assert!((dist.quantile(1.0) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn percentile_rows_average_by_weight() {
        let mut d = DurAcc::default();
        d.add_pct(1.0, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
        d.add_pct(3.0, [1.0, 2.0, 3.0, 8.0, 9.0, 10.0, 11.0]);
        let DistSpec::Empirical { points } = d.build(DurationModel::Percentiles).unwrap() else {
            panic!()
        };
        assert_eq!(points[3].0, 50.0);
        assert!((points[3].1.secs() - 0.007).abs() < 1e-12);
        let ln = d.build(DurationModel::Lognormal).unwrap();
        assert!(matches!(ln, DistSpec::Lognormal { .. }));
    }
}
