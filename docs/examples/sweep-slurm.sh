#!/usr/bin/env bash
#SBATCH --job-name=harc-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=slurm-harc-sweep-%A-%a.out
# A mixed-precision sweep on a Slurm cluster (docs/sweep.md, "Sharded runs"). From a harc checkout
# on the login node:
#
#   bash docs/examples/sweep-slurm.sh [SHARDS]      # default 8
#
# submits this same script as an array job, one shard per task (SLURM_ARRAY_TASK_ID = K of
# --shard K/N), and a merge job that starts once every task ended with exit 0
# (--dependency=afterok) and writes OUT/sweep/{results.jsonl,pareto.json,report.html}, the files a
# single run writes. The checkout must be on a filesystem the compute nodes see, set up once with
# `bash scripts/setup.sh`. HARC_CACHE_DIR on that filesystem lets tasks and later runs share
# measured candidates: a re-submitted sweep builds only what is missing.
set -euo pipefail

MODEL=${MODEL:-zoo/models/har-cnn.onnx}
export HARC_CACHE_DIR=${HARC_CACHE_DIR:-$PWD/.harc-cache}

if [[ -n "${SLURM_ARRAY_TASK_ID:-}" ]]; then
  # In an array task (Slurm starts it in the directory it was submitted from): one shard.
  node bin/harc.js sweep "$MODEL" \
    --data zoo/data/test_X.npy --labels zoo/data/test_y.npy \
    --calib zoo/data/calib_X.npy \
    --target cortex-m4 --bits 8,4,2 --strategy exhaustive \
    --jobs "${SLURM_CPUS_PER_TASK:-2}" \
    --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \
    -o "$OUT/shard-$SLURM_ARRAY_TASK_ID"
  exit 0
fi

# On the login node: submit the shards, then the merge after them.
SHARDS=${1:-8}
OUT=${OUT:-sweep-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
jobid=$(sbatch --parsable --array=1-"$SHARDS" --export=ALL,MODEL="$MODEL",OUT="$OUT" "$0")
jobid=${jobid%%;*} # --parsable prints "jobid[;cluster]"
echo "shards: job $jobid, array 1-$SHARDS → $OUT/shard-K"

# Merging reads the shards' records only: no compiler or QEMU.
mergeid=$(sbatch --parsable --dependency=afterok:"$jobid" \
  --job-name=harc-sweep-merge --cpus-per-task=1 --time=00:10:00 \
  --output="$OUT/merge.out" \
  --wrap="node bin/harc.js sweep merge $OUT/shard-* -o $OUT/sweep")
echo "merge: job ${mergeid%%;*} (after every shard succeeded) → $OUT/sweep/report.html"
