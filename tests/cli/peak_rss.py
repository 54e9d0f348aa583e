#!/usr/bin/env python3
"""peak_rss.py SMALL LARGE MAX_GROWTH_MB IMAGE -- COMMAND...
Runs COMMAND --image IMAGE (SMALL times), then with LARGE copies of it, and
passes when both exit 0 and the peak resident memory (ru_maxrss) of the large
run exceeds the small run's by at most MAX_GROWTH_MB: images are processed in
chunks, so memory must not grow with their number."""
import os
import subprocess
import sys

small, large, limit_mb, image = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
assert sys.argv[5] == "--"
cmd = sys.argv[6:]


def peak_mb(n):
    p = subprocess.Popen(cmd + ["--image"] + [image] * n, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"FAIL: {n} images: exit code {code}")
    return usage.ru_maxrss / 1024.0  # kB on Linux


a, b = peak_mb(small), peak_mb(large)
print(f"peak RSS: {small} images {a:.1f} MB, {large} images {b:.1f} MB, growth {b - a:+.1f} MB (limit {limit_mb} MB)")
sys.exit(0 if b - a <= limit_mb else 1)
