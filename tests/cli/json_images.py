#!/usr/bin/env python3
"""json_images.py CODE IMAGES SKIPPED -- COMMAND...: runs COMMAND (an effnet-infer
run with --json -), passes when it exits with CODE and its JSON lists as results
the images IMAGES (comma-separated path endings, in order) and as skipped the
images SKIPPED (the same; '' for none)."""
import json
import subprocess
import sys

code, images, skipped = int(sys.argv[1]), sys.argv[2], sys.argv[3]
assert sys.argv[4] == "--"
p = subprocess.run(sys.argv[5:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
print(p.stderr, end="")
if p.returncode != code:
    sys.exit(f"FAIL: exit code {p.returncode}, expected {code}")
j = json.loads(p.stdout)


def check(what, got, want):
    want = [w for w in want.split(",") if w]
    if len(got) != len(want) or not all(g.endswith(w) for g, w in zip(got, want)):
        sys.exit(f"FAIL: {what} {got}, expected endings {want}")


check("results", [r["image"] for r in j["results"]], images)
check("skipped", [s["image"] for s in j.get("skipped", [])], skipped)
if [r["index"] for r in j["results"]] != list(range(len(j["results"]))):
    sys.exit("FAIL: result indices are not the rows 0..n-1")
print("ok")
