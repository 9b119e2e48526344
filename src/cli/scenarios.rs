//! `faasim scenarios`: the built-in scenarios, one line each.

use crate::input::scenario::BUILTIN;
use crate::Scenario;
use std::io::Write;

/// Lists each built-in scenario with the first line of its description.
pub(super) fn run() -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for (name, text) in BUILTIN {
        let about = Scenario::from_str_named(text, name, &[])
            .ok()
            .and_then(|s| s.description)
            .unwrap_or_default();
        let first = about.lines().next().unwrap_or("");
        writeln!(out, "{name:<16} {first}")?;
    }
    Ok(())
}
