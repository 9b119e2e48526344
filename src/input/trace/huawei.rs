//! Huawei's public serverless traces of 2023 (Joosen et al., SoCC 2023): per-minute request
//! counts, one file per day (`requests_minute/day_00.csv`, ...), one row per minute with columns
//! `day`, `time` (seconds from the start of the trace) and one column per function (named by its
//! id), empty where the function had no requests. Time 0 is the trace's own time 0. The files
//! carry no durations or memory: give `default_duration` (and `default_memory_mb`).

use super::build::Builder;
use super::table::{self, parse_count, Header, Records};
use super::{Loaded, Paths, TraceSpec};
use crate::core::workload::replay::Unit;
use crate::input::InputError;
use std::io::Read;
use std::path::{Path, PathBuf};

const MINUTE_NS: i64 = 60_000_000_000;

/// Like [`super::resolve`], but a directory holding `requests_minute/` means that one.
pub(super) fn resolve(paths: &Paths, base: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mapped: Vec<String> = paths
        .list()
        .into_iter()
        .map(|p| {
            let sub = base.join(p).join("requests_minute");
            if sub.is_dir() {
                Path::new(p).join("requests_minute").display().to_string()
            } else {
                p.to_string()
            }
        })
        .collect();
    super::resolve(&Paths::Many(mapped), base)
}

/// Reads the files (in name order: day_00, day_01, ...) and builds the workload.
pub(super) fn load(files: &[PathBuf], spec: &TraceSpec) -> Result<Loaded, InputError> {
    let mut b = Builder::new(spec.bad_rows, Unit::Interval(MINUTE_NS as u64))?;
    // The last minute read, across files: minutes must rise from row to row and file to file.
    let mut last_time: Option<i64> = None;
    for path in files {
        read_file(&mut b, path, &mut last_time)?;
    }
    b.finish(spec, 0)
}

/// Reads one day's file into `b`, after the minute `last_time` (updated to the last row read).
fn read_file(b: &mut Builder, path: &Path, last_time: &mut Option<i64>) -> Result<(), InputError> {
    let mut r = table::open(path)?;
    b.files.push(path.display().to_string());
    let h = table::header(&mut r)?;
    let Some(tcol) = h.find("time") else {
        return Err(r.error_at(
            0,
            "not a Huawei 2023 requests file: no time column (expected day, time, then one \
             column per function)",
        ));
    };
    let dcol = h.find("day");
    let mut cols: Vec<(usize, u32)> = Vec::new();
    for (i, name) in h.names().iter().enumerate() {
        if i == tcol || Some(i) == dcol || name.is_empty() || name.starts_with("Unnamed") {
            continue;
        }
        let f = b.function(name, name, name);
        cols.push((i, f));
    }
    let width = h.names().len();
    let mut row: Vec<(u32, u64)> = Vec::with_capacity(cols.len());
    while r.next_record()? {
        b.rows += 1;
        row.clear();
        let parsed = r
            .expect_width(width)
            .and_then(|()| parse_minute(&r, tcol, *last_time))
            .and_then(|minute| {
                parse_counts(&r, &h, &cols, &mut row)?;
                Ok(minute)
            });
        let minute = match parsed {
            Ok(m) => m,
            Err(e) => {
                b.bad_row(e)?;
                continue;
            }
        };
        *last_time = Some(minute);
        for &(f, n) in &row {
            b.push(f, minute, n)?;
        }
    }
    Ok(())
}

/// The row's minute: its `time` is a whole minute after the last row's (`last_time`).
fn parse_minute<R: Read>(
    r: &Records<R>,
    tcol: usize,
    last_time: Option<i64>,
) -> Result<i64, InputError> {
    let t = super::events::parse_secs_ns(r.field(tcol))
        .ok_or_else(|| r.error_at(tcol, "time: expected seconds from the start of the trace"))?;
    if t < 0 || t % MINUTE_NS != 0 {
        return Err(r.error_at(
            tcol,
            format!(
                "time: expected a whole minute >= 0, got {} s",
                t as f64 / 1e9
            ),
        ));
    }
    let minute = t / MINUTE_NS;
    if let Some(prev) = last_time.filter(|prev| minute <= *prev) {
        return Err(r.error_at(
            tcol,
            format!(
                "time goes back or repeats: minute {minute} after minute {prev} \
                 (files are read in name order)"
            ),
        ));
    }
    Ok(minute)
}

/// The row's request counts of the functions in `cols` (`(field, function)`), those above 0
/// pushed onto `row`; an empty field or `nan` means no requests.
fn parse_counts<R: Read>(
    r: &Records<R>,
    h: &Header,
    cols: &[(usize, u32)],
    row: &mut Vec<(u32, u64)>,
) -> Result<(), InputError> {
    for &(i, f) in cols {
        let raw = table::trim(r.field(i));
        if raw.is_empty() || raw.eq_ignore_ascii_case(b"nan") {
            continue;
        }
        let n = parse_count(raw).ok_or_else(|| {
            r.error_at(
                i,
                format!(
                    "function {}: expected a whole number of requests >= 0, got \"{}\"",
                    h.names()[i],
                    String::from_utf8_lossy(raw)
                ),
            )
        })?;
        if n > 0 {
            row.push((f, n));
        }
    }
    Ok(())
}
