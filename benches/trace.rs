//! Trace replay benchmark: reading and replaying per-minute traces through the full platform
//! simulation, one core, each case in a fresh child process so its peak memory (VmHWM) is its
//! own.
//!
//! ```sh
//! cargo bench --bench trace              # the real one_function sample (if ../shared/data is
//!                                        # there) and a synthetic one-day trace
//! cargo bench --bench trace -- --big     # also 14 days of 50,000 synthetic functions
//! ```
//!
//! Synthetic traces are Azure-like populations (`kind = "azure-like"`) written out in the
//! released Azure 2019 layout (one invocations file per day, durations, memory) to a temporary
//! directory, then read back with `kind = "azure2019"`: the timing covers reading the files,
//! placing arrivals inside minutes and simulating every invocation.

use faasim::core::rng::{stream, StreamKind};
use faasim::input::workload::WorkloadSpec;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod common;
use common::peak_rss_kb;

/// Writes an Azure-like population of `functions` as `days` days of Azure 2019 files.
fn write_synthetic(dir: &Path, functions: u32, days: usize, target: &str) -> u64 {
    std::fs::create_dir_all(dir).unwrap();
    let spec: WorkloadSpec = toml::from_str(&format!(
        "kind = \"azure-like\"\nfunctions = {functions}\nseed = 1\ntarget_rate = \"{target}\"\n"
    ))
    .unwrap();
    let w = spec.open(Path::new("")).unwrap();
    let mut header = String::from("HashOwner,HashApp,HashFunction,Trigger");
    for m in 1..=1440 {
        header.push_str(&format!(",{m}"));
    }
    let mut files: Vec<_> = (0..days)
        .map(|d| {
            let f = std::fs::File::create(dir.join(format!(
                "invocations_per_function_md.anon.d{:02}.csv",
                d + 1
            )))
            .unwrap();
            let mut f = std::io::BufWriter::with_capacity(1 << 20, f);
            writeln!(f, "{header}").unwrap();
            f
        })
        .collect();
    let mut dur = std::io::BufWriter::new(
        std::fs::File::create(dir.join("function_durations_percentiles.anon.d01.csv")).unwrap(),
    );
    writeln!(dur, "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100").unwrap();
    let mut mem = std::io::BufWriter::new(
        std::fs::File::create(dir.join("app_memory_percentiles.anon.d01.csv")).unwrap(),
    );
    writeln!(mem, "HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100").unwrap();
    let horizon = days as u64 * 86_400_000_000_000;
    let mut counts = vec![0u32; days * 1440];
    let mut total = 0u64;
    let mut apps_done = std::collections::HashSet::new();
    let mut line = String::new();
    for f in &w.functions {
        counts.iter_mut().for_each(|c| *c = 0);
        let mut a = f.spec.arrivals.build(1.0).unwrap();
        let mut r = stream(1, 0, StreamKind::Arrivals, f.stream);
        while let Some(t) = a.next(&mut r).map(|t| t.ns()) {
            if t >= horizon {
                break;
            }
            counts[(t / 60_000_000_000) as usize] += 1;
            total += 1;
        }
        for (d, file) in files.iter_mut().enumerate() {
            line.clear();
            line.push_str(&format!("o,{},{},http", f.app, f.spec.name));
            for c in &counts[d * 1440..(d + 1) * 1440] {
                line.push(',');
                line.push_str(itoa(*c, &mut [0u8; 12]));
            }
            writeln!(file, "{line}").unwrap();
        }
        let d = f.spec.duration.build().unwrap();
        let ms = |q: f64| d.quantile(q) * 1000.0;
        writeln!(
            dur,
            "o,{},{},{:.3},1,{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3}",
            f.app,
            f.spec.name,
            d.mean() * 1000.0,
            ms(0.0),
            ms(0.999),
            ms(0.0),
            ms(0.01),
            ms(0.25),
            ms(0.5),
            ms(0.75),
            ms(0.99),
            ms(0.999)
        )
        .unwrap();
        if apps_done.insert(f.app.clone()) {
            let m = f.spec.memory_mb;
            writeln!(mem, "o,{},1,{m},{m},{m},{m},{m},{m},{m},{m},{m}", f.app).unwrap();
        }
    }
    total
}

fn itoa(mut v: u32, buf: &mut [u8; 12]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap()
}

/// Reading and placement alone (no platform): load, then draw every function's arrivals.
fn child_replay(path: &str) {
    let start = Instant::now();
    let spec: WorkloadSpec =
        toml::from_str(&format!("kind = \"azure2019\"\npath = '{path}'\n")).unwrap();
    let w = spec.open(Path::new("")).unwrap();
    let loaded = start.elapsed().as_secs_f64();
    let mut n = 0u64;
    let mut check = 0u64;
    for f in &w.functions {
        let mut a = f.spec.arrivals.build(1.0).unwrap();
        let mut r = stream(1, 0, StreamKind::Arrivals, f.stream);
        while let Some(t) = a.next(&mut r).map(|t| t.ns()) {
            n += 1;
            check = check.wrapping_add(t);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "RESULT invocations={n} seconds={secs:.3} load={loaded:.3} rate={:.0} peak_kb={} functions={} check={check}",
        n as f64 / secs,
        peak_rss_kb().unwrap_or(0),
        w.functions.len()
    );
}

/// Runs one case in this process: load and simulate, print one result line.
fn child(path: &str, horizon: &str) {
    let text = format!(
        "[run]\nhorizon = \"{horizon}\"\nseed = 1\n[platform]\naccount_concurrency = 1000000\n\
         [keep_alive]\nkind = \"fixed\"\nttl = \"10min\"\n[workload]\nkind = \"azure2019\"\n\
         path = '{path}'\ncold_start = {{ kind = \"constant\", value = \"250ms\" }}\n"
    );
    let start = Instant::now();
    let sc = faasim::Scenario::from_str_named(&text, "bench", &[]).unwrap();
    let plan = faasim::compile(&sc).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let sim = faasim::core::sim::Simulation::new(&plan, 0);
    let loaded = start.elapsed().as_secs_f64();
    let report = sim.run();
    let secs = start.elapsed().as_secs_f64();
    let n = report.counts.arrivals;
    println!(
        "RESULT invocations={n} seconds={secs:.3} load={loaded:.3} rate={:.0} peak_kb={} functions={}",
        n as f64 / secs,
        peak_rss_kb().unwrap_or(0),
        report.functions.len()
    );
}

fn run_case(label: &str, path: &Path, horizon: &str) {
    let exe = std::env::current_exe().expect("own path");
    let mode = if horizon.is_empty() {
        "--replay-only"
    } else {
        "--child"
    };
    let out = Command::new(exe)
        .args([mode, path.to_str().unwrap(), horizon])
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(line) = text.lines().find(|l| l.starts_with("RESULT")) else {
        println!("{label}: failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    };
    let field = |k: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    println!(
        "{label}: {:.0} functions, {:.0} invocations in {:.2} s (loading {:.2} s) = {:.2} M invocations/s, peak memory {:.1} MB",
        field("functions"),
        field("invocations"),
        field("seconds"),
        field("load"),
        field("rate") / 1e6,
        field("peak_kb") / 1024.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1], &args[2]);
    }
    if args.first().map(String::as_str) == Some("--replay-only") {
        return child_replay(&args[1]);
    }
    let big = args.iter().any(|a| a == "--big");
    println!("faasim trace benchmark: reading + replay + full simulation, one core");
    let shared =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/azure2019/one_function");
    if shared.is_dir() {
        run_case("azure2019 one_function (real, 1 day)", &shared, "1d");
        run_case("  the same, reading and placement only", &shared, "");
    } else {
        println!("skipped one_function: ../shared/data is not here");
    }
    let tmp: PathBuf =
        std::env::temp_dir().join(format!("faasim-bench-trace-{}", std::process::id()));
    let day = tmp.join("day");
    let t = Instant::now();
    let n = write_synthetic(&day, 2_000, 1, "400/s");
    println!(
        "(wrote a synthetic day: 2,000 functions, {n} invocations, in {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    run_case("synthetic azure-like, 2,000 functions, 1 day", &day, "1d");
    run_case("  the same, reading and placement only", &day, "");
    if big {
        let big_dir = tmp.join("14d");
        let t = Instant::now();
        let n = write_synthetic(&big_dir, 50_000, 14, "100/s");
        println!(
            "(wrote 14 synthetic days: 50,000 functions, {n} invocations, in {:.1} s)",
            t.elapsed().as_secs_f64()
        );
        run_case(
            "synthetic azure-like, 50,000 functions, 14 days",
            &big_dir,
            "14d",
        );
        run_case("  the same, reading and placement only", &big_dir, "");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
