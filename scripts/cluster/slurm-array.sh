#!/usr/bin/env bash
# A Slurm job array that tokenizes a long input list in SHARDS parts, one part per array task.
# Submit from the repository root (or set TOKENTOOL_SCRIPTS to this folder), then merge:
#
#   jid=$(sbatch --parsable --array=0-99 scripts/cluster/slurm-array.sh inputs.txt parts 100 --ckpt data/magvit2.ckpt)
#   sbatch --dependency=afterok:$jid --wrap "tokentool merge parts/part-* -o data/tokens"
#
# Re-running the same sbatch line after failures skips the parts already complete.
#SBATCH --job-name=tokentool-tokenize
#SBATCH --cpus-per-task=2
#SBATCH --mem=3G
#SBATCH --output=tokentool-tokenize-%A_%a.log
set -euo pipefail
# sbatch runs a copy of this file from its spool folder, so find the helper from where sbatch ran.
exec bash "${TOKENTOOL_SCRIPTS:-$SLURM_SUBMIT_DIR/scripts/cluster}/tokenize-part.sh" "$@"
