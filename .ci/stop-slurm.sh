#!/usr/bin/env bash
# Stop the test cluster of start-slurm.sh: jobs first, then the slurmd, then slurmctld.
set -uo pipefail
ROOT=${CHUNKRUN_SLURM_ROOT:-/tmp/chunkrun-slurm}
scancel --user=root 2>/dev/null
sleep 1
for pidfile in "$ROOT"/spool/slurmd-*.pid "$ROOT"/slurmctld.pid; do
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
done
sleep 1
echo "slurm stopped"
