#!/usr/bin/env python3
"""Writes the malformed inputs of the CLI tests into the folder given as argv[1]."""
import os
import sys

import numpy as np

out = sys.argv[1]
data = sys.argv[2]
os.makedirs(out, exist_ok=True)
x = np.random.default_rng(1).random((1, 3, 32, 32), dtype=np.float32)
x[0, 1, 5, 7] = np.nan
np.save(os.path.join(out, "nan_input.npy"), x)
np.save(os.path.join(out, "f64_input.npy"), x.astype(np.float64))
np.save(os.path.join(out, "small_input.npy"), np.ones((1, 3, 16, 16), np.float32))
np.save(os.path.join(out, "rank3_input.npy"), np.ones((3, 64, 64), np.float32))
with open(os.path.join(data, "golden_weights.safetensors"), "rb") as f:
    blob = f.read()
with open(os.path.join(out, "truncated.safetensors"), "wb") as f:
    f.write(blob[: len(blob) // 2])
with open(os.path.join(out, "corrupt.png"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
# A FIFO: opening it for reading blocks until a writer comes (the tools must refuse it at once).
fifo = os.path.join(out, "fifo")
if not os.path.exists(fifo):
    os.mkfifo(fifo)
