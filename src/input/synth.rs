//! Azure-like synthetic populations, for when no trace is at hand: `[workload] kind =
//! "azure-like"`, `functions = N`.
//!
//! The population follows the published characterization of the Azure Functions 2019 trace
//! (Shahrad et al., "Serverless in the Wild", USENIX ATC 2020):
//!
//! - **Applications and functions.** 54% of applications have one function, 95% at most ten
//!   and 0.04% more than a hundred (the paper's Figure 1); within those bands the number of
//!   functions has weights 1/k (2 to 10) and 1/k² (11 to 1,000). An application's rate is split
//!   over its functions by independent exponential weights.
//! - **Rates.** An application's mean invocations per day is `10^X`, `X` a normal truncated to
//!   eight decades, `[log10(1/14), log10(1/14) + 8]` (from once in the fortnight of the trace to
//!   about 8 million a day), whose mean 1.3856 and deviation 1.8920 put exactly 45% of the
//!   applications at most once an hour and 81% at most once a minute (the paper's Figure 5).
//! - **Burstiness.** 16% of functions are timer-like (the paper's share of timer triggers):
//!   periodic with `k` arrivals a day, `k` the divisor of 86,400 nearest to the drawn rate (on
//!   a log scale), so the period is a whole number of seconds and the pattern repeats every day
//!   exactly; the phase is random. Of the rest, half are Poisson with a diurnal swing (peak to
//!   trough 1.5 to 4, peak around midday) and half are bursty on-off processes (on 10 min, off
//!   40 min on average), whose inter-arrival CV is above 1 as the paper's Figure 8 shows for many
//!   applications. Functions below one invocation a day are never timers.
//! - **Durations.** A function's average duration in seconds is lognormal with log-mean −0.38
//!   and sigma 2.36 (the paper's fit, Figure 7); its invocations are lognormal around that mean
//!   with a coefficient of variation of 1.
//! - **Memory.** An application's memory is Burr XII with c = 11.652, k = 0.221,
//!   λ = 107.083 MB (the paper's fit, Figure 9); its functions all get it.
//!
//! Everything is drawn from `seed` (default 0), independent of the run's seed, so replications
//! and policies see the same population.

use crate::core::platform::function::{Arch, Runtime};
use crate::core::rng::{self, Stream, StreamKind};
use crate::core::time::{Duration, Rate, NS_PER_SEC};
use crate::input::arrivals::ArrivalSpec;
use crate::input::dist::DistSpec;
use crate::input::function::{self, WorkloadFunction, WORKLOAD_GROUP};
use crate::input::FieldError;
use rand::RngExt;
use rand_distr::{Distribution, Exp1, StandardNormal};
use serde::{Deserialize, Serialize};

/// Lower bound of log10(invocations per day): once in 14 days.
pub const LOG_RATE_LO: f64 = -1.146_128_035_678_238_2;
/// Upper bound: eight decades higher.
pub const LOG_RATE_HI: f64 = LOG_RATE_LO + 8.0;
/// Mean of the (untruncated) normal of log10(invocations per day).
pub const LOG_RATE_MU: f64 = 1.385_576_834_338_308;
/// Its standard deviation.
pub const LOG_RATE_SIGMA: f64 = 1.891_969_127_270_351_4;
/// Log-mean of average durations (seconds).
pub const DURATION_LOG_MEAN: f64 = -0.38;
/// Log-sigma of average durations.
pub const DURATION_LOG_SIGMA: f64 = 2.36;
/// Burr XII parameters of application memory (MB).
pub const BURR_C: f64 = 11.652;
/// Burr XII `k`.
pub const BURR_K: f64 = 0.221;
/// Burr XII scale `λ`, MB.
pub const BURR_LAMBDA: f64 = 107.083;
/// Share of timer-like functions.
pub const TIMER_SHARE: f64 = 0.16;

const DAY_SECS: f64 = 86_400.0;
const SYNTH_STREAM: u64 = 0xa2_0e_11_4e;
const MAX_FUNCTIONS_PER_APP: usize = 1000;

/// Probability that an application has `k` functions (index `k - 1`): 54% one function, 41%
/// two to ten (weights 1/k), 4.96% eleven to a hundred and 0.04% more (weights 1/k²).
pub fn app_size_weights() -> Vec<f64> {
    let band = |lo: usize, hi: usize, mass: f64, pow: i32| {
        let z: f64 = (lo..=hi).map(|k| (k as f64).powi(-pow)).sum();
        (lo..=hi).map(move |k| mass * (k as f64).powi(-pow) / z)
    };
    std::iter::once(0.54)
        .chain(band(2, 10, 0.41, 1))
        .chain(band(11, 100, 0.0496, 2))
        .chain(band(101, MAX_FUNCTIONS_PER_APP, 0.0004, 2))
        .collect()
}

/// `[workload] kind = "azure-like"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a [workload] table with functions and options (seed, scale, target_rate, ...)"
)]
pub struct SynthSpec {
    /// How many functions.
    pub functions: u32,
    /// Seed of the population (default 0; independent of the run's seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Multiply every rate by this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// Or rescale so the total mean rate is this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_rate: Option<Rate>,
    /// Runtime of every function (default python).
    #[serde(default = "crate::input::function::default_runtime")]
    pub runtime: Runtime,
    /// Architecture (default x86).
    #[serde(default)]
    pub arch: Arch,
    /// Cold-start delay (default: the model's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_start: Option<DistSpec>,
    /// Timeout (default: the model's maximum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Requests one environment serves at once (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_per_instance: Option<u32>,
}

/// The kind of arrival process a synthetic function got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Periodic, `k` times a day.
    Timer,
    /// Poisson with a daily swing.
    Diurnal,
    /// On-off bursts.
    Bursty,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Timer => "timer",
            Shape::Diurnal => "diurnal",
            Shape::Bursty => "bursty",
        }
    }
}

/// One generated function.
#[derive(Clone, Debug)]
pub struct SynthFunction {
    /// Name (`f<index>`).
    pub name: String,
    /// Index in the population.
    pub index: u32,
    /// Mean rate, per second (after rescaling).
    pub rate: f64,
    /// Mean duration, seconds.
    pub avg_duration: f64,
    /// Process shape.
    pub shape: Shape,
    /// The arrival process.
    pub arrivals: ArrivalSpec,
}

/// One generated application.
#[derive(Clone, Debug)]
pub struct SynthApp {
    /// Name (`app<index>`).
    pub name: String,
    /// Memory, MB (unrounded).
    pub memory_mb: f64,
    /// Its functions.
    pub functions: Vec<SynthFunction>,
}

impl SynthApp {
    /// The application's mean invocations per day.
    pub fn per_day(&self) -> f64 {
        self.functions.iter().map(|f| f.rate).sum::<f64>() * DAY_SECS
    }
}

/// Standard normal CDF.
fn phi(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
}

/// Standard normal quantile.
fn phi_inv(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
}

/// The CDF of log10(invocations per day) of an application, as generated.
pub fn log_rate_cdf(x: f64) -> f64 {
    let z = |v: f64| (v - LOG_RATE_MU) / LOG_RATE_SIGMA;
    let (a, b) = (phi(z(LOG_RATE_LO)), phi(z(LOG_RATE_HI)));
    ((phi(z(x.clamp(LOG_RATE_LO, LOG_RATE_HI))) - a) / (b - a)).clamp(0.0, 1.0)
}

/// The Burr XII CDF of application memory (MB).
pub fn burr_cdf(x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    1.0 - (1.0 + (x / BURR_LAMBDA).powf(BURR_C)).powf(-BURR_K)
}

fn uniform_open(rng: &mut Stream) -> f64 {
    // (0, 1): never exactly 0 or 1.
    (rng.random::<u64>() >> 11) as f64 * (1.0 / (1u64 << 53) as f64) + 0.5 / (1u64 << 53) as f64
}

fn log_rate(rng: &mut Stream) -> f64 {
    let z = |v: f64| (v - LOG_RATE_MU) / LOG_RATE_SIGMA;
    let (a, b) = (phi(z(LOG_RATE_LO)), phi(z(LOG_RATE_HI)));
    let p = a + uniform_open(rng) * (b - a);
    (LOG_RATE_MU + LOG_RATE_SIGMA * phi_inv(p)).clamp(LOG_RATE_LO, LOG_RATE_HI)
}

fn burr(rng: &mut Stream) -> f64 {
    let u = uniform_open(rng);
    BURR_LAMBDA * (u.powf(-1.0 / BURR_K) - 1.0).powf(1.0 / BURR_C)
}

/// The divisor of 86,400 nearest to `x` on a log scale, so a timer's period is a whole number
/// of seconds that divides a day exactly (24 and 1,440, the thresholds of the published shares,
/// are divisors, so no function crosses them).
fn day_divisor(x: f64, divisors: &[f64]) -> f64 {
    let mut best = 1.0f64;
    for &d in divisors {
        if (d.ln() - x.ln()).abs() < (best.ln() - x.ln()).abs() {
            best = d;
        }
    }
    best
}

fn app_size(rng: &mut Stream, cdf: &[f64]) -> usize {
    let u = uniform_open(rng) * cdf[cdf.len() - 1];
    cdf.partition_point(|&c| c < u) + 1
}

impl SynthSpec {
    /// Checks the options.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.functions == 0 {
            return Err(FieldError::new("functions", "must be at least 1"));
        }
        use crate::input::limits::{check_size, BYTES_PER_FUNCTION, MAX_FUNCTIONS};
        let n = u64::from(self.functions);
        check_size(
            "functions",
            "functions",
            n,
            BYTES_PER_FUNCTION,
            MAX_FUNCTIONS,
        )?;
        if let Some(s) = self.scale {
            if !(s.is_finite() && s > 0.0) {
                return Err(FieldError::new(
                    "scale",
                    format!("must be a positive finite number, got {s}"),
                ));
            }
            if self.target_rate.is_some() {
                return Err(FieldError::new(
                    "target_rate",
                    "give either scale or target_rate, not both",
                ));
            }
        }
        if let Some(r) = self.target_rate {
            if !(r.per_sec().is_finite() && r.per_sec() > 0.0) {
                return Err(FieldError::new("target_rate", "must be a positive rate"));
            }
        }
        function::common_validate(
            &self.cold_start,
            self.timeout,
            self.concurrency_per_instance,
        )
    }

    /// Generates the population.
    pub fn population(&self) -> Vec<SynthApp> {
        let mut rng = rng::stream(self.seed.unwrap_or(0), 0, StreamKind::Setup, SYNTH_STREAM);
        let mut cdf = Vec::with_capacity(MAX_FUNCTIONS_PER_APP);
        let mut acc = 0.0;
        for w in app_size_weights() {
            acc += w;
            cdf.push(acc);
        }
        let divisors: Vec<f64> = (1..=86_400u32)
            .filter(|d| 86_400 % d == 0)
            .map(f64::from)
            .collect();
        let n = self.functions as usize;
        let mut apps = Vec::new();
        let mut made = 0usize;
        while made < n {
            let size = app_size(&mut rng, &cdf).min(n - made);
            let per_day = 10f64.powf(log_rate(&mut rng));
            let memory_mb = burr(&mut rng);
            let weights: Vec<f64> = (0..size).map(|_| Exp1.sample(&mut rng)).collect();
            let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let mut functions = Vec::with_capacity(size);
            for w in weights {
                let index = made as u32;
                made += 1;
                let fn_day = per_day * w / total;
                let z: f64 = StandardNormal.sample(&mut rng);
                let avg_duration = (DURATION_LOG_MEAN + DURATION_LOG_SIGMA * z).exp();
                let timer = rng.random::<f64>() < TIMER_SHARE;
                let shape_draw = rng.random::<f64>();
                let phase_draw = rng.random::<f64>();
                let swing = 1.5 + 2.5 * rng.random::<f64>();
                let peak = 12.0 + 3.0 * (rng.random::<f64>() * 2.0 - 1.0);
                let (shape, rate, arrivals) = if timer && (1.0..=DAY_SECS).contains(&fn_day) {
                    let k = day_divisor(fn_day, &divisors);
                    let period_ns = (DAY_SECS as u64 / k as u64) * NS_PER_SEC;
                    (
                        Shape::Timer,
                        k / DAY_SECS,
                        ArrivalSpec::Periodic {
                            period: Duration(period_ns),
                            jitter: None,
                            phase: Some(Duration((phase_draw * period_ns as f64) as u64)),
                        },
                    )
                } else if shape_draw < 0.5 {
                    let r = fn_day / DAY_SECS;
                    (
                        Shape::Diurnal,
                        r,
                        ArrivalSpec::Diurnal {
                            mean_rate: Rate(r),
                            peak_to_trough: swing,
                            period: None,
                            peak_at: Some(Duration((peak * 3600.0 * NS_PER_SEC as f64) as u64)),
                        },
                    )
                } else {
                    let r = fn_day / DAY_SECS;
                    // On 10 min, off 40 min on average: five times the mean rate while on.
                    (
                        Shape::Bursty,
                        r,
                        ArrivalSpec::OnOff {
                            on_rate: Rate(r * 5.0),
                            off_rate: None,
                            mean_on: Duration(600 * NS_PER_SEC),
                            mean_off: Duration(2400 * NS_PER_SEC),
                        },
                    )
                };
                functions.push(SynthFunction {
                    name: format!("f{index}"),
                    index,
                    rate,
                    avg_duration,
                    shape,
                    arrivals,
                });
            }
            apps.push(SynthApp {
                name: format!("app{}", apps.len()),
                memory_mb,
                functions,
            });
        }
        // Rescaling multiplies every rate (timers keep their phase, their period shrinks).
        let total: f64 = apps.iter().map(|a| a.per_day()).sum::<f64>() / DAY_SECS;
        let scale = match (self.scale, self.target_rate) {
            (Some(s), _) => s,
            (None, Some(r)) if total > 0.0 => r.per_sec() / total,
            _ => 1.0,
        };
        if scale != 1.0 {
            for f in apps.iter_mut().flat_map(|a| a.functions.iter_mut()) {
                f.rate *= scale;
                f.arrivals = scaled(&f.arrivals, scale);
            }
        }
        apps
    }

    /// The population as workload functions.
    pub fn functions(&self) -> Vec<WorkloadFunction> {
        let template = function::function_template(
            self.runtime,
            self.arch,
            &self.cold_start,
            self.timeout,
            self.concurrency_per_instance,
        );
        let mut out = Vec::with_capacity(self.functions as usize);
        for app in self.population() {
            for f in app.functions {
                let mut spec = template.clone();
                spec.name = f.name;
                spec.memory_mb = app.memory_mb.ceil().clamp(1.0, u32::MAX as f64) as u32;
                spec.duration = DistSpec::Lognormal {
                    median: None,
                    sigma: None,
                    mean: Some(Duration(
                        crate::core::time::secs_to_ns(f.avg_duration).max(1),
                    )),
                    cv: Some(1.0),
                };
                spec.arrivals = f.arrivals;
                out.push(WorkloadFunction {
                    spec,
                    stream: (WORKLOAD_GROUP << 32) | u64::from(f.index),
                    app: app.name.clone(),
                    trigger: Some(f.shape.name().to_string()),
                });
            }
        }
        out
    }
}

/// The same process at `scale` times the rate.
fn scaled(a: &ArrivalSpec, scale: f64) -> ArrivalSpec {
    let r = |x: &Rate| Rate(x.per_sec() * scale);
    let d = |x: &Duration| Duration((x.ns() as f64 / scale).round() as u64);
    match a {
        ArrivalSpec::Periodic {
            period,
            jitter,
            phase,
        } => ArrivalSpec::Periodic {
            period: Duration(d(period).ns().max(1)),
            jitter: jitter.as_ref().map(d),
            phase: *phase,
        },
        ArrivalSpec::Diurnal {
            mean_rate,
            peak_to_trough,
            period,
            peak_at,
        } => ArrivalSpec::Diurnal {
            mean_rate: r(mean_rate),
            peak_to_trough: *peak_to_trough,
            period: *period,
            peak_at: *peak_at,
        },
        ArrivalSpec::OnOff {
            on_rate,
            off_rate,
            mean_on,
            mean_off,
        } => ArrivalSpec::OnOff {
            on_rate: r(on_rate),
            off_rate: off_rate.as_ref().map(r),
            mean_on: *mean_on,
            mean_off: *mean_off,
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_rate_law_hits_the_published_shares() {
        assert!((log_rate_cdf(24f64.log10()) - 0.45).abs() < 1e-6);
        assert!((log_rate_cdf(1440f64.log10()) - 0.81).abs() < 1e-6);
        assert_eq!(log_rate_cdf(LOG_RATE_HI), 1.0);
        // Burr median: λ (2^(1/k) - 1)^(1/c).
        let med = BURR_LAMBDA * (2f64.powf(1.0 / BURR_K) - 1.0).powf(1.0 / BURR_C);
        assert!((burr_cdf(med) - 0.5).abs() < 1e-12);
    }
}
