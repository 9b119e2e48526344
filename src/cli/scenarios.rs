//! `faasim scenarios`: the built-in scenarios, one line each; `faasim scenarios show NAME`
//! prints one as written (comments included), to start a scenario of your own from.

use crate::input::scenario::BUILTIN;
use crate::{InputError, Scenario};
use std::io::Write;

/// What the user asked of `faasim scenarios`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim scenarios
  faasim scenarios show hello > my-api.toml
  faasim run my-api.toml")]
pub(super) struct Args {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Print a built-in scenario's file, exactly as it is built in.
    #[command(after_help = "Examples:
  faasim scenarios show hello
  faasim scenarios show spike > my-launch.toml")]
    Show {
        /// The scenario's name (`faasim scenarios` lists them).
        name: String,
    },
}

/// Lists the built-ins, or prints the one asked for.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    match args.action {
        None => list(),
        Some(Action::Show { name }) => show(&name),
    }
}

/// Each built-in scenario with the first line of its description.
fn list() -> anyhow::Result<()> {
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

/// The built-in file `name`, byte for byte.
fn show(name: &str) -> anyhow::Result<()> {
    let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name) else {
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        return Err(InputError::new(
            name,
            format!("not a built-in scenario (built-in: {})", names.join(", ")),
        )
        .into());
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}
