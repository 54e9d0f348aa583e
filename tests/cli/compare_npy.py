#!/usr/bin/env python3
"""compare_npy.py Y.npy REF.npy TOL: relative L2 <= TOL and the same top-1 per row.
TOL may be "golden-fp16:CASE": max(2e-3, PyTorch's own fp16 error on that golden
case from golden_meta.json), as tests/support/golden.h."""
import json
import os
import sys

import numpy as np

y, ref = np.load(sys.argv[1]).astype(np.float64), np.load(sys.argv[2]).astype(np.float64)
if sys.argv[3].startswith("golden-fp16:"):
    with open(os.path.join(os.path.dirname(sys.argv[2]), "golden_meta.json")) as f:
        case = json.load(f)["cases"][sys.argv[3].split(":", 1)[1]]
    tol = max(2e-3, case["rel_l2_torch_fp16_vs_fp64"])
else:
    tol = float(sys.argv[3])
assert y.shape == ref.shape, f"shape {y.shape} != {ref.shape}"
err = np.linalg.norm(y - ref) / np.linalg.norm(ref)
top = (y.argmax(1) == ref.argmax(1)).all()
print(f"relative L2 {err:.3e} (tolerance {tol:g}), top-1 equal: {top}")
sys.exit(0 if err <= tol and top else 1)
