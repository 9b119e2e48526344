//! `faasim man`: the manual page in roff, generated from the clap definitions (the same text as
//! `--help`, with every subcommand listed), so it never drifts from the command.

use clap::CommandFactory as _;
use std::path::PathBuf;

/// What the user asked of `faasim man`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim man | man -l -
  faasim man --dir /usr/local/share/man/man1")]
pub(super) struct Args {
    /// Write faasim.1 and one page per subcommand (faasim-run.1, ...) into DIR instead of
    /// printing faasim.1.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints the page, or writes every page into the folder asked for.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    let cmd = super::Cli::command();
    match args.dir {
        None => clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?,
        Some(dir) => {
            std::fs::create_dir_all(&dir)?;
            clap_mangen::generate_to(cmd, &dir)?;
            eprintln!("faasim: man pages in {}", dir.display());
        }
    }
    Ok(())
}
