#!/usr/bin/env python3
"""jsonl_images.py CODE LINES -- COMMAND...: runs COMMAND (an effnet-infer run with
--jsonl on standard output), passes when it exits with CODE and prints one JSON
object a line for the inputs LINES (comma-separated path endings in order; a
leading '!' marks an image that must be reported as skipped), the classified
ones with rows 0, 1, ... and their top-k."""
import json
import subprocess
import sys

code, want = int(sys.argv[1]), [w for w in sys.argv[2].split(",") if w]
assert sys.argv[3] == "--"
p = subprocess.run(sys.argv[4:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
print(p.stderr, end="")
if p.returncode != code:
    sys.exit(f"FAIL: exit code {p.returncode}, expected {code}")
lines = [json.loads(line) for line in p.stdout.splitlines()]
if len(lines) != len(want):
    sys.exit(f"FAIL: {len(lines)} lines, expected {len(want)}:\n{p.stdout}")
row = 0
for line, w in zip(lines, want):
    skipped = w.startswith("!")
    if not line["image"].endswith(w.lstrip("!")) or ("skipped" in line) != skipped:
        sys.exit(f"FAIL: line {line}, expected {w}")
    if not skipped:
        if line["index"] != row or not line["topk"]:
            sys.exit(f"FAIL: line {line}, expected row {row} with its top-k")
        row += 1
print("ok")
