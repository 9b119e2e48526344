//! The experiment runner as a user meets it: `faasim sweep`, `merge` and `plot` run as child
//! processes; outputs compared byte for byte across thread counts, shard splits and resumes.

use crate::util::TempDir;
use faasim::lab::stats::Summary;
use faasim::Experiment;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_faasim");

/// Runs `faasim ARGS` in `dir`.
fn faasim(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the faasim binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "stderr:\n{}", stderr(o));
}

/// Asserts exit code 2 and returns stderr.
fn bad(o: &Output) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr:\n{e}");
    assert!(!e.contains("panicked"), "{e}");
    e
}

/// A small experiment: 3 keep-alives × 3 replications of a 10-minute, 2/s scenario, with a
/// baseline and plots (9 runs, well under a second).
const SMALL: &str = r#"
name = "small"
description = "keep-alive against cold starts, tiny"
seed = 11
replications = 3
baseline = { ttl = 1 }

[base]
name = "tiny"
[base.run]
horizon = "10min"
[base.metrics]
timeseries = "30s"
[[base.function]]
name = "api"
memory_mb = 512
duration = { kind = "lognormal", median = "80ms", sigma = 0.6 }
cold_start = { kind = "constant", value = "250ms" }
arrivals = { kind = "poisson", rate = "2/s" }

[[axis]]
name = "ttl"
path = "keep_alive"
values = [{ kind = "none" }, { kind = "fixed", ttl = "1min" }, { kind = "fixed", ttl = "5min" }]
numeric = [0, 1, 5]
unit = "min"

[[plot]]
kind = "latency-cdf"

[[plot]]
kind = "metric"
x = "ttl"
y = "cold_start_probability"

[[plot]]
kind = "tradeoff"

[[plot]]
kind = "timeline"
point = { ttl = { kind = "fixed", ttl = "1min" } }
"#;

const OUTPUTS: [&str; 3] = ["runs.csv", "summary.csv", "manifest.json"];

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

fn assert_same_outputs(a: &Path, b: &Path) {
    for f in OUTPUTS {
        assert!(
            read(a, f) == read(b, f),
            "{f} differs between {a:?} and {b:?}"
        );
    }
}

fn sweep(dir: &TempDir, exp: &Path, out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["sweep", exp.to_str().unwrap(), "--out", out];
    args.extend_from_slice(extra);
    faasim(dir.path(), &args)
}

#[test]
fn outputs_do_not_depend_on_threads_or_shards() {
    let t = TempDir::new("det");
    let exp = t.write("small.toml", SMALL);
    ok(&sweep(&t, &exp, "one", &["--threads", "1"]));
    ok(&sweep(&t, &exp, "two", &["--threads", "2"]));
    assert_same_outputs(&t.join("one"), &t.join("two"));
    for i in 0..3 {
        let shard = format!("{i}/3");
        ok(&sweep(
            &t,
            &exp,
            &format!("s{i}"),
            &["--threads", "1", "--shard", &shard],
        ));
        // A shard alone writes its runs, not the tables.
        assert!(!t.join(&format!("s{i}")).join("runs.csv").exists());
        assert_eq!(
            std::fs::read_dir(t.join(&format!("s{i}/runs")))
                .unwrap()
                .count(),
            3,
            "shard {i} runs ids i, i+3, i+6"
        );
    }
    ok(&faasim(
        t.path(),
        &["merge", "s0", "s1", "s2", "--out", "merged"],
    ));
    assert_same_outputs(&t.join("one"), &t.join("merged"));

    // The tables hold what they should: 9 runs, 3 points × every metric, paired differences.
    let runs = String::from_utf8(read(&t.join("one"), "runs.csv")).unwrap();
    let lines: Vec<&str> = runs.lines().collect();
    assert_eq!(lines.len(), 10);
    assert!(lines[0].starts_with("run,point,replication,seed,ttl,arrivals,"));
    assert!(
        lines[1].starts_with("0,0,0,11,\"{ kind = \"\"none\"\" }\","),
        "{}",
        lines[1]
    );
    // Keep-alive none: every request is cold.
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let cells = |l: &str| -> Vec<String> { split_csv(l) };
    let r0 = cells(lines[1]);
    assert_eq!(r0[col("cold_start_probability")], "1");
    // Common random numbers: the same replication sees the same arrivals at every point.
    let arrivals: Vec<String> = lines[1..]
        .iter()
        .map(|l| cells(l)[col("arrivals")].clone())
        .collect();
    assert_eq!(arrivals[0], arrivals[3]);
    assert_eq!(arrivals[0], arrivals[6]);
    assert_ne!(arrivals[0], arrivals[1]);

    // summary.csv's mean and CI for cold_start_probability at point 2, by hand from runs.csv.
    let xs: Vec<f64> = lines[7..10]
        .iter()
        .map(|l| cells(l)[col("cold_start_probability")].parse().unwrap())
        .collect();
    let mean = xs.iter().sum::<f64>() / 3.0;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
    let half = 4.302653 * sd / 3f64.sqrt();
    let summary = String::from_utf8(read(&t.join("one"), "summary.csv")).unwrap();
    let row = summary
        .lines()
        .find(|l| l.starts_with("2,") && l.contains(",cold_start_probability,"))
        .expect("a summary row for point 2");
    let c = split_csv(row);
    assert_eq!(c[3], "3");
    assert!((c[4].parse::<f64>().unwrap() - mean).abs() < 1e-15);
    assert!((c[6].parse::<f64>().unwrap() - half).abs() < 1e-6 * half.max(1e-9));
    assert_eq!(c[7], "1", "baseline point");
    // The baseline's own difference is exactly zero.
    let base_row = summary
        .lines()
        .find(|l| l.starts_with("1,") && l.contains(",cold_start_probability,3,"))
        .unwrap();
    assert!(base_row.ends_with(",1,0,0,0"), "{base_row}");

    // Plots exist and are valid PNG / SVG of the expected size.
    for name in ["latency-cdf", "cold_start_probability-vs-ttl", "tradeoff"] {
        check_png(&t.join(&format!("one/plots/{name}.png")), 1000, 620);
        check_svg(&t.join(&format!("one/plots/{name}.svg")), 1000, 620);
    }
    check_png(&t.join("one/plots/timeline-1.png"), 1000, 760);
}

/// Splits one CSV line (RFC 4180 quoting).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn check_png(path: &Path, width: u32, height: u32) {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&b[12..16], b"IHDR");
    let w = u32::from_be_bytes(b[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(b[20..24].try_into().unwrap());
    assert_eq!((w, h), (width, height), "{}", path.display());
    // Not a blank image: a chart with text compresses to more than a few kilobytes.
    assert!(b.len() > 10_000, "{} is suspiciously small", path.display());
}

fn check_svg(path: &Path, width: u32, height: u32) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(
        s.starts_with(&format!("<svg width=\"{width}\" height=\"{height}\"")),
        "{}",
        &s[..s.len().min(100)]
    );
    assert!(s.trim_end().ends_with("</svg>"));
    assert!(s.contains("<text"), "an SVG chart has labels");
    assert_eq!(s.matches("<svg").count(), s.matches("</svg>").count());
}

#[test]
fn resume_after_interruption_gives_identical_bytes() {
    let t = TempDir::new("resume");
    let exp = t.write("small.toml", SMALL);
    ok(&sweep(&t, &exp, "full", &["--threads", "2"]));
    // Interrupted: a shard that stopped part-way (runs 3 and 7 never written, run 5 half
    // written, a temporary file left behind by kill -9).
    ok(&sweep(&t, &exp, "cut", &["--threads", "2"]));
    let runs = t.join("cut/runs");
    std::fs::remove_file(runs.join("00000003.json")).unwrap();
    std::fs::remove_file(runs.join("00000007.json")).unwrap();
    std::fs::write(runs.join("00000005.json"), "{\"format\": 1, \"runs_sha").unwrap();
    std::fs::write(runs.join(".00000007.json.tmp-999-0"), "{\"form").unwrap();
    for f in OUTPUTS {
        std::fs::remove_file(t.join("cut").join(f)).unwrap();
    }
    // Without --resume the directory is not touched.
    let e = bad(&sweep(&t, &exp, "cut", &[]));
    assert!(e.contains("--resume"), "{e}");
    let o = sweep(&t, &exp, "cut", &["--resume", "--threads", "2"]);
    ok(&o);
    assert!(
        stderr(&o).contains("3 run(s) done, 6 already finished"),
        "{}",
        stderr(&o)
    );
    assert_same_outputs(&t.join("full"), &t.join("cut"));
    assert!(!runs.join(".00000007.json.tmp-999-0").exists());

    // A killed child process: resume finishes it with the same bytes.
    let slow = SMALL
        .replace("horizon = \"10min\"", "horizon = \"2h\"")
        .replace("replications = 3", "replications = 8")
        .replace("rate = \"2/s\"", "rate = \"200/s\"");
    let exp2 = t.write("slow.toml", &slow);
    ok(&sweep(&t, &exp2, "slow-full", &["--threads", "2"]));
    let mut child = Command::new(BIN)
        .args([
            "sweep",
            exp2.to_str().unwrap(),
            "--out",
            "slow-cut",
            "--threads",
            "1",
        ])
        .current_dir(t.path())
        .spawn()
        .unwrap();
    let slow_runs = t.join("slow-cut/runs");
    let start = std::time::Instant::now();
    while finished_runs(&slow_runs) < 3 && start.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    let finished = finished_runs(&slow_runs);
    assert!(
        (3..24).contains(&finished),
        "killed after {finished} of 24 runs"
    );
    ok(&sweep(
        &t,
        &exp2,
        "slow-cut",
        &["--resume", "--threads", "2"],
    ));
    assert_same_outputs(&t.join("slow-full"), &t.join("slow-cut"));
}

/// Finished run files in a runs/ directory (temporary files of writes in progress excluded).
fn finished_runs(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    })
}

#[test]
fn merge_names_missing_and_duplicated_runs() {
    let t = TempDir::new("merge");
    let exp = t.write("small.toml", SMALL);
    for i in 0..3 {
        ok(&sweep(
            &t,
            &exp,
            &format!("s{i}"),
            &["--shard", &format!("{i}/3")],
        ));
    }
    let e = bad(&faasim(t.path(), &["merge", "s0", "s2", "--out", "m"]));
    assert!(e.contains("3 of 9 runs are missing: 1, 4, 7"), "{e}");
    // A run in two shard directories.
    std::fs::copy(
        t.join("s0/runs/00000003.json"),
        t.join("s1/runs/00000003.json"),
    )
    .unwrap();
    let e = bad(&faasim(
        t.path(),
        &["merge", "s0", "s1", "s2", "--out", "m"],
    ));
    assert!(e.contains("1 run(s) are present more than once: 3"), "{e}");
    assert!(e.contains("s0") && e.contains("s1"), "{e}");
    // A directory of another experiment.
    let other = t.write("other.toml", &SMALL.replace("seed = 11", "seed = 12"));
    ok(&sweep(&t, &other, "o", &["--shard", "1/3"]));
    let e = bad(&faasim(t.path(), &["merge", "s0", "o", "--out", "m"]));
    assert!(e.contains("another experiment"), "{e}");
    let e = bad(&faasim(t.path(), &["merge", "nowhere", "--out", "m"]));
    assert!(e.contains("plan.json"), "{e}");
}

#[test]
fn confidence_intervals_match_student_t_by_hand() {
    let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(s.mean, 2.5);
    assert!((s.sd.unwrap() - 1.290994).abs() < 1e-6);
    assert!((s.ci95.unwrap() - 3.182446 * 1.290994 / 2.0).abs() < 1e-5);
    let s = Summary::of(&[10.0, 12.0]);
    assert!((s.ci95.unwrap() - 12.706205 * 2f64.sqrt() / 2f64.sqrt()).abs() < 1e-5);
    let d = Summary::paired(&[3.0, 5.0, 4.0], &[1.0, 2.0, 3.0]);
    assert_eq!(d.mean, 2.0);
    assert!((d.ci95.unwrap() - 4.302653 * 1.0 / 3f64.sqrt()).abs() < 1e-5);
}

#[test]
fn every_ready_experiment_parses_and_its_first_run_completes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml")
            || path.file_name().and_then(|n| n.to_str()) == Some("bench-standard.toml")
        {
            continue;
        }
        let exp = Experiment::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!exp.plots.is_empty(), "{}: draws nothing", path.display());
        let sc = exp.scenario(0).unwrap();
        let r = faasim::simulate_run(&sc, 0).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.counts.arrivals > 0, "{}", path.display());
        n += 1;
    }
    assert!(n >= 4, "expected the four ready experiments, found {n}");
}

#[test]
fn bad_experiment_files_get_clear_errors() {
    let t = TempDir::new("bad");
    let cases: &[(&str, &str, &[&str])] = &[
        // (file text, expected location, expected words)
        ("base = \"hello\"\nmode = \"cross\"\n", "bad.toml:2:8", &["grid", "zip"]),
        ("base = \"hello\"\nreplicatons = 3\n", "bad.toml:2:1", &["replicatons", "replications"]),
        ("base = \"hello\"\nreplications = 0\n", "bad.toml:2:1", &["replications", "at least 1"]),
        ("base = \"nowhere\"\n", "bad.toml:1:1", &["base", "built-in: hello"]),
        (
            "base = \"hello\"\n[[axis]]\npath = \"keep_alive.ttl\"\nvalues = [\"1min\", \"0s\"]\n",
            "bad.toml:4:",
            &["point 1", "keep_alive.ttl", "longer than 0"],
        ),
        (
            "base = \"hello\"\n[[axis]]\npath = \"keep_alive.ttl\"\nvalues = [\"1min\"]\n[[plot]]\nkind = \"metric\"\nx = \"keep_alive.ttl\"\ny = \"p99\"\n",
            "bad.toml:8:1",
            &["plot.0.y", "latency_ms.p99"],
        ),
        (
            "base = \"hello\"\n[[plot]]\nkind = \"histogram\"\n",
            "bad.toml:3:",
            &["latency-cdf", "timeline"],
        ),
        (
            "base = \"hello\"\nbaseline = { ttl = \"3min\" }\n[[axis]]\nname = \"ttl\"\npath = \"keep_alive.ttl\"\nvalues = [\"1min\"]\n",
            "bad.toml:2:",
            &["baseline.ttl", "\"1min\""],
        ),
    ];
    for (text, at, words) in cases {
        let f = t.write("bad.toml", text);
        let e = bad(&faasim(
            t.path(),
            &["sweep", f.to_str().unwrap(), "--out", "x"],
        ));
        assert!(e.contains(at), "expected {at} in: {e}");
        for w in *words {
            assert!(e.contains(w), "expected '{w}' in: {e}");
        }
    }
    let f = t.write("ok.toml", "base = \"hello\"\n");
    let e = bad(&faasim(
        t.path(),
        &["sweep", f.to_str().unwrap(), "--shard", "3/3"],
    ));
    assert!(e.contains("I/N"), "{e}");
    let e = bad(&faasim(t.path(), &["sweep", "missing.toml"]));
    assert!(
        e.contains("missing.toml") && e.contains("cannot read"),
        "{e}"
    );
}

#[test]
fn run_draws_a_timeline() {
    let t = TempDir::new("timeline");
    let o = faasim(
        t.path(),
        &[
            "run",
            "hello",
            "--set",
            "run.horizon=\"20min\"",
            "--timeline",
            "tl.png",
        ],
    );
    ok(&o);
    check_png(&t.join("tl.png"), 1000, 760);
    ok(&faasim(t.path(), &["run", "spike", "--timeline", "tl.svg"]));
    check_svg(&t.join("tl.svg"), 1000, 760);
    let e = bad(&faasim(t.path(), &["run", "hello", "--timeline", "tl.gif"]));
    assert!(e.contains(".png, .svg"), "{e}");
}
