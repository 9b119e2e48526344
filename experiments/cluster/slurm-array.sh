#!/bin/bash
# One shard of a faasim sweep per Slurm array task.
#
#   sbatch --array=0-3 experiments/cluster/slurm-array.sh EXPERIMENT.toml OUT_DIR
#
# Task i of N runs the run ids with id % N == i (faasim sweep --shard i/N) and writes them to
# OUT_DIR/shard-i; join them with slurm-merge.sh (or `faasim merge OUT_DIR/shard-* --out ...`).
# The shard count is the array's size (SLURM_ARRAY_TASK_COUNT), so --array=0-N-1 is all it
# takes to change it. Results do not depend on the shard count or the thread count.
#
# FAASIM may name the binary (default: faasim on PATH). OUT_DIR must be on a file system every
# node sees.
#SBATCH --job-name=faasim-shard
#SBATCH --cpus-per-task=1
#SBATCH --output=faasim-shard-%A_%a.log
set -euo pipefail

experiment=${1:?usage: sbatch --array=0-(N-1) slurm-array.sh EXPERIMENT.toml OUT_DIR}
out=${2:?usage: sbatch --array=0-(N-1) slurm-array.sh EXPERIMENT.toml OUT_DIR}
faasim=${FAASIM:-faasim}
index=${SLURM_ARRAY_TASK_ID:?run this as a Slurm array job (sbatch --array=...)}
count=${SLURM_ARRAY_TASK_COUNT:?run this as a Slurm array job (sbatch --array=...)}
threads=${SLURM_CPUS_PER_TASK:-1}

# --resume: a task that Slurm requeues after a node failure keeps the runs it finished.
exec "$faasim" sweep "$experiment" --shard "$index/$count" --threads "$threads" \
    --out "$out/shard-$index" --resume
