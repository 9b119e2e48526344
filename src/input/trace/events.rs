//! Per-invocation traces: Azure Functions 2021 (`app, func, end_timestamp, duration`, seconds;
//! an invocation starts at `end_timestamp - duration`) and the generic CSV of a user's own logs
//! (`timestamp, function` and optionally `app, duration_ms, memory_mb`; `timestamp` in seconds
//! is the start). Rows may come in any order: replay puts each function's arrivals in time order
//! with a look-ahead as deep as the file's own disorder.

use super::build::Builder;
use super::table::{self, parse_f64, Header, Records};
use super::{Loaded, Origin, TraceSpec};
use crate::core::workload::replay::Unit;
use crate::input::InputError;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Which per-invocation schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Azure2021,
    Generic,
}

/// Parses seconds written in decimal (`"5160.142570018768"`, `"-3"`, `"1.5e3"`) to whole
/// nanoseconds: exactly for plain decimals (digits past the ninth decimal are cut), through
/// `f64` for exponent forms. `None` for anything else or out of range.
pub(crate) fn parse_secs_ns(b: &[u8]) -> Option<i64> {
    let b = table::trim(b);
    if b.is_empty() {
        return None;
    }
    if b.iter().any(|&c| c == b'e' || c == b'E') {
        let v = parse_f64(b)? * 1e9;
        return (v.abs() < 9.2e18).then_some(v.round() as i64);
    }
    let (neg, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let (int, frac) = match digits.iter().position(|&c| c == b'.') {
        Some(p) => (&digits[..p], &digits[p + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in int {
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    v = v.checked_mul(1_000_000_000)?;
    let mut scale = 100_000_000;
    for &c in frac.iter().take(9) {
        v = v.checked_add(i64::from(c - b'0') * scale)?;
        scale /= 10;
    }
    Some(if neg { -v } else { v })
}

struct Cols {
    func: usize,
    app: Option<usize>,
    time: usize,
    duration: Option<usize>,
    memory: Option<usize>,
}

fn columns(h: &Header, format: Format) -> Result<Cols, String> {
    let need = |names: &[&str]| {
        h.find_any(names)
            .ok_or_else(|| format!("no {} column (found: {})", names[0], h.names().join(", ")))
    };
    Ok(match format {
        Format::Azure2021 => Cols {
            func: need(&["func"])?,
            app: Some(need(&["app"])?),
            time: need(&["end_timestamp"])?,
            duration: Some(need(&["duration"])?),
            memory: None,
        },
        Format::Generic => Cols {
            func: need(&["function"])?,
            app: h.find("app"),
            time: need(&["timestamp"])?,
            duration: h.find("duration_ms"),
            memory: h.find("memory_mb"),
        },
    })
}

/// Reads the files and builds the workload.
pub(super) fn load(
    files: &[PathBuf],
    spec: &TraceSpec,
    format: Format,
) -> Result<Loaded, InputError> {
    let mut b = Builder::new(spec.bad_rows, Unit::Instant)?;
    for path in files {
        read_file(&mut b, path, format)?;
    }
    let origin = match spec.origin.unwrap_or_default() {
        Origin::Zero => 0,
        Origin::First if b.min_time == i64::MAX => 0,
        Origin::First => b.min_time.div_euclid(1_000_000_000) * 1_000_000_000,
    };
    b.finish(spec, origin)
}

/// One invocation as a row gives it.
struct InvocationRow {
    func: String,
    /// Start time, ns.
    start: i64,
    /// Duration, seconds, when the row has one.
    duration: Option<f64>,
    /// Memory, MB, when the row has it.
    memory: Option<f64>,
}

/// Reads one file into `b`; a bad row is handled by the builder's policy.
fn read_file(b: &mut Builder, path: &Path, format: Format) -> Result<(), InputError> {
    let mut r = table::open(path)?;
    b.files.push(path.display().to_string());
    let h = table::header(&mut r)?;
    let c = columns(&h, format).map_err(|m| r.error_at(0, m))?;
    let width = h.names().len();
    while r.next_record()? {
        b.rows += 1;
        let inv = match parse_row(&r, &c, width, format) {
            Ok(x) => x,
            Err(e) => {
                b.bad_row(e)?;
                continue;
            }
        };
        let app = c.app.map(|a| r.field_str(a)).unwrap_or_default();
        record(b, &app, inv, format)?;
    }
    Ok(())
}

/// The invocation in the current row of `r`, or the row's first mistake.
fn parse_row<R: Read>(
    r: &Records<R>,
    c: &Cols,
    width: usize,
    format: Format,
) -> Result<InvocationRow, InputError> {
    r.expect_width(width)?;
    let func = r.field_str(c.func);
    if func.is_empty() {
        return Err(r.error_at(c.func, "the function name is empty"));
    }
    let t = parse_secs_ns(r.field(c.time)).ok_or_else(|| {
        r.error_at(
            c.time,
            format!(
                "expected a time in seconds, got \"{}\"",
                String::from_utf8_lossy(table::trim(r.field(c.time)))
            ),
        )
    })?;
    let duration = duration_secs(r, c, format)?;
    let start = match (format, duration) {
        // Azure 2021 records when an invocation ended: it started `duration` earlier.
        (Format::Azure2021, Some(d)) => {
            let d_ns = (d * 1e9).round();
            if d_ns >= 9.2e18 {
                return Err(r.error_at(c.duration.unwrap_or(0), "duration out of range"));
            }
            t.checked_sub(d_ns as i64)
                .ok_or_else(|| r.error_at(c.time, "time out of range"))?
        }
        _ => t,
    };
    let memory = match c.memory {
        Some(m) if !table::trim(r.field(m)).is_empty() => Some(
            parse_f64(r.field(m))
                .filter(|x| *x > 0.0)
                .ok_or_else(|| r.error_at(m, "memory_mb: expected a number of MB > 0"))?,
        ),
        _ => None,
    };
    Ok(InvocationRow {
        func,
        start,
        duration,
        memory,
    })
}

/// The row's duration in seconds: Azure 2021 always has one, in seconds; the generic CSV may
/// leave `duration_ms` empty.
fn duration_secs<R: Read>(
    r: &Records<R>,
    c: &Cols,
    format: Format,
) -> Result<Option<f64>, InputError> {
    Ok(match c.duration {
        Some(d) if !table::trim(r.field(d)).is_empty() || format == Format::Azure2021 => {
            let v = r.non_negative(d, "expected a duration >= 0")?;
            Some(if format == Format::Azure2021 {
                v
            } else {
                v / 1000.0
            })
        }
        _ => None,
    })
}

/// Adds one invocation of function `inv.func` in `app` to the builder: its duration, its
/// memory (the largest seen) and its start.
fn record(
    b: &mut Builder,
    app: &str,
    inv: InvocationRow,
    format: Format,
) -> Result<(), InputError> {
    let func = inv.func;
    let key = format!("{app}\u{0}{func}");
    let name = match format {
        Format::Azure2021 => short(&func).to_string(),
        Format::Generic => func.clone(),
    };
    let f = b.function(&key, &name, if app.is_empty() { &func } else { app });
    let a = &mut b.funcs[f as usize];
    if let Some(d) = inv.duration {
        a.durations.add_secs(d);
    }
    if let Some(m) = inv.memory {
        let prev = a.memory.map_or(0.0, |x| x.0);
        a.memory = Some((prev.max(m), 1.0));
    }
    b.push(f, inv.start, 1)
}

fn short(hash: &str) -> &str {
    let end = hash.char_indices().nth(12).map_or(hash.len(), |(i, _)| i);
    &hash[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse_exactly() {
        assert_eq!(parse_secs_ns(b"5160.142570018768"), Some(5_160_142_570_018));
        assert_eq!(parse_secs_ns(b"-3"), Some(-3_000_000_000));
        assert_eq!(parse_secs_ns(b".5"), Some(500_000_000));
        assert_eq!(parse_secs_ns(b"1.5e3"), Some(1_500_000_000_000));
        assert_eq!(parse_secs_ns(b"1.2.3"), None);
        assert_eq!(parse_secs_ns(b"."), None);
        assert_eq!(parse_secs_ns(b"99999999999999999999"), None);
    }
}
