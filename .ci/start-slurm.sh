#!/usr/bin/env bash
# A real two-node Slurm cluster on 127.0.0.1 for the tests: slurmctld, two slurmd with
# their own ports and spool dirs, four "GPUs" per node as character devices so Slurm sets
# CUDA_VISIBLE_DEVICES. Needs root and Debian's slurm-wlm + munge. Stop with stop-slurm.sh.
set -euo pipefail
ROOT=${CHUNKRUN_SLURM_ROOT:-/tmp/chunkrun-slurm}
CONF_DIR=/etc/slurm
# A cluster left from an earlier run goes first, with its saved state (old job ids would come back).
if [ -f "$ROOT/slurmctld.pid" ]; then "$(dirname "$0")/stop-slurm.sh" >/dev/null 2>&1 || true; fi
rm -rf "$ROOT"
mkdir -p "$ROOT"/{state,spool,log,dev} "$CONF_DIR"

if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
pgrep -x munged >/dev/null || su -s /bin/sh munge -c /usr/sbin/munged

for n in 0 1 2 3; do mknod "$ROOT/dev/nvidia$n" c 1 3; done

cat > "$CONF_DIR/slurm.conf" <<CONF
ClusterName=chunkrun-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=6817
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$ROOT/state
SlurmdSpoolDir=$ROOT/spool/%n
SlurmdPidFile=$ROOT/spool/slurmd-%n.pid
SlurmdLogFile=$ROOT/log/slurmd-%n.log
SlurmctldLogFile=$ROOT/log/slurmctld.log
SlurmctldPidFile=$ROOT/slurmctld.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
MpiDefault=none
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
DependencyParameters=kill_invalid_depend
KillWait=5
MinJobAge=600
GresTypes=gpu
NodeName=node0 NodeAddr=127.0.0.1 Port=6818 CPUs=2 RealMemory=1000 Gres=gpu:4 State=UNKNOWN
NodeName=node1 NodeAddr=127.0.0.1 Port=6819 CPUs=2 RealMemory=1000 Gres=gpu:4 State=UNKNOWN
PartitionName=test Nodes=node0,node1 Default=YES MaxTime=INFINITE State=UP
CONF
cat > "$CONF_DIR/gres.conf" <<CONF
AutoDetect=off
NodeName=node0 Name=gpu File=$ROOT/dev/nvidia[0-3]
NodeName=node1 Name=gpu File=$ROOT/dev/nvidia[0-3]
CONF

slurmctld -i
slurmd -N node0
slurmd -N node1
for _ in $(seq 1 60); do
  if [ "$(sinfo -h -o '%t' 2>/dev/null | sort -u | tr -d '\n')" = "idle" ]; then
    echo "slurm: two nodes idle"; sinfo; exit 0
  fi
  sleep 0.5
done
echo "slurm did not come up; logs in $ROOT/log" >&2
sinfo >&2 || true
tail -n 20 "$ROOT"/log/*.log >&2 || true
exit 1
