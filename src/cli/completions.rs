//! `faasim completions SHELL`: a completion script for the shell, generated from the same clap
//! definitions as the command itself, so it never misses an option.

use clap::CommandFactory as _;

/// What the user asked of `faasim completions`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim completions bash > ~/.local/share/bash-completion/completions/faasim
  faasim completions zsh > ~/.zfunc/_faasim
  faasim completions fish > ~/.config/fish/completions/faasim.fish")]
pub(super) struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    shell: clap_complete::Shell,
}

/// Prints the script to stdout.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    let mut cmd = super::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "faasim", &mut std::io::stdout());
    Ok(())
}
