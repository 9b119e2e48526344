//! Golden outputs: what the `faasim` binary prints and writes for every built-in scenario, every
//! scenario under experiments/ and every ready experiment that sweeps in under a minute, pinned
//! byte for byte (tests/golden/). They were recorded before the one-pipeline rebuild (issue 13)
//! so that a change of structure cannot move a figure unnoticed.
//!
//! When a change moves a figure on purpose, regenerate with
//! `FAASIM_BLESS=1 cargo test --release golden`, and say in the same commit which figures moved
//! and why. Outputs over [`INLINE_MAX`] bytes are pinned by their SHA-256 (`.sha256` files);
//! on a mismatch the output is left in target/golden-actual/ for a diff against a run of the
//! previous commit.

use crate::util::TempDir;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_faasim");

/// Larger outputs are pinned by hash, so that the repository does not carry megabytes of JSON.
const INLINE_MAX: usize = 1 << 20;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `faasim ARGS` from the repository root and returns stdout (asserting success).
fn faasim(args: &[&str]) -> Vec<u8> {
    let o = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .output()
        .expect("the faasim binary runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "faasim {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares `actual` with the golden file `name` under tests/golden/ (or its `.sha256`), or
/// writes it when FAASIM_BLESS is set.
fn check(name: &str, actual: &[u8]) {
    let dir = root().join("tests/golden");
    let full = dir.join(name);
    let hashed = dir.join(format!("{name}.sha256"));
    let pinned = format!("sha256 {} bytes {}\n", hex(actual), actual.len());
    if std::env::var_os("FAASIM_BLESS").is_some() {
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&full);
        let _ = std::fs::remove_file(&hashed);
        if actual.len() > INLINE_MAX {
            std::fs::write(&hashed, pinned).unwrap();
        } else {
            std::fs::write(&full, actual).unwrap();
        }
        return;
    }
    let same = if let Ok(expected) = std::fs::read(&full) {
        expected == actual
    } else if let Ok(expected) = std::fs::read_to_string(&hashed) {
        expected == pinned
    } else {
        panic!(
            "no golden file {} (record it with FAASIM_BLESS=1)",
            full.display()
        );
    };
    if !same {
        let out = root().join("target/golden-actual").join(name);
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        std::fs::write(&out, actual).unwrap();
        panic!(
            "{name} differs from its golden output; the new output is in {} \
             (if the change is meant, re-record with FAASIM_BLESS=1 and say why in the commit)",
            out.display()
        );
    }
}

/// The JSON report of `faasim run SCENARIO`, the text summary too for the small ones.
fn run(scenario: &str, golden: &str, text: bool) {
    check(
        &format!("run/{golden}.json"),
        &faasim(&["run", scenario, "--json"]),
    );
    if text {
        check(&format!("run/{golden}.txt"), &faasim(&["run", scenario]));
    }
}

#[test]
fn golden_hello() {
    run("hello", "hello", true);
}

#[test]
fn golden_spike() {
    run("spike", "spike", true);
}

#[test]
fn golden_simfaas() {
    run("simfaas", "simfaas", true);
}

#[test]
fn golden_bench_standard() {
    run("bench-standard", "bench-standard", false);
}

#[test]
fn golden_cold_start_101() {
    run("cold-start-101", "cold-start-101", true);
    check(
        "explain/cold-start-101.txt",
        &faasim(&["explain", "cold-start-101"]),
    );
}

#[test]
fn golden_scale_out_101() {
    run("scale-out-101", "scale-out-101", true);
    check(
        "explain/scale-out-101.txt",
        &faasim(&["explain", "scale-out-101"]),
    );
}

#[test]
fn golden_scenario_files() {
    // The built-in scenarios are these files; running them from their paths checks that a
    // file and a built-in name take the same road.
    for name in [
        "hello",
        "spike",
        "simfaas",
        "cold-start-101",
        "scale-out-101",
    ] {
        let path = format!("experiments/scenarios/{name}.toml");
        check(
            &format!("run/{name}.json"),
            &faasim(&["run", &path, "--json"]),
        );
    }
}

#[test]
fn golden_azure_like() {
    run("experiments/traces/azure-like.toml", "azure-like", false);
}

#[test]
#[ignore = "replays ../shared/data/azure2019, which a clone of the repository does not have"]
fn golden_azure2019_sample() {
    assert!(
        root()
            .join("../shared/data/azure2019/fifty_functions")
            .is_dir(),
        "../shared/data/azure2019/fifty_functions is missing"
    );
    run("experiments/traces/azure2019.toml", "azure2019", false);
}

#[test]
fn golden_compare_every_model() {
    let models = "aws-lambda,gcp-cloud-run,gcp-cloud-functions-gen1,gcp-cloud-functions-gen2,\
                  azure-functions,azure-functions-flex,cloudflare-workers,vercel-functions,\
                  netlify-functions";
    check(
        "compare/hello.txt",
        &faasim(&["compare", "hello", "--models", models]),
    );
}

/// runs.csv and summary.csv of `faasim sweep experiments/NAME.toml`.
fn sweep(name: &str) {
    let dir = TempDir::new(&format!("golden-{name}"));
    let out = dir.path().to_str().unwrap();
    faasim(&[
        "sweep",
        &format!("experiments/{name}.toml"),
        "--out",
        out,
        "--threads",
        "2",
    ]);
    for table in ["runs.csv", "summary.csv"] {
        let bytes = std::fs::read(Path::new(out).join(table)).unwrap();
        check(&format!("sweep/{name}/{table}"), &bytes);
    }
}

#[test]
fn golden_sweep_api_backend() {
    sweep("api-backend");
}

#[test]
fn golden_sweep_bench_sweep() {
    sweep("bench-sweep");
}

#[test]
fn golden_sweep_cost_crossover() {
    sweep("cost-crossover");
}

#[test]
fn golden_sweep_event_processing() {
    sweep("event-processing");
}

#[test]
fn golden_sweep_faascache() {
    sweep("faascache");
}

#[test]
fn golden_sweep_keep_alive_tradeoff() {
    sweep("keep-alive-tradeoff");
}

#[test]
fn golden_sweep_launch_spike() {
    sweep("launch-spike");
}

#[test]
fn golden_sweep_order_workflow() {
    sweep("order-workflow");
}

#[test]
fn golden_sweep_runtimes() {
    sweep("runtimes");
}

#[test]
fn golden_sweep_wordpress_cdn() {
    sweep("wordpress-cdn");
}

#[test]
#[ignore = "takes about 3 minutes on 2 cores; run with --ignored before a change to the core lands"]
fn golden_sweep_serverless_in_the_wild() {
    sweep("serverless-in-the-wild");
}
