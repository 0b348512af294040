#!/usr/bin/env bash
# A mixed-precision sweep on a Slurm cluster: an array job runs one shard per task, and a job that
# starts when every task succeeded merges them into the results.jsonl / pareto.json / report.html a
# single run writes (docs/sweep.md, "Sharded runs"). Run it from a harc checkout on the login node:
#
#   bash docs/examples/sweep-slurm.sh [SHARDS]
#
# The checkout must be on a filesystem the compute nodes see, set up once (bash scripts/setup.sh).
# HARC_CACHE_DIR on the same shared filesystem lets the tasks and later runs share measured
# candidates: a re-submitted sweep only builds what is missing.
set -euo pipefail

SHARDS=${1:-8}
MODEL=${MODEL:-zoo/models/har-cnn.onnx}
OUT=${OUT:-sweep-$(date +%Y%m%d-%H%M%S)}
export HARC_CACHE_DIR=${HARC_CACHE_DIR:-$PWD/.harc-cache}
mkdir -p "$OUT/logs"

# One array task per shard; SLURM_ARRAY_TASK_ID is 1..SHARDS, the K of --shard K/N.
jobid=$(sbatch --parsable \
  --job-name=harc-sweep \
  --array=1-"$SHARDS" \
  --cpus-per-task=2 \
  --time=02:00:00 \
  --output="$OUT/logs/shard-%a.out" \
  --export=ALL,MODEL="$MODEL",OUT="$OUT",SHARDS="$SHARDS" \
  --wrap='node bin/harc.js sweep "$MODEL" \
    --data zoo/data/test_X.npy --labels zoo/data/test_y.npy \
    --calib zoo/data/calib_X.npy \
    --target cortex-m4 --bits 8,4,2 --strategy exhaustive \
    --jobs "$SLURM_CPUS_PER_TASK" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
    -o "$OUT/shard-$SLURM_ARRAY_TASK_ID"')
echo "submitted shards: job $jobid (array 1-$SHARDS)"

# Starts only when every array task ended with exit 0; merging needs no compiler or QEMU.
mergeid=$(sbatch --parsable \
  --job-name=harc-sweep-merge \
  --dependency=afterok:"$jobid" \
  --cpus-per-task=1 \
  --time=00:10:00 \
  --output="$OUT/logs/merge.out" \
  --export=ALL,OUT="$OUT" \
  --wrap='node bin/harc.js sweep merge "$OUT"/shard-* -o "$OUT/sweep"')
echo "submitted merge: job $mergeid → $OUT/sweep/report.html"
