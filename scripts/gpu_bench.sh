#!/usr/bin/env bash
# One run on the GPU machine that makes every number of docs/PERFORMANCE.md
# (issues 3 and 5): device list, all GPU tests, effnet-bench gemm / net /
# layers, the PyTorch peers, the plots. At most 8 files land in $OUT:
#   gpu_bench.log  every step's output, one after the other, with exit codes
#   gemm.json net.json layers.json peers.json validation_report.json
#   latency_vs_batch.png layers.png
#
# Here (Debian, where it builds), stage the binaries and the commit:
#   bash scripts/gpu_bench.sh --stage build-d        -> .gpu-d/{effnet-bench,effnet-infer,effnet_tests,COMMIT}
# There (the `run` tool, carry [".gl", ".gpu-d"], repository root):
#   for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig; bash scripts/gpu_bench.sh
# Environment (defaults sized for well under 10 minutes on an H100/H200):
#   BIN=.gpu-d  COMPILE_BATCHES=10,1 (torch.compile, ~2 min each; "" for none)
#   T_TESTS=180 (seconds for effnet_tests)  SKIP_TESTS=1  NET_BATCHES=1,10,64,256
# Durations seen on an H200 (2026-11-21, scalar shaders): devices 1 s, gemm 20 s,
# net 47 s, layers 2 s, peers without compile 21 s, plots 2 s, tests 8 s: about
# 100 s, plus torch.compile (~140 s per batch size).
set -u
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--stage" ]; then
  build=${2:?usage: gpu_bench.sh --stage BUILD_DIR [DEST]} dest=${3:-.gpu-d}
  mkdir -p "$dest"
  cp "$build/apps/effnet-bench" "$build/apps/effnet-infer" "$build/tests/effnet_tests" "$dest/"
  dirty=$(git status --porcelain --untracked-files=no | grep -q . && echo "+uncommitted changes" || true)
  echo "$(git rev-parse --short HEAD)$dirty $(git log -1 --format=%cd --date=iso)" > "$dest/COMMIT"
  echo "staged into $dest: $(ls "$dest" | tr '\n' ' ')($(cat "$dest/COMMIT"))"
  exit 0
fi

BIN=${BIN:-.gpu-d}
OUT=${OUT:-$PWD/gpu-bench-out}
mkdir -p "$OUT"
LOG=$OUT/gpu_bench.log
: > "$LOG"
T0=$(date +%s)
declare -a SUMMARY

# The tests find their data under the absolute source path they were built with.
[ -e /work/main ] || { mkdir -p /work && ln -s "$PWD" /work/main; }
export LD_LIBRARY_PATH=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$ICD" ] && [ -z "${VK_DRIVER_FILES:-}" ] && export VK_DRIVER_FILES=$ICD
export PYTHONUNBUFFERED=1

# step NAME TIMEOUT COMMAND...: runs COMMAND with a time limit, output into the log.
step() {
  local name=$1 limit=$2; shift 2
  local t=$(date +%s)
  echo "===== $name: $* (limit ${limit}s, at +$((t - T0))s)" | tee -a "$LOG"
  timeout "$limit" "$@" >> "$LOG" 2>&1
  local rc=$?
  echo "===== $name: rc=$rc in $(( $(date +%s) - t ))s" | tee -a "$LOG"
  SUMMARY+=("$name rc=$rc $(( $(date +%s) - t ))s")
}

{
  echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(cat "$BIN/COMMIT" 2>/dev/null || echo unknown)"
  echo "host:   $(uname -srm), $(nproc) CPUs"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv 2>&1
} | tee -a "$LOG"

step devices 60 "$BIN/effnet-infer" --list-devices
# Timings first (an idle GPU), then the peers, then the tests and torch.compile.
# The clock ramps from ~345 MHz idle to 1980 MHz under load: warm up first (docs/PERFORMANCE.md, step 4).
step warmup 60 "$BIN/effnet-bench" layers --fuse never --batch 256 --quick --iters 100 --warmup 5
step gemm 150 "$BIN/effnet-bench" gemm --batch 10,256 --iters 100 --warmup 10 --json "$OUT/gemm.json"
step net 240 "$BIN/effnet-bench" net --batch "${NET_BATCHES:-1,10,64,256}" --precision fp16,fp32 --iters 200 \
  --warmup 20 --json "$OUT/net.json"
step layers 90 "$BIN/effnet-bench" layers --batch 10 --precision fp16 --iters 200 --warmup 20 --json "$OUT/layers.json"
step peers 150 python3 tools/torch_peers.py --batches 1,10,64,256 --peers eager-fp32,eager-tf32,graph-fp16-cl \
  --json "$OUT/peers.json"
PLOT=(python3 tools/plot_bench.py --net "$OUT/net.json" --peers "$OUT/peers.json" --layers "$OUT/layers.json"
  --gemm "$OUT/gemm.json" --out "$OUT" --markdown /tmp/gpu_bench_tables.md)
step plots 60 "${PLOT[@]}"
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  # Written beside a lock file: made in /tmp, copied (only 8 files come back from $OUT).
  export EFFNET_VALIDATION_REPORT=/tmp/gpu_bench_validation/validation_report.json
  mkdir -p /tmp/gpu_bench_validation
  step tests "${T_TESTS:-180}" "$BIN/effnet_tests" --durations yes
  cp /tmp/gpu_bench_validation/validation_report.json "$OUT/" 2>/dev/null
  unset EFFNET_VALIDATION_REPORT
  grep -E "^(All tests passed|test cases:)|FAILED|SKIPPED" "$LOG" | tail -8
fi
# effnet-infer on the golden inputs, every device and precision, against the
# PyTorch float64 logits (issues 2 and 4), and compute-sanitizer memcheck on the
# CUDA path (issue 4).
infer_golden() {  # DEVICE PRECISION TOL CASE
  local y=/tmp/gpu_bench_$1_$2_$4.npy
  "$BIN/effnet-infer" --device "$1" --precision "$2" --weights tests/data/golden_weights.safetensors \
    --input "tests/data/golden_$4_input.npy" --output "$y" --topk 3 &&
    python3 tests/cli/compare_npy.py "$y" "tests/data/golden_$4_logits.npy" "$3"
}
export -f infer_golden
export BIN
for c in photo rand; do
  step "infer-vulkan-fp32-$c" 60 bash -c 'infer_golden "$@"' _ vulkan fp32 1e-5 $c
  step "infer-vulkan-fp16-$c" 60 bash -c 'infer_golden "$@"' _ vulkan fp16 "golden-fp16:$c" $c
  step "infer-cuda-fp32-$c" 60 bash -c 'infer_golden "$@"' _ cuda fp32 1e-5 $c
  step "infer-cuda-fp16-$c" 60 bash -c 'infer_golden "$@"' _ cuda fp16 1e-2 $c
done
step memcheck-cuda-fp32 120 compute-sanitizer --tool memcheck --error-exitcode 9 "$BIN/effnet-infer" --device cuda \
  --precision fp32 --weights tests/data/golden_weights.safetensors --input tests/data/golden_rand_input.npy
step memcheck-cuda-fp16 120 compute-sanitizer --tool memcheck --error-exitcode 9 "$BIN/effnet-infer" --device cuda \
  --precision fp16 --weights tests/data/golden_weights.safetensors --input tests/data/golden_rand_input.npy
if [ -n "${COMPILE_BATCHES-10,1}" ]; then
  step compile 330 python3 tools/torch_peers.py --batches "${COMPILE_BATCHES-10,1}" \
    --compile-batches "${COMPILE_BATCHES-10,1}" --peers compile-fp16 --append --json "$OUT/peers.json"
  step plots2 60 "${PLOT[@]}"
fi

# The tables (markdown, as docs/PERFORMANCE.md holds them), last, so the end of the output shows them.
{ echo; echo "===== tables"; cat /tmp/gpu_bench_tables.md 2>/dev/null; } >> "$LOG"
sed -n '/^===== tables/,$p' "$LOG"
echo; echo "steps: ${SUMMARY[*]}"; echo "total $(( $(date +%s) - T0 ))s; files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
