#!/bin/bash
# Shows the Slurm path working on this one machine, for real: installs Slurm and MUNGE from
# Debian's packages, starts munged, slurmctld and slurmd on localhost with a minimal
# /etc/slurm/slurm.conf, submits a sweep as a 4-task array job plus a dependent merge job,
# waits, and checks that the merged runs.csv, summary.csv and manifest.json are byte-identical
# to the same sweep run on this machine in one process.
#
#   sudo experiments/cluster/slurm-demo.sh [EXPERIMENT.toml]     # default: keep-alive-tradeoff
#
# Needs root (it installs packages, writes /etc/slurm/slurm.conf and starts daemons) and
# Debian's package archive. FAASIM names the binary (default target/release/faasim, built if
# missing). Not part of CI. It leaves the daemons running; stop them with
# `pkill -x slurmd; pkill -x slurmctld` if you like.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
experiment=$(realpath "${1:-$repo/experiments/keep-alive-tradeoff.toml}")
faasim=${FAASIM:-$repo/target/release/faasim}
work=${WORK:-/tmp/faasim-slurm-demo}
shards=4

if [ "$(id -u)" != 0 ]; then
    echo "slurm-demo: run as root: it installs packages and starts daemons" >&2
    exit 1
fi
if [ ! -x "$faasim" ]; then
    (cd "$repo" && cargo build --release)
fi
faasim=$(realpath "$faasim")

echo "== installing Slurm and MUNGE from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q slurm-wlm munge >/dev/null
dpkg-query -W -f='   ${Package} ${Version}\n' slurmctld slurmd slurm-client munge

echo "== starting munged"
if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null && echo "   munge credentials round-trip"

echo "== writing /etc/slurm/slurm.conf (one node: this machine)"
host=$(hostname -s)
node=$(slurmd -C | head -n 1)      # NodeName=<host> CPUs=... RealMemory=...
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat >/etc/slurm/slurm.conf <<CONF
# Minimal single-node Slurm for faasim's demo (experiments/cluster/slurm-demo.sh).
ClusterName=faasim-demo
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=demo Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
sed 's/^/   /' /etc/slurm/slurm.conf | grep -v '^   #'

echo "== starting slurmctld and slurmd"
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 60); do
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    case "$state" in
        idle*|mixed*|allocated*) break ;;
        down*|drain*) scontrol update nodename="$host" state=resume || true ;;
    esac
    sleep 1
done
sinfo

echo "== submitting a $shards-task array job and a merge job that waits for it"
rm -rf "$work"
mkdir -p "$work"
array=$(sbatch --parsable --array=0-$((shards - 1)) --chdir="$work" \
    --export=ALL,FAASIM="$faasim" "$repo/experiments/cluster/slurm-array.sh" "$experiment" "$work/out")
merge=$(sbatch --parsable --dependency=afterok:"$array" --chdir="$work" \
    --export=ALL,FAASIM="$faasim" "$repo/experiments/cluster/slurm-merge.sh" "$work/out")
echo "   array job $array, merge job $merge"
squeue
for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] && break
    sleep 1
done
echo "== job logs"
for log in "$work"/faasim-*.log; do
    echo "-- $(basename "$log")"
    sed 's/^/   /' "$log"
done
if [ ! -f "$work/out/merged/summary.csv" ]; then
    echo "slurm-demo: the merge job did not produce $work/out/merged/summary.csv" >&2
    exit 1
fi
ls "$work/out"
echo "   runs per shard: $(for i in $(seq 0 $((shards - 1))); do ls "$work/out/shard-$i/runs" | wc -l; done | paste -sd' ')"

echo "== the same sweep on this machine in one process"
"$faasim" sweep "$experiment" --out "$work/single" --threads 2

echo "== comparing"
status=0
for f in runs.csv summary.csv manifest.json; do
    if cmp "$work/single/$f" "$work/out/merged/$f"; then
        echo "   $f: identical ($(wc -c <"$work/single/$f") bytes, sha256 $(sha256sum "$work/single/$f" | cut -c1-16)...)"
    else
        status=1
    fi
done
if [ $status = 0 ]; then
    echo "OK: the Slurm array job's merged results equal the single-machine sweep byte for byte"
else
    echo "FAILED: the merged results differ from the single-machine sweep" >&2
fi
exit $status
