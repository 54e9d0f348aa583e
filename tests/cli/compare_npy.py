#!/usr/bin/env python3
"""compare_npy.py Y.npy REF.npy TOL: relative L2 <= TOL and the same top-1 per row."""
import sys

import numpy as np

y, ref, tol = np.load(sys.argv[1]).astype(np.float64), np.load(sys.argv[2]).astype(np.float64), float(sys.argv[3])
assert y.shape == ref.shape, f"shape {y.shape} != {ref.shape}"
err = np.linalg.norm(y - ref) / np.linalg.norm(ref)
top = (y.argmax(1) == ref.argmax(1)).all()
print(f"relative L2 {err:.3e} (tolerance {tol:g}), top-1 equal: {top}")
sys.exit(0 if err <= tol and top else 1)
