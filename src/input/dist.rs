//! Distributions as a scenario writes them (`duration = { kind = "lognormal", ... }`): the
//! tagged table, its checks, and its compilation into the core's [`Dist`].
//!
//! ```
//! use faasim::input::dist::DistSpec;
//! use faasim::core::rng::{stream, StreamKind};
//!
//! #[derive(serde::Deserialize)]
//! struct F { duration: DistSpec }
//! let f: F = toml::from_str(r#"duration = { kind = "lognormal", median = "100ms", sigma = 1.0 }"#).unwrap();
//! let d = f.duration.build().unwrap();
//! assert!((d.quantile(0.5) - 0.1).abs() < 1e-12);
//! let mut rng = stream(1, 0, StreamKind::Durations, 0);
//! assert!(d.sample(&mut rng) > 0.0);
//! ```

use crate::core::time::{secs_to_ns, Duration};
use crate::core::workload::dist::{Dist, Kind, Seg, MAX_SECS};
use serde::{Deserialize, Serialize};

/// A distribution of durations as written in a scenario file.
///
/// In TOML: `{ kind = "lognormal", median = "100ms", sigma = 1.0 }`. Durations are strings with
/// a unit (see [`crate::core::time`]); shape parameters (`sigma`, `cv`, `shape`) are plain numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DistSpec {
    /// Always `value`. A constant of zero lets the platform skip sampling (see [`Dist::is_zero`]).
    Constant {
        /// The one value.
        value: Duration,
    },
    /// Exponential with the given mean.
    Exponential {
        /// The mean (must be positive).
        mean: Duration,
    },
    /// Lognormal, given either by `(median, sigma)` or by `(mean, cv)`: exactly one of the two
    /// pairs, complete. `sigma` is the standard deviation of the underlying normal; `cv` is the
    /// coefficient of variation (standard deviation / mean) of the duration itself.
    Lognormal {
        /// The median, `exp(mu)`; goes with `sigma`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        median: Option<Duration>,
        /// The standard deviation of `ln(duration)`; goes with `median`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sigma: Option<f64>,
        /// The mean; goes with `cv`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mean: Option<Duration>,
        /// The coefficient of variation; goes with `mean`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cv: Option<f64>,
    },
    /// Gamma with the given mean and coefficient of variation (shape = 1/cv², scale = mean·cv²).
    Gamma {
        /// The mean (must be positive).
        mean: Duration,
        /// The coefficient of variation (must be positive).
        cv: f64,
    },
    /// Weibull, `P(X > x) = exp(-(x/scale)^shape)`.
    Weibull {
        /// The shape `k` (below 1: heavier tail than exponential).
        shape: f64,
        /// The scale `λ` (must be positive).
        scale: Duration,
    },
    /// Uniform between `min` and `max` (`min <= max`).
    Uniform {
        /// The smallest value.
        min: Duration,
        /// The largest value.
        max: Duration,
    },
    /// A percentile table as traces give it: `points = [[0, "1ms"], [25, "3ms"], [50, "5ms"],
    /// [100, "40ms"]]` (percentile from 0 to 100, value). Sampled by inverse CDF, linear between
    /// points. Percentiles may be written as integers or floats.
    Empirical {
        /// `(percentile, value)` pairs: percentiles strictly increasing from 0 to 100, values not
        /// decreasing, at least two points.
        points: Vec<(f64, Duration)>,
    },
}

impl DistSpec {
    /// A constant of `secs` seconds (rounded to the nanosecond; negative or NaN gives 0).
    pub fn constant(secs: f64) -> DistSpec {
        DistSpec::Constant {
            value: Duration(secs_to_ns(secs)),
        }
    }

    /// Checks the parameters and compiles the distribution.
    ///
    /// Rejects non-positive or non-finite scale parameters (means, medians, scales), shape
    /// parameters that are not positive finite numbers, a lognormal without exactly one complete
    /// `(median, sigma)` / `(mean, cv)` pair, `min > max`, malformed empirical tables, and
    /// parameters whose mean would not be finite.
    pub fn build(&self) -> Result<Dist, String> {
        let kind = match self {
            DistSpec::Constant { value } => Kind::Constant(value.secs()),
            DistSpec::Exponential { mean } => Kind::Exponential {
                mean: positive("exponential", "mean", mean.secs())?,
            },
            DistSpec::Lognormal {
                median,
                sigma,
                mean,
                cv,
            } => {
                let (mu, sigma) = lognormal_params(*median, *sigma, *mean, *cv)?;
                Kind::Lognormal { mu, sigma }
            }
            DistSpec::Gamma { mean, cv } => gamma_kind(*mean, *cv)?,
            DistSpec::Weibull { shape, scale } => Kind::Weibull {
                inv_shape: 1.0 / positive("weibull", "shape", *shape)?,
                scale: positive("weibull", "scale", scale.secs())?,
            },
            DistSpec::Uniform { min, max } => {
                if min > max {
                    return Err(format!(
                        "uniform: min ({min}) must not be greater than max ({max})"
                    ));
                }
                Kind::Uniform {
                    min: min.secs(),
                    width: max.secs() - min.secs(),
                }
            }
            DistSpec::Empirical { points } => Kind::Empirical(build_table(points)?),
        };
        let dist = Dist { kind };
        let m = dist.mean();
        if !m.is_finite() || m > MAX_SECS {
            return Err(format!(
                "{}: the parameters give a mean of {m} s, beyond what the clock can hold; \
                 use a smaller spread",
                self.kind_name()
            ));
        }
        Ok(dist)
    }

    /// The `kind` tag as written in a scenario file.
    fn kind_name(&self) -> &'static str {
        match self {
            DistSpec::Constant { .. } => "constant",
            DistSpec::Exponential { .. } => "exponential",
            DistSpec::Lognormal { .. } => "lognormal",
            DistSpec::Gamma { .. } => "gamma",
            DistSpec::Weibull { .. } => "weibull",
            DistSpec::Uniform { .. } => "uniform",
            DistSpec::Empirical { .. } => "empirical",
        }
    }
}

/// Checks that a parameter is a positive finite number.
fn positive(kind: &str, name: &str, x: f64) -> Result<f64, String> {
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(format!(
            "{kind}: {name} must be a positive finite number, got {x}"
        ))
    }
}

/// `(mu, sigma)` of the underlying normal of a lognormal given by exactly one complete pair:
/// `(median, sigma)` as they are, or `(mean, cv)` converted. The error names the keys given.
fn lognormal_params(
    median: Option<Duration>,
    sigma: Option<f64>,
    mean: Option<Duration>,
    cv: Option<f64>,
) -> Result<(f64, f64), String> {
    match (median, sigma, mean, cv) {
        (Some(median), Some(sigma), None, None) => {
            let median = positive("lognormal", "median", median.secs())?;
            Ok((median.ln(), positive("lognormal", "sigma", sigma)?))
        }
        (None, None, Some(mean), Some(cv)) => {
            let mean = positive("lognormal", "mean", mean.secs())?;
            let cv = positive("lognormal", "cv", cv)?;
            let s2 = cv.mul_add(cv, 1.0).ln();
            Ok((mean.ln() - s2 / 2.0, s2.sqrt()))
        }
        _ => {
            let given: Vec<&str> = [
                ("median", median.is_some()),
                ("sigma", sigma.is_some()),
                ("mean", mean.is_some()),
                ("cv", cv.is_some()),
            ]
            .iter()
            .filter(|(_, g)| *g)
            .map(|(n, _)| *n)
            .collect();
            let given = if given.is_empty() {
                "none of them".to_string()
            } else {
                given.join(", ")
            };
            Err(format!(
                "lognormal: give exactly one of the pairs (median, sigma) or (mean, cv), got \
                 {given}"
            ))
        }
    }
}

/// A gamma of the given mean and coefficient of variation (shape `1/cv²`, scale `mean·cv²`),
/// refused when `cv` is so small that the shape overflows or the scale vanishes.
fn gamma_kind(mean: Duration, cv: f64) -> Result<Kind, String> {
    let mean = positive("gamma", "mean", mean.secs())?;
    let cv = positive("gamma", "cv", cv)?;
    let shape = 1.0 / (cv * cv);
    let scale = mean * cv * cv;
    if !shape.is_finite() || scale <= 0.0 {
        return Err(format!(
            "gamma: cv = {cv} is too close to 0 to represent; use kind = \"constant\" for a \
             fixed value"
        ));
    }
    let sampler = rand_distr::Gamma::new(shape, scale)
        .map_err(|e| format!("gamma: mean/cv not usable ({e})"))?;
    Ok(Kind::Gamma {
        sampler,
        shape,
        scale,
    })
}

/// Validates an empirical table and turns it into segments `(p, value, slope)` with `p` in
/// `[0, 1]`.
fn build_table(points: &[(f64, Duration)]) -> Result<Box<[Seg]>, String> {
    const FORM: &str = "percentiles strictly increasing from 0 to 100 with values not decreasing";
    if points.len() < 2 {
        return Err(format!(
            "empirical: need at least 2 points ({FORM}), got {}",
            points.len()
        ));
    }
    let first = points[0].0;
    let last = points[points.len() - 1].0;
    if first != 0.0 {
        return Err(format!(
            "empirical: the first percentile must be 0, got {first} ({FORM})"
        ));
    }
    if last != 100.0 {
        return Err(format!(
            "empirical: the last percentile must be 100, got {last} ({FORM})"
        ));
    }
    for (i, w) in points.windows(2).enumerate() {
        let ((p0, v0), (p1, v1)) = (w[0], w[1]);
        if p1.is_nan() || p1 <= p0 {
            return Err(format!(
                "empirical: percentile {p1} (point {}) does not exceed {p0} (point {}); {FORM}",
                i + 2,
                i + 1
            ));
        }
        if v1 < v0 {
            return Err(format!(
                "empirical: value {v1} at percentile {p1} is below {v0} at percentile {p0}; {FORM}"
            ));
        }
    }
    let mut segs = Vec::with_capacity(points.len());
    for (i, &(pct, v)) in points.iter().enumerate() {
        let p = pct / 100.0;
        let slope = match points.get(i + 1) {
            Some(&(pn, vn)) => (vn.secs() - v.secs()) / (pn / 100.0 - p),
            None => 0.0,
        };
        segs.push(Seg {
            p,
            value: v.secs(),
            slope,
        });
    }
    Ok(segs.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::Stream;
    use crate::core::rng::{stream, StreamKind};

    fn ms(x: f64) -> Duration {
        Duration(secs_to_ns(x / 1e3))
    }

    fn rng(i: u64) -> Stream {
        stream(7, 0, StreamKind::Durations, i)
    }

    /// Checks the sample mean against the analytic mean. The tolerance is the half-width of a
    /// 99.9% confidence interval, 3.3·s/√n with s the sample standard deviation (z = 3.29 for a
    /// two-sided 99.9% normal interval). Seeds are fixed, so the test is deterministic.
    fn check_mean(spec: DistSpec, seed: u64) {
        let d = spec.build().unwrap();
        let mut r = rng(seed);
        let n = 200_000;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..n {
            let x = d.sample(&mut r);
            assert!(x.is_finite() && x >= 0.0, "{spec:?}: {x}");
            sum += x;
            sum2 += x * x;
        }
        let nf = n as f64;
        let mean = sum / nf;
        let s = ((sum2 - sum * sum / nf) / (nf - 1.0)).max(0.0).sqrt();
        let tol = 3.3 * s / nf.sqrt() + 1e-12;
        assert!(
            (mean - d.mean()).abs() <= tol,
            "{spec:?}: sample mean {mean}, analytic {}, tolerance {tol}",
            d.mean()
        );
    }

    #[test]
    fn sample_means_match_analytic_means() {
        let specs = [
            DistSpec::constant(0.25),
            DistSpec::Exponential { mean: ms(100.0) },
            DistSpec::Lognormal {
                median: Some(ms(100.0)),
                sigma: Some(1.0),
                mean: None,
                cv: None,
            },
            DistSpec::Lognormal {
                median: None,
                sigma: None,
                mean: Some(ms(50.0)),
                cv: Some(2.0),
            },
            DistSpec::Gamma {
                mean: ms(30.0),
                cv: 0.5,
            },
            DistSpec::Gamma {
                mean: ms(30.0),
                cv: 3.0,
            },
            DistSpec::Weibull {
                shape: 0.7,
                scale: ms(10.0),
            },
            DistSpec::Weibull {
                shape: 2.0,
                scale: ms(10.0),
            },
            DistSpec::Uniform {
                min: ms(5.0),
                max: ms(15.0),
            },
            DistSpec::Empirical {
                points: vec![
                    (0.0, ms(0.0)),
                    (25.0, ms(3.0)),
                    (50.0, ms(5.0)),
                    (99.0, ms(20.0)),
                    (100.0, ms(400.0)),
                ],
            },
        ];
        for (i, s) in specs.into_iter().enumerate() {
            check_mean(s, i as u64);
        }
    }

    #[test]
    fn parametrisations_agree() {
        // Lognormal from (mean, cv) has the requested mean; gamma likewise.
        let d = DistSpec::Lognormal {
            median: None,
            sigma: None,
            mean: Some(ms(50.0)),
            cv: Some(2.0),
        }
        .build()
        .unwrap();
        assert!((d.mean() - 0.05).abs() < 1e-12);
        let d = DistSpec::Gamma {
            mean: ms(30.0),
            cv: 0.5,
        }
        .build()
        .unwrap();
        assert!((d.mean() - 0.03).abs() < 1e-12);
    }

    #[test]
    fn quantiles_are_analytic() {
        let e = DistSpec::Exponential { mean: ms(1000.0) }.build().unwrap();
        assert!((e.quantile(0.5) - 2f64.ln()).abs() < 1e-12);
        let l = DistSpec::Lognormal {
            median: Some(ms(100.0)),
            sigma: Some(1.0),
            mean: None,
            cv: None,
        }
        .build()
        .unwrap();
        assert!((l.quantile(0.5) - 0.1).abs() < 1e-12);
        // Φ⁻¹(0.975) = 1.959964.
        assert!((l.quantile(0.975) - 0.1 * 1.959_964f64.exp()).abs() < 1e-6);
        let w = DistSpec::Weibull {
            shape: 2.0,
            scale: ms(1000.0),
        }
        .build()
        .unwrap();
        assert!((w.quantile(1.0 - (-1f64).exp()) - 1.0).abs() < 1e-12);
        let g = DistSpec::Gamma {
            mean: ms(1000.0),
            cv: 1.0,
        }
        .build()
        .unwrap();
        // cv = 1 is the exponential.
        assert!((g.quantile(0.5) - 2f64.ln()).abs() < 1e-6);
        let u = DistSpec::Uniform {
            min: ms(10.0),
            max: ms(20.0),
        }
        .build()
        .unwrap();
        assert!((u.quantile(0.25) - 0.0125).abs() < 1e-12);
        // Out of range and NaN probabilities do not panic.
        for d in [&e, &l, &w, &g, &u] {
            assert!(d.quantile(f64::NAN).is_nan());
            assert!(d.quantile(-1.0) >= 0.0);
            assert!(d.quantile(2.0) >= d.quantile(0.9));
        }
    }

    #[test]
    fn empirical_quantiles_match_the_table() {
        let points = vec![
            (0.0, ms(1.0)),
            (25.0, ms(3.0)),
            (50.0, ms(5.0)),
            (100.0, ms(40.0)),
        ];
        let d = DistSpec::Empirical {
            points: points.clone(),
        }
        .build()
        .unwrap();
        for (p, v) in &points {
            assert!((d.quantile(p / 100.0) - v.secs()).abs() < 1e-12, "{p}");
        }
        // Linear in between.
        assert!((d.quantile(0.125) - 0.002).abs() < 1e-12);
        assert!((d.quantile(0.75) - 0.0225).abs() < 1e-12);
        // Sample quantiles agree with the table: the fraction of samples below each point's
        // value is its percentile, within a 99.9% binomial interval 3.3·√(p(1-p)/n).
        let mut r = rng(100);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut r)).collect();
        for (p, v) in &points[1..3] {
            let frac = xs.iter().filter(|&&x| x < v.secs()).count() as f64 / n as f64;
            let p = p / 100.0;
            let tol = 3.3 * (p * (1.0 - p) / n as f64).sqrt();
            assert!((frac - p).abs() <= tol, "{p}: {frac}");
        }
        assert!(xs.iter().all(|&x| (0.001..=0.04).contains(&x)));
    }

    #[test]
    fn empirical_allows_a_zero_first_value_and_flat_steps() {
        let d = DistSpec::Empirical {
            points: vec![(0.0, ms(0.0)), (50.0, ms(0.0)), (100.0, ms(10.0))],
        }
        .build()
        .unwrap();
        assert_eq!(d.quantile(0.3), 0.0);
        assert!((d.mean() - 0.0025).abs() < 1e-15);
        assert!(!d.is_zero());
    }

    #[test]
    fn zero_constant_is_zero() {
        let d = DistSpec::constant(0.0).build().unwrap();
        assert!(d.is_zero());
        assert_eq!(d.sample_span(&mut rng(0)).ns(), 0);
        let d = DistSpec::constant(0.25).build().unwrap();
        assert!(!d.is_zero());
        assert_eq!(d.sample_span(&mut rng(0)).ns(), 250_000_000);
        assert_eq!(d.quantile(0.9), 0.25);
        assert_eq!(DistSpec::constant(-3.0), DistSpec::constant(0.0));
    }

    #[test]
    fn heavy_tails_stay_finite() {
        // A mean that overflows is rejected ...
        let e = DistSpec::Lognormal {
            median: Some(ms(100.0)),
            sigma: Some(40.0),
            mean: None,
            cv: None,
        }
        .build()
        .unwrap_err();
        assert!(e.contains("mean"), "{e}");
        // ... and a heavy but finite tail is clamped to the clock's range.
        // Here `E^20` with `E ~ Exp(1)` passes the clock's range for E > 8.2 (p ≈ 3e-4).
        let d = DistSpec::Weibull {
            shape: 0.05,
            scale: Duration(1),
        }
        .build()
        .unwrap();
        let mut r = rng(5);
        let mut capped = 0;
        for _ in 0..100_000 {
            let x = d.sample(&mut r);
            assert!(x.is_finite() && (0.0..=MAX_SECS).contains(&x));
            capped += usize::from(x == MAX_SECS);
        }
        assert!(capped > 0);
    }

    fn err(spec: DistSpec, needle: &str) {
        let e = spec.build().unwrap_err();
        assert!(e.contains(needle), "{e:?} should mention {needle:?}");
    }

    #[test]
    fn validation_errors() {
        err(
            DistSpec::Exponential { mean: ms(0.0) },
            "mean must be a positive",
        );
        let ln = |median, sigma, mean, cv| DistSpec::Lognormal {
            median,
            sigma,
            mean,
            cv,
        };
        err(ln(Some(ms(0.0)), Some(1.0), None, None), "median must be");
        err(ln(Some(ms(1.0)), Some(0.0), None, None), "sigma must be");
        err(
            ln(Some(ms(1.0)), Some(f64::NAN), None, None),
            "sigma must be",
        );
        err(ln(Some(ms(1.0)), Some(-1.0), None, None), "got -1");
        err(ln(None, None, Some(ms(0.0)), Some(1.0)), "mean must be");
        err(
            ln(None, None, Some(ms(1.0)), Some(f64::INFINITY)),
            "cv must be",
        );
        err(ln(Some(ms(1.0)), None, None, None), "got median");
        err(ln(None, None, None, None), "got none of them");
        err(
            ln(Some(ms(1.0)), Some(1.0), Some(ms(1.0)), Some(1.0)),
            "got median, sigma, mean, cv",
        );
        err(
            ln(Some(ms(1.0)), None, None, Some(1.0)),
            "exactly one of the pairs",
        );
        err(
            DistSpec::Gamma {
                mean: ms(0.0),
                cv: 1.0,
            },
            "gamma: mean must be",
        );
        err(
            DistSpec::Gamma {
                mean: ms(1.0),
                cv: -0.5,
            },
            "gamma: cv must be",
        );
        err(
            DistSpec::Gamma {
                mean: ms(1.0),
                cv: 1e-200,
            },
            "too close to 0",
        );
        err(
            DistSpec::Weibull {
                shape: 0.0,
                scale: ms(1.0),
            },
            "weibull: shape must be",
        );
        err(
            DistSpec::Weibull {
                shape: 1.0,
                scale: ms(0.0),
            },
            "weibull: scale must be",
        );
        err(
            DistSpec::Weibull {
                shape: 1e-4,
                scale: ms(1.0),
            },
            "beyond what the clock can hold",
        );
        err(
            DistSpec::Uniform {
                min: ms(2.0),
                max: ms(1.0),
            },
            "must not be greater than max",
        );
        let emp = |points: Vec<(f64, Duration)>| DistSpec::Empirical { points };
        err(emp(vec![]), "at least 2 points");
        err(emp(vec![(0.0, ms(1.0))]), "at least 2 points");
        err(
            emp(vec![(1.0, ms(1.0)), (100.0, ms(2.0))]),
            "first percentile must be 0",
        );
        err(
            emp(vec![(0.0, ms(1.0)), (99.0, ms(2.0))]),
            "last percentile must be 100",
        );
        err(
            emp(vec![
                (0.0, ms(1.0)),
                (50.0, ms(2.0)),
                (50.0, ms(3.0)),
                (100.0, ms(4.0)),
            ]),
            "does not exceed",
        );
        err(
            emp(vec![(0.0, ms(1.0)), (f64::NAN, ms(2.0)), (100.0, ms(4.0))]),
            "does not exceed",
        );
        err(
            emp(vec![
                (0.0, ms(1.0)),
                (60.0, ms(3.0)),
                (50.0, ms(3.0)),
                (100.0, ms(4.0)),
            ]),
            "does not exceed",
        );
        err(
            emp(vec![(0.0, ms(5.0)), (50.0, ms(3.0)), (100.0, ms(4.0))]),
            "is below",
        );
        // Uniform with min == max is a valid point mass.
        let d = DistSpec::Uniform {
            min: ms(3.0),
            max: ms(3.0),
        }
        .build()
        .unwrap();
        assert!((d.sample(&mut rng(0)) - 0.003).abs() < 1e-15);
    }

    #[derive(Debug, Deserialize, Serialize)]
    struct W {
        d: DistSpec,
    }

    fn parse(text: &str) -> Result<DistSpec, String> {
        toml::from_str::<W>(text)
            .map(|w| w.d)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn toml_parses_every_kind() {
        let cases = [
            (
                r#"d = { kind = "constant", value = "5ms" }"#,
                DistSpec::Constant { value: ms(5.0) },
            ),
            (
                r#"d = { kind = "exponential", mean = "100ms" }"#,
                DistSpec::Exponential { mean: ms(100.0) },
            ),
            (
                r#"d = { kind = "lognormal", median = "100ms", sigma = 1.0 }"#,
                DistSpec::Lognormal {
                    median: Some(ms(100.0)),
                    sigma: Some(1.0),
                    mean: None,
                    cv: None,
                },
            ),
            (
                r#"d = { kind = "lognormal", mean = "1s", cv = 2.5 }"#,
                DistSpec::Lognormal {
                    median: None,
                    sigma: None,
                    mean: Some(ms(1000.0)),
                    cv: Some(2.5),
                },
            ),
            (
                r#"d = { kind = "gamma", mean = "30ms", cv = 0.5 }"#,
                DistSpec::Gamma {
                    mean: ms(30.0),
                    cv: 0.5,
                },
            ),
            (
                r#"d = { kind = "weibull", shape = 0.7, scale = "10ms" }"#,
                DistSpec::Weibull {
                    shape: 0.7,
                    scale: ms(10.0),
                },
            ),
            (
                r#"d = { kind = "uniform", min = "1ms", max = "2ms" }"#,
                DistSpec::Uniform {
                    min: ms(1.0),
                    max: ms(2.0),
                },
            ),
            (
                r#"d = { kind = "empirical", points = [[0, "1ms"], [25, "3ms"], [50.5, "5ms"], [100, "40ms"]] }"#,
                DistSpec::Empirical {
                    points: vec![
                        (0.0, ms(1.0)),
                        (25.0, ms(3.0)),
                        (50.5, ms(5.0)),
                        (100.0, ms(40.0)),
                    ],
                },
            ),
        ];
        for (text, want) in cases {
            let got = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(got, want, "{text}");
            got.build().unwrap();
            // And back: serialising then parsing again gives the same spec.
            let again = toml::to_string(&W { d: got.clone() }).unwrap();
            assert_eq!(parse(&again).unwrap(), got, "{again}");
        }
        // A table (not inline) works too.
        // A table (not inline) works too, and an integer is accepted where a float is expected.
        let got = parse("[d]\nkind = \"gamma\"\nmean = \"1s\"\ncv = 1\n").unwrap();
        assert_eq!(
            got,
            DistSpec::Gamma {
                mean: ms(1000.0),
                cv: 1.0
            }
        );
    }

    #[test]
    fn toml_errors_name_the_accepted_values() {
        let e = parse(r#"d = { kind = "pareto", mean = "1s" }"#).unwrap_err();
        assert!(e.contains("unknown variant `pareto`"), "{e}");
        assert!(e.contains("expected one of"), "{e}");
        assert!(
            e.contains("`lognormal`") && e.contains("`empirical`"),
            "{e}"
        );
        let e = parse(r#"d = { kind = "gamma", mean = "1s", cv = 1.0, shape = 2.0 }"#).unwrap_err();
        assert!(e.contains("unknown field `shape`"), "{e}");
        assert!(e.contains("`mean`") && e.contains("`cv`"), "{e}");
        let e = parse(r#"d = { kind = "lognormal", median = "1s", sgima = 1.0 }"#).unwrap_err();
        assert!(
            e.contains("unknown field `sgima`") && e.contains("`sigma`"),
            "{e}"
        );
        let e = parse(r#"d = { kind = "exponential", mean = 5 }"#).unwrap_err();
        assert!(e.contains("duration"), "{e}");
        let e = parse(r#"d = { kind = "empirical", points = [["x", "1ms"]] }"#).unwrap_err();
        assert!(e.contains("expected f64"), "{e}");
        let e = parse(r#"d = { mean = "1s" }"#).unwrap_err();
        assert!(e.contains("kind"), "{e}");
    }
}
