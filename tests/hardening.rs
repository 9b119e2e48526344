//! Regression tests for the hardening campaign (issue #19): each test is built from the
//! reproducer that found the defect, and says which item it covers.

use crate::util;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `text` on another thread and fails if it has not finished within `limit`. This is a
/// liveness check, not a speed check: the defects it guards took minutes to hours of CPU
/// (stepping to the end of the clock); a correct run takes milliseconds, so the limit sits a
/// thousand times above the work while far below the defect.
fn finishes_within(text: &'static str, limit: Duration) -> faasim::Report {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(util::run(text));
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("the run did not finish within {limit:?}"))
}

/// #19 "time unrelated to the work": an on-off process whose on-rate is tiny but not zero used
/// to step through on/off cycles up to the clock's limit (94 s of CPU for a 1-minute horizon).
/// The arrivals now stop at the horizon.
#[test]
fn on_off_with_a_tiny_rate_stops_at_the_horizon() {
    let r = finishes_within(
        r#"
        [run]
        horizon = "1min"
        [[function]]
        name = "f"
        duration = { kind = "constant", value = "10ms" }
        arrivals = { kind = "on-off", on_rate = "1e-300/s", mean_on = "1s", mean_off = "1s" }
        "#,
        Duration::from_secs(60),
    );
    assert_eq!(r.counts.arrivals, 0);
}

/// #19: an azure-like population scaled by 1e-6 took 36 s (diurnal and on-off processes of a
/// thousand functions stepping to the clock's limit) instead of milliseconds.
#[test]
fn a_scaled_down_population_stops_at_the_horizon() {
    finishes_within(
        r#"
        [run]
        horizon = "1h"
        [workload]
        kind = "azure-like"
        functions = 1000
        scale = 1e-6
        "#,
        Duration::from_secs(60),
    );
}

/// #19 "silently wrong": `parse_rate` glued a "1" in front of the period, so `"1/1s"` meant one
/// per 11 s and `"10/2min"` ten per 12 minutes. The same rate written three ways must give
/// the same run, to the byte.
#[test]
fn a_rate_per_period_is_that_period() {
    let with = |rate: &str| {
        let text = format!(
            r#"
            [run]
            horizon = "10min"
            [[function]]
            name = "f"
            duration = {{ kind = "constant", value = "10ms" }}
            arrivals = {{ kind = "poisson", rate = "{rate}" }}
            "#
        );
        serde_json::to_string(&util::run(&text)).unwrap()
    };
    let per_min = with("5/min");
    assert_eq!(with("10/2min"), per_min);
    assert_eq!(with("5/1min"), per_min);
    assert_eq!(with("0.5/6s"), per_min);
}

/// A two-point, two-replication experiment that runs in milliseconds; `seed` makes another
/// experiment of it.
fn tiny_experiment(seed: u64) -> String {
    format!(
        r#"
        name = "tiny-{seed}"
        seed = {seed}
        replications = 2
        [base]
        name = "t"
        [base.run]
        horizon = "1min"
        [[base.function]]
        name = "api"
        duration = {{ kind = "constant", value = "80ms" }}
        arrivals = {{ kind = "poisson", rate = "2/s" }}
        [[axis]]
        name = "memory"
        path = "function.0.memory_mb"
        values = [512, 1024]
        "#
    )
}

/// Runs the faasim binary with `args` in `dir`.
fn faasim(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_faasim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the faasim binary runs")
}

/// Exit code 2 with a message, never a panic; returns stderr.
fn refused(o: &std::process::Output) -> String {
    let e = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    e
}

fn succeeded(o: &std::process::Output) {
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{e}");
}

/// Every file under `dir` with its bytes, for "nothing changed" checks.
fn snapshot(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                files.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// #19 "lost results": `merge --out DIR` over a directory holding another experiment
/// overwrote its plan and runs (exit 0, or after destroying runs 0–3 then failing). It is now
/// refused before anything is written, and the other experiment's files are untouched.
#[test]
fn merge_refuses_a_foreign_out_before_writing() {
    let t = util::TempDir::new("merge-foreign");
    let mine = t.write("mine.toml", &tiny_experiment(1));
    let theirs = t.write("theirs.toml", &tiny_experiment(2));
    succeeded(&faasim(
        t.path(),
        &["sweep", theirs.to_str().unwrap(), "--out", "theirs"],
    ));
    for i in 0..2 {
        let shard = format!("{i}/2");
        let out = format!("s{i}");
        let args = [
            "sweep",
            mine.to_str().unwrap(),
            "--out",
            &out,
            "--shard",
            &shard,
        ];
        succeeded(&faasim(t.path(), &args));
    }
    let before = snapshot(&t.join("theirs"));
    let e = refused(&faasim(t.path(), &["merge", "s0", "s1", "--out", "theirs"]));
    assert!(
        e.contains("another experiment") && e.contains("tiny-2"),
        "{e}"
    );
    assert!(
        snapshot(&t.join("theirs")) == before,
        "the foreign directory changed"
    );
    // Into a fresh directory, the same merge works.
    succeeded(&faasim(t.path(), &["merge", "s0", "s1", "--out", "merged"]));
}

/// #19 "lost results": a sweep that failed before any run finished left its `plan.json`
/// behind, and every rerun was then refused ("holds results of a different experiment" — it
/// held none). A plan without runs no longer blocks; a bad point is found before anything is
/// written, at its own line.
#[test]
fn a_failed_sweep_leaves_nothing_that_blocks_a_rerun() {
    let t = util::TempDir::new("sweep-rerun");
    let bad = tiny_experiment(1).replace("values = [512, 1024]", "values = [512, 99999]");
    let bad = t.write("exp.toml", &bad);
    let e = refused(&faasim(
        t.path(),
        &["sweep", bad.to_str().unwrap(), "--out", "o"],
    ));
    assert!(
        e.contains("exp.toml:") && e.contains("point 1") && e.contains("99999"),
        "{e}"
    );
    assert!(
        !t.join("o/plan.json").exists(),
        "a refused sweep wrote its plan"
    );
    // A plan left by a sweep killed before its first run ended (written by hand here: that
    // sweep is another experiment) does not block a different one.
    std::fs::create_dir_all(t.join("o/runs")).unwrap();
    let other = t.write("other.toml", &tiny_experiment(2));
    succeeded(&faasim(
        t.path(),
        &["sweep", other.to_str().unwrap(), "--out", "killed"],
    ));
    std::fs::copy(t.join("killed/plan.json"), t.join("o/plan.json")).unwrap();
    let good = t.write("exp.toml", &tiny_experiment(1));
    succeeded(&faasim(
        t.path(),
        &["sweep", good.to_str().unwrap(), "--out", "o"],
    ));
}

/// #19 "lost results": two sweeps into one `--out` raced, and the loser's `plan.json` could land
/// over the winner's tables. A writer now holds the directory's lock; a second is refused at
/// once, without writing, and the lock dies with its holder (no stale lock to clean up).
#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_directory() {
    let t = util::TempDir::new("sweep-lock");
    let exp = t.write("exp.toml", &tiny_experiment(1));
    let held = faasim::lab::OutputLock::acquire(&t.join("o")).unwrap();
    let e = refused(&faasim(
        t.path(),
        &["sweep", exp.to_str().unwrap(), "--out", "o"],
    ));
    assert!(e.contains("another faasim sweep or merge"), "{e}");
    assert!(!t.join("o/plan.json").exists());
    drop(held);
    succeeded(&faasim(
        t.path(),
        &["sweep", exp.to_str().unwrap(), "--out", "o"],
    ));
}

/// #19 "wrong place": an unwritable plot path printed `Drawing backend error: ImageError(...)`
/// after the simulation ran, without the report. Every output path is checked first: exit 2,
/// naming the flag and the missing folder, before any work.
#[test]
fn an_unwritable_output_is_refused_before_the_run() {
    let t = util::TempDir::new("unwritable");
    let cases: [&[&str]; 4] = [
        &["run", "hello", "--timeline", "no/such/folder/t.png"],
        &["run", "hello", "--report", "no/such/folder/r.html"],
        &[
            "compare",
            "hello",
            "--models",
            "aws-lambda",
            "--out",
            "no/such/folder/c.csv",
        ],
        &["explain", "hello", "--chart", "no/such/folder/c.svg"],
    ];
    for args in cases {
        let e = refused(&faasim(t.path(), args));
        assert!(
            e.contains("no/such/folder") && e.contains("does not exist"),
            "{args:?}: {e}"
        );
    }
}

/// Each leaf value of a TOML text (in tables, arrays of tables and inline tables, at any depth)
/// replaced in turn by a value of the wrong type: a number for a string (an unknown name for a
/// `kind`), a string for a number or a boolean. Returns the mutated text, the line of the key
/// whose value was replaced, and the key, for messages.
fn mutations(text: &str) -> Vec<(String, usize, String)> {
    use toml_edit::{Document, Item, Value};
    /// (key offset, key, value's byte range, replacement)
    type Leaf = (usize, String, std::ops::Range<usize>, &'static str);
    fn leaf(key_at: Option<usize>, key: &str, v: &Value, out: &mut Vec<Leaf>) {
        match v {
            Value::InlineTable(t) => {
                for (k, v) in t.iter() {
                    let at = t.key(k).and_then(|k| k.span()).map(|s| s.start);
                    leaf(at, k, v, out);
                }
                return;
            }
            Value::Array(a) => {
                for v in a.iter() {
                    leaf(key_at, key, v, out);
                }
                return;
            }
            _ => {}
        }
        let wrong = match v {
            Value::String(_) if key == "kind" => "\"no-such-kind\"",
            Value::String(_) => "7919",
            _ => "\"wrong-type\"",
        };
        if let (Some(at), Some(span)) = (key_at, v.span()) {
            out.push((at, key.to_string(), span, wrong));
        }
    }
    fn table(t: &toml_edit::Table, out: &mut Vec<Leaf>) {
        for (k, v) in t.iter() {
            let at = t.key(k).and_then(|k| k.span()).map(|s| s.start);
            match v {
                Item::Table(t) => table(t, out),
                Item::ArrayOfTables(a) => a.iter().for_each(|t| table(t, out)),
                Item::Value(v) => leaf(at, k, v, out),
                Item::None => {}
            }
        }
    }
    let doc = text.parse::<Document<String>>().unwrap();
    let mut leaves = Vec::new();
    table(doc.as_table(), &mut leaves);
    leaves
        .into_iter()
        .map(|(at, key, span, wrong)| {
            let mutated = format!("{}{wrong}{}", &text[..span.start], &text[span.end..]);
            let line = text[..at].matches('\n').count() + 1;
            (mutated, line, key)
        })
        .collect()
}

/// #19 "errors that point at the wrong place": keys inside `[keep_alive]` and `[workload]`, and
/// inside inline tables, were reported at the table's header (61 of 61). Every value of every
/// shipped scenario (the built-ins and experiments/scenarios; the set of keys comes from the
/// files, not from a hand-written list) is replaced in turn by a value of the wrong type; each
/// mutation must be refused (or accepted as a valid value) with an error at the key's own line.
#[test]
fn every_bad_value_is_reported_at_its_own_line() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files.push(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/bench-standard.toml"),
    );
    let (mut checked, mut accepted) = (0, 0);
    let mut wrong = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (mutated, line, key) in mutations(&text) {
            let parsed = faasim::Scenario::from_str_named(&mutated, "m.toml", &[])
                .and_then(|sc| faasim::input::compile(&sc).map(drop));
            match parsed {
                Ok(()) => accepted += 1,
                Err(e) => {
                    checked += 1;
                    if e.line != Some(line) {
                        wrong.push(format!("{} `{key}` (line {line}): {e}", file.display()));
                    }
                }
            }
        }
    }
    // The shipped scenarios have well over a hundred values; nearly all of them reject a value
    // of the wrong type.
    assert!(
        checked >= 100,
        "only {checked} mutations checked ({accepted} accepted)"
    );
    assert!(
        wrong.is_empty(),
        "{} of {checked} errors at the wrong line:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The same for experiment files: every value of every shipped experiment (its `[base]`,
/// `[[axis]]` and `[[plot]]` tables; `[[plot]]` errors used to point at the first `[[plot]]`
/// header, 19 of 19) replaced in turn by a value of the wrong type, each error at the key's
/// own line.
#[test]
fn every_bad_experiment_value_is_reported_at_its_own_line() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("experiments");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| std::fs::read_to_string(p).unwrap().contains("[[axis]]"))
        .collect();
    files.sort();
    let (mut checked, mut accepted) = (0, 0);
    let mut wrong = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (mutated, line, key) in mutations(&text) {
            match faasim::Experiment::from_str_named(&mutated, "m.toml", &dir) {
                Ok(_) => accepted += 1,
                // Changing the axis value the baseline names makes the baseline wrong: that
                // error is rightly at the baseline's line.
                Err(e) if e.message.contains("is not one of the axis's values") => checked += 1,
                Err(e) => {
                    checked += 1;
                    if e.origin != "m.toml" || e.line != Some(line) {
                        wrong.push(format!("{} `{key}` (line {line}): {e}", file.display()));
                    }
                }
            }
        }
    }
    assert!(
        checked >= 100,
        "only {checked} mutations checked ({accepted} accepted)"
    );
    assert!(
        wrong.is_empty(),
        "{} of {checked} errors at the wrong line:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// #19 "silently wrong": copies are named `NAME-1` … `NAME-N`, and one could take another
/// function's name (`a` × 2 makes `a-1`); runs.csv and the per-function table then silently
/// merged or dropped one. Now refused at the later table's name.
#[test]
fn a_copy_cannot_take_another_functions_name() {
    let text = r#"[run]
horizon = "1min"
[[function]]
name = "a"
copies = 2
duration = { kind = "constant", value = "10ms" }
arrivals = { kind = "poisson", rate = "1/s" }

[[function]]
name = "a-1"
duration = { kind = "constant", value = "10ms" }
arrivals = { kind = "poisson", rate = "1/s" }
"#;
    let e = faasim::Scenario::from_str_named(text, "s.toml", &[]).unwrap_err();
    assert_eq!(e.line, Some(10), "{e}");
    assert!(e.message.contains("'a-1' is used by two functions"), "{e}");
}

/// #19 "errors that say the wrong thing": each reproducer, with what a user must now read.
#[test]
fn errors_say_what_is_wrong_where() {
    let t = util::TempDir::new("errors");
    // `run DIR` and `run /dev/null` said "no such file".
    let e = refused(&faasim(t.path(), &["run", "."]));
    assert!(e.contains("is a directory"), "{e}");
    let empty = t.write("empty.toml", "");
    let e = refused(&faasim(t.path(), &["run", empty.to_str().unwrap()]));
    assert!(e.contains("is empty"), "{e}");
    // An experiment given to `run` said "unknown field `axis`" and nothing else.
    let exp = t.write("exp.toml", &tiny_experiment(1));
    let e = refused(&faasim(t.path(), &["run", exp.to_str().unwrap()]));
    assert!(e.contains("faasim sweep"), "{e}");
    // seed = u64::MAX: accepted by `run`, refused by `sweep` without a line. Now both refuse
    // it at its line.
    let big = t.write(
        "big.toml",
        "[run]\nhorizon = \"1min\"\nseed = 18446744073709551615\n[[function]]\nname = \"a\"\n\
         duration = { kind = \"constant\", value = \"10ms\" }\n\
         arrivals = { kind = \"poisson\", rate = \"1/s\" }\n",
    );
    let e = refused(&faasim(t.path(), &["run", big.to_str().unwrap()]));
    assert!(
        e.contains("big.toml:3:") && e.contains("largest TOML integer"),
        "{e}"
    );
    let sweep_big = t.write(
        "sweep-big.toml",
        "name = \"b\"\nbase = \"big.toml\"\n[[axis]]\npath = \"function.0.memory_mb\"\nvalues = [512, 1024]\n",
    );
    let e = refused(&faasim(t.path(), &["sweep", sweep_big.to_str().unwrap()]));
    assert!(
        e.contains("big.toml:3:") && e.contains("largest TOML integer"),
        "{e}"
    );
    // A plot named "" failed only after every run.
    let unnamed = tiny_experiment(1) + "\n[[plot]]\nname = \"\"\nkind = \"latency-cdf\"\n";
    let unnamed = t.write("unnamed.toml", &unnamed);
    let e = refused(&faasim(
        t.path(),
        &["sweep", unnamed.to_str().unwrap(), "--out", "u"],
    ));
    assert!(
        e.contains("plot.0.name") && e.contains("cannot name a plot file"),
        "{e}"
    );
    assert!(
        !t.join("u").exists(),
        "a refused sweep wrote its output directory"
    );
    // A model limit broken inside an inline [base] cited a line of regenerated text
    // ("FILE [base]:4") under the first axis; it is the base's own line.
    let inline = tiny_experiment(1)
        .replace(
            "[base]\n",
            "[base]\n        platform = { model = \"aws-lambda\" }\n",
        )
        .replace(
            "name = \"api\"",
            "name = \"api\"\n        memory_mb = 99999",
        );
    let inline = t.write("inline.toml", &inline);
    let line = std::fs::read_to_string(&inline)
        .unwrap()
        .lines()
        .position(|l| l.contains("99999"))
        .unwrap()
        + 1;
    let e = refused(&faasim(
        t.path(),
        &["sweep", inline.to_str().unwrap(), "--out", "i"],
    ));
    assert!(
        e.contains(&format!("inline.toml:{line}:")) && !e.contains("[base]:"),
        "{e}"
    );
}

/// #19 "aborts": `functions = 4294967295` tried to allocate 3 TB and died with SIGABRT (also
/// through `trace stats --set`); `copies` had no bound. Each is refused before anything is
/// allocated, with exit 2, the field's line, and the bound.
#[test]
fn sizes_beyond_their_bounds_are_refused_before_allocating() {
    let t = util::TempDir::new("sizes");
    let az = t.write(
        "az.toml",
        "[run]\nhorizon = \"1s\"\n[workload]\nkind = \"azure-like\"\nfunctions = 4294967295\n",
    );
    let e = refused(&faasim(t.path(), &["run", az.to_str().unwrap()]));
    assert!(
        e.contains("az.toml:5:") && e.contains("more than faasim takes"),
        "{e}"
    );
    let e = refused(&faasim(
        t.path(),
        &[
            "trace",
            "stats",
            "--kind",
            "azure-like",
            "--set",
            "functions=4294967295",
        ],
    ));
    assert!(e.contains("more than faasim takes"), "{e}");
    let copies = t.write(
        "copies.toml",
        "[run]\nhorizon = \"1s\"\n[[function]]\nname = \"a\"\ncopies = 4000000000\n\
         duration = { kind = \"constant\", value = \"10ms\" }\n\
         arrivals = { kind = \"poisson\", rate = \"1/s\" }\n",
    );
    let e = refused(&faasim(t.path(), &["run", copies.to_str().unwrap()]));
    assert!(
        e.contains("copies.toml:5:") && e.contains("function.0.copies"),
        "{e}"
    );
    let hosts = t.write(
        "hosts.toml",
        "[run]\nhorizon = \"1s\"\n[cluster]\nhosts = [{ count = 4000000000, memory_mb = 1024, cores = 2 }]\n\
         [[function]]\nname = \"a\"\nduration = { kind = \"constant\", value = \"10ms\" }\n\
         arrivals = { kind = \"poisson\", rate = \"1/s\" }\n",
    );
    let e = refused(&faasim(t.path(), &["run", hosts.to_str().unwrap()]));
    assert!(
        e.contains("hosts.toml:4:") && e.contains("more than a million hosts"),
        "{e}"
    );
}

/// #19 "work estimates": `sweep --dry-run` says what a sweep would do (points, runs, output
/// size) and writes nothing.
#[test]
fn a_dry_run_estimates_and_writes_nothing() {
    let t = util::TempDir::new("dry-run");
    let exp = t.write("exp.toml", &tiny_experiment(1));
    let o = faasim(
        t.path(),
        &["sweep", exp.to_str().unwrap(), "--out", "o", "--dry-run"],
    );
    succeeded(&o);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains("2 point(s) x 2 replication(s) = 4 run(s)"),
        "{said}"
    );
    assert!(said.contains("MB of run files"), "{said}");
    assert!(
        !t.join("o").exists(),
        "a dry run wrote its output directory"
    );
}

/// #19 "aborts": a queue whose backlog grows without end (one poller, 10 s of work per message,
/// a million messages a second) grew until the allocator aborted at 2.2 GB. A backlog beyond
/// `run.max_backlog` now ends the run with a report that says when and why.
#[test]
fn a_runaway_backlog_ends_the_run_with_a_report() {
    let r = util::run(
        r#"
        [run]
        horizon = "1h"
        max_backlog = 50000
        [[function]]
        name = "worker"
        duration = { kind = "constant", value = "10s" }
        arrivals = { kind = "poisson", rate = "1000000/s" }
        invocation = { mode = "queue", max_concurrency = 1, initial_pollers = 1, visibility_timeout = "20min" }
        "#,
    );
    let stop = r.stopped_early.as_ref().expect("the run stops early");
    // 50,000 messages at a million a second: about 50 ms in.
    assert!(stop.at_s > 0.03 && stop.at_s < 0.1, "{stop:?}");
    assert!(stop.reason.contains("run.max_backlog (50000)"), "{stop:?}");
    assert_eq!(r.horizon_s, stop.at_s, "figures cover the time simulated");
    let peak = r.delivery.as_ref().unwrap().peak_backlog;
    assert!(peak > 50_000 && peak < 50_100, "{peak}");
    // A run that stays within the bound says nothing of it.
    assert!(util::run(
        r#"
        [run]
        horizon = "1min"
        [[function]]
        name = "f"
        duration = { kind = "constant", value = "10ms" }
        arrivals = { kind = "poisson", rate = "10/s" }
        "#
    )
    .stopped_early
    .is_none());
}
