//! Trace replay and synthetic workloads (`[workload]`, `faasim trace`): fixtures in each
//! released schema are written by the tests themselves into temp directories. Checks against
//! the real samples in ../shared/data run only when that folder exists.

use crate::util::TempDir;
use faasim::core::rng::{stream, StreamKind};
use faasim::input::synth::{self, SynthSpec};
use faasim::input::workload::{Workload, WorkloadSpec};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_faasim");
const MIN_NS: u64 = 60_000_000_000;

fn spec(text: &str) -> WorkloadSpec {
    toml::from_str(text).unwrap_or_else(|e| panic!("{e}"))
}

fn open(text: &str) -> Workload {
    spec(text)
        .open(Path::new(""))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Arrival times (ns) of function `i` as run `0` of `seed` would see them.
fn arrivals(w: &Workload, i: usize, seed: u64) -> Vec<u64> {
    let f = &w.functions[i];
    let mut a = f.spec.arrivals.build(1.0).unwrap();
    let mut r = stream(seed, 0, StreamKind::Arrivals, f.stream);
    let mut out = Vec::new();
    while let Some(t) = a.next(&mut r).map(|t| t.ns()) {
        out.push(t);
    }
    out
}

fn per_minute(ts: &[u64]) -> BTreeMap<u64, u64> {
    let mut m = BTreeMap::new();
    for &t in ts {
        *m.entry(t / MIN_NS).or_insert(0) += 1;
    }
    m
}

/// Known per-minute counts: function `f` on day `d` (0-based), minute `m`.
fn count(f: usize, d: usize, m: usize) -> u64 {
    match f {
        0 => u64::from(m % 60 == 7),                            // hourly timer
        1 => ((m * 7 + d * 3) % 5) as u64,                      // a few per minute
        2 => u64::from(m.is_multiple_of(240)) * (3 + d as u64), // bursts every 4 hours
        3 => 40 + (m % 3) as u64,                               // busy
        _ => u64::from((m + f).is_multiple_of(97)),
    }
}

const HASH: &str = "0123456789abcdef0123456789abcdef";

/// Writes Azure 2019 fixtures in the released schema: `days` days of `n` functions (two per
/// app), durations and memory.
fn azure2019(dir: &TempDir, n: usize, days: usize) {
    for d in 0..days {
        let mut s = String::from("HashOwner,HashApp,HashFunction,Trigger");
        for m in 1..=1440 {
            s.push_str(&format!(",{m}"));
        }
        s.push('\n');
        for f in 0..n {
            s.push_str(&format!(
                "own{},app{}{HASH},fn{f:02}{HASH},http",
                f / 2,
                f / 2
            ));
            for m in 0..1440 {
                s.push_str(&format!(",{}", count(f, d, m)));
            }
            s.push('\n');
        }
        dir.write_str(
            &format!("invocations_per_function_md.anon.d{:02}.csv", d + 1),
            &s,
        );
        let mut s = String::from(
            "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,\
             percentile_Average_1,percentile_Average_25,percentile_Average_50,\
             percentile_Average_75,percentile_Average_99,percentile_Average_100\n",
        );
        for f in 0..n {
            s.push_str(&format!(
                "own{},app{}{HASH},fn{f:02}{HASH},100,1000,1,900,1,2,50,100,150,400,900\n",
                f / 2,
                f / 2
            ));
        }
        dir.write_str(
            &format!("function_durations_percentiles.anon.d{:02}.csv", d + 1),
            &s,
        );
        let mut s = String::from(
            "HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,\
             AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,\
             AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,\
             AverageAllocatedMb_pct100\n",
        );
        for a in 0..n.div_ceil(2) {
            s.push_str(&format!(
                "own{a},app{a}{HASH},10,{},1,2,3,4,5,6,7,8\n",
                150 + 100 * a
            ));
        }
        dir.write_str(
            &format!("app_memory_percentiles.anon.d{:02}.csv", d + 1),
            &s,
        );
    }
}

fn azure2019_spec(dir: &TempDir, extra: &str) -> String {
    format!(
        "kind = \"azure2019\"\npath = '{}'\n{extra}\n",
        dir.path().display()
    )
}

#[test]
fn azure2019_counts_per_function_and_minute_survive_replay() {
    let dir = TempDir::new("a19");
    azure2019(&dir, 5, 2);
    for placement in ["uniform", "equidistant"] {
        let w = open(&azure2019_spec(
            &dir,
            &format!("placement = \"{placement}\""),
        ));
        assert_eq!(w.functions.len(), 5);
        let l = w.loaded.as_ref().unwrap();
        assert_eq!(l.span_ns, 2 * 1440 * MIN_NS);
        for (i, f) in w.functions.iter().enumerate() {
            let ts = arrivals(&w, i, 3);
            assert!(ts.windows(2).all(|p| p[0] <= p[1]), "{placement}: sorted");
            let got = per_minute(&ts);
            let mut want = BTreeMap::new();
            for d in 0..2 {
                for m in 0..1440 {
                    let c = count(i, d, m);
                    if c > 0 {
                        want.insert((d * 1440 + m) as u64, c);
                    }
                }
            }
            assert_eq!(got, want, "{placement}: function {}", f.spec.name);
        }
        // Memory per app (ceil of AverageAllocatedMb), durations from the percentile table.
        assert_eq!(w.functions[0].spec.memory_mb, 150);
        assert_eq!(w.functions[2].spec.memory_mb, 250);
        assert_eq!(w.functions[0].app, w.functions[1].app);
        let d = w.functions[0].spec.duration.build().unwrap();
        assert!((d.quantile(0.5) - 0.1).abs() < 1e-9);
        assert!((d.quantile(0.99) - 0.4).abs() < 1e-9);
    }
}

#[test]
fn sampler_variant_with_reordered_columns() {
    let dir = TempDir::new("samp");
    // minute_N headers, no Trigger, hash columns reordered, memory keyed by app only, and the
    // minute columns themselves out of order.
    let mut s = String::from("HashFunction,HashApp,HashOwner");
    let order: Vec<usize> = (1..=1440).rev().collect();
    for m in &order {
        s.push_str(&format!(",minute_{m}"));
    }
    s.push('\n');
    s.push_str("f1,a1,o1");
    for m in &order {
        s.push_str(&format!(
            ",{}",
            u64::from(*m == 3) * 5 + u64::from(*m == 1440)
        ));
    }
    s.push('\n');
    dir.write_str("50_inv.csv", &s);
    dir.write_str(
        "50_run.csv",
        "HashFunction,HashApp,HashOwner,Count,Average,Minimum,Maximum,percentile_Average_0,\
         percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,\
         percentile_Average_99,percentile_Average_100\nf1,a1,o1,2,32,29.0,35.0,29,29,29,29,35,35,35\n",
    );
    dir.write_str(
        "50_mem.csv",
        "HashApp,HashOwner,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,\
         AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,\
         AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,\
         AverageAllocatedMb_pct100\na1,o1,25859,1677,1219,1306,1571,1695,1832,1899,1978,2342\n",
    );
    let w = open(&azure2019_spec(&dir, "placement = \"equidistant\""));
    let ts = arrivals(&w, 0, 0);
    // Five at minute 3 (index 2) spaced 12 s apart from 6 s in, one at 1439.5 min.
    let want: Vec<u64> = (0..5)
        .map(|i| 2 * MIN_NS + (2 * i + 1) * MIN_NS / 10)
        .chain([1439 * MIN_NS + MIN_NS / 2])
        .collect();
    assert_eq!(ts, want);
    assert_eq!(w.functions[0].spec.memory_mb, 1677);
}

#[test]
fn equidistant_is_exact_and_uniform_and_poisson_behave() {
    let dir = TempDir::new("place");
    // One function, 50 invocations in each of 2,000 minutes (days of 1440 need not be full).
    let mut s = String::from("HashOwner,HashApp,HashFunction");
    for m in 1..=1440 {
        s.push_str(&format!(",{m}"));
    }
    s.push('\n');
    s.push_str("o,a,f");
    for _ in 0..1440 {
        s.push_str(",50");
    }
    s.push('\n');
    dir.write_str("inv.d01.csv", &s);
    dir.write_str("inv.d02.csv", &s);
    let base = |p: &str| {
        azure2019_spec(
            &dir,
            &format!("placement = \"{p}\"\ndefault_duration = {{ kind = \"constant\", value = \"1ms\" }}"),
        )
    };
    // Equidistant: the i-th of n at (i + 1/2)·60 s/n, to the nanosecond.
    let w = open(&base("equidistant"));
    let ts = arrivals(&w, 0, 1);
    assert_eq!(ts.len(), 2 * 1440 * 50);
    for (k, &t) in ts.iter().enumerate() {
        let (m, i) = ((k / 50) as u64, (k % 50) as u64);
        assert_eq!(t, m * MIN_NS + (2 * i + 1) * MIN_NS / 100);
    }
    // Uniform: exact counts; positions inside the minute uniform (Kolmogorov-Smirnov at
    // 99.9%: D < 1.95/sqrt(n)).
    let w = open(&base("uniform"));
    let ts = arrivals(&w, 0, 1);
    assert!(per_minute(&ts).values().all(|&c| c == 50));
    let mut u: Vec<f64> = ts
        .iter()
        .map(|t| (t % MIN_NS) as f64 / MIN_NS as f64)
        .collect();
    u.sort_by(f64::total_cmp);
    let n = u.len() as f64;
    let d = u
        .iter()
        .enumerate()
        .map(|(i, &x)| (x - i as f64 / n).abs().max(((i + 1) as f64 / n - x).abs()))
        .fold(0.0, f64::max);
    assert!(d < 1.95 / n.sqrt(), "KS D = {d}");
    // Poisson: per-minute counts Poisson(50): total within 4 sd, dispersion (variance/mean)
    // within 4 sd of 1 (sd of the dispersion index ~ sqrt(2/(k-1)) for k minutes).
    let w = open(&base("poisson"));
    let ts = arrivals(&w, 0, 1);
    let k = 2880.0;
    let total = ts.len() as f64;
    assert!(
        (total - 50.0 * k).abs() < 4.0 * (50.0 * k).sqrt(),
        "total {total}"
    );
    let pm = per_minute(&ts);
    let counts: Vec<f64> = (0..2880u64)
        .map(|m| *pm.get(&m).unwrap_or(&0) as f64)
        .collect();
    let mean = counts.iter().sum::<f64>() / k;
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (k - 1.0);
    assert!(
        (var / mean - 1.0).abs() < 4.0 * (2.0 / (k - 1.0)).sqrt(),
        "dispersion {}",
        var / mean
    );
    // Same seed, same arrivals; another seed, others.
    assert_eq!(arrivals(&w, 0, 1), ts);
    assert_ne!(arrivals(&w, 0, 2), ts);
}

#[test]
fn selection_and_rescaling_are_deterministic_by_seed() {
    let dir = TempDir::new("sel");
    azure2019(&dir, 12, 1);
    let names = |w: &Workload| {
        w.functions
            .iter()
            .map(|f| f.spec.name.clone())
            .collect::<Vec<_>>()
    };
    // Top 2: the two busiest (3 then 1).
    let w = open(&azure2019_spec(&dir, "select = { kind = \"top\", n = 2 }"));
    let mut totals: Vec<u64> = w
        .loaded
        .as_ref()
        .unwrap()
        .functions
        .iter()
        .map(|f| f.invocations)
        .collect();
    totals.sort();
    assert_eq!(
        totals,
        vec![
            (0..1440).map(|m| count(1, 0, m)).sum::<u64>(),
            (0..1440).map(|m| count(3, 0, m)).sum::<u64>()
        ]
    );
    // A seeded sample: same seed, same set; the streams keep their trace index.
    let a = open(&azure2019_spec(
        &dir,
        "select = { kind = \"sample\", n = 5, seed = 7 }",
    ));
    let b = open(&azure2019_spec(
        &dir,
        "select = { kind = \"sample\", n = 5, seed = 7 }",
    ));
    let c = open(&azure2019_spec(
        &dir,
        "select = { kind = \"sample\", n = 5, seed = 8 }",
    ));
    assert_eq!(names(&a), names(&b));
    assert_eq!(a.functions.len(), 5);
    assert_ne!(names(&a), names(&c));
    let all = open(&azure2019_spec(&dir, ""));
    for f in &a.functions {
        let same = all
            .functions
            .iter()
            .find(|g| g.spec.name == f.spec.name)
            .unwrap();
        assert_eq!(same.stream, f.stream);
    }
    // Quartiles: 8 functions, two from each popularity quartile.
    let q = open(&azure2019_spec(
        &dir,
        "select = { kind = \"quartiles\", n = 8, seed = 1 }",
    ));
    assert_eq!(q.functions.len(), 8);
    // Rescaling by 0.5: same seed, same arrivals; about half as many.
    let h1 = open(&azure2019_spec(
        &dir,
        "scale = 0.5\nselect = { kind = \"top\", n = 1 }",
    ));
    let h2 = open(&azure2019_spec(
        &dir,
        "scale = 0.5\nselect = { kind = \"top\", n = 1 }",
    ));
    let (x, y) = (arrivals(&h1, 0, 4), arrivals(&h2, 0, 4));
    assert_eq!(x, y);
    let full: u64 = (0..1440).map(|m| count(3, 0, m)).sum();
    let half = full as f64 / 2.0;
    // Randomized rounding of 40.5 per minute on average: sd at most 0.5 per minute.
    assert!(
        (x.len() as f64 - half).abs() < 4.0 * (1440.0f64 * 0.25).sqrt(),
        "{} vs {half}",
        x.len()
    );
    // target_rate: the total mean rate becomes the target.
    let t = open(&azure2019_spec(&dir, "target_rate = \"10/s\""));
    let n: usize = (0..t.functions.len())
        .map(|i| arrivals(&t, i, 5).len())
        .sum();
    let want = 10.0 * 86_400.0;
    assert!(
        (n as f64 - want).abs() < 4.0 * want.sqrt() + 0.01 * want,
        "{n} vs {want}"
    );
    // A window: minutes [60, 120) become [0, 60).
    let win = open(&azure2019_spec(
        &dir,
        "start = \"1h\"\nend = \"2h\"\nplacement = \"equidistant\"",
    ));
    let f1 = win
        .functions
        .iter()
        .position(|f| f.spec.name.starts_with("fn01"))
        .unwrap();
    let got = per_minute(&arrivals(&win, f1, 0));
    let want: BTreeMap<u64, u64> = (60..120)
        .filter(|&m| count(1, 0, m) > 0)
        .map(|m| ((m - 60) as u64, count(1, 0, m)))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn azure2021_huawei_and_csv_replay_exactly() {
    let dir = TempDir::new("ev");
    // Azure 2021: start = end - duration, rows out of order.
    dir.write_str(
        "a21/trace.csv",
        "app,func,end_timestamp,duration\n\
         a,f,10.5,0.5\n\
         a,f,5.25,0.25\n\
         b,f,7.0,6.0\n\
         a,f,12.0,3.0\n\
         a,g,100.0,1.0\n",
    );
    let w = open(&format!(
        "kind = \"azure2021\"\npath = '{}'",
        dir.path().join("a21").display()
    ));
    assert_eq!(w.functions.len(), 3);
    let s = 1_000_000_000u64;
    assert_eq!(arrivals(&w, 0, 0), vec![5 * s, 9 * s, 10 * s]);
    assert_eq!(arrivals(&w, 1, 0), vec![s]);
    assert_eq!(arrivals(&w, 2, 0), vec![99 * s]);
    let d = w.functions[0].spec.duration.build().unwrap();
    assert!((d.quantile(1.0) - 3.0).abs() < 1e-9 && (d.quantile(0.0) - 0.25).abs() < 1e-9);
    // Huawei 2023: day, time, one column per function; empty cells are zero; "2.0" is 2.
    dir.write_str(
        "hw/requests_minute/day_00.csv",
        "day,time,0,1,7\n0,0,,3,1.0\n0,60,2.0,,\n0,120,,1,\n",
    );
    dir.write_str(
        "hw/requests_minute/day_01.csv",
        "day,time,0,1,7\n1,86400,5,,\n",
    );
    let w = open(&format!(
        "kind = \"huawei2023\"\npath = '{}'\ndefault_duration = {{ kind = \"constant\", value = \"10ms\" }}",
        dir.path().join("hw").display()
    ));
    let by_name =
        |w: &Workload, n: &str| w.functions.iter().position(|f| f.spec.name == n).unwrap();
    assert_eq!(
        per_minute(&arrivals(&w, by_name(&w, "0"), 0)),
        BTreeMap::from([(1, 2), (1440, 5)])
    );
    assert_eq!(
        per_minute(&arrivals(&w, by_name(&w, "1"), 0)),
        BTreeMap::from([(0, 3), (2, 1)])
    );
    assert_eq!(w.functions[by_name(&w, "7")].spec.memory_mb, 128);
    // Without durations every function is left out, and that is an error at run time.
    let e = spec(&format!(
        "kind = \"huawei2023\"\npath = '{}'",
        dir.path().join("hw").display()
    ))
    .open(Path::new(""))
    .unwrap();
    assert!(e.functions.is_empty());
    assert_eq!(e.loaded.unwrap().summary.dropped_no_duration, 3);
    // Generic CSV: written by `convert` from the Azure 2019 fixture, read back, same times.
    let a = TempDir::new("a19c");
    azure2019(&a, 4, 1);
    let src = open(&azure2019_spec(&a, ""));
    let mut out = Vec::new();
    let rows = faasim::input::workload::convert::write_csv(
        &src,
        src.loaded.as_ref().unwrap().span_ns,
        9,
        &mut out,
    )
    .unwrap();
    let total: usize = (0..4).map(|i| arrivals(&src, i, 9).len()).sum();
    assert_eq!(rows as usize, total);
    let csv = dir.write_str("log.csv", std::str::from_utf8(&out).unwrap());
    let back = open(&format!("kind = \"csv\"\npath = '{csv}'"));
    assert_eq!(back.functions.len(), 4);
    for i in 0..4 {
        let name = &src.functions[i].spec.name;
        let j = back
            .functions
            .iter()
            .position(|f| &f.spec.name == name)
            .unwrap();
        assert_eq!(arrivals(&back, j, 0), arrivals(&src, i, 9), "{name}");
        assert_eq!(
            back.functions[j].spec.memory_mb,
            src.functions[i].spec.memory_mb
        );
    }
}

#[test]
fn bad_rows_name_file_line_and_column_or_are_skipped() {
    let dir = TempDir::new("bad");
    let mut s = String::from("HashOwner,HashApp,HashFunction");
    for m in 1..=1440 {
        s.push_str(&format!(",{m}"));
    }
    s.push('\n');
    for (f, bad) in [("f1", false), ("f2", true), ("f3", false)] {
        s.push_str(&format!("o,a,{f}"));
        for m in 0..1440 {
            s.push_str(if bad && m == 4 { ",-3" } else { ",1" });
        }
        s.push('\n');
    }
    let path = dir.write_str("inv.d01.csv", &s);
    let text = azure2019_spec(
        &dir,
        "default_duration = { kind = \"constant\", value = \"1ms\" }",
    );
    let e = spec(&text).open(Path::new("")).unwrap_err();
    // Line 3, column of minute 5's field: "o,a,f2," is 7 characters, then four "1," fields.
    assert_eq!(
        (e.origin.as_str(), e.line, e.column),
        (path.as_str(), Some(3), Some(16))
    );
    assert!(
        e.message.contains("minute 5") && e.message.contains("\"-3\""),
        "{e}"
    );
    let w = open(&format!("{text}\nbad_rows = \"skip\""));
    assert_eq!(w.functions.len(), 2);
    let sum = &w.loaded.as_ref().unwrap().summary;
    assert_eq!(sum.bad_rows, 1);
    assert_eq!(sum.first_bad.as_ref().unwrap().line, Some(3));
    // Through the command line: exit code 2 and the position.
    let sc = dir.write_str(
        "s.toml",
        &format!("[run]\nhorizon = \"1h\"\n[workload]\n{text}\n"),
    );
    let out = Command::new(BIN).args(["run", &sc]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{path}:3:16")), "{err}");
    // An unknown option is a load error naming the accepted ones.
    let bad = dir.write_str("u.toml", "[run]\nhorizon = \"1h\"\n[workload]\nkind = \"azure2019\"\npath = \"x\"\nplacment = \"uniform\"\n");
    let out = Command::new(BIN).args(["run", &bad]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("placment") && err.contains("placement"),
        "{err}"
    );
}

#[test]
fn stats_prints_the_known_figures() {
    let dir = TempDir::new("stats");
    // Four functions in three apps over one day: 10 (at most hourly), 100 and 1000 (at most
    // once a minute), 7200 (five a minute).
    let mut s = String::from("HashOwner,HashApp,HashFunction,Trigger");
    for m in 1..=1440 {
        s.push_str(&format!(",{m}"));
    }
    s.push('\n');
    for (f, app, per) in [
        ("f1", "a1", 10u64),
        ("f2", "a1", 100),
        ("f3", "a2", 1000),
        ("f4", "a3", 7200),
    ] {
        s.push_str(&format!("o,{app},{f},timer"));
        for m in 0..1440u64 {
            let c = per / 1440 + u64::from(m < per % 1440);
            s.push_str(&format!(",{c}"));
        }
        s.push('\n');
    }
    dir.write_str("inv.d01.csv", &s);
    let out = Command::new(BIN)
        .args([
            "trace",
            "stats",
            dir.path().to_str().unwrap(),
            "--set",
            "default_duration={kind=\"constant\",value=\"250ms\"}",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "workload      azure2019" as &str,
        "functions     4",
        "applications  3",
        "invocations   8310 over 86400 s",
        "at most once an hour   25.0% of functions, 0.0% of applications",
        "at most once a minute  75.0% of functions, 66.7% of applications",
        &format!("p{:<3} {:>10}", 50, "250"),
        &format!("p{:<3} {:>10}", 0, "10.00"),
        &format!("p{:<3} {:>10}", 100, "7200"),
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

#[test]
fn a_scenario_replays_its_workload_beside_its_functions() {
    let dir = TempDir::new("scen");
    azure2019(&dir, 4, 1);
    let body = format!(
        "[run]\nhorizon = \"1d\"\nseed = 3\n[platform]\naccount_concurrency = 10000\n\
         [workload]\n{}\ncold_start = {{ kind = \"constant\", value = \"200ms\" }}\n",
        azure2019_spec(&dir, "placement = \"uniform\"")
    );
    let only = dir.write_str("only.toml", &body);
    let both = dir.write_str(
        "both.toml",
        &format!(
            "{body}\n[[function]]\nname = \"extra\"\nduration = {{ kind = \"constant\", value = \"1ms\" }}\narrivals = {{ kind = \"poisson\", rate = \"1/s\" }}\n"
        ),
    );
    let total: u64 = (0..4)
        .flat_map(|f| (0..1440).map(move |m| count(f, 0, m)))
        .sum();
    let r1 = faasim::simulate(&faasim::Scenario::load(&only, &[]).unwrap()).unwrap();
    assert_eq!(r1.counts.arrivals, total);
    let r2 = faasim::simulate(&faasim::Scenario::load(&both, &[]).unwrap()).unwrap();
    // The trace functions' arrivals do not move when a [[function]] is added.
    for f in &r1.functions {
        let g = r2.functions.iter().find(|g| g.name == f.name).unwrap();
        assert_eq!(f.counts.arrivals, g.counts.arrivals, "{}", f.name);
        assert_eq!(f.counts.cold_starts, g.counts.cold_starts, "{}", f.name);
    }
    assert!(r2.functions.iter().any(|f| f.name == "extra"));
}

fn apps_of(pop: &[synth::SynthApp]) -> (Vec<f64>, Vec<f64>) {
    (
        pop.iter().map(|a| a.per_day()).collect(),
        pop.iter().map(|a| a.memory_mb).collect(),
    )
}

#[test]
fn azure_like_population_matches_the_published_figures() {
    // 20,000 functions. Tolerances are 4 standard errors at the population size used.
    let s = SynthSpec {
        functions: 20_000,
        ..toml::from_str::<SynthSpec>("functions = 1").unwrap()
    };
    let pop = s.population();
    let (rates, mem) = apps_of(&pop);
    let na = rates.len() as f64;
    let share = |pred: &dyn Fn(f64) -> bool| rates.iter().filter(|&&r| pred(r)).count() as f64 / na;
    let tol = |p: f64| 4.0 * (p * (1.0 - p) / na).sqrt();
    // Timers snap their rate to a divisor of a day; 24 and 1,440 are divisors, so no function
    // crosses a threshold (an app of several functions rarely may).
    let hour = share(&|r| r <= 24.0);
    let minute = share(&|r| r <= 1440.0);
    assert!(
        (hour - 0.45).abs() < tol(0.45),
        "at most hourly: {hour} ({na} apps)"
    );
    assert!(
        (minute - 0.81).abs() < tol(0.81),
        "at most once a minute: {minute}"
    );
    // Functions per application: 54% one, 95% at most ten.
    let sizes: Vec<usize> = pop.iter().map(|a| a.functions.len()).collect();
    let one = sizes.iter().filter(|&&k| k == 1).count() as f64 / na;
    let ten = sizes.iter().filter(|&&k| k <= 10).count() as f64 / na;
    assert!((one - 0.54).abs() < tol(0.54), "one function: {one}");
    assert!((ten - 0.95).abs() < tol(0.95), "at most ten: {ten}");
    let (lo, hi) = rates
        .iter()
        .fold((f64::MAX, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
    let decades = (hi / lo).log10();
    assert!(
        (7.0..=8.0 + 1e-9).contains(&decades),
        "rates span {decades} decades"
    );
    // Average durations: ln is normal(-0.38, 2.36).
    let lns: Vec<f64> = pop
        .iter()
        .flat_map(|a| a.functions.iter().map(|f| f.avg_duration.ln()))
        .collect();
    let n = lns.len() as f64;
    let mean = lns.iter().sum::<f64>() / n;
    let sd = (lns.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!(
        (mean + 0.38).abs() < 4.0 * 2.36 / n.sqrt(),
        "log-mean {mean}"
    );
    assert!(
        (sd - 2.36).abs() < 4.0 * 2.36 / (2.0 * n).sqrt(),
        "log-sigma {sd}"
    );
    // Memory per app: the empirical CDF at Burr quantiles.
    for p in [0.1f64, 0.25, 0.5, 0.75, 0.9, 0.99] {
        let x = synth::BURR_LAMBDA
            * ((1.0 - p).powf(-1.0 / synth::BURR_K) - 1.0).powf(1.0 / synth::BURR_C);
        let f = mem.iter().filter(|&&m| m <= x).count() as f64 / na;
        assert!(
            (f - p).abs() < tol(p),
            "memory CDF at {x:.1} MB: {f} vs {p}"
        );
    }
    // Timers repeat every day: arrivals on day 2 are those of day 1 plus 24 h.
    let w = WorkloadSpec::AzureLike(s).open(Path::new("")).unwrap();
    let timers: Vec<usize> = (0..w.functions.len())
        .filter(|&i| w.functions[i].trigger.as_deref() == Some("timer"))
        .take(50)
        .collect();
    assert_eq!(timers.len(), 50);
    let day = 86_400_000_000_000u64;
    for &i in &timers {
        let f = &w.functions[i];
        let mut a = f.spec.arrivals.build(1.0).unwrap();
        let mut r = stream(0, 0, StreamKind::Arrivals, f.stream);
        let mut ts = Vec::new();
        while let Some(t) = a.next(&mut r).map(|t| t.ns()) {
            if t >= 2 * day {
                break;
            }
            ts.push(t);
        }
        let (d1, d2): (Vec<u64>, Vec<u64>) = ts.iter().partition(|&&t| t < day);
        assert_eq!(d1.len(), d2.len());
        for (a, b) in d1.iter().zip(&d2) {
            assert_eq!(b - a, day, "{} is not daily", f.spec.name);
        }
    }
}

/// No input makes a reader panic: random bytes, and valid files with bytes changed, inserted
/// or cut, for each format, each loaded with bad_rows = "fail" and "skip", then replayed and
/// summarized (part of the fuzzing campaign: FAASIM_FUZZ_CASES inputs each).
#[test]
fn fuzz_trace_readers_random_bytes() {
    crate::properties::campaign(
        "trace readers (random bytes)",
        (proptest::collection::vec(any::<u8>(), 0..600), 0usize..4),
        |(bytes, kind): (Vec<u8>, usize)| {
            let dir = TempDir::new("fz");
            fuzz_one(&dir, kind, &bytes);
            Ok(())
        },
    );
}

#[test]
fn fuzz_trace_readers_mutated_files() {
    crate::properties::campaign(
        "trace readers (mutated files)",
        (
            0usize..4,
            proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 1..8),
        ),
        |(kind, edits): (usize, Vec<(u16, u8, u8)>)| {
            let dir = TempDir::new("fm");
            let mut bytes = valid_file(kind).into_bytes();
            for (pos, b, op) in edits {
                let p = pos as usize % (bytes.len() + 1);
                match op {
                    0 if p < bytes.len() => bytes[p] = b,
                    1 => bytes.insert(p, b),
                    _ => {
                        bytes.truncate(p.max(1));
                    }
                }
            }
            fuzz_one(&dir, kind, &bytes);
            Ok(())
        },
    );
}

const KINDS: [&str; 4] = ["azure2019", "azure2021", "huawei2023", "csv"];

fn valid_file(kind: usize) -> String {
    match kind {
        0 => "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f,http,1,0,2\no,a,g,timer,0,0,1\n"
            .into(),
        1 => "app,func,end_timestamp,duration\na,f,10.5,0.5\nb,g,3.0,4.0\n".into(),
        2 => "day,time,0,1\n0,0,,3\n0,60,2.0,\n".into(),
        _ => "timestamp,function,app,duration_ms,memory_mb\n0.5,f,a,12.5,256\n1.25,g,a,,\n".into(),
    }
}

/// Loads `bytes` as each kind, replays every function for a while, and computes stats: any
/// outcome but a panic is fine.
fn fuzz_one(dir: &TempDir, kind: usize, bytes: &[u8]) {
    let p = dir.path().join("input.csv");
    std::fs::write(&p, bytes).unwrap();
    for bad in ["fail", "skip"] {
        let text = format!(
            "kind = \"{}\"\npath = '{}'\nbad_rows = \"{bad}\"\ndefault_duration = {{ kind = \"constant\", value = \"1ms\" }}\n",
            KINDS[kind],
            p.display()
        );
        if let Ok(w) = spec(&text).open(Path::new("")) {
            for i in 0..w.functions.len().min(20) {
                let f = &w.functions[i];
                if let Ok(mut a) = f.spec.arrivals.build(1.0) {
                    let mut r = stream(0, 0, StreamKind::Arrivals, f.stream);
                    for _ in 0..10_000 {
                        if a.next(&mut r).is_none() {
                            break;
                        }
                    }
                }
                let _ = f.spec.duration.build();
            }
            let _ = faasim::input::workload::stats::compute(&w, 86_400_000_000_000, 0);
        }
    }
}

/// The real samples in ../shared/data (not part of a clone of the repository).
fn shared_data() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/azure2019");
    assert!(
        p.is_dir(),
        "{} is missing: this test is run on purpose (--ignored), so it fails rather than skip",
        p.display()
    );
    p
}

#[test]
#[ignore = "replays ../shared/data/azure2019, which a clone of the repository does not have: cargo test -- --ignored real_samples"]
fn real_samples_when_present() {
    let root = shared_data();
    // fifty_functions (sampler variant): 283,330 invocations; 36% at most hourly, 78% at most
    // once a minute (../shared/data/README.md).
    let w = open(&format!(
        "kind = \"azure2019\"\npath = '{}'",
        root.join("fifty_functions").display()
    ));
    assert_eq!(w.functions.len(), 50);
    let l = w.loaded.as_ref().unwrap();
    assert_eq!(
        l.functions.iter().map(|f| f.invocations).sum::<u64>(),
        283_330
    );
    let s = faasim::input::workload::stats::compute(&w, l.span_ns, 0);
    assert_eq!(s.invocations, 283_330);
    assert!((s.fn_hour - 0.36).abs() < 1e-9 && (s.fn_minute - 0.78).abs() < 1e-9);
    // one_function (released schema): about 20.8 million invocations in the day.
    let w = open(&format!(
        "kind = \"azure2019\"\npath = '{}'",
        root.join("one_function").display()
    ));
    let n = w.loaded.as_ref().unwrap().functions[0].invocations;
    assert!((20_700_000..20_900_000).contains(&n), "{n}");
    assert_eq!(w.functions[0].spec.memory_mb, 213);
}
