#!/usr/bin/env python3
"""stdout_npy.py ROWS COLS -- COMMAND...
Runs COMMAND (which writes an .npy to standard output, e.g. effnet-infer
--output -) in a fresh folder; passes when it exits 0, its stdout parses as an
.npy of shape (ROWS, COLS) with finite values, and no file named "-" appeared."""
import io
import os
import subprocess
import sys
import tempfile

import numpy as np

rows, cols = int(sys.argv[1]), int(sys.argv[2])
assert sys.argv[3] == "--"
with tempfile.TemporaryDirectory() as d:
    p = subprocess.run(sys.argv[4:], cwd=d, stdout=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"FAIL: exit code {p.returncode}")
    if os.path.exists(os.path.join(d, "-")):
        sys.exit("FAIL: a file named '-' was written")
y = np.load(io.BytesIO(p.stdout))
if y.shape != (rows, cols) or not np.isfinite(y).all():
    sys.exit(f"FAIL: stdout holds an array of shape {y.shape}, expected ({rows}, {cols}), finite")
print(f"ok: standard output is an .npy of shape {y.shape}")
