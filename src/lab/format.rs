//! How the lab writes numbers: table cells that read the same on every machine, and short
//! labels for legends and axes.

/// Formats a float the same way on every machine: shortest round-trip digits, in scientific
/// form outside [1e-5, 1e16) so tiny or huge values stay short; `-0` is written `0`;
/// not-finite and missing values are empty cells.
pub(crate) fn fmt_f64(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => {
            if x == 0.0 {
                "0".to_string()
            } else if (1e-5..1e16).contains(&x.abs()) {
                format!("{x}")
            } else {
                format!("{x:e}")
            }
        }
        _ => String::new(),
    }
}

/// A tick label: at most three significant digits, with k / M / G for large values.
pub(crate) fn tick(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let a = x.abs();
    let (v, suffix) = if a >= 1e9 {
        (x / 1e9, "G")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e4 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let av = v.abs();
    let decimals = if av == 0.0 || av >= 100.0 {
        0
    } else {
        (2 - av.log10().floor() as i32).clamp(0, 8) as usize
    };
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    let s = if s == "-0" { "0".to_string() } else { s };
    format!("{s}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(1234.0), "1234");
        assert_eq!(tick(25000.0), "25k");
        assert_eq!(tick(1e9), "1G");
        assert_eq!(tick(0.0123), "0.0123");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(-0.0), "0");
    }

    #[test]
    fn formatting_is_fixed() {
        assert_eq!(fmt_f64(Some(0.25)), "0.25");
        assert_eq!(fmt_f64(Some(7238.0)), "7238");
        assert_eq!(fmt_f64(Some(-0.0)), "0");
        assert_eq!(fmt_f64(Some(1.5e-9)), "1.5e-9");
        assert_eq!(fmt_f64(Some(f64::NAN)), "");
        assert_eq!(fmt_f64(None), "");
    }
}
