//! Distributions of durations: execution times, cold-start delays, inter-arrival gaps.
//!
//! A [`Dist`] is compiled once from a scenario's description (the input layer checks it) and is
//! cheap to sample on the hot path (no allocation, no validation, no branching beyond one
//! `match`). All values are in seconds as `f64`; the single rounding to the nanosecond clock
//! happens in [`Dist::sample_span`].

use crate::core::rng::Stream;
use crate::core::time::{Span, NS_PER_SEC};
use rand::RngExt;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// The longest duration the clock can hold, in seconds. Samples are clamped to it so that a
/// heavy tail (a lognormal with a large sigma, a Weibull with a small shape) can never produce
/// an infinite or NaN time that would poison the event queue.
pub(crate) const MAX_SECS: f64 = u64::MAX as f64 / NS_PER_SEC as f64;

/// One point of a compiled empirical table and the slope of the inverse CDF up to the next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Seg {
    /// Cumulative probability in `[0, 1]`.
    pub(crate) p: f64,
    /// Value at `p`, seconds.
    pub(crate) value: f64,
    /// Seconds per unit of probability up to the next point (0 for the last point).
    pub(crate) slope: f64,
}

/// A compiled distribution, ready to sample. The input layer builds one from what a scenario
/// wrote (`crate::input::dist::DistSpec::build`).
#[derive(Clone, Debug)]
pub struct Dist {
    pub(crate) kind: Kind,
}

/// The compiled forms. Parameters are precomputed so that sampling is a few flops. The input
/// layer builds them (hence unused variants when the core is built alone).
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "input"), allow(dead_code))]
pub(crate) enum Kind {
    Constant(f64),
    Exponential {
        mean: f64,
    },
    /// `exp(mu + sigma·Z)`.
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Gamma {
        sampler: rand_distr::Gamma<f64>,
        shape: f64,
        scale: f64,
    },
    /// `scale · E^(1/shape)` with `E ~ Exp(1)`.
    Weibull {
        inv_shape: f64,
        scale: f64,
    },
    Uniform {
        min: f64,
        width: f64,
    },
    Empirical(Box<[Seg]>),
}

impl Dist {
    /// Draws one value in seconds: finite and `>= 0` (clamped to the clock's range).
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> f64 {
        let x = match &self.kind {
            Kind::Constant(v) => return *v,
            Kind::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Kind::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                sigma.mul_add(z, *mu).exp()
            }
            Kind::Gamma { sampler, .. } => sampler.sample(rng),
            // Exp(1) by ziggurat is cheaper than the logarithm of a uniform.
            Kind::Weibull { inv_shape, scale } => {
                let e: f64 = Exp1.sample(rng);
                scale * e.powf(*inv_shape)
            }
            Kind::Uniform { min, width } => width.mul_add(rng.random::<f64>(), *min),
            Kind::Empirical(segs) => table_quantile(segs, rng.random::<f64>()),
        };
        // Written out rather than `clamp`, which would pass a NaN through: NaN fails `x >= 0`
        // and becomes 0; `min` caps heavy tails at the clock's range.
        if x >= 0.0 {
            x.min(MAX_SECS)
        } else {
            0.0
        }
    }

    /// Draws one length of time, rounded to the nanosecond clock.
    #[inline]
    pub fn sample_span(&self, rng: &mut Stream) -> Span {
        Span::from_secs_f64(self.sample(rng))
    }

    /// The exact mean in seconds (before clamping samples to the clock's range, which only
    /// matters for absurdly heavy tails).
    pub fn mean(&self) -> f64 {
        match &self.kind {
            Kind::Constant(v) => *v,
            Kind::Exponential { mean } => *mean,
            Kind::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Kind::Gamma { shape, scale, .. } => shape * scale,
            Kind::Weibull { inv_shape, scale } => {
                scale * statrs::function::gamma::gamma(1.0 + inv_shape)
            }
            Kind::Uniform { min, width } => min + width / 2.0,
            // Linear between points: each segment contributes its probability times the
            // midpoint of its values.
            Kind::Empirical(segs) => segs
                .windows(2)
                .map(|w| (w[1].p - w[0].p) * (w[0].value + w[1].value) / 2.0)
                .sum(),
        }
    }

    /// The `p`-quantile in seconds, for `p` in `[0, 1]` (clamped into that range; NaN gives
    /// NaN). For unbounded distributions `quantile(1.0)` is infinite.
    pub fn quantile(&self, p: f64) -> f64 {
        if p.is_nan() {
            return f64::NAN;
        }
        let p = p.clamp(0.0, 1.0);
        match &self.kind {
            Kind::Constant(v) => *v,
            Kind::Exponential { mean } => -mean * (-p).ln_1p(),
            Kind::Lognormal { mu, sigma } => {
                // Φ⁻¹(p) = -√2 · erfc⁻¹(2p).
                let z = -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p);
                sigma.mul_add(z, *mu).exp()
            }
            Kind::Gamma { shape, scale, .. } => {
                use statrs::distribution::ContinuousCDF;
                match statrs::distribution::Gamma::new(*shape, 1.0 / scale) {
                    Ok(g) => g.inverse_cdf(p),
                    Err(_) => f64::NAN,
                }
            }
            Kind::Weibull { inv_shape, scale } => scale * (-(-p).ln_1p()).powf(*inv_shape),
            Kind::Uniform { min, width } => width.mul_add(p, *min),
            Kind::Empirical(segs) => table_quantile(segs, p),
        }
    }

    /// Whether every sample is exactly 0 (a constant zero), so the caller may skip sampling.
    pub fn is_zero(&self) -> bool {
        matches!(self.kind, Kind::Constant(v) if v == 0.0)
    }
}

/// Inverse CDF of an empirical table at `u` in `[0, 1]`.
#[inline]
fn table_quantile(segs: &[Seg], u: f64) -> f64 {
    // The first point has p = 0 <= u, so the index is at least 1; for u = 1 it is past the end
    // and the last value is returned.
    let i = segs.partition_point(|s| s.p <= u).saturating_sub(1);
    match segs.get(i) {
        Some(s) => s.slope.mul_add(u - s.p, s.value),
        None => 0.0,
    }
}
