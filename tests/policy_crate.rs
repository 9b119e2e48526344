//! The template crate for a researcher's own policy (examples/policy-crate), run as its user
//! would: its binary registers `adaptive-ttl` and hands the command line to faasim, and the
//! policy then goes everywhere a built-in goes (issue #16, item 1).

use crate::util::TempDir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The template's binary, built by `cargo test` with every example (or here, when a filtered
/// test run did not build examples).
fn binary() -> PathBuf {
    // target/<profile>/deps/tests-<hash> → target/<profile>/examples/policy-crate
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    let bin = profile_dir
        .join("examples")
        .join(format!("policy-crate{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--example", "policy-crate"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if release {
            cmd.arg("--release");
        }
        assert!(cmd.status().unwrap().success(), "building the template");
    }
    bin
}

fn template(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Sweeps the registered policy against built-ins with the template's own experiment: every
/// point runs, the CSV keeps each value (keys in order), plots label the policy like a built-in, the
/// replications see the same arrivals under every policy (common random numbers), and the
/// policy's parameters change what it does.
#[test]
fn a_registered_policy_is_swept_against_built_ins() {
    let out = TempDir::new("policy-crate");
    let dir = out.path().to_str().unwrap();
    let o = template(&[
        "sweep",
        "examples/policy-crate/experiment.toml",
        "--out",
        dir,
        "--report",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut runs = csv::Reader::from_path(out.join("runs.csv")).unwrap();
    let header = runs.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (policy, rep, arrivals, cold) = (
        col("policy"),
        col("replication"),
        col("arrivals"),
        col("cold_starts"),
    );
    let rows: Vec<csv::StringRecord> = runs.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4 * 3, "4 policies × 3 replications");
    let of = |p: &str, r: &str, c: usize| -> u64 {
        rows.iter()
            .find(|x| &x[policy] == p && &x[rep] == r)
            .unwrap_or_else(|| panic!("no run of {p} replication {r}"))[c]
            .parse()
            .unwrap()
    };
    let (mine, mine4) = (
        "{ kind = \"adaptive-ttl\" }",
        "{ factor = 4, kind = \"adaptive-ttl\" }",
    );
    for r in ["0", "1", "2"] {
        let a = of(mine, r, arrivals);
        for other in [
            mine4,
            "{ kind = \"fixed\", ttl = \"10min\" }",
            "{ kind = \"hybrid-histogram\" }",
        ] {
            assert_eq!(
                of(other, r, arrivals),
                a,
                "paired arrivals, replication {r}"
            );
        }
        // A longer keep-alive (4× the mean idle time instead of 2×) can only keep more
        // environments warm on the same arrivals.
        assert!(
            of(mine4, r, cold) < of(mine, r, cold),
            "factor 4 has fewer cold starts than factor 2"
        );
    }
    // The report and plots name the policy as a reader would, like the built-ins.
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains("adaptive-ttl factor=4"),
        "labelled in the report"
    );
    assert!(report.contains("fixed ttl=10min"));
    assert!(out.join("plots/tradeoff.svg").exists());
}

/// `run` with the policy set on the command line, and its parameters checked like a built-in's:
/// a misspelt one is refused with exit 2, naming the key and the accepted ones.
#[test]
fn a_registered_policy_runs_and_its_parameters_are_checked() {
    let o = template(&[
        "run",
        "hello",
        "--set",
        "keep_alive={kind=\"adaptive-ttl\",factor=3}",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("requests"));
    let o = template(&[
        "run",
        "hello",
        "--set",
        "keep_alive={kind=\"adaptive-ttl\",factr=3}",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("factr") && err.contains("factor"), "{err}");
    // An unknown kind lists the registered policy among the accepted ones.
    let o = template(&["run", "hello", "--set", "keep_alive={kind=\"adaptive\"}"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("adaptive-ttl"),
        "{}",
        text(&o.stderr)
    );
}
