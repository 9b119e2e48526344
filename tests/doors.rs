//! One door into a run: every way a caller can start a simulation — the command line, the
//! library's `simulate`, and `compile` + `Simulation` as tests and benches use it — goes through
//! the same compiled plan and gives the same report, byte for byte (issue 13: before the
//! rebuild a Cloud Run scenario got Cloud Run's 80 requests per instance through
//! `faasim::simulate` but 1 through `Simulation::new`).

use faasim::core::ids::FuncId;
use faasim::core::sim::Simulation;
use faasim::input::model;
use faasim::input::scenario::BUILTIN;
use faasim::Scenario;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_faasim");

/// The overrides that put a built-in scenario on `model`; the throughput benchmark is cut to
/// 100 s so that 54 pairs stay quick.
fn overrides(scenario: &str, model: &str) -> Vec<String> {
    let mut o = vec![format!("platform.model={model}")];
    if scenario == "bench-standard" {
        o.push("run.horizon=100s".into());
    }
    o
}

/// `faasim run SCENARIO --set ... --json`: stdout, or the error line with exit code 2.
fn cli(scenario: &str, set: &[String]) -> Result<String, String> {
    let mut cmd = Command::new(BIN);
    cmd.args(["run", scenario, "--json"]);
    for s in set {
        cmd.args(["--set", s]);
    }
    let o = cmd.output().expect("the faasim binary runs");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    match o.status.code() {
        Some(0) => Ok(String::from_utf8(o.stdout).unwrap()),
        Some(2) => Err(err),
        c => panic!("faasim run {scenario} {set:?}: exit {c:?}\n{err}"),
    }
}

#[test]
fn every_builtin_scenario_on_every_model_gives_the_same_report_through_the_library_and_the_cli() {
    let mut compared = 0;
    let mut refused = 0;
    for (name, _) in BUILTIN {
        for (m, _) in model::BUILTIN {
            let set = overrides(name, m);
            let lib = Scenario::load(name, &set)
                .and_then(|s| faasim::simulate(&s))
                .map(|r| r.to_json());
            let bin = cli(name, &set);
            match (lib, bin) {
                (Ok(a), Ok(b)) => {
                    assert!(
                        a.trim_end() == b.trim_end(),
                        "{name} on {m}: reports differ"
                    );
                    compared += 1;
                }
                (Err(a), Err(b)) => {
                    // The same message, which the CLI prefixes with "error: ".
                    assert!(b.contains(&a.to_string()), "{name} on {m}:\n{a}\n{b}");
                    refused += 1;
                }
                (a, b) => panic!(
                    "{name} on {m}: the library says {:?}, the CLI {:?}",
                    a.map(|_| "ok"),
                    b.map(|_| "ok")
                ),
            }
        }
    }
    // Most pairs run; a few are refused by the model's limits (and must be refused alike).
    assert_eq!(compared + refused, BUILTIN.len() * model::BUILTIN.len());
    assert!(
        compared >= 40,
        "only {compared} pairs ran ({refused} refused)"
    );
}

/// The case that started issue 13: on Cloud Run a function that leaves
/// `concurrency_per_instance` out serves 80 requests per instance, whichever door the run
/// comes in by.
#[test]
fn a_plan_built_by_hand_applies_the_models_defaults_too() {
    let sc = Scenario::load("hello", &["platform.model=gcp-cloud-run".to_string()]).unwrap();
    let plan = faasim::compile(&sc).unwrap();
    assert_eq!(plan.per_instance(FuncId::new(0)), 80);
    let by_plan = Simulation::new(&plan, 0).run();
    let by_simulate = faasim::simulate(&sc).unwrap();
    assert_eq!(by_plan.to_json(), by_simulate.to_json());
    // 2 requests a second of ~100 ms on one 80-request instance: one environment suffices.
    assert_eq!(by_plan.instances.peak, 1);
    // Written out, the scenario's own value wins over the model's default.
    let one = Scenario::load(
        "hello",
        &[
            "platform.model=gcp-cloud-run".to_string(),
            "function.0.concurrency_per_instance=1".to_string(),
        ],
    )
    .unwrap();
    assert_eq!(
        faasim::compile(&one).unwrap().per_instance(FuncId::new(0)),
        1
    );
}
