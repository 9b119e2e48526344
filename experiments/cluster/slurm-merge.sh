#!/bin/bash
# Joins the shards of a faasim sweep after the array job has finished:
#
#   jid=$(sbatch --parsable --array=0-3 experiments/cluster/slurm-array.sh EXP.toml OUT_DIR)
#   sbatch --dependency=afterok:$jid experiments/cluster/slurm-merge.sh OUT_DIR
#
# Writes OUT_DIR/merged (runs.csv, summary.csv, manifest.json, plots/). `faasim merge` fails
# (exit 2) naming any run that is missing or present twice.
#SBATCH --job-name=faasim-merge
#SBATCH --cpus-per-task=1
#SBATCH --output=faasim-merge-%j.log
set -euo pipefail

out=${1:?usage: sbatch slurm-merge.sh OUT_DIR}
faasim=${FAASIM:-faasim}
exec "$faasim" merge "$out"/shard-* --out "$out/merged"
