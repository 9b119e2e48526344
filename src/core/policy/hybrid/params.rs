//! The hybrid policy's parameters, with the paper's values as defaults.

use crate::core::time::{Duration, NS_PER_SEC};
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
    /// How many of the function's most recent idle times the ARIMA forecast is fitted on
    /// (default 32; 0 turns the forecast off, so out-of-range functions use `fallback`).
    #[serde(default = "default_arima_window")]
    pub arima_window: u32,
    /// Autoregressive order p of the ARIMA(p, d, 0) forecast (default 2, at most 8).
    #[serde(default = "default_arima_p")]
    pub arima_p: u32,
    /// Differencing order d of the forecast: 0 (stationary idle times, default) or 1 (idle
    /// times that drift).
    #[serde(default)]
    pub arima_d: u32,
    /// The forecast's margin: pre-warm at (1 − margin) × forecast, keep alive until
    /// (1 + margin) × forecast (default 0.15, the paper's ±15%).
    #[serde(default = "default_arima_margin")]
    pub arima_margin: f64,
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

fn default_arima_window() -> u32 {
    32
}

fn default_arima_p() -> u32 {
    2
}

fn default_arima_margin() -> f64 {
    0.15
}

/// Largest autoregressive order the forecast accepts (its coefficients live on the stack).
pub(crate) const MAX_ARIMA_P: u32 = 8;

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
            arima_window: default_arima_window(),
            arima_p: default_arima_p(),
            arima_d: 0,
            arima_margin: default_arima_margin(),
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
        if self.arima_p > MAX_ARIMA_P {
            return e("arima_p", "must be at most 8");
        }
        if self.arima_d > 1 {
            return e("arima_d", "must be 0 or 1");
        }
        if self.arima_window > 4096 {
            return e("arima_window", "must be at most 4096 idle times");
        }
        if self.arima_window != 0 && self.arima_window < self.arima_p + self.arima_d + 2 {
            return e(
                "arima_window",
                "must be 0 (no forecast) or at least arima_p + arima_d + 2 idle times",
            );
        }
        if !(0.0..1.0).contains(&self.arima_margin) {
            return e("arima_margin", "must be within 0 and 1 (exclusive)");
        }
        Ok(())
    }
}
