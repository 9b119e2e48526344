//! `faasim trace convert`: any workload to the generic CSV (`timestamp,function,app,
//! duration_ms,memory_mb`), one row per invocation in time order.
//!
//! Arrivals are generated exactly as a run would (run 0 of `seed`); the functions' streams are
//! merged with a heap, so memory is O(functions). `duration_ms` is drawn from the function's
//! duration distribution (its own durations stream), `memory_mb` is the function's memory.
//! Timestamps are seconds with nine decimals, so that reading the file back gives the same
//! nanoseconds.

use crate::core::rng::{self, StreamKind};
use crate::core::time::Instant;
use crate::input::csv_writer;
use crate::input::workload::Workload;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

/// The header the generic CSV reader expects.
pub const HEADER: &str = "timestamp,function,app,duration_ms,memory_mb";

/// Writes every arrival before `span_ns` to `out`; returns the number of rows.
pub fn write_csv<W: Write>(w: &Workload, span_ns: u64, seed: u64, out: W) -> io::Result<u64> {
    let mut out = csv_writer::builder().from_writer(io::BufWriter::with_capacity(1 << 16, out));
    out.write_record(HEADER.split(','))
        .map_err(io::Error::other)?;
    let mut procs = Vec::with_capacity(w.functions.len());
    let mut heap = BinaryHeap::new();
    for (i, f) in w.functions.iter().enumerate() {
        let arrivals = f
            .spec
            .arrivals
            .build(1.0)
            .ok()
            .map(|a| a.until(Instant::from_ns(span_ns)));
        let dur = f.spec.duration.build().ok();
        let mut ra = rng::stream(seed, 0, StreamKind::Arrivals, f.stream);
        let rd = rng::stream(seed, 0, StreamKind::Durations, f.stream);
        let mut arrivals = arrivals;
        if let Some(t) = arrivals
            .as_mut()
            .and_then(|a| a.next(&mut ra))
            .map(Instant::ns)
        {
            if t < span_ns {
                heap.push(Reverse((t, i)));
            }
        }
        procs.push((arrivals, ra, dur, rd));
    }
    let mut rows = 0u64;
    let mut ms = String::new();
    while let Some(Reverse((t, i))) = heap.pop() {
        let f = &w.functions[i];
        let (arrivals, ra, dur, rd) = &mut procs[i];
        ms.clear();
        if let Some(d) = dur {
            use std::fmt::Write as _;
            let ns = d.sample_span(rd).ns();
            let _ = write!(ms, "{}.{:06}", ns / 1_000_000, ns % 1_000_000);
        }
        let timestamp = format!("{}.{:09}", t / 1_000_000_000, t % 1_000_000_000);
        let memory = f.spec.memory_mb.to_string();
        out.write_record([&timestamp, &f.spec.name, &f.app, &ms, &memory])
            .map_err(io::Error::other)?;
        rows += 1;
        if let Some(n) = arrivals.as_mut().and_then(|a| a.next(ra)).map(Instant::ns) {
            if n < span_ns {
                heap.push(Reverse((n, i)));
            }
        }
    }
    out.flush()?;
    Ok(rows)
}
