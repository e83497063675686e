#!/usr/bin/env bash
# One task of a split `tokentool tokenize` job: the same plain command line under a Slurm job
# array (slurm-array.sh) and a Kubernetes Indexed Job (k8s-indexed-job.yaml).
#
#   tokenize-part.sh INPUT_LIST PARTS_DIR SHARDS [tokenize options ...]
#
# INPUT_LIST holds one video or image path per line, in the job's order (every task reads the
# same list). The task's index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX; SHARDS is
# the number of parts, given explicitly because Slurm's SLURM_ARRAY_TASK_COUNT shrinks when only
# a few array ids are re-run. The part goes to PARTS_DIR/part-NNNNN; a part that is already
# complete is skipped, so re-running the whole array only redoes failed parts.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 INPUT_LIST PARTS_DIR SHARDS [tokentool tokenize options ...]" >&2
    exit 2
fi
list=$1 parts=$2 shards=$3
shift 3
tokentool=${TOKENTOOL:-tokentool}
index=${SLURM_ARRAY_TASK_ID:-${JOB_COMPLETION_INDEX:-}}
if [ -z "$index" ]; then
    echo "$0: neither SLURM_ARRAY_TASK_ID (Slurm array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set" >&2
    exit 2
fi
inputs=()
while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] && inputs+=("$line")
done < "$list"
# As many compute threads as CPUs the scheduler gave the task, not as many as the node has.
threads=()
cpus=${SLURM_CPUS_PER_TASK:-${TOKENTOOL_THREADS:-}}
if [ -n "$cpus" ]; then threads=(--threads "$cpus"); fi
mkdir -p "$parts"
exec "$tokentool" tokenize "${inputs[@]}" -o "$parts/part-$(printf '%05d' "$index")" \
    --shard-from-env --shard-count "$shards" "${threads[@]}" "$@"
