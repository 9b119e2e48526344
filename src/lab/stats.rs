//! Summary statistics over replications: mean, sample standard deviation and the half-width
//! of the 95% confidence interval from Student's t distribution.
//!
//! Sums run in replication order, so the same values give the same bits whatever the thread
//! count or shard split that produced them.
//!
//! ```
//! use faasim::lab::stats::Summary;
//! let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]);
//! assert_eq!(s.mean, 2.5);
//! // t(0.975, 3) = 3.182446, sd = 1.290994: half-width = t·sd/√4.
//! assert!((s.ci95.unwrap() - 3.182446 * 1.290994 / 2.0).abs() < 1e-5);
//! ```

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, spread and 95% interval of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Sample size.
    pub n: usize,
    /// Arithmetic mean (NaN for an empty sample).
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator); none for fewer than 2 values.
    pub sd: Option<f64>,
    /// Half-width of the 95% confidence interval of the mean, t(0.975, n−1)·sd/√n; none for
    /// fewer than 2 values.
    pub ci95: Option<f64>,
}

impl Summary {
    /// Summarises `xs`, in the order given.
    pub fn of(xs: &[f64]) -> Summary {
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Summary {
                n,
                mean,
                sd: None,
                ci95: None,
            };
        }
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let ci95 = t975(n - 1).map(|t| t * sd / (n as f64).sqrt());
        Summary {
            n,
            mean,
            sd: Some(sd),
            ci95,
        }
    }

    /// Summary of the paired differences `xs[k] − base[k]` (same replication, same random
    /// streams), over the replications both have.
    pub fn paired(xs: &[f64], base: &[f64]) -> Summary {
        let d: Vec<f64> = xs.iter().zip(base).map(|(x, b)| x - b).collect();
        Summary::of(&d)
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (df ≥ 1).
pub fn t975(df: usize) -> Option<f64> {
    StudentsT::new(0.0, 1.0, df as f64)
        .ok()
        .map(|t| t.inverse_cdf(0.975))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_matches_tables() {
        // Two-sided 95% critical values from standard t tables.
        for (df, t) in [
            (1, 12.706205),
            (2, 4.302653),
            (4, 2.776445),
            (9, 2.262157),
            (29, 2.045230),
        ] {
            assert!((t975(df).unwrap() - t).abs() < 1e-5, "df {df}");
        }
    }

    #[test]
    fn paired_differences_cancel_shared_noise() {
        let base = [10.0, 20.0, 30.0];
        let xs = [11.0, 21.5, 30.5];
        let d = Summary::paired(&xs, &base);
        assert_eq!(d.mean, 1.0);
        assert!((d.sd.unwrap() - 0.5).abs() < 1e-12);
        assert!(Summary::of(&[5.0]).ci95.is_none());
    }
}
