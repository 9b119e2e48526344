//! Arrival processes as a scenario writes them (`arrivals = { kind = "poisson", rate = "10/s" }`):
//! the tagged table, its checks, and its compilation into the core's running [`Arrivals`].
//!
//! ```
//! use faasim::input::arrivals::ArrivalSpec;
//! use faasim::core::rng::{stream, StreamKind};
//!
//! #[derive(serde::Deserialize)]
//! struct F { arrivals: ArrivalSpec }
//! let f: F = toml::from_str(r#"arrivals = { kind = "poisson", rate = "10/s" }"#).unwrap();
//! let mut a = f.arrivals.build(1.0).unwrap();
//! let mut rng = stream(1, 0, StreamKind::Arrivals, 0);
//! let first = a.next(&mut rng).unwrap();
//! assert!(a.next(&mut rng).unwrap() >= first);
//! ```

use crate::core::time::NS_PER_SEC;
use crate::core::time::{Duration, Instant, Rate};
use crate::core::workload::arrivals::{Arrivals, RampSeg, State, MAX_SECS};
use crate::core::workload::replay::TraceHandle;
use crate::input::dist::DistSpec;
use serde::{Deserialize, Serialize};
use std::f64::consts::TAU;

/// Default period of a diurnal process: one day, in nanoseconds.
const DAY_NS: u64 = 86_400 * NS_PER_SEC;
/// Default peak time of a diurnal process: noon, in nanoseconds since midnight.
const NOON_NS: u64 = 43_200 * NS_PER_SEC;

/// An arrival process as written in a scenario file.
///
/// In TOML: `{ kind = "poisson", rate = "0.9/s" }`. Rates are strings with a unit
/// (`"50000/min"`), durations likewise (`"250ms"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ArrivalSpec {
    /// No arrivals of its own: the function is only invoked by others (`calls`, `fan_out`).
    None {},
    /// Homogeneous Poisson process: exponential gaps with mean `1/rate`.
    Poisson {
        /// Arrivals per unit time. A rate of 0 gives no arrivals.
        rate: Rate,
    },
    /// Renewal process: independent gaps from any distribution. The first arrival is one gap
    /// after time 0.
    Renewal {
        /// The distribution of the gap between consecutive arrivals (its mean must be positive).
        interarrival: DistSpec,
    },
    /// One arrival every `period`, the first at `phase` (default 0s, so the first arrival is at
    /// time 0). With `jitter`, each arrival is shifted independently by a uniform amount in
    /// `[-jitter/2, +jitter/2)` (never before time 0); `jitter` may not exceed `period`, so
    /// arrivals keep their order.
    Periodic {
        /// The spacing between arrivals (must be positive).
        period: Duration,
        /// The width of the uniform shift applied to each arrival (default 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jitter: Option<Duration>,
        /// The time of the first (unjittered) arrival (default 0s).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phase: Option<Duration>,
    },
    /// Non-homogeneous Poisson process whose rate is piecewise linear through `points`
    /// (`[[time, rate], ...]`, e.g. `[["0s", "10/min"], ["5min", "50000/min"]]`), constant at the
    /// first point's rate before it and at the last point's rate after it. Two points at the same
    /// time make a step. If the last rate is 0 the process ends.
    Ramp {
        /// `(time, rate)` pairs in time order (equal times allowed), at least one.
        points: Vec<(Duration, Rate)>,
    },
    /// Non-homogeneous Poisson process with a sinusoidal rate
    /// `mean_rate·(1 + a·cos(2π(t − peak_at)/period))`, `a = (r − 1)/(r + 1)` where
    /// `r = peak_to_trough`, so the rate at the peak is `r` times the rate at the trough.
    Diurnal {
        /// The rate averaged over a period.
        mean_rate: Rate,
        /// Ratio of the highest to the lowest rate (at least 1; 1 is a plain Poisson process).
        peak_to_trough: f64,
        /// Length of one cycle (default 1d).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<Duration>,
        /// Time of the first peak (default 12h: the peak at noon when time 0 is midnight).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        peak_at: Option<Duration>,
    },
    /// Two-state Markov-modulated Poisson process (on-off bursts): Poisson at `on_rate` while
    /// on and at `off_rate` while off, with exponential holding times of means `mean_on` and
    /// `mean_off`. It starts in its stationary state: on with probability
    /// `mean_on / (mean_on + mean_off)`, drawn from the stream at the first call.
    OnOff {
        /// Arrival rate while on.
        on_rate: Rate,
        /// Arrival rate while off (default 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        off_rate: Option<Rate>,
        /// Mean time spent on per visit (must be positive).
        mean_on: Duration,
        /// Mean time spent off per visit (must be positive).
        mean_off: Duration,
    },
    /// Replay of one function of a loaded trace: per-minute counts placed inside each minute,
    /// or recorded arrival times (see [`crate::input::trace`]). Made by a `[workload]`, never
    /// written in a file.
    #[serde(skip)]
    Trace(TraceHandle),
}

impl ArrivalSpec {
    /// Checks the spec and starts the process at time 0.
    ///
    /// `scale` multiplies every rate (for renewal and periodic processes it divides every gap,
    /// `period` and `jitter`, but not `phase`, which is a position in time rather than a
    /// spacing); it splits a total rate over copies of a function. It must be a positive finite
    /// number.
    pub fn build(&self, scale: f64) -> Result<Arrivals, String> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(format!(
                "arrival scale must be a positive finite number, got {scale}"
            ));
        }
        let state = match self {
            ArrivalSpec::None {} => State::Ended,
            ArrivalSpec::Poisson { rate } => build_poisson(*rate, scale)?,
            ArrivalSpec::Renewal { interarrival } => build_renewal(interarrival, scale)?,
            ArrivalSpec::Periodic {
                period,
                jitter,
                phase,
            } => build_periodic(*period, *jitter, *phase, scale)?,
            ArrivalSpec::Ramp { points } => build_ramp(points, scale)?,
            ArrivalSpec::Trace(h) => State::Trace(Box::new(h.start(scale))),
            ArrivalSpec::Diurnal {
                mean_rate,
                peak_to_trough,
                period,
                peak_at,
            } => build_diurnal(*mean_rate, *peak_to_trough, *period, *peak_at, scale)?,
            ArrivalSpec::OnOff {
                on_rate,
                off_rate,
                mean_on,
                mean_off,
            } => build_on_off(*on_rate, *off_rate, *mean_on, *mean_off, scale)?,
        };
        Ok(Arrivals {
            end: MAX_SECS,
            last: Instant::ZERO,
            state,
        })
    }

    /// Long-run mean rate in arrivals per second, at scale 1: the rate for Poisson, 1/mean gap
    /// for renewal (NaN if the gap distribution is invalid), 1/period for periodic, the last
    /// point's rate for a ramp (0 if it has no points), `mean_rate` for diurnal, and the
    /// stationary mix `(on_rate·mean_on + off_rate·mean_off)/(mean_on + mean_off)` for on-off.
    pub fn mean_rate(&self) -> f64 {
        match self {
            ArrivalSpec::None {} => 0.0,
            ArrivalSpec::Poisson { rate } => rate.per_sec(),
            ArrivalSpec::Renewal { interarrival } => interarrival
                .build()
                .map(|d| 1.0 / d.mean())
                .unwrap_or(f64::NAN),
            ArrivalSpec::Periodic { period, .. } => 1.0 / period.secs(),
            ArrivalSpec::Ramp { points } => points.last().map_or(0.0, |p| p.1.per_sec()),
            ArrivalSpec::Diurnal { mean_rate, .. } => mean_rate.per_sec(),
            ArrivalSpec::OnOff {
                on_rate,
                off_rate,
                mean_on,
                mean_off,
            } => {
                let (a, b) = (mean_on.secs(), mean_off.secs());
                (on_rate.per_sec() * a + off_rate.unwrap_or_default().per_sec() * b) / (a + b)
            }
            ArrivalSpec::Trace(h) => h.mean_rate(),
        }
    }
}

/// Checks that a rate is a finite number `>= 0` and returns it per second.
fn rate_ok(kind: &str, name: &str, r: Rate) -> Result<f64, String> {
    let x = r.per_sec();
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(format!(
            "{kind}: {name} must be a finite rate >= 0, got {x}/s"
        ))
    }
}

/// A Poisson process at `rate × scale`; a rate of 0 never arrives.
fn build_poisson(rate: Rate, scale: f64) -> Result<State, String> {
    let r = rate_ok("poisson", "rate", rate)? * scale;
    Ok(if r > 0.0 {
        State::Poisson {
            t: 0.0,
            mean_gap: 1.0 / r,
        }
    } else {
        State::Ended
    })
}

/// A renewal process whose gaps are drawn from `interarrival` and divided by `scale`. A zero
/// mean gap is refused: it would put infinitely many arrivals at one instant.
fn build_renewal(interarrival: &DistSpec, scale: f64) -> Result<State, String> {
    let dist = interarrival
        .build()
        .map_err(|e| format!("renewal interarrival: {e}"))?;
    if dist.mean() <= 0.0 {
        return Err(
            "renewal: the interarrival mean must be positive (a zero gap would put \
             infinitely many arrivals at one instant)"
                .to_string(),
        );
    }
    Ok(State::Renewal {
        t: 0.0,
        dist,
        inv_scale: 1.0 / scale,
    })
}

/// One arrival every `period / scale` from `phase` (not scaled: it is a position in time),
/// each shifted by up to half of `jitter / scale`. The jitter may not exceed the period, so
/// that arrivals keep their order.
fn build_periodic(
    period: Duration,
    jitter: Option<Duration>,
    phase: Option<Duration>,
    scale: f64,
) -> Result<State, String> {
    if period.ns() == 0 {
        return Err("periodic: period must be positive, got 0".to_string());
    }
    let jitter = jitter.unwrap_or_default();
    if jitter > period {
        return Err(format!(
            "periodic: jitter ({jitter}) must not exceed period ({period}), so that \
             arrivals keep their order"
        ));
    }
    Ok(State::Periodic {
        k: 0,
        phase_ns: phase.unwrap_or_default().ns() as f64,
        period_ns: period.ns() as f64 / scale,
        jitter_ns: jitter.ns() as f64 / scale,
    })
}

/// A sinusoidal Poisson process averaging `mean_rate × scale`, thinned from its peak rate
/// (hence `max_gap`, the mean gap at the peak). A mean rate of 0 never arrives.
fn build_diurnal(
    mean_rate: Rate,
    peak_to_trough: f64,
    period: Option<Duration>,
    peak_at: Option<Duration>,
    scale: f64,
) -> Result<State, String> {
    let m = rate_ok("diurnal", "mean_rate", mean_rate)? * scale;
    let r = peak_to_trough;
    if !(r.is_finite() && r >= 1.0) {
        return Err(format!(
            "diurnal: peak_to_trough must be a finite number >= 1, got {r}"
        ));
    }
    let period = period.unwrap_or(Duration(DAY_NS));
    if period.ns() == 0 {
        return Err("diurnal: period must be positive, got 0".to_string());
    }
    if m <= 0.0 {
        return Ok(State::Ended);
    }
    let amp = (r - 1.0) / (r + 1.0);
    Ok(State::Diurnal {
        t: 0.0,
        amp,
        omega: TAU / period.secs(),
        peak: peak_at.unwrap_or(Duration(NOON_NS)).secs(),
        max_gap: 1.0 / (m * (1.0 + amp)),
    })
}

/// An on-off process with both rates multiplied by `scale`; its first state is drawn at the
/// first call. Both rates 0 never arrive.
fn build_on_off(
    on_rate: Rate,
    off_rate: Option<Rate>,
    mean_on: Duration,
    mean_off: Duration,
    scale: f64,
) -> Result<State, String> {
    let on_rate = rate_ok("on-off", "on_rate", on_rate)? * scale;
    let off_rate = rate_ok("on-off", "off_rate", off_rate.unwrap_or_default())? * scale;
    if mean_on.ns() == 0 || mean_off.ns() == 0 {
        return Err(format!(
            "on-off: mean_on and mean_off must be positive, got {mean_on} and \
             {mean_off}"
        ));
    }
    if on_rate <= 0.0 && off_rate <= 0.0 {
        return Ok(State::Ended);
    }
    Ok(State::OnOff {
        t: 0.0,
        on: None,
        state_end: 0.0,
        on_rate,
        off_rate,
        mean_on: mean_on.secs(),
        mean_off: mean_off.secs(),
    })
}

/// Validates ramp points and compiles them into segments covering `[0, ∞)`.
fn build_ramp(points: &[(Duration, Rate)], scale: f64) -> Result<State, String> {
    let Some(&(t_first, r_first)) = points.first() else {
        return Err("ramp: needs at least one [time, rate] point".to_string());
    };
    for (i, &(_, r)) in points.iter().enumerate() {
        rate_ok("ramp", &format!("the rate of point {}", i + 1), r)?;
    }
    for (i, w) in points.windows(2).enumerate() {
        if w[1].0 < w[0].0 {
            return Err(format!(
                "ramp: points must be in time order, but point {} at {} comes after point {} \
                 at {}",
                i + 2,
                w[1].0,
                i + 1,
                w[0].0
            ));
        }
    }
    let mut segs = Vec::with_capacity(points.len() + 1);
    let t0 = t_first.secs();
    if t0 > 0.0 {
        // Constant at the first rate before the first point.
        let r = r_first.per_sec() * scale;
        segs.push(RampSeg {
            t0: 0.0,
            r0: r,
            slope: 0.0,
            t1: t0,
            r1: r,
        });
    }
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        // Equal times make a step: no segment, the next one starts at the new rate.
        if b.0 > a.0 {
            let (t0, t1) = (a.0.secs(), b.0.secs());
            let (r0, r1) = (a.1.per_sec() * scale, b.1.per_sec() * scale);
            segs.push(RampSeg {
                t0,
                r0,
                slope: (r1 - r0) / (t1 - t0),
                t1,
                r1,
            });
        }
    }
    let (t_last, r_last) = points[points.len() - 1];
    let r = r_last.per_sec() * scale;
    segs.push(RampSeg {
        t0: t_last.secs(),
        r0: r,
        slope: 0.0,
        t1: f64::INFINITY,
        r1: r,
    });
    if segs.iter().all(|s| s.r0 == 0.0 && s.r1 == 0.0) {
        return Ok(State::Ended);
    }
    Ok(State::Ramp {
        t: 0.0,
        idx: 0,
        segs: segs.into_boxed_slice(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::Stream;
    use crate::core::rng::{stream, StreamKind};
    use crate::core::time::NS_PER_SEC;
    use crate::core::time::{ns_to_secs, parse_duration, parse_rate};

    fn d(text: &str) -> Duration {
        Duration(parse_duration(text).unwrap())
    }
    fn r(text: &str) -> Rate {
        Rate(parse_rate(text).unwrap())
    }
    fn rng(i: u64) -> Stream {
        stream(11, 0, StreamKind::Arrivals, i)
    }

    /// Arrival times (seconds) before `horizon` seconds.
    fn times(spec: &ArrivalSpec, scale: f64, horizon: f64, seed: u64) -> Vec<f64> {
        let mut a = spec.build(scale).unwrap();
        let mut g = rng(seed);
        let mut out = Vec::new();
        while let Some(ns) = a.next(&mut g).map(Instant::ns) {
            let s = ns_to_secs(ns);
            if s >= horizon {
                break;
            }
            out.push(s);
        }
        out
    }

    fn count_in(ts: &[f64], from: f64, to: f64) -> f64 {
        ts.iter().filter(|&&t| t >= from && t < to).count() as f64
    }

    /// Asserts that a Poisson count is within a 99.9% interval of its mean: the sd of a Poisson
    /// count is √mean and z = 3.29 for 99.9% two-sided, rounded up to 3.3. Seeds are fixed, so
    /// the outcome is deterministic.
    fn assert_poisson_count(what: &str, count: f64, mean: f64) {
        let tol = 3.3 * mean.sqrt();
        assert!(
            (count - mean).abs() <= tol,
            "{what}: count {count}, expected {mean} ± {tol}"
        );
    }

    fn poisson(rate: &str) -> ArrivalSpec {
        ArrivalSpec::Poisson { rate: r(rate) }
    }

    #[test]
    fn poisson_count_matches_rate() {
        let ts = times(&poisson("50/s"), 1.0, 2000.0, 0);
        assert_poisson_count("poisson", ts.len() as f64, 100_000.0);
        // Scale 2 doubles the rate.
        let ts = times(&poisson("50/s"), 2.0, 2000.0, 1);
        assert_poisson_count("poisson x2", ts.len() as f64, 200_000.0);
        assert_eq!(poisson("50/s").mean_rate(), 50.0);
    }

    #[test]
    fn zero_rates_have_no_arrivals() {
        let mut g = rng(0);
        for spec in [
            poisson("0/s"),
            ArrivalSpec::Ramp {
                points: vec![(d("0s"), r("0/s")), (d("1s"), r("0/s"))],
            },
            ArrivalSpec::Diurnal {
                mean_rate: r("0/s"),
                peak_to_trough: 3.0,
                period: None,
                peak_at: None,
            },
            ArrivalSpec::OnOff {
                on_rate: r("0/s"),
                off_rate: None,
                mean_on: d("1s"),
                mean_off: d("1s"),
            },
        ] {
            let mut a = spec.build(1.0).unwrap();
            assert_eq!(a.next(&mut g).map(Instant::ns), None, "{spec:?}");
            assert_eq!(a.next(&mut g).map(Instant::ns), None, "{spec:?}");
        }
    }

    #[test]
    fn ramp_count_matches_the_integral_of_the_rate() {
        // 0 → 100/s over 1000 s, then constant.
        let spec = ArrivalSpec::Ramp {
            points: vec![(d("0s"), r("0/s")), (d("1000s"), r("100/s"))],
        };
        let ts = times(&spec, 1.0, 1100.0, 2);
        assert_poisson_count("ramp 0-1000", count_in(&ts, 0.0, 1000.0), 50_000.0);
        // ∫_250^500 0.1·t dt = 0.05·(500² − 250²)
        assert_poisson_count("ramp 250-500", count_in(&ts, 250.0, 500.0), 9_375.0);
        assert_poisson_count("ramp tail", count_in(&ts, 1000.0, 1100.0), 10_000.0);
        assert_eq!(spec.mean_rate(), 100.0);
    }

    #[test]
    fn ramp_launch_spike_and_plateau() {
        // 10/min before 1min (constant before the first point), up to 50000/min at 6min, flat.
        let spec = ArrivalSpec::Ramp {
            points: vec![
                (d("1min"), r("10/min")),
                (d("6min"), r("50000/min")),
                (d("30min"), r("50000/min")),
            ],
        };
        let ts = times(&spec, 1.0, 1800.0, 3);
        let (lo, hi) = (10.0 / 60.0, 50_000.0 / 60.0);
        assert_poisson_count("before", count_in(&ts, 0.0, 60.0), lo * 60.0);
        assert_poisson_count("spike", count_in(&ts, 60.0, 360.0), (lo + hi) / 2.0 * 300.0);
        assert_poisson_count("plateau", count_in(&ts, 360.0, 1800.0), hi * 1440.0);
    }

    #[test]
    fn ramp_with_zero_segments_and_steps() {
        // Down to 0 at 10 s, silent until 20 s, up to 10/s at 30 s, a step to 20/s, then 0 after
        // 40 s: the process ends.
        let spec = ArrivalSpec::Ramp {
            points: vec![
                (d("0s"), r("10/s")),
                (d("10s"), r("0/s")),
                (d("20s"), r("0/s")),
                (d("30s"), r("10/s")),
                (d("30s"), r("20/s")),
                (d("40s"), r("0/s")),
            ],
        };
        let mut total = 0.0;
        let mut quiet = 0.0;
        let mut first_half = 0.0;
        let mut after_step = 0.0;
        let runs = 400;
        for seed in 0..runs {
            let mut a = spec.build(1.0).unwrap();
            let mut g = rng(1000 + seed);
            let mut n = 0;
            while let Some(ns) = a.next(&mut g).map(Instant::ns) {
                let s = ns_to_secs(ns);
                assert!(s <= 40.0 + 1e-9, "{s}");
                n += 1;
                quiet += f64::from(u8::from(s > 10.0 && s < 20.0));
                first_half += f64::from(u8::from(s < 10.0));
                after_step += f64::from(u8::from(s >= 30.0));
                assert!(n < 10_000);
            }
            total += n as f64;
        }
        let runs = runs as f64;
        assert_eq!(quiet, 0.0);
        // Integrals: 50 + 0 + 50 + 100.
        assert_poisson_count("total", total, 200.0 * runs);
        assert_poisson_count("0-10s", first_half, 50.0 * runs);
        assert_poisson_count("30-40s", after_step, 100.0 * runs);
    }

    #[test]
    fn periodic_without_jitter_is_equidistant() {
        let spec = ArrivalSpec::Periodic {
            period: d("100ms"),
            jitter: None,
            phase: Some(d("30ms")),
        };
        let mut a = spec.build(1.0).unwrap();
        let mut g = rng(0);
        for k in 0..100_000u64 {
            assert_eq!(
                a.next(&mut g).map(Instant::ns),
                Some(30_000_000 + k * 100_000_000)
            );
        }
        // Default phase 0: the first arrival is at time 0; scale 4 divides the period.
        let spec = ArrivalSpec::Periodic {
            period: d("1s"),
            jitter: None,
            phase: None,
        };
        let mut a = spec.build(4.0).unwrap();
        let got: Vec<_> = (0..3)
            .map(|_| a.next(&mut g).map(Instant::ns).unwrap())
            .collect();
        assert_eq!(got, vec![0, 250_000_000, 500_000_000]);
        assert_eq!(spec.mean_rate(), 1.0);
    }

    #[test]
    fn periodic_jitter_stays_within_its_window() {
        let spec = ArrivalSpec::Periodic {
            period: d("1s"),
            jitter: Some(d("200ms")),
            phase: Some(d("5s")),
        };
        let mut a = spec.build(1.0).unwrap();
        let mut g = rng(4);
        for k in 0..10_000u64 {
            let t = a.next(&mut g).map(Instant::ns).unwrap() as i64;
            let nominal = ((5 + k) * NS_PER_SEC) as i64;
            assert!((t - nominal).abs() <= 100_000_000, "{k}: {t}");
        }
    }

    /// Expected count of a diurnal process in `[c − h/2, c + h/2)`:
    /// `m·(h + a·(P/π)·sin(πh/P)·cos(2π(c − peak)/P))`.
    fn diurnal_expected(m: f64, a: f64, period: f64, peak: f64, c: f64, h: f64) -> f64 {
        let w = TAU / period;
        m * (h + a * (2.0 / w) * (w * h / 2.0).sin() * (w * (c - peak)).cos())
    }

    #[test]
    fn diurnal_peak_and_trough_hours() {
        let spec = ArrivalSpec::Diurnal {
            mean_rate: r("10/s"),
            peak_to_trough: 4.0,
            period: None,
            peak_at: None,
        };
        let ts = times(&spec, 1.0, 86_400.0, 5);
        let a = 3.0 / 5.0;
        let peak = count_in(&ts, 11.5 * 3600.0, 12.5 * 3600.0);
        let trough = count_in(&ts, 0.0, 0.5 * 3600.0) + count_in(&ts, 23.5 * 3600.0, 86_400.0);
        let e_peak = diurnal_expected(10.0, a, 86_400.0, 43_200.0, 43_200.0, 3600.0);
        let e_trough = diurnal_expected(10.0, a, 86_400.0, 43_200.0, 0.0, 3600.0);
        assert_poisson_count("peak hour", peak, e_peak);
        assert_poisson_count("trough hour", trough, e_trough);
        // The ratio, with its delta-method sd ratio·√(1/N₁ + 1/N₂); close to 4 for one hour.
        let ratio = peak / trough;
        let want = e_peak / e_trough;
        let tol = 3.3 * want * (1.0 / e_peak + 1.0 / e_trough).sqrt();
        assert!(
            (ratio - want).abs() <= tol,
            "ratio {ratio}, want {want} ± {tol}"
        );
        assert!((want - 4.0).abs() < 0.03);
        assert_poisson_count("day", ts.len() as f64, 864_000.0);
        assert_eq!(spec.mean_rate(), 10.0);
    }

    #[test]
    fn diurnal_custom_period_and_peak() {
        let spec = ArrivalSpec::Diurnal {
            mean_rate: r("100/s"),
            peak_to_trough: 9.0,
            period: Some(d("1h")),
            peak_at: Some(d("10min")),
        };
        let ts = times(&spec, 1.0, 36_000.0, 6);
        let a = 0.8;
        // Ten cycles of the 5 minutes around the peak (10min) and the trough (40min).
        let (mut peak, mut trough) = (0.0, 0.0);
        for c in 0..10 {
            let base = c as f64 * 3600.0;
            peak += count_in(&ts, base + 450.0, base + 750.0);
            trough += count_in(&ts, base + 2250.0, base + 2550.0);
        }
        let e_peak = 10.0 * diurnal_expected(100.0, a, 3600.0, 600.0, 600.0, 300.0);
        let e_trough = 10.0 * diurnal_expected(100.0, a, 3600.0, 600.0, 2400.0, 300.0);
        assert_poisson_count("peak", peak, e_peak);
        assert_poisson_count("trough", trough, e_trough);
    }

    #[test]
    fn on_off_long_run_rate_matches_mean_rate() {
        let spec = ArrivalSpec::OnOff {
            on_rate: r("100/s"),
            off_rate: Some(r("4/s")),
            mean_on: d("1s"),
            mean_off: d("3s"),
        };
        assert!((spec.mean_rate() - 28.0).abs() < 1e-12);
        // Counts of an MMPP are overdispersed, so the interval comes from the spread of batch
        // counts: 1000 batches of 100 s (much longer than the 0.75 s correlation time, so nearly
        // independent); tolerance 3.3·s/√n as for any sample mean.
        let batches = 1000;
        let len = 100.0;
        let ts = times(&spec, 1.0, batches as f64 * len, 7);
        let mut counts = vec![0.0; batches];
        for t in &ts {
            counts[(t / len) as usize] += 1.0;
        }
        let n = batches as f64;
        let mean = counts.iter().sum::<f64>() / n;
        let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let tol = 3.3 * var.sqrt() / n.sqrt();
        assert!(
            (mean / len - 28.0).abs() <= tol / len,
            "rate {}, want 28 ± {}",
            mean / len,
            tol / len
        );
        // It really is bursty: the batch variance well exceeds the Poisson variance.
        assert!(var > 10.0 * mean);
    }

    #[test]
    fn renewal_uses_the_gap_distribution() {
        let spec = ArrivalSpec::Renewal {
            interarrival: DistSpec::Uniform {
                min: d("10ms"),
                max: d("30ms"),
            },
        };
        assert!((spec.mean_rate() - 50.0).abs() < 1e-9);
        let ts = times(&spec, 1.0, 1000.0, 8);
        // Gaps are independent uniform(10, 30) ms: sd 5.77 ms, so over N gaps the count in 1000 s
        // has sd ≈ √(1000·σ²/μ³) = √(1000·3.33e-5/8e-6) ≈ 64.5.
        let sd = (1000.0 * (0.02f64.powi(2) / 12.0) / 0.02f64.powi(3)).sqrt();
        assert!(
            (ts.len() as f64 - 50_000.0).abs() <= 3.3 * sd,
            "{}",
            ts.len()
        );
        assert!(ts[0] >= 0.01 && ts[0] <= 0.03);
        for w in ts.windows(2) {
            let gap = w[1] - w[0];
            assert!((0.01 - 1e-9..=0.03 + 1e-9).contains(&gap), "{gap}");
        }
        // Scale 2 halves every gap.
        let ts = times(&spec, 2.0, 1000.0, 8);
        assert!((ts.len() as f64 - 100_000.0).abs() <= 3.3 * sd * 2f64.sqrt() + 1.0);
    }

    #[test]
    fn times_never_decrease() {
        let specs = [
            poisson("1000/s"),
            ArrivalSpec::Renewal {
                interarrival: DistSpec::Empirical {
                    points: vec![(0.0, d("0s")), (50.0, d("0s")), (100.0, d("2ms"))],
                },
            },
            ArrivalSpec::Periodic {
                period: d("1ms"),
                jitter: Some(d("1ms")),
                phase: None,
            },
            ArrivalSpec::Ramp {
                points: vec![(d("0s"), r("10/min")), (d("5s"), r("50000/s"))],
            },
            ArrivalSpec::Diurnal {
                mean_rate: r("1000/s"),
                peak_to_trough: 10.0,
                period: Some(d("10s")),
                peak_at: None,
            },
            ArrivalSpec::OnOff {
                on_rate: r("10000/s"),
                off_rate: None,
                mean_on: d("10ms"),
                mean_off: d("50ms"),
            },
        ];
        for (i, spec) in specs.iter().enumerate() {
            let mut a = spec.build(1.0).unwrap();
            let mut g = rng(20 + i as u64);
            let mut last = 0;
            for _ in 0..100_000 {
                let t = a
                    .next(&mut g)
                    .map(Instant::ns)
                    .unwrap_or_else(|| panic!("{spec:?} ended"));
                assert!(t >= last, "{spec:?}: {t} < {last}");
                last = t;
            }
        }
    }

    #[test]
    fn processes_end_at_the_clock_limit() {
        let mut a = poisson("1/d").build(1.0).unwrap();
        let mut g = rng(0);
        // 584 years hold about 213,000 days; the process must end, not return u64::MAX forever.
        let mut n = 0;
        while a.next(&mut g).map(Instant::ns).is_some() {
            n += 1;
            assert!(n < 300_000);
        }
        assert!(n > 200_000);
        assert_eq!(a.next(&mut g).map(Instant::ns), None);
    }

    fn err(spec: ArrivalSpec, scale: f64, needle: &str) {
        let e = spec.build(scale).unwrap_err();
        assert!(e.contains(needle), "{e:?} should mention {needle:?}");
    }

    #[test]
    fn validation_errors() {
        for s in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            err(poisson("1/s"), s, "scale must be a positive finite number");
        }
        err(
            ArrivalSpec::Poisson { rate: Rate(-1.0) },
            1.0,
            "poisson: rate must be",
        );
        err(
            ArrivalSpec::Poisson {
                rate: Rate(f64::NAN),
            },
            1.0,
            "finite rate >= 0",
        );
        err(
            ArrivalSpec::Renewal {
                interarrival: DistSpec::Exponential { mean: d("0s") },
            },
            1.0,
            "renewal interarrival: exponential: mean must be",
        );
        err(
            ArrivalSpec::Renewal {
                interarrival: DistSpec::constant(0.0),
            },
            1.0,
            "interarrival mean must be positive",
        );
        err(
            ArrivalSpec::Periodic {
                period: d("0s"),
                jitter: None,
                phase: None,
            },
            1.0,
            "period must be positive",
        );
        err(
            ArrivalSpec::Periodic {
                period: d("1s"),
                jitter: Some(d("2s")),
                phase: None,
            },
            1.0,
            "must not exceed period",
        );
        err(ArrivalSpec::Ramp { points: vec![] }, 1.0, "at least one");
        err(
            ArrivalSpec::Ramp {
                points: vec![(d("5s"), r("1/s")), (d("1s"), r("2/s"))],
            },
            1.0,
            "time order",
        );
        err(
            ArrivalSpec::Ramp {
                points: vec![(d("0s"), r("1/s")), (d("1s"), Rate(-2.0))],
            },
            1.0,
            "the rate of point 2",
        );
        err(
            ArrivalSpec::Ramp {
                points: vec![(d("0s"), Rate(f64::INFINITY))],
            },
            1.0,
            "the rate of point 1",
        );
        let diurnal = |m: Rate, r: f64, period: Option<Duration>| ArrivalSpec::Diurnal {
            mean_rate: m,
            peak_to_trough: r,
            period,
            peak_at: None,
        };
        err(
            diurnal(r("1/s"), 0.5, None),
            1.0,
            "peak_to_trough must be a finite number >= 1",
        );
        err(diurnal(r("1/s"), f64::NAN, None), 1.0, "peak_to_trough");
        err(
            diurnal(r("1/s"), f64::INFINITY, None),
            1.0,
            "peak_to_trough",
        );
        err(diurnal(Rate(-1.0), 2.0, None), 1.0, "diurnal: mean_rate");
        err(
            diurnal(r("1/s"), 2.0, Some(d("0s"))),
            1.0,
            "diurnal: period must be positive",
        );
        let onoff = |on: Rate, off: Option<Rate>, a: &str, b: &str| ArrivalSpec::OnOff {
            on_rate: on,
            off_rate: off,
            mean_on: d(a),
            mean_off: d(b),
        };
        err(
            onoff(Rate(f64::NAN), None, "1s", "1s"),
            1.0,
            "on-off: on_rate",
        );
        err(
            onoff(r("1/s"), Some(Rate(-1.0)), "1s", "1s"),
            1.0,
            "on-off: off_rate",
        );
        err(
            onoff(r("1/s"), None, "0s", "1s"),
            1.0,
            "mean_on and mean_off must be positive",
        );
        err(
            onoff(r("1/s"), None, "1s", "0s"),
            1.0,
            "mean_on and mean_off must be positive",
        );
        // Peak-to-trough exactly 1 is a plain Poisson process.
        assert!(diurnal(r("1/s"), 1.0, None).build(1.0).is_ok());
    }

    #[derive(Debug, Deserialize, Serialize)]
    struct W {
        a: ArrivalSpec,
    }

    fn parse(text: &str) -> Result<ArrivalSpec, String> {
        toml::from_str::<W>(text)
            .map(|w| w.a)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn toml_parses_every_kind() {
        let cases = [
            (
                r#"a = { kind = "poisson", rate = "0.9/s" }"#,
                poisson("0.9/s"),
            ),
            (
                r#"a = { kind = "renewal", interarrival = { kind = "gamma", mean = "1s", cv = 2.0 } }"#,
                ArrivalSpec::Renewal {
                    interarrival: DistSpec::Gamma {
                        mean: d("1s"),
                        cv: 2.0,
                    },
                },
            ),
            (
                r#"a = { kind = "periodic", period = "1min" }"#,
                ArrivalSpec::Periodic {
                    period: d("1min"),
                    jitter: None,
                    phase: None,
                },
            ),
            (
                r#"a = { kind = "periodic", period = "1min", jitter = "5s", phase = "30s" }"#,
                ArrivalSpec::Periodic {
                    period: d("1min"),
                    jitter: Some(d("5s")),
                    phase: Some(d("30s")),
                },
            ),
            (
                r#"a = { kind = "ramp", points = [["0s", "10/min"], ["5min", "50000/min"], ["30min", "50000/min"]] }"#,
                ArrivalSpec::Ramp {
                    points: vec![
                        (d("0s"), r("10/min")),
                        (d("5min"), r("50000/min")),
                        (d("30min"), r("50000/min")),
                    ],
                },
            ),
            (
                r#"a = { kind = "diurnal", mean_rate = "100/s", peak_to_trough = 5 }"#,
                ArrivalSpec::Diurnal {
                    mean_rate: r("100/s"),
                    peak_to_trough: 5.0,
                    period: None,
                    peak_at: None,
                },
            ),
            (
                r#"a = { kind = "diurnal", mean_rate = "100/s", peak_to_trough = 5.0, period = "7d", peak_at = "3d" }"#,
                ArrivalSpec::Diurnal {
                    mean_rate: r("100/s"),
                    peak_to_trough: 5.0,
                    period: Some(d("7d")),
                    peak_at: Some(d("3d")),
                },
            ),
            (
                r#"a = { kind = "on-off", on_rate = "100/s", mean_on = "2s", mean_off = "10s" }"#,
                ArrivalSpec::OnOff {
                    on_rate: r("100/s"),
                    off_rate: None,
                    mean_on: d("2s"),
                    mean_off: d("10s"),
                },
            ),
            (
                r#"a = { kind = "on-off", on_rate = "100/s", off_rate = "1/s", mean_on = "2s", mean_off = "10s" }"#,
                ArrivalSpec::OnOff {
                    on_rate: r("100/s"),
                    off_rate: Some(r("1/s")),
                    mean_on: d("2s"),
                    mean_off: d("10s"),
                },
            ),
        ];
        for (text, want) in cases {
            let got = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(got, want, "{text}");
            got.build(1.0).unwrap();
            let again = toml::to_string(&W { a: got.clone() }).unwrap();
            assert_eq!(parse(&again).unwrap(), got, "{again}");
        }
    }

    #[test]
    fn toml_errors_name_the_accepted_values() {
        let e = parse(r#"a = { kind = "bursty", rate = "1/s" }"#).unwrap_err();
        assert!(
            e.contains("unknown variant `bursty`") && e.contains("expected one of"),
            "{e}"
        );
        assert!(e.contains("`on-off`") && e.contains("`ramp`"), "{e}");
        let e = parse(r#"a = { kind = "periodic", period = "1s", phse = "1s" }"#).unwrap_err();
        assert!(
            e.contains("unknown field `phse`") && e.contains("`phase`"),
            "{e}"
        );
        let e = parse(r#"a = { kind = "poisson", rate = 5 }"#).unwrap_err();
        assert!(e.contains("rate"), "{e}");
        let e = parse(r#"a = { kind = "poisson" }"#).unwrap_err();
        assert!(e.contains("missing field `rate`"), "{e}");
    }
}
