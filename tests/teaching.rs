//! Teaching and seeing: `faasim explain` and its Gantt chart, the self-contained HTML reports
//! of `run --report` and `sweep --report` (rendered in headless Chromium when it is installed),
//! and the tour (docs/tour.md), whose every command is run here or by .ci/run.

use crate::util::TempDir;
use faasim::Scenario;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_faasim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Where the tests keep what a person may want to look at (screenshots, reports):
/// target/tmp/teaching/.
fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("teaching");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a program with a time limit; kills it when the limit passes.
fn run_limited(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    // Drain the pipes in threads so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).ok();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

/// Runs `faasim ARGS` in `dir` and asserts success; returns stdout.
fn faasim_ok(dir: &Path, args: &[&str]) -> String {
    let o = run_limited(
        Command::new(BIN).args(args).current_dir(dir),
        Duration::from_secs(180),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "faasim {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn explain_tells_a_cold_start_story_and_draws_it() {
    let dir = TempDir::new("explain");
    let out = faasim_ok(
        dir.path(),
        &[
            "explain",
            "cold-start-101",
            "--events",
            "1000",
            "--chart",
            "cold.png",
        ],
    );
    for words in [
        "request 1 for api: no idle environment → cold start of environment 1, 250 ms init",
        "→ warm start",
        "idle for 1 min → evicted (its keep-alive ran out)",
        "That is the whole run",
    ] {
        assert!(out.contains(words), "missing {words:?} in:\n{out}");
    }
    // A cold start again after an eviction: environment 2 exists.
    assert!(out.contains("cold start of environment 2"), "{out}");
    let png = std::fs::read(dir.path().join("cold.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    faasim_ok(
        dir.path(),
        &[
            "explain",
            "scale-out-101",
            "--events",
            "40",
            "--chart",
            "burst.svg",
        ],
    );
    let svg = std::fs::read_to_string(dir.path().join("burst.svg")).unwrap();
    for words in [
        "initializing (cold start)",
        "request: throttled",
        "resize #6",
    ] {
        assert!(svg.contains(words), "the chart lacks {words:?}");
    }
}

#[test]
fn explain_counts_agree_with_the_report() {
    for (name, sets) in [
        ("cold-start-101", vec![]),
        ("scale-out-101", vec![]),
        // Provisioned environments, a pre-warming policy, several requests per instance.
        (
            "hello",
            vec![
                "run.horizon=20min".to_string(),
                "function.0.provisioned_concurrency=1".to_string(),
                "keep_alive={kind=\"hybrid-histogram\"}".to_string(),
            ],
        ),
        // Keep-warm pings, which are admitted without an arrival.
        (
            "cold-start-101",
            vec!["function.0.ping={every=\"2min\"}".to_string()],
        ),
        (
            "scale-out-101",
            vec![
                "platform.model=\"gcp-cloud-run\"".to_string(),
                "function.0.concurrency_per_instance=4".to_string(),
            ],
        ),
    ] {
        let sc = Scenario::load(name, &sets).unwrap_or_else(|e| panic!("{e}"));
        let told = faasim::views::explain::explain(&sc, usize::MAX).unwrap();
        assert!(!told.truncated, "{name}: everything fits");
        if sets.iter().any(|s| s.contains("ping")) {
            assert!(told
                .lines
                .iter()
                .any(|l| l.contains("keep-warm ping for api")));
        }
        // Keep-warm pings are told too, but are not requests.
        let count = |pat: &str| {
            told.lines
                .iter()
                .filter(|l| l.contains(pat) && !l.contains("keep-warm ping"))
                .count() as u64
        };
        let c = &told.report.counts;
        let cold = count("→ cold start of environment") + count("→ waits for its cold start");
        assert_eq!(cold, c.cold_starts, "{name}: cold starts");
        assert_eq!(count("→ warm start"), c.warm_starts, "{name}: warm starts");
        assert_eq!(count("→ throttled"), c.throttled, "{name}: throttles");
        assert_eq!(
            count(" done on environment "),
            c.completed,
            "{name}: completions"
        );
        // Requests are numbered 1, 2, 3, ... in order of arrival.
        let mut next = 1u64;
        for l in &told.lines {
            let Some(rest) = l.split("  request ").nth(1) else {
                continue;
            };
            let (n, after) = rest.split_once(' ').unwrap();
            if after.starts_with("for ") {
                assert_eq!(n.parse::<u64>().unwrap(), next, "{name}: {l}");
                next += 1;
            }
        }
        // Each row's segments are in order, do not overlap and end by the chart's end.
        for row in &told.gantt.rows {
            let mut t = 0;
            for &(s, e, _) in &row.segments {
                assert!(s >= t && e >= s, "{name}: {} out of order", row.label);
                assert!(e <= told.gantt.end, "{name}: {} past the end", row.label);
                t = e;
            }
        }
    }
}

#[test]
fn explain_stops_where_asked_and_the_chart_covers_that_stretch() {
    let sc = Scenario::load("scale-out-101", &[]).unwrap();
    let told = faasim::views::explain::explain(&sc, 25).unwrap();
    assert_eq!(told.lines.len(), 25);
    assert!(told.truncated);
    assert!(told.until < sc.run.horizon.ns());
    assert_eq!(told.gantt.end, told.until);
    let whole = faasim::views::explain::explain(&sc, usize::MAX).unwrap();
    assert_eq!(&whole.lines[..25], &told.lines[..], "the same story, cut");
    assert_eq!(
        whole.report.to_json(),
        faasim::simulate(&sc).unwrap().to_json()
    );
}

#[test]
fn explain_rejects_a_bad_chart_name() {
    let dir = TempDir::new("badchart");
    let o = Command::new(BIN)
        .args(["explain", "cold-start-101", "--chart", "x.jpg"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains(".png, .svg"));
}

/// Checks that an HTML file needs nothing from outside: no scripts, no external styles,
/// fonts, images or links; the only URL is the SVG namespace.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "@import",
        "url(",
        "src=",
        "href=",
        "@font-face",
    ] {
        assert!(!lower.contains(bad), "the report contains {bad:?}");
    }
    let without_ns = lower.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_ns.contains("http:") && !without_ns.contains("https:"),
        "the report names a URL"
    );
}

#[test]
fn run_report_is_one_self_contained_file() {
    let dir = TempDir::new("runreport");
    faasim_ok(
        dir.path(),
        &[
            "run",
            "cold-start-101",
            "--set",
            "keep_alive.ttl=2min",
            "--report",
            "r.html",
        ],
    );
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert_self_contained(&html);
    assert_eq!(html.matches("<svg ").count(), 2, "timeline and latency CDF");
    for words in [
        "faasim report: cold-start-101",
        "cold starts",
        "Cost",
        "always-on fleet",
        "name = &quot;cold-start-101&quot;",
        "--set keep_alive.ttl=2min",
        "environments over time",
    ] {
        assert!(html.contains(words), "the report lacks {words:?}");
    }
}

const SWEEP: &str = r#"
name = "teach-sweep"
description = "Keep-alive against arrival rate on one function"
seed = 11
replications = 3
baseline = { ttl = "1min" }

[[axis]]
name = "ttl"
path = "keep_alive.ttl"
values = ["1min", "5min"]

[[axis]]
name = "rate"
path = "function.0.arrivals.rate"
values = ["1/min", "6/min"]

[base]
name = "one-function"
[base.run]
horizon = "2h"
[base.keep_alive]
kind = "fixed"
ttl = "1min"
[base.metrics]
timeseries = "1min"
[[base.function]]
name = "api"
duration = { kind = "constant", value = "100ms" }
cold_start = { kind = "constant", value = "250ms" }
arrivals = { kind = "poisson", rate = "1/min" }

[[plot]]
kind = "metric"
x = "rate"
y = "cold_start_probability"

[[plot]]
kind = "tradeoff"

[[plot]]
kind = "timeline"
"#;

/// Runs the small sweep with --report into `dir`/out; returns the report's path.
fn sweep_with_report(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("exp.toml"), SWEEP).unwrap();
    faasim_ok(
        dir,
        &[
            "sweep",
            "exp.toml",
            "--out",
            "out",
            "--threads",
            "2",
            "--report",
        ],
    );
    dir.join("out/report.html")
}

#[test]
fn sweep_report_has_the_summary_with_intervals_and_every_plot() {
    let dir = TempDir::new("sweepreport");
    let path = sweep_with_report(dir.path());
    let html = std::fs::read_to_string(&path).unwrap();
    assert_self_contained(&html);
    let svgs = std::fs::read_dir(dir.path().join("out/plots"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count();
    assert_eq!(svgs, 3);
    assert_eq!(html.matches("<svg ").count(), svgs, "every plot inline");
    for words in [
        "faasim sweep: teach-sweep",
        "Key figures per point",
        "Paired differences against the baseline",
        "cold starts (%)",
        " ± ",
        "summary.csv:",
        "name = &quot;teach-sweep&quot;",
    ] {
        assert!(html.contains(words), "the report lacks {words:?}");
    }
    // Every row of summary.csv is in the full table.
    let rows = std::fs::read_to_string(dir.path().join("out/summary.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert!(html.contains(&format!("summary.csv: {rows} rows")));
}

/// The Chromium binary, if one is installed (Debian's package is `chromium`).
fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("FAASIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs headless Chromium on `page` with `extra` flags and a fresh profile.
fn chromium_on(browser: &Path, page: &Path, profile: &Path, extra: &[String]) -> Output {
    let url = format!("file://{}", page.display());
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(url);
    run_limited(&mut cmd, Duration::from_secs(90))
}

/// Pixels of the PNG at `path` within a small distance of `rgb`.
fn pixels_like(path: &Path, rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    assert!(step >= 3, "an RGB screenshot");
    buf[..info.buffer_size()]
        .chunks(step)
        .filter(|p| (0..3).all(|i| (p[i] as i32 - rgb[i] as i32).abs() <= 6))
        .count()
}

#[test]
#[ignore = "needs chromium; .ci/run installs it and runs this with --ignored"]
fn reports_render_in_headless_chromium() {
    let browser = chromium().expect(
        "chromium is not installed (apt-get install -y chromium); this test is run on purpose, so it fails rather than skip",
    );
    let dir = TempDir::new("chromium");
    let keep = artifacts();
    // One run's report and one sweep's.
    let run_html = keep.join("run-report.html");
    faasim_ok(
        dir.path(),
        &[
            "run",
            "scale-out-101",
            "--report",
            run_html.to_str().unwrap(),
        ],
    );
    let sweep_html = keep.join("sweep-report.html");
    std::fs::copy(sweep_with_report(dir.path()), &sweep_html).unwrap();

    for (page, svgs, height) in [(&run_html, 2, 2600), (&sweep_html, 3, 3400)] {
        let stem = page.file_stem().unwrap().to_str().unwrap().to_string();
        // The DOM after parsing: every plot is an <svg> element with its text.
        let o = chromium_on(
            &browser,
            page,
            &dir.path().join(format!("profile-dom-{stem}")),
            &["--dump-dom".to_string()],
        );
        let dom = String::from_utf8_lossy(&o.stdout);
        let log = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "chromium failed on {stem}:\n{log}");
        assert_eq!(
            dom.matches("<svg ").count(),
            svgs,
            "{stem}: plots in the DOM"
        );
        assert!(dom.contains("<text"), "{stem}: plot text in the DOM");
        // Console messages (errors included) are logged as "CONSOLE(...)" / ":CONSOLE:".
        let console: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
            .collect();
        assert!(
            console.is_empty(),
            "{stem}: console messages:\n{console:#?}"
        );
        // The screenshot, kept, and the plots' colours in it: the plots are drawn.
        let shot = keep.join(format!("{stem}.png"));
        let _ = std::fs::remove_file(&shot);
        let o = chromium_on(
            &browser,
            page,
            &dir.path().join(format!("profile-shot-{stem}")),
            &[
                format!("--screenshot={}", shot.display()),
                format!("--window-size=1200,{height}"),
            ],
        );
        assert!(
            shot.is_file(),
            "no screenshot of {stem}:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        // The timeline's "busy" blue and the line charts' first colour are the same.
        let blue = pixels_like(&shot, [31, 119, 180]);
        assert!(
            blue > 500,
            "{stem}: only {blue} plot-blue pixels in {shot:?}"
        );
        println!("{stem}: screenshot in {}", shot.display());
    }
}

/// The commands of docs/tour.md's ```sh blocks, one per line.
fn tour_commands() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("docs/tour.md")).unwrap();
    let mut cmds = Vec::new();
    let mut in_sh = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_sh = !in_sh && t == "```sh";
            continue;
        }
        if in_sh && !t.is_empty() && !t.starts_with('#') {
            cmds.push(t.to_string());
        }
    }
    cmds
}

/// Splits a command line into words (no quoting is used in the tour's faasim lines).
fn words(cmd: &str) -> Vec<&str> {
    cmd.split_whitespace().collect()
}

#[test]
fn every_tour_command_runs() {
    let cmds = tour_commands();
    assert!(cmds.len() >= 10, "the tour has its commands: {cmds:?}");
    let ci = std::fs::read_to_string(Path::new(ROOT).join(".ci/run")).unwrap();
    let dir = TempDir::new("tour");
    // The tour runs from the repository's root; give the scratch directory its experiments.
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        Path::new(ROOT).join("experiments"),
        dir.path().join("experiments"),
    )
    .unwrap();
    let mut ran = 0;
    for cmd in &cmds {
        let w = words(cmd);
        match w[0] {
            "faasim" => {
                assert!(
                    !cmd.contains(['\'', '"', '|', '>', '&', ';']),
                    "keep tour commands plain: {cmd}"
                );
                let out = faasim_ok(dir.path(), &w[1..]);
                assert!(
                    !out.is_empty() || cmd.contains("sweep"),
                    "{cmd} printed nothing"
                );
                ran += 1;
            }
            // Setting PATH is the shell's business.
            "export" => assert_eq!(cmd, "export PATH=\"$PWD/target/release:$PATH\""),
            // Everything else (cargo, python, jupyter) is a command .ci/run runs as written.
            _ => assert!(
                ci.lines()
                    .any(|l| !l.trim_start().starts_with('#') && l.contains(cmd.as_str())),
                "the tour's `{cmd}` is neither a faasim command nor run by .ci/run"
            ),
        }
    }
    assert!(ran >= 8, "{ran} faasim commands");
    // What the tour says appears does.
    for f in [
        "cold-start-101.png",
        "scale-out-101.svg",
        "spike.png",
        "spike.html",
        "out/keep-alive-tradeoff/report.html",
        "out/keep-alive-tradeoff/plots/tradeoff.png",
    ] {
        assert!(dir.path().join(f).is_file(), "the tour promises {f}");
    }
    // And its pictures are in the repository.
    let text = std::fs::read_to_string(Path::new(ROOT).join("docs/tour.md")).unwrap();
    for pic in text.split("](img/").skip(1) {
        let name = pic.split(')').next().unwrap();
        let p = Path::new(ROOT).join("docs/img").join(name);
        assert!(p.is_file(), "docs/tour.md shows {p:?}, which is missing");
    }
}

#[test]
fn teaching_scenarios_are_built_in() {
    let names: Vec<&str> = faasim::input::scenario::BUILTIN
        .iter()
        .map(|(n, _)| *n)
        .collect();
    for n in ["cold-start-101", "scale-out-101"] {
        assert!(names.contains(&n), "{n} is built in");
        let sc = Scenario::load(n, &[]).unwrap();
        let r = faasim::simulate(&sc).unwrap();
        assert!(r.counts.cold_starts > 1 && r.counts.warm_starts > 1, "{n}");
    }
    let sc = Scenario::load("scale-out-101", &[]).unwrap();
    assert!(faasim::simulate(&sc).unwrap().counts.throttled > 0);
}
