#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/, committed):
small valid safetensors, npy and PNG files in several variants. The JPEG seeds
come from make_jpeg_seeds.c (libjpeg-turbo). Standard library only."""
import json
import os
import struct
import sys
import zlib

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(sub, name, data):
    with open(os.path.join(root, sub, name), "wb") as f:
        f.write(data)


# safetensors: F32, F16, BF16, I64, metadata, an empty tensor.
def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob


f32 = struct.pack("<6f", 0.5, -1.0, 2.0, 3.5, -0.25, 1e-3)
put("safetensors", "f32.safetensors", safetensors({"conv1.weight": ("F32", [2, 3], f32)}))
put("safetensors", "mixed.safetensors", safetensors({
    "a": ("F16", [2, 2], struct.pack("<4H", 0x3c00, 0xbc00, 0x4000, 0x0001)),
    "b": ("BF16", [3], struct.pack("<3H", 0x3f80, 0xc000, 0x7f80)),
    "bn1.num_batches_tracked": ("I64", [], struct.pack("<q", 7)),
    "empty": ("F32", [0, 4], b""),
}, {"format": "pt"}))

# npy: format 1.0 and 2.0, float32, a 0-d and a 4-d shape.
def npy(shape, values, major=1):
    s = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % s
    pre = 10 if major == 1 else 12
    header += " " * (-(pre + len(header) + 1) % 64) + "\n"
    size = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + size + header.encode() + struct.pack("<%df" % len(values), *values)


put("npy", "nchw.npy", npy([1, 3, 2, 2], [i / 7 for i in range(12)]))
put("npy", "v2.npy", npy([3], [1.0, -2.0, 0.5], major=2))
put("npy", "scalar.npy", npy([], [42.0]))

# PNG: RGB, gray, palette, 16-bit RGB, gray + alpha; filter type 1 rows.
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(w, h, depth, color, row, extra=b""):
    raw = b"".join(b"\x01" + row(y) for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(raw)) +
            chunk(b"IEND", b""))


put("image", "rgb8.png", png(5, 4, 8, 2, lambda y: bytes((x * 40 + y * 9 + c * 70) % 256 for x in range(5) for c in range(3))))
put("image", "gray8.png", png(6, 3, 8, 0, lambda y: bytes((x * 30 + y * 50) % 256 for x in range(6))))
put("image", "palette.png", png(4, 4, 8, 3, lambda y: bytes((x + y) % 3 for x in range(4)),
                                chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255]))))
put("image", "rgb16.png", png(3, 2, 16, 2, lambda y: b"".join(struct.pack(">H", (x * 9000 + y * 20000 + c) % 65536)
                                                           for x in range(3) for c in range(3))))
put("image", "gray_alpha.png", png(3, 3, 8, 4, lambda y: bytes(v for x in range(3) for v in ((x * 80) % 256, 200))))
print("seeds written to", root, file=sys.stderr)
