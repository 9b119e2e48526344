//! Azure Functions 2019 (Shahrad et al., ATC 2020): per-minute invocation counts per function,
//! one file per day, plus per-function duration percentiles and per-application memory
//! percentiles.
//!
//! Files are recognized by their header, not by name: an invocations file has `HashFunction`
//! and minute columns (`1`..`1440` as released, or `minute_1`.. as samplers write them), a
//! durations file has `percentile_Average_50`, a memory file has `AverageAllocatedMb`. The day
//! of an invocations file is the `dNN` in its name (`...anon.d03.csv`); files without one are
//! days 1, 2, ... in name order. Time 0 is the start of the earliest day read. Durations and
//! memory rows of several days are averaged, weighted by their counts.

use super::build::Builder;
use super::table::{self, parse_count, Header};
use super::{Loaded, MemoryStat, TraceSpec};
use crate::core::workload::replay::Unit;
use crate::input::InputError;
use std::path::{Path, PathBuf};

const MINUTES_PER_DAY: i64 = 1440;
const MINUTE_NS: u64 = 60_000_000_000;
const PCT_COLUMNS: [&str; 7] = [
    "percentile_Average_0",
    "percentile_Average_1",
    "percentile_Average_25",
    "percentile_Average_50",
    "percentile_Average_75",
    "percentile_Average_99",
    "percentile_Average_100",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Invocations,
    Durations,
    Memory,
}

fn role_of(h: &Header) -> Option<Role> {
    if h.find("AverageAllocatedMb").is_some() {
        Some(Role::Memory)
    } else if h.find("percentile_Average_50").is_some() {
        Some(Role::Durations)
    } else if minute_columns(h).1 > 0 {
        Some(Role::Invocations)
    } else {
        None
    }
}

/// `(field, minute index 0..1440)` of every minute column, sorted by minute, and how many.
fn minute_columns(h: &Header) -> (Vec<(usize, u16)>, usize) {
    let mut v: Vec<(usize, u16)> = h
        .names()
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let num = n.strip_prefix("minute_").unwrap_or(n);
            let m: u16 = num.parse().ok()?;
            (1..=MINUTES_PER_DAY as u16)
                .contains(&m)
                .then_some((i, m - 1))
        })
        .collect();
    v.sort_by_key(|&(_, m)| m);
    let n = v.len();
    (v, n)
}

/// The day number in a file name (`...d03.csv` → 3).
fn day_of(path: &Path) -> Option<u32> {
    let stem = path.file_stem()?.to_str()?;
    let i = stem.rfind(['d', 'D'])?;
    let digits = &stem[i + 1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if i > 0 && stem.as_bytes()[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    digits.parse().ok()
}

/// Reads the files and builds the workload.
pub(super) fn load(files: &[PathBuf], spec: &TraceSpec) -> Result<Loaded, InputError> {
    let mut b = Builder::new(spec.bad_rows, Unit::Interval(MINUTE_NS))?;
    // Sort the files by role by reading their headers.
    let mut inv = Vec::new();
    let mut dur = Vec::new();
    let mut mem = Vec::new();
    for f in files {
        let mut r = table::open(f)?;
        let h = table::header(&mut r)?;
        match role_of(&h) {
            Some(Role::Invocations) => inv.push(f.clone()),
            Some(Role::Durations) => dur.push(f.clone()),
            Some(Role::Memory) => mem.push(f.clone()),
            None => {
                return Err(r.error_at(
                    0,
                    "not an Azure 2019 file: expected minute columns (1..1440 or minute_1..), \
                     percentile_Average_* columns (durations) or AverageAllocatedMb (memory)",
                ))
            }
        }
    }
    if inv.is_empty() {
        return Err(InputError::new(
            files.first().map_or(String::new(), |p| p.display().to_string()),
            "no Azure 2019 invocations file (with HashFunction and minute columns) among the inputs",
        ));
    }
    // Days: from the names, else in name order.
    let mut days: Vec<(u32, PathBuf)> = if inv.iter().all(|p| day_of(p).is_some()) {
        inv.iter()
            .map(|p| (day_of(p).unwrap_or(1), p.clone()))
            .collect()
    } else {
        inv.iter()
            .enumerate()
            .map(|(i, p)| (i as u32 + 1, p.clone()))
            .collect()
    };
    days.sort();
    for w in days.windows(2) {
        if w[0].0 == w[1].0 {
            return Err(InputError::new(
                w[1].1.display().to_string(),
                format!("day {} is also {}", w[1].0, w[0].1.display()),
            ));
        }
    }
    let first_day = days[0].0;
    let last_day = days[days.len() - 1].0;
    for (day, path) in &days {
        read_invocations(
            &mut b,
            path,
            i64::from(day - first_day) * MINUTES_PER_DAY,
            *day,
        )?;
    }
    b.data_end = Some(i64::from(last_day - first_day + 1) * MINUTES_PER_DAY);
    for path in &dur {
        read_durations(&mut b, path)?;
    }
    let stat = spec.memory.unwrap_or_default();
    for path in &mem {
        read_memory(&mut b, path, stat)?;
    }
    b.finish(spec, 0)
}

fn short(hash: &str) -> &str {
    let end = hash.char_indices().nth(12).map_or(hash.len(), |(i, _)| i);
    &hash[..end]
}

fn read_invocations(b: &mut Builder, path: &Path, offset: i64, day: u32) -> Result<(), InputError> {
    let mut r = table::open(path)?;
    b.files.push(path.display().to_string());
    let h = table::header(&mut r)?;
    let Some(fcol) = h.find("HashFunction") else {
        return Err(r.error_at(0, "no HashFunction column"));
    };
    let app_col = h.find("HashApp");
    let trigger_col = h.find("Trigger");
    let (minutes, _) = minute_columns(&h);
    for w in minutes.windows(2) {
        if w[0].1 == w[1].1 {
            return Err(r.error_at(
                w[1].0,
                format!("minute {} appears twice in the header", w[1].1 + 1),
            ));
        }
    }
    let width = h.names().len();
    let mut row: Vec<(i64, u64)> = Vec::with_capacity(minutes.len());
    while r.next_record()? {
        b.rows += 1;
        row.clear();
        let check = (|| {
            if r.len() != width {
                return Err(r.error_at(
                    r.len().min(width).saturating_sub(1),
                    format!("this row has {} fields, the header has {width}", r.len()),
                ));
            }
            let func = r.field_str(fcol);
            if func.is_empty() {
                return Err(r.error_at(fcol, "HashFunction is empty"));
            }
            for &(i, m) in &minutes {
                let raw = r.field(i);
                let n = parse_count(raw).ok_or_else(|| {
                    r.error_at(
                        i,
                        format!(
                            "minute {}: expected a whole number of invocations >= 0, got \"{}\"",
                            m + 1,
                            String::from_utf8_lossy(table::trim(raw))
                        ),
                    )
                })?;
                if n > 0 {
                    row.push((offset + i64::from(m), n));
                }
            }
            Ok(func)
        })();
        let func = match check {
            Ok(f) => f,
            Err(e) => {
                b.bad_row(e)?;
                continue;
            }
        };
        let app = app_col.map(|c| r.field_str(c)).unwrap_or_default();
        let key = format!("{app}\u{0}{func}");
        let f = b.function(
            &key,
            short(&func),
            if app.is_empty() { &func } else { &app },
        );
        let a = &mut b.funcs[f as usize];
        if a.last_day == Some(day) {
            b.bad_row(r.error_at(fcol, format!("function {func} appears twice on day {day}")))?;
            continue;
        }
        a.last_day = Some(day);
        if a.trigger.is_none() {
            a.trigger = trigger_col
                .map(|c| r.field_str(c))
                .filter(|t| !t.is_empty());
        }
        for &(t, n) in &row {
            b.push(f, t, n)?;
        }
    }
    Ok(())
}

fn read_durations(b: &mut Builder, path: &Path) -> Result<(), InputError> {
    let mut r = table::open(path)?;
    b.files.push(path.display().to_string());
    let h = table::header(&mut r)?;
    let Some(fcol) = h.find("HashFunction") else {
        return Err(r.error_at(0, "no HashFunction column"));
    };
    let app_col = h.find("HashApp");
    let count_col = h.find("Count");
    let mut cols = [0usize; 7];
    for (c, name) in cols.iter_mut().zip(PCT_COLUMNS) {
        *c = h
            .find(name)
            .ok_or_else(|| r.error_at(0, format!("no {name} column")))?;
    }
    while r.next_record()? {
        b.rows += 1;
        let parsed = (|| {
            let mut v = [0.0; 7];
            for (k, &c) in cols.iter().enumerate() {
                v[k] = r.non_negative(
                    c,
                    &format!("{}: expected a duration in ms >= 0", PCT_COLUMNS[k]),
                )?;
            }
            let w = match count_col {
                Some(c) => r.non_negative(c, "Count: expected a number of invocations >= 0")?,
                None => 1.0,
            };
            Ok((v, w))
        })();
        let (v, w) = match parsed {
            Ok(x) => x,
            Err(e) => {
                b.bad_row(e)?;
                continue;
            }
        };
        let app = app_col.map(|c| r.field_str(c)).unwrap_or_default();
        let key = format!("{app}\u{0}{}", r.field_str(fcol));
        // Rows of functions that have no invocations are of no use.
        if let Some(&f) = b.index.get(&key) {
            b.funcs[f as usize].durations.add_pct(w.max(1e-9), v);
        }
    }
    Ok(())
}

fn read_memory(b: &mut Builder, path: &Path, stat: MemoryStat) -> Result<(), InputError> {
    let mut r = table::open(path)?;
    b.files.push(path.display().to_string());
    let h = table::header(&mut r)?;
    let Some(app_col) = h.find("HashApp") else {
        return Err(r.error_at(0, "no HashApp column"));
    };
    let name = match stat {
        MemoryStat::Average => "AverageAllocatedMb",
        MemoryStat::P1 => "AverageAllocatedMb_pct1",
        MemoryStat::P5 => "AverageAllocatedMb_pct5",
        MemoryStat::P25 => "AverageAllocatedMb_pct25",
        MemoryStat::P50 => "AverageAllocatedMb_pct50",
        MemoryStat::P75 => "AverageAllocatedMb_pct75",
        MemoryStat::P95 => "AverageAllocatedMb_pct95",
        MemoryStat::P99 => "AverageAllocatedMb_pct99",
        MemoryStat::P100 => "AverageAllocatedMb_pct100",
    };
    let col = h
        .find(name)
        .ok_or_else(|| r.error_at(0, format!("no {name} column")))?;
    let weight_col = h.find("SampleCount");
    // Memory is per application: index the functions by app once.
    let mut by_app: std::collections::HashMap<String, Vec<u32>> = std::collections::HashMap::new();
    for (i, a) in b.funcs.iter().enumerate() {
        by_app.entry(a.app.clone()).or_default().push(i as u32);
    }
    while r.next_record()? {
        b.rows += 1;
        let parsed = (|| {
            let m = r.non_negative(col, &format!("{name}: expected memory in MB >= 0"))?;
            let w = match weight_col {
                Some(c) => r.non_negative(c, "SampleCount: expected a number >= 0")?,
                None => 1.0,
            };
            Ok((m, w.max(1e-9)))
        })();
        let (m, w) = match parsed {
            Ok(x) => x,
            Err(e) => {
                b.bad_row(e)?;
                continue;
            }
        };
        if let Some(fs) = by_app.get(&r.field_str(app_col)) {
            for &f in fs {
                let a = &mut b.funcs[f as usize];
                let (s, ws) = a.memory.unwrap_or((0.0, 0.0));
                a.memory = Some((s + m * w, ws + w));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_from_names() {
        assert_eq!(
            day_of(Path::new("invocations_per_function_md.anon.d03.csv")),
            Some(3)
        );
        assert_eq!(day_of(Path::new("d14.csv")), Some(14));
        assert_eq!(day_of(Path::new("50_inv.csv")), None);
        assert_eq!(day_of(Path::new("invocations.csv")), None);
    }
}
