#!/usr/bin/env bash
# Builds the libFuzzer targets of the loaders (tests/fuzz; preset fuzz: clang,
# ASan + UBSan, build-fuzz/) and runs each for FUZZ_SECONDS (default 60) from
# its committed seed corpus (tests/fuzz/corpus/<target>, read only: new inputs
# go to build-fuzz/fuzz-runs/). Exit 1 on any finding (crash, sanitizer
# report, leak, timeout, out of memory); the input that caused it is saved as
# build-fuzz/fuzz-runs/<target>-crash-* (make it a regression test, tests/fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
runs=build-fuzz/fuzz-runs
mkdir -p "$runs"
fail=0
for t in safetensors npy image; do
  work="$runs/$t-corpus"
  rm -rf "$work" && mkdir -p "$work"
  # -rss_limit_mb bounds memory (the loaders' own limits are far below it); -timeout flags a hang.
  if build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$runs/$t-" "$work" "tests/fuzz/corpus/$t" >"$runs/$t.log" 2>&1; then
    echo "fuzz_$t: no finding in ${secs} s ($(grep -o 'number_of_executed_units: [0-9]*' "$runs/$t.log" | grep -o '[0-9]*$') inputs)"
  else
    echo "fuzz_$t: FINDING (log $runs/$t.log, input $runs/$t-*):"
    tail -n 40 "$runs/$t.log"
    fail=1
  fi
done
exit $fail
