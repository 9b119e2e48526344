//! `faasim merge`: the output directories of shards joined into one finished sweep.

use crate::lab;
use crate::views::sweep_plots;
use std::path::PathBuf;

/// What the user asked of `faasim merge`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  faasim merge shards/0 shards/1 shards/2 shards/3 --out out/runtimes")]
pub(super) struct Args {
    /// Shard output directories.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged sweep (may be one of the shard directories).
    #[arg(long)]
    out: PathBuf,
}

/// Merges the shards, writes the tables and draws the plots.
pub(super) fn run(args: Args) -> anyhow::Result<()> {
    // `merged` holds the output directory's lock until the plots are drawn.
    let merged = lab::merge::merge(&args.dirs, &args.out)?;
    let results = &merged.results;
    sweep_plots::write_plots(&args.out, results)?;
    let exp = &results.experiment;
    eprintln!(
        "faasim: merged {} runs of '{}' into {}",
        exp.run_count(),
        exp.name,
        args.out.display()
    );
    Ok(())
}
