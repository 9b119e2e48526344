//! One-step forecasts of a short series for the hybrid policy's out-of-range idle times
//! (Shahrad et al. use ARIMA there): an ARIMA(p, d, 0) model fitted by Yule–Walker.

use super::hybrid::MAX_ARIMA_P;

/// One-step forecast of an ARIMA(p, d, 0) model fitted to `series` (oldest first, `len`
/// values), or `None` when there are too few values or the fit is degenerate.
///
/// The series is differenced `d` times (0 or 1); an AR(p) model with a mean is fitted to the
/// result by Yule–Walker (sample autocovariances to lag p, solved with the Levinson–Durbin
/// recursion, which always gives a stationary model), its next value forecast, and the
/// differencing undone. A constant series forecasts its own value. Nothing is allocated: the
/// coefficients live on the stack (p ≤ `MAX_ARIMA_P`, 8) and the series is read through the
/// iterator, a few passes of O(len × p).
pub fn forecast<I>(series: I, len: usize, p: usize, d: usize) -> Option<f64>
where
    I: Iterator<Item = f64> + Clone,
{
    let p = p.min(MAX_ARIMA_P as usize);
    if len < p + d + 2 || d > 1 {
        return None;
    }
    // The differenced series, as an iterator (d = 1: x[i+1] - x[i]).
    let diffed = || {
        let a = series.clone();
        let b = series.clone().skip(d);
        a.zip(b)
            .map(move |(x0, x1)| if d == 1 { x1 - x0 } else { x1 })
    };
    let m = len - d;
    let mean = diffed().sum::<f64>() / m as f64;
    let mut gamma = [0.0f64; MAX_ARIMA_P as usize + 1];
    for (k, g) in gamma.iter_mut().enumerate().take(p + 1) {
        let s: f64 = diffed()
            .zip(diffed().skip(k))
            .map(|(a, b)| (a - mean) * (b - mean))
            .sum();
        *g = s / m as f64;
    }
    // Last p values of the differenced series (newest first) and the last value of the series.
    let mut last = [0.0f64; MAX_ARIMA_P as usize];
    for (i, v) in diffed().skip(m.saturating_sub(p)).enumerate() {
        let k = m.min(p) - 1 - i;
        last[k] = v;
    }
    let x_last = series.clone().last()?;
    let mut phi = [0.0f64; MAX_ARIMA_P as usize + 1];
    if gamma[0] > 0.0 {
        let mut err = gamma[0];
        let mut prev = [0.0f64; MAX_ARIMA_P as usize + 1];
        for k in 1..=p {
            let acc = gamma[k] - (1..k).map(|j| phi[j] * gamma[k - j]).sum::<f64>();
            let kappa = acc / err;
            prev[..k].copy_from_slice(&phi[..k]);
            phi[k] = kappa;
            for j in 1..k {
                phi[j] = prev[j] - kappa * prev[k - j];
            }
            err *= 1.0 - kappa * kappa;
            if err <= 0.0 {
                break;
            }
        }
    }
    let next_diff = mean + (1..=p).map(|j| phi[j] * (last[j - 1] - mean)).sum::<f64>();
    let next = if d == 1 {
        x_last + next_diff
    } else {
        next_diff
    };
    next.is_finite().then_some(next.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forecast_of_hand_made_series() {
        let f = |v: &[f64], p, d| forecast(v.iter().copied(), v.len(), p, d);
        // A constant series forecasts itself, with or without differencing.
        assert_eq!(f(&[21600.0; 10], 2, 0), Some(21600.0));
        assert_eq!(f(&[21600.0; 10], 2, 1), Some(21600.0));
        // A linear trend (1000..1900), differenced once, continues: the differences are constant (100).
        let trend: Vec<f64> = (0..10).map(|i| 1000.0 + 100.0 * i as f64).collect();
        assert!((f(&trend, 1, 1).unwrap() - 2000.0).abs() < 1e-9);
        // Alternating around 10 with lag-1 correlation -1 in the sample: AR(1) by
        // Yule-Walker gives phi = gamma1 / gamma0, forecast = mean + phi (last - mean).
        let alt = [9.0, 11.0, 9.0, 11.0, 9.0, 11.0];
        let mean = 10.0;
        let g0 = 6.0 / 6.0;
        let g1 = -5.0 / 6.0;
        let want = mean + g1 / g0 * (11.0 - mean);
        assert!(
            (f(&alt, 1, 0).unwrap() - want).abs() < 1e-12,
            "{:?}",
            f(&alt, 1, 0)
        );
        // AR(2) coefficients by Levinson-Durbin equal the direct 2x2 Yule-Walker solution.
        let v = [3.0, 5.0, 4.0, 6.0, 2.0, 7.0, 5.0, 4.0, 6.0, 3.0];
        let m = v.iter().sum::<f64>() / 10.0;
        let g = |k: usize| {
            (0..10 - k)
                .map(|i| (v[i] - m) * (v[i + k] - m))
                .sum::<f64>()
                / 10.0
        };
        let (r0, r1, r2) = (g(0), g(1), g(2));
        let det = r0 * r0 - r1 * r1;
        let phi1 = (r1 * r0 - r1 * r2) / det;
        let phi2 = (r0 * r2 - r1 * r1) / det;
        let want = m + phi1 * (v[9] - m) + phi2 * (v[8] - m);
        assert!((f(&v, 2, 0).unwrap() - want).abs() < 1e-9);
        // Too short, or a negative forecast: none, or clamped at 0.
        assert_eq!(f(&[1.0, 2.0, 3.0], 2, 0), None);
        assert_eq!(
            f(&[10.0, 5.0, 0.0, 0.0, 0.0, 0.0], 1, 1).map(|x| x >= 0.0),
            Some(true)
        );
    }
}
