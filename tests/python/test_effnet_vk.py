"""The Python module effnet_vk on lavapipe (ctest python.effnet_vk): Vulkan fp32
equals the CPU reference, uint8 NHWC equals its float32 conversion (on Vulkan,
normalised on the GPU: bit for bit the host's), errors are
Python exceptions. Usage: PYTHONPATH=build/python python3 test_effnet_vk.py WEIGHTS"""
import sys

import numpy as np

import effnet_vk


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main():
    weights = sys.argv[1]
    rng = np.random.default_rng(3)
    cpu = effnet_vk.Engine(weights, device="cpu", precision="fp32")
    vk = effnet_vk.Engine(weights, device="vulkan", precision="fp32")
    assert cpu.classes == 10, cpu.classes
    x = rng.random((2, 3, 64, 64), dtype=np.float32)
    ref = cpu(x)
    assert ref.shape == (2, 10) and ref.dtype == np.float32, (ref.shape, ref.dtype)
    y = vk(x)
    err = rel_l2(y, ref)
    assert err <= 1e-5, f"vulkan fp32 vs cpu: rel L2 {err}"
    assert vk.device.startswith("vulkan"), vk.device
    # uint8 NHWC: / 255 and ImageNet mean/std, as effnet-infer converts images.
    img = rng.integers(0, 256, (2, 64, 48, 3), dtype=np.uint8)
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float64).reshape(1, 3, 1, 1)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float64).reshape(1, 3, 1, 1)
    xf = ((img.transpose(0, 3, 1, 2).astype(np.float64) / 255.0 - mean) / std).astype(np.float32)
    err = rel_l2(cpu(img), cpu(xf))
    assert err <= 1e-6, f"uint8 vs float32 conversion: rel L2 {err}"
    # The exact conversion (model/preprocess.h): float64 (v / 255 - mean) * (1 / std)
    # with mean and std the float32 constants, rounded to float32 once.
    mean32 = np.float32([0.485, 0.456, 0.406]).astype(np.float64).reshape(1, 3, 1, 1)
    inv_std32 = 1.0 / np.float32([0.229, 0.224, 0.225]).astype(np.float64).reshape(1, 3, 1, 1)
    xe = ((img.transpose(0, 3, 1, 2).astype(np.float64) / 255.0 - mean32) * inv_std32).astype(np.float32)
    assert np.array_equal(vk(img), vk(xe)), "vulkan: uint8 on the GPU differs from the float32 conversion"
    raw = effnet_vk.Engine(weights, device="vulkan", precision="fp32", normalize=False)
    x01 = (img.transpose(0, 3, 1, 2).astype(np.float64) / 255.0).astype(np.float32)
    assert np.array_equal(raw(img), raw(x01)), "normalize=False: uint8 differs from / 255"
    assert np.array_equal(vk(img[:, ::-1]), vk(np.ascontiguousarray(img[:, ::-1]))), "strided uint8 view"
    # Errors.
    for bad in (np.zeros((1, 4, 64, 64), np.float32), np.zeros((3, 64, 64), np.float32),
                np.zeros((1, 3, 64, 64), np.float64), np.zeros((1, 64, 48, 4), np.uint8),
                np.zeros((0, 64, 64, 3), np.uint8), np.zeros((1, 16, 64, 3), np.uint8)):
        try:
            cpu(bad)
        except ValueError:
            continue
        raise AssertionError(f"no ValueError for {bad.dtype} {bad.shape}")
    nan = np.zeros((1, 3, 64, 64), np.float32)
    nan[0, 1, 2, 3] = np.nan
    for engine in (cpu, vk):  # refused on every device (a GPU ReLU may turn NaN into 0)
        try:
            engine(nan)
            raise AssertionError(f"no ValueError for a NaN input on {engine.device}")
        except ValueError as e:
            assert "non-finite" in str(e), str(e)
    try:
        effnet_vk.Engine(weights + ".missing")
        raise AssertionError("no OSError for missing weights")
    except OSError:
        pass
    try:
        effnet_vk.Engine(weights, precision="int8")
        raise AssertionError("no ValueError for precision int8")
    except ValueError:
        pass
    print(f"effnet_vk ok: vulkan fp32 vs cpu rel L2 {rel_l2(y, ref):.2e} on {vk.device}")


if __name__ == "__main__":
    main()
