//! The shape of the code (issue 13, docs/architecture.md): the library is in layers whose arrows
//! point one way — core ← input ← lab ← views ← cli — and the modules directly inside each
//! layer (`core::sim`, `input::scenario`, `lab::runner`, ...) import each other without cycles.
//!
//! This reads the sources: every `crate::layer::module` path in code is an arrow from the
//! file's module to that module. Comments and unit tests are left out (a test may use
//! anything): the tests at the end of a file, after `#[cfg(test)]`, and `tests.rs` files. A
//! file in `src/cli` is the command line and sits on top. `src/lib.rs` is the facade and may
//! re-export anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first; a module may import only its own layer and those before it.
const LAYERS: [&str; 5] = ["core", "input", "lab", "views", "cli"];

fn rank(layer: &str) -> usize {
    LAYERS.iter().position(|l| *l == layer).unwrap_or_else(|| {
        panic!("src/{layer} is not a layer; add it to LAYERS and to docs/architecture.md")
    })
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `(layer, module)` of a source file: `src/core/sim/mod.rs` is `("core", "sim")`,
/// `src/input/scenario.rs` is `("input", "scenario")`, `src/lab/mod.rs` is `("lab", "")`.
fn module_of(src: &Path, file: &Path) -> Option<(String, String)> {
    let rel = file.strip_prefix(src).unwrap();
    let parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.as_slice() {
        [_root] => None, // lib.rs, main.rs
        [layer, m] if m == "mod" => Some((layer.clone(), String::new())),
        [layer, m, ..] => Some((layer.clone(), m.clone())),
        _ => None,
    }
}

/// The code of a file without comments and without the unit tests at its end.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// Every `(layer, module)` a file's code names through `crate::` (or `faasim::`).
fn imports(code: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for prefix in ["crate::", "faasim::"] {
        for (i, _) in code.match_indices(prefix) {
            let rest = &code[i + prefix.len()..];
            let path: Vec<&str> = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or("")
                .split("::")
                .collect();
            if let [layer, module, ..] = path.as_slice() {
                if LAYERS.contains(layer) {
                    out.insert((layer.to_string(), module.to_string()));
                }
            } else if let [layer] = path.as_slice() {
                if LAYERS.contains(layer) {
                    out.insert((layer.to_string(), String::new()));
                }
            }
        }
    }
    out
}

type Graph = BTreeMap<(String, String), BTreeSet<(String, String)>>;

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut g = Graph::new();
    for f in all {
        let Some(from) = module_of(&src, &f) else {
            continue;
        };
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue; // a unit-test module in a file of its own
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let edges = g.entry(from.clone()).or_default();
        for to in imports(&code(&text)) {
            if to != from && !to.1.is_empty() && !(from.0 == to.0 && from.1.is_empty()) {
                edges.insert(to);
            }
        }
    }
    g
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let mut wrong = Vec::new();
    for ((layer, module), edges) in graph() {
        for (to_layer, to_module) in edges {
            if rank(&to_layer) > rank(&layer) {
                wrong.push(format!("{layer}::{module} -> {to_layer}::{to_module}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers (core <- input <- lab <- views <- cli):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_cycle_between_modules() {
    let g = graph();
    // Depth-first search; a back edge closes a cycle, reported with its path.
    fn visit(
        v: &(String, String),
        g: &Graph,
        mark: &mut BTreeMap<(String, String), u8>,
        path: &mut Vec<(String, String)>,
    ) -> Option<Vec<(String, String)>> {
        mark.insert(v.clone(), 1);
        path.push(v.clone());
        for w in g.get(v).into_iter().flatten() {
            match mark.get(w).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == w).unwrap();
                    let mut cycle = path[start..].to_vec();
                    cycle.push(w.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(w, g, mark, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        mark.insert(v.clone(), 2);
        None
    }
    let mut mark = BTreeMap::new();
    for v in g.keys() {
        if mark.get(v).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(v, &g, &mut mark, &mut Vec::new()) {
                let names: Vec<String> = c.iter().map(|(l, m)| format!("{l}::{m}")).collect();
                panic!("a cycle between modules: {}", names.join(" -> "));
            }
        }
    }
}

/// The checker itself: it sees an arrow in code, not in a comment or a unit test.
#[test]
fn the_checker_reads_code_not_comments() {
    let text = "use crate::core::sim::X; // crate::views::plot\n/// crate::lab::runner\nfn f() { crate::input::scenario::g(); }\n#[cfg(test)]\nmod tests { use crate::cli::x; }\n";
    let got: Vec<(String, String)> = imports(&code(text)).into_iter().collect();
    assert_eq!(
        got,
        vec![
            ("core".to_string(), "sim".to_string()),
            ("input".to_string(), "scenario".to_string())
        ]
    );
}
