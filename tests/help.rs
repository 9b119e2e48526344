//! Every `--help` carries runnable examples (#19): each command and subcommand, walked from the
//! clap definitions (not a hand-written list), must end with an "Examples:" block, and every
//! example must parse as a faasim command line, so a renamed option cannot leave a stale one.
//! Shell completions and the man page are generated from the same definitions.

use std::process::Command;

/// Every (path, command) of the tree below `cmd`, `help` excluded.
fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, clap::Command)>) {
    out.push((path.clone(), cmd.clone()));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut p = path.clone();
        p.push(sub.get_name().to_string());
        walk(sub, p, out);
    }
}

/// The example lines of a help text: the indented lines after "Examples:".
fn examples(help: &str) -> Vec<String> {
    let Some((_, after)) = help.split_once("Examples:") else {
        return Vec::new();
    };
    after
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("faasim"))
        .map(String::from)
        .collect()
}

#[test]
fn every_help_has_examples_that_parse() {
    let mut all = Vec::new();
    walk(&faasim::cli::command(), Vec::new(), &mut all);
    assert!(all.len() >= 15, "only {} commands found", all.len());
    let mut checked = 0;
    for (path, mut cmd) in all {
        let help = cmd.render_long_help().to_string();
        let lines = examples(&help);
        assert!(
            !lines.is_empty(),
            "`faasim {}` --help has no Examples",
            path.join(" ")
        );
        for line in lines {
            // The command line itself, before any redirection or pipe.
            let words: Vec<&str> = line
                .split(['>', '|'])
                .next()
                .unwrap()
                .split_whitespace()
                .collect();
            if let Err(e) = faasim::cli::command().try_get_matches_from(&words) {
                // `faasim help run` "fails" by printing help, which is what it is for.
                let shows_help = e.kind() == clap::error::ErrorKind::DisplayHelp;
                assert!(shows_help, "example `{line}` does not parse:\n{e}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} examples");
}

#[test]
fn completions_and_the_man_page_name_every_command() {
    let bin = env!("CARGO_BIN_EXE_faasim");
    let names: Vec<String> = faasim::cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = Command::new(bin)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(o.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&o.stdout);
        for n in &names {
            assert!(text.contains(n.as_str()), "{shell} completions lack `{n}`");
        }
    }
    let o = Command::new(bin).arg("man").output().unwrap();
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(page.contains(".TH faasim 1"), "{page}");
    for n in names.iter().filter(|n| *n != "help") {
        assert!(
            page.contains(&n.replace('-', "\\-")),
            "the man page lacks `{n}`"
        );
    }
}

/// `faasim scenarios show NAME` prints the built-in file; run from that file, the report is
/// the built-in's, to the byte. An unknown name is refused with the list.
#[test]
fn a_shown_scenario_runs_like_the_built_in() {
    let bin = env!("CARGO_BIN_EXE_faasim");
    let t = crate::util::TempDir::new("show");
    let shown = Command::new(bin)
        .args(["scenarios", "show", "hello"])
        .output()
        .unwrap();
    assert!(shown.status.success());
    let file = t.join("hello.toml");
    std::fs::write(&file, &shown.stdout).unwrap();
    let run = |what: &str| {
        let o = Command::new(bin)
            .args(["run", what, "--json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    assert!(run(file.to_str().unwrap()) == run("hello"));
    let o = Command::new(bin)
        .args(["scenarios", "show", "nope"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("built-in: hello"));
}
