//! The standard throughput benchmark (experiments/bench-standard.toml): 1,000 functions with
//! Zipf(1) popularity, Poisson arrivals of 1,000/s in total, lognormal durations (median 100 ms,
//! sigma 1), 250 ms cold starts, fixed 10-minute keep-alive, routing mru, all metrics on.
//!
//! `cargo bench --bench standard` runs it at 10 million and 100 million invocations, each in a
//! fresh child process so that its peak memory (VmHWM) is its own, and prints simulated
//! invocations per second of wall time on one core and the peak memory of each.
//! `cargo bench --bench standard -- --quick` runs only the 10 million case.
//! `-- --scenario PATH [--set K=V]...` benchmarks another scenario in the same way.

use std::process::Command;
use std::time::Instant;

mod common;
use common::peak_rss_kb;

/// Runs one case in this process and prints one result line.
fn child(scenario: &str, sets: &[String]) {
    let sc = faasim::Scenario::load(scenario, sets).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let plan = faasim::compile(&sc).expect("scenario compiles");
    let sim = faasim::core::sim::Simulation::new(&plan, 0);
    let start = Instant::now();
    let report = sim.run();
    let secs = start.elapsed().as_secs_f64();
    let n = report.counts.arrivals;
    println!(
        "RESULT invocations={n} seconds={secs:.3} rate={:.0} peak_kb={}",
        n as f64 / secs,
        peak_rss_kb().unwrap_or(0)
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut scenario = "bench-standard".to_string();
    let mut sets = Vec::new();
    let mut quick = false;
    let mut is_child = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--child" => is_child = true,
            "--quick" => quick = true,
            "--scenario" => scenario = it.next().cloned().unwrap_or(scenario),
            "--set" => sets.extend(it.next().cloned()),
            _ => {}
        }
    }
    if is_child {
        return child(&scenario, &sets);
    }
    let cases: &[(&str, &str)] = if quick {
        &[("10M", "10000s")]
    } else {
        &[("10M", "10000s"), ("100M", "100000s")]
    };
    println!("faasim standard benchmark: scenario {scenario}, one core");
    let exe = std::env::current_exe().expect("own path");
    let mut peaks = Vec::new();
    for (label, horizon) in cases {
        let mut cmd = Command::new(&exe);
        cmd.arg("--child").arg("--scenario").arg(&scenario);
        for s in &sets {
            cmd.arg("--set").arg(s);
        }
        if scenario == "bench-standard" {
            cmd.arg("--set").arg(format!("run.horizon={horizon}"));
        }
        let out = cmd.output().expect("child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| l.starts_with("RESULT"))
            .unwrap_or_else(|| panic!("child failed: {}", String::from_utf8_lossy(&out.stderr)));
        let field = |k: &str| -> f64 {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        };
        let (n, secs, rate, peak) = (
            field("invocations"),
            field("seconds"),
            field("rate"),
            field("peak_kb"),
        );
        println!(
            "{label:>5}: {n:>12.0} invocations in {secs:>7.2} s = {:>6.2} M invocations/s, peak memory {:>7.1} MB",
            rate / 1e6,
            peak / 1024.0
        );
        peaks.push(peak);
        if scenario != "bench-standard" {
            break;
        }
    }
    if peaks.len() == 2 {
        println!(
            "peak memory 100M / 10M = {:.3} (target: within 10%)",
            peaks[1] / peaks[0]
        );
    }
}
