//! Sizes a user controls, checked before anything is allocated, so that a typo of a few digits
//! ends in a clear error (exit 2) rather than an allocator abort: `functions = 4294967295` used
//! to try to allocate 3 TB and die with SIGABRT.
//!
//! Each size has a fixed bound, documented in docs/scenario.md, and a memory estimate (measured
//! bytes per item times the count) checked against the memory this machine has available
//! (`MemAvailable` on Linux; the fixed bound alone elsewhere). The per-item figures are measured
//! peaks of `faasim run` with 100,000 functions (azure-like, and one table's copies) (`/usr/bin/time -f %M`),
//! rounded up; they are estimates that err on the safe side, not exact costs.

use super::FieldError;

/// Peak bytes per function (its plan while compiling, its state, statistics and report row).
pub(crate) const BYTES_PER_FUNCTION: u64 = 5_600;
/// Most functions in one run, copies and a synthetic population included.
pub(crate) const MAX_FUNCTIONS: u64 = 20_000_000;

/// Checks that `count` items of `what` (`bytes_each` apiece) stay within `max` and fit in the
/// memory available; the error names `field`, the estimate and the bound.
pub(crate) fn check_size(
    field: &str,
    what: &str,
    count: u64,
    bytes_each: u64,
    max: u64,
) -> Result<(), FieldError> {
    if count > max {
        return Err(FieldError::new(
            field,
            format!(
                "{count} {what} is more than faasim takes in one run ({max}); split the work into several runs"
            ),
        ));
    }
    let need = count.saturating_mul(bytes_each);
    if let Some(have) = available_memory() {
        if need > have {
            return Err(FieldError::new(
                field,
                format!(
                    "{count} {what} would need about {} of memory (about {bytes_each} bytes each), but this machine has {} available: at most about {} fit",
                    bytes(need),
                    bytes(have),
                    have / bytes_each.max(1)
                ),
            ));
        }
    }
    Ok(())
}

/// Memory the system says it can give without swapping, in bytes; `None` where unknown.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// `n` bytes for reading: `1.5 GB`.
fn bytes(n: u64) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} bytes")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_beyond_the_bound_or_the_memory_are_refused() {
        let e = check_size(
            "functions",
            "functions",
            u64::from(u32::MAX),
            5_600,
            MAX_FUNCTIONS,
        )
        .unwrap_err();
        assert_eq!(e.field, "functions");
        assert!(
            e.message.contains("4294967295 functions is more than"),
            "{}",
            e.message
        );
        // Within the bound but not within any machine's memory (when the machine says).
        if available_memory().is_some() {
            let e = check_size(
                "copies",
                "copies",
                1_000_000,
                u64::MAX / 2_000_000,
                u64::MAX,
            )
            .unwrap_err();
            assert!(e.message.contains("would need about"), "{}", e.message);
        }
        assert!(check_size("copies", "copies", 1_000, 5_600, MAX_FUNCTIONS).is_ok());
        assert_eq!(bytes(1_500_000_000), "1.5 GB");
    }
}
