#!/usr/bin/env bash
# A real Slurm job array on this machine: installs Debian's slurm-wlm and munge if missing,
# starts a one-node cluster on loopback (munged, slurmctld, slurmd; everything under one
# scratch folder, ports 16817/16818), submits scripts/cluster/slurm-array.sh as a 3-task array
# that tokenizes the sample videos, waits, merges the parts, and compares (cmp) the merged
# dataset with a single-process tokenize of the same inputs. Prints sacct for the array.
#
#   bash scripts/test-slurm.sh            # needs root (apt-get, daemons); about 1-3 minutes
#   KEEP=1 bash scripts/test-slurm.sh     # keep the scratch folder (logs, parts) afterwards
#
# With TOKENTOOL_SLURM_OPTIONAL=1 (what .ci/run sets) a machine that cannot run Slurm (no root,
# no package mirror, daemons that do not start) skips the test with a note instead of failing;
# once the array has run, any failed task or difference fails it as always.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

log() { printf '== %s\n' "$*"; }
# The machine cannot run the cluster (as opposed to tokentool getting something wrong).
unavailable() {
    echo "test-slurm: cannot run a Slurm cluster here: $*" >&2
    if [ "${TOKENTOOL_SLURM_OPTIONAL:-0}" = 1 ]; then
        echo "test-slurm: SKIPPED (TOKENTOOL_SLURM_OPTIONAL=1)" >&2
        exit 0
    fi
    exit 1
}
[ "$(id -u)" = 0 ] || unavailable "needs root (apt-get, munged, slurmd)"

missing=()
command -v slurmctld >/dev/null || missing+=(slurm-wlm)
command -v munged >/dev/null || missing+=(munge)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } \
        || unavailable "apt-get install ${missing[*]} failed"
fi

log "building tokentool"
swift build --product tokentool >/dev/null
tokentool=$(swift build --show-bin-path)/tokentool

work=$(mktemp -d /tmp/tokentool-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
    if [ "${KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then
        echo "scratch folder kept: $work"
        [ $status -ne 0 ] && for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
    else
        rm -rf "$work"
    fi
    exit $status
}
trap cleanup EXIT

log "munge (key and socket in $work)"
mkdir -p "$work/munge"
chmod 700 "$work/munge"
mungekey --create --keyfile="$work/munge/munge.key" --force || unavailable "mungekey failed"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge/munged.seed" \
    || unavailable "munged did not start"
for _ in $(seq 50); do [ -s "$work/munge/munged.pid" ] && break; sleep 0.1; done
[ -s "$work/munge/munged.pid" ] || unavailable "munged wrote no pid file"
pids+=("$(cat "$work/munge/munged.pid")")

log "slurm.conf: one node ($(nproc) CPUs) on localhost"
mkdir -p "$work/state" "$work/spool" "$work/logs"
memory=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
cat > "$work/slurm.conf" <<CONF
ClusterName=tokentool-test
SlurmctldHost=localhost
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
JobCompType=jobcomp/filetxt
JobCompLoc=$work/jobcomp.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF" || unavailable "slurmctld did not start (see $work/slurmctld.log)"
for _ in $(seq 100); do [ -s "$work/slurmctld.pid" ] && break; sleep 0.1; done
[ -s "$work/slurmctld.pid" ] || unavailable "slurmctld wrote no pid file"
pids+=("$(cat "$work/slurmctld.pid")")
slurmd -f "$SLURM_CONF" -N localhost || unavailable "slurmd did not start (see $work/slurmd.log)"
for _ in $(seq 100); do [ -s "$work/slurmd.pid" ] && break; sleep 0.1; done
[ -s "$work/slurmd.pid" ] || unavailable "slurmd wrote no pid file"
pids+=("$(cat "$work/slurmd.pid")")
for _ in $(seq 120); do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
sinfo
[ "$state" = idle ] || unavailable "the node never became idle (state: ${state:-none})"

log "inputs"
inputs=("$repo/Samples/clip.mp4")
for f in "$repo"/../shared/samples/*.mp4; do [ -f "$f" ] && inputs+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
# Three inputs at least, so each of the three tasks has work.
while [ ${#inputs[@]} -lt 3 ]; do inputs+=("$repo/Samples/clip.mp4"); done
printf '%s\n' "${inputs[@]}" > "$work/inputs.txt"
cat "$work/inputs.txt"
options=(--fps 10 --max-frames 40)
# Other tokenize options, e.g. a 1X v2.0 (Cosmos) job:
#   TOKENTOOL_SLURM_OPTIONS="--ckpt Tests/CosmosTokenizerTests/Fixtures/cosmos-dv-c24 --max-frames 34"
[ -n "${TOKENTOOL_SLURM_OPTIONS:-}" ] && read -r -a options <<< "$TOKENTOOL_SLURM_OPTIONS"

log "sbatch --array=0-2 scripts/cluster/slurm-array.sh (1 CPU per task)"
cd "$work"
array_status=0
job=$(TOKENTOOL=$tokentool TOKENTOOL_SCRIPTS=$repo/scripts/cluster sbatch --parsable --array=0-2 --cpus-per-task=1 --mem=1G \
    --export=ALL --output="$work/logs/task-%A_%a.log" --wait \
    "$repo/scripts/cluster/slurm-array.sh" "$work/inputs.txt" "$work/parts" 3 "${options[@]}") || array_status=$?
job=${job%%;*}
echo "array job $job finished (sbatch --wait status $array_status)"
log "sacct -c (job completion records; this Slurm's filetxt reader does not know the array fields)"
sacct -c --format=JobID,JobName,Partition,NCPUS,State,ExitCode,Start,End,Elapsed 2> >(grep -v 'Unknown type Array' >&2) || true
echo "array tasks (from the completion log): JobId -> ArrayJobId_ArrayTaskId"
sed -n 's/.*JobId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ArrayJobId=\([0-9]*\) ArrayTaskId=\([0-9]*\).*/  \1 -> \3_\4 \2/p' "$work/jobcomp.log"
for f in "$work"/logs/*.log; do echo "--- $(basename "$f")"; cat "$f"; done
[ "$array_status" = 0 ] || { echo "test-slurm: the array job failed" >&2; exit 1; }

log "merge"
"$tokentool" merge "$work"/parts/part-* -o "$work/merged"
log "single-process run"
"$tokentool" tokenize "${inputs[@]}" -o "$work/single" "${options[@]}" 2>/dev/null
log "cmp merged single"
for f in $(ls "$work/single"); do
    cmp "$work/merged/$f" "$work/single/$f"
    echo "$f: identical ($(stat -c %s "$work/single/$f") bytes)"
done
[ "$(ls "$work/merged")" = "$(ls "$work/single")" ] || { echo "merged and single hold different files" >&2; exit 1; }
log "OK: a 3-task Slurm array + merge wrote the same dataset as one tokenize"
