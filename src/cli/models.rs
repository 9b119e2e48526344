//! `faasim models`: the built-in platform models, or one model's file with its sources.

use crate::input::model::{self, BUILTIN};
use crate::InputError;
use std::io::Write;

/// What the user asked of `faasim models`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim models
  faasim models show gcp-cloud-run")]
pub(super) struct Args {
    #[command(subcommand)]
    action: Option<Action>,
}

/// What `faasim models` does.
#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Print a model's file, with the source of every figure.
    #[command(after_help = "Examples:
  faasim models show aws-lambda
  faasim models show gcp-cloud-run > my-model.toml")]
    Show {
        /// A built-in model name (see `faasim models`).
        name: String,
    },
}

/// Lists the models, or shows the one named.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    match args.action {
        None => list(),
        Some(Action::Show { name }) => show(&name),
    }
}

/// Each built-in model with its description.
fn list() -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for (name, text) in BUILTIN {
        let about = model::parse(text, name)
            .map(|m| m.description)
            .unwrap_or_default();
        writeln!(out, "{name:<26} {about}")?;
    }
    Ok(())
}

/// The model file of built-in model `name`, as shipped.
fn show(name: &str) -> anyhow::Result<()> {
    let text = BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            InputError::new(
                name,
                format!(
                    "no built-in model has this name; built-in: {}",
                    names.join(", ")
                ),
            )
        })?;
    write!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}
