#!/usr/bin/env python3
"""Writes the malformed inputs of the CLI tests into the folder given as argv[1]."""
import json
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


# Weights with extreme but finite values (issue 12, "silent garbage"): the
# trained Fashion-MNIST checkpoint as F32 with a few tensors changed.
def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8 : 8 + n])
    dtypes = {"F16": np.float16, "F32": np.float32, "I64": np.int64}
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(blob[8 + n + b : 8 + n + end], dtypes[e["dtype"]]).reshape(e["shape"])
    return out


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = np.ascontiguousarray(t, np.int64 if t.dtype == np.int64 else np.float32)
        header[name] = {"dtype": "I64" if t.dtype == np.int64 else "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + t.nbytes]}
        chunks.append(t.tobytes())
        offset += t.nbytes
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(chunks))


def extreme(name, changes):
    t = {k: v.copy() for k, v in read_safetensors(os.path.join(data, "fashion_weights.safetensors")).items()}
    for k, f in changes.items():
        t[k] = t[k].astype(np.float32)
        f(t[k])
    write_safetensors(os.path.join(out, name), t)


def fold_to_inf(t):  # mbconv3.1: gamma 3e38 over a zero running_var
    t[4] = 3e38


def zero_var(t):
    t[4] = 0.0


def one_weight(t):  # mbconv3.6.weight[5, 0]: 1.0
    t[5, 0, 0, 0] = 1.0


def gamma_60000(t):  # mbconv3.7: BN scale 60000 on channel 5, folded weight 1.0 * 60000 / sqrt(0.25 + eps)
    t[5] = 60000.0


def var_quarter(t):
    t[5] = 0.25


def alternating(v):  # every weight +-v, the sign alternating between output channels
    def f(t):
        t[...] = v
        t[1::2] = -v
    return f


def ones(t):
    t[...] = 1.0


def zeros(t):
    t[...] = 0.0


extreme("fold_inf.safetensors", {"mbconv3.1.weight": fold_to_inf, "mbconv3.1.running_var": zero_var})
extreme("fp16_overflow.safetensors", {"mbconv3.6.weight": one_weight, "mbconv3.7.weight": gamma_60000,
                                      "mbconv3.7.running_var": var_quarter})
# fc weights of 1e38 on the non-negative pooled features: float32 logits overflow (fp32, CPU).
extreme("fc_huge.safetensors", {"fc.weight": alternating(1e38)})
# Head weights of 60000 fit fp16, their pooled outputs (fp16 storage) do not (Vulkan fp16).
extreme("head_60000.safetensors", {"conv2.weight": alternating(60000.0), "bn2.weight": ones,
                                   "bn2.running_var": ones, "bn2.running_mean": zeros, "bn2.bias": zeros})

# Inputs that an output must never overwrite (the tools compare device and inode):
# copies, a symlink and a hard link to them.
import shutil  # noqa: E402

for src, dst in [("fashion_sample_0.png", "victim.png"), ("fashion_weights.safetensors", "victim.safetensors"),
                 ("golden_rand_input.npy", "victim.npy")]:
    shutil.copyfile(os.path.join(data, src), os.path.join(out, dst))
for link in ["victim_symlink.png", "victim_hardlink.npy"]:
    if os.path.lexists(os.path.join(out, link)):
        os.remove(os.path.join(out, link))
os.symlink("victim.png", os.path.join(out, "victim_symlink.png"))
os.link(os.path.join(out, "victim.npy"), os.path.join(out, "victim_hardlink.npy"))

# Many images (issue 11): a directory of images beside files that are not
# (ignored by content, not by name), a list file, lists that name nothing.
imgdir = os.path.join(out, "imgdir")
shutil.rmtree(imgdir, ignore_errors=True)
os.makedirs(os.path.join(imgdir, "sub"))
shutil.copyfile(os.path.join(data, "fashion_sample_1.png"), os.path.join(imgdir, "b.png"))
shutil.copyfile(os.path.join(data, "fashion_sample_0.png"), os.path.join(imgdir, "a_no_suffix"))
shutil.copyfile(os.path.join(data, "fashion_sample_2.png"), os.path.join(imgdir, "sub", "deeper.png"))
with open(os.path.join(imgdir, "notes.png"), "w") as f:
    f.write("not an image, whatever its name\n")
os.mkfifo(os.path.join(imgdir, "fifo.png"))
emptydir = os.path.join(out, "emptydir")
shutil.rmtree(emptydir, ignore_errors=True)
os.makedirs(emptydir)
with open(os.path.join(emptydir, "readme.txt"), "w") as f:
    f.write("no image here\n")
with open(os.path.join(out, "list.txt"), "w", newline="") as f:
    f.write("# images of the CLI tests\n\nimgdir/b.png\r\n  \n" + os.path.join(data, "fashion_sample_3.png") +
            "\nimgdir\n")
with open(os.path.join(out, "empty_list.txt"), "w") as f:
    f.write("# nothing\n\n\n")

# A folder with bad images among good ones (issue 11): each bad one is skipped.
baddir = os.path.join(out, "baddir")
shutil.rmtree(baddir, ignore_errors=True)
os.makedirs(baddir)
shutil.copyfile(os.path.join(data, "fashion_sample_0.png"), os.path.join(baddir, "a.png"))
with open(os.path.join(baddir, "b.jpg"), "wb") as f:
    f.write(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 2)
shutil.copyfile(os.path.join(data, "fashion_sample_1.png"), os.path.join(baddir, "c.png"))
with open(os.path.join(data, "fashion_sample_2.png"), "rb") as f:
    png = f.read()
with open(os.path.join(baddir, "d.png"), "wb") as f:
    f.write(png[: len(png) // 2])
