//! Helpers shared by the test modules.

#![allow(dead_code)]

use faasim::{Report, Scenario};

/// Parses an inline scenario, panicking with the error text if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_str_named(text, "test.toml", &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs an inline scenario once.
pub fn run(text: &str) -> Report {
    faasim::simulate(&scenario(text)).unwrap_or_else(|e| panic!("{e}"))
}

/// Two-sided Student t quantile for a 95% interval with `df` degrees of freedom.
pub fn t95(df: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df as f64)
        .unwrap()
        .inverse_cdf(0.975)
}

/// Mean and half-width of the 95% confidence interval of `xs` (batch means).
pub fn mean_ci95(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, t95(xs.len() - 1) * (var / n).sqrt())
}
