#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for trying the render farm and for its test:
#   sudo scripts/slurm-local.sh start DIR   # munged + slurmctld + slurmd, state under DIR
#   export SLURM_CONF=DIR/slurm.conf        # then sbatch/squeue/avdream farm submit use it
#   sudo scripts/slurm-local.sh stop DIR
# Needs root (munged runs as the munge user, slurmd as root) and Debian's slurm-wlm and munge.
# Everything it writes, its own munge key included, stays under DIR.
set -euo pipefail
action=${1:?usage: slurm-local.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: slurm-local.sh start|stop DIR}")
ctld_port=${AVDREAM_SLURMCTLD_PORT:-16817}
slurmd_port=${AVDREAM_SLURMD_PORT:-16818}
export SLURM_CONF=$dir/slurm.conf

stop() {
  [ -f "$SLURM_CONF" ] && scontrol shutdown >/dev/null 2>&1 || true
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill "$pid" 2>/dev/null || true
    fi
  done
}

if [ "$action" = stop ]; then stop; exit 0; fi
[ "$action" = start ] || { echo "usage: slurm-local.sh start|stop DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "slurm-local.sh: needs root (munged and slurmd)" >&2; exit 1; }
for tool in munged mungekey slurmctld slurmd sbatch; do
  command -v "$tool" >/dev/null || { echo "slurm-local.sh: $tool not found; install slurm-wlm and munge" >&2; exit 1; }
done

mkdir -p "$dir"/{munge,state,spool,log}
# munged wants its socket folder reachable by everyone and owned by the munge user.
chmod 755 "$dir"
chown munge:munge "$dir/munge"
[ -f "$dir/munge/munge.key" ] || runuser -u munge -- mungekey --create --keyfile="$dir/munge/munge.key"
runuser -u munge -- munged --socket="$dir/munge/socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"

host=$(hostname)
cat >"$SLURM_CONF" <<CONF
ClusterName=avdream-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
  if sinfo -h -o %T 2>/dev/null | grep -q idle; then echo "export SLURM_CONF=$SLURM_CONF"; exit 0; fi
  sleep 0.3
done
echo "slurm-local.sh: the node did not come up; see $dir/log" >&2
stop
exit 1
