//! `faasim plot`: the plots of a finished sweep drawn again.

use crate::views::sweep_plots;
use std::io::Write;
use std::path::PathBuf;

/// What the user asked of `faasim plot`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim plot out/keep-alive-tradeoff")]
pub(super) struct Args {
    /// The sweep's output directory.
    dir: PathBuf,
}

/// Redraws the plots; prints the files written.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    let files = sweep_plots::replot(&args.dir)?;
    let mut o = std::io::stdout().lock();
    for f in files {
        writeln!(o, "{}", f.display())?;
    }
    Ok(())
}
