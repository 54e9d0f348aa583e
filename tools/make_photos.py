#!/usr/bin/env python3
"""Makes a folder of JPEG photos for the end-to-end benchmark (issue 11):
effnet-infer --image DIR against tools/torch_jpeg_pipeline.py DIR.

The photos come from scikit-image's sample data (skimage.data: astronaut,
chelsea, coffee, rocket, ... whatever loads without a download; gray ones
replicated to RGB): each one a random crop of a random source (aspect
0.75..1.33), scaled to sides of 200..512 px, flipped left-right half of the
time, encoded as a baseline JPEG of quality 85..95. Deterministic for a seed
(given the same encoder).

--corrupt N adds N bad files, named like the photos and at random places in
the sorted order (so they fall inside batches), cycling through three kinds:
  truncated   a real JPEG cut to 40% of its length
  jpeg-junk   the JPEG start bytes (FF D8 FF), random bytes, the JPEG end
              marker (FF D9): taken for a JPEG by content (and by a check for
              the end marker), fails in the decoder
  random      random bytes under a .jpg name (effnet-infer picks the images of
              a directory by content, so it does not list this one at all; a
              pipeline that lists by name must skip it)

Encoder: PIL if installed, else torchvision.io.encode_jpeg, else
imageio / skimage.io.imsave. Needs numpy and scikit-image.

usage: tools/make_photos.py OUTDIR [--count 300] [--seed 0] [--corrupt 2]
"""
import argparse
import io
import os
import sys

# skimage.data loaders of photos and the file each reads from the package's
# data folder: a loader is called only when its file is there (the others would
# try a download, which the GPU machine cannot do).
COLOUR = {"astronaut": "astronaut.png", "chelsea": "chelsea.png", "coffee": "coffee.png",
          "rocket": "rocket.jpg", "hubble_deep_field": "hubble_deep_field.jpg",
          "immunohistochemistry": "ihc.png", "retina": "retina.jpg",
          "stereo_motorcycle": "motorcycle_left.png", "colorwheel": "color.png"}
GRAY = {"camera": "camera.png", "coins": "coins.png", "moon": "moon.png", "page": "page.png",
        "text": "text.png", "brick": "brick.png", "grass": "grass.png", "gravel": "gravel.png"}
CORRUPT_KINDS = ("truncated", "jpeg-junk", "random")
MIN_SIDE, MAX_SIDE = 200, 512


def die(msg):
    sys.exit(f"make_photos.py: {msg}")


def load_sources(np):
    """The sample photos as HxWx3 uint8 arrays, and their names."""
    try:
        import skimage.data
    except ImportError as e:
        die(f"scikit-image is required ({e})")
    data_dir = os.path.dirname(os.path.abspath(skimage.data.__file__))
    out = []
    for name, file in {**COLOUR, **GRAY}.items():
        fn = getattr(skimage.data, name, None)
        if fn is None or not os.path.isfile(os.path.join(data_dir, file)):
            continue
        try:
            img = fn()
        except Exception:  # noqa: BLE001 (a download that cannot happen, a missing file)
            continue
        if isinstance(img, tuple):  # stereo_motorcycle: (left, right, disparity)
            img = img[0]
        img = np.asarray(img)
        if img.dtype == bool:
            continue
        if img.dtype != np.uint8:
            if np.issubdtype(img.dtype, np.floating):
                img = np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
            else:
                img = np.clip(img, 0, 255).astype(np.uint8)
        if img.ndim == 2:
            img = np.repeat(img[:, :, None], 3, axis=2)
        elif img.ndim == 3 and img.shape[2] == 4:
            img = img[:, :, :3]
        if img.ndim != 3 or img.shape[2] != 3 or min(img.shape[:2]) < 64:
            continue
        out.append((name, np.ascontiguousarray(img)))
    if not out:
        die(f"no scikit-image sample photo could be loaded (skimage.data, {data_dir})")
    return out


def pick_encoder():
    """(name, encode(rgb_u8, quality) -> bytes, resize(rgb_u8, w, h) -> rgb_u8)."""
    try:
        from PIL import Image
        import PIL

        def enc_pil(a, q):
            b = io.BytesIO()
            Image.fromarray(a).save(b, format="JPEG", quality=int(q))
            return b.getvalue()

        def resize_pil(a, w, h):
            import numpy as np
            return np.asarray(Image.fromarray(a).resize((w, h), Image.BILINEAR))
        return f"PIL {PIL.__version__}", enc_pil, resize_pil
    except ImportError:
        pass
    from skimage.transform import resize as sk_resize

    def resize_sk(a, w, h):
        import numpy as np
        r = sk_resize(a, (h, w), order=1, anti_aliasing=True, preserve_range=True)
        return np.clip(r + 0.5, 0, 255).astype(np.uint8)
    resize = resize_sk  # PIL's resize is not there either
    try:
        import torch
        from torchvision.io import encode_jpeg
        import torchvision

        def enc_tv(a, q):
            t = torch.from_numpy(a).permute(2, 0, 1).contiguous()
            return bytes(encode_jpeg(t, quality=int(q)).numpy().tobytes())
        return f"torchvision {torchvision.__version__} encode_jpeg", enc_tv, resize
    except Exception:  # noqa: BLE001 (not installed, or an old torchvision)
        pass
    try:
        import imageio.v3 as iio

        def enc_iio(a, q):
            return iio.imwrite("<bytes>", a, extension=".jpg", quality=int(q))
        enc_iio(__import__("numpy").zeros((8, 8, 3), "uint8"), 90)
        return "imageio", enc_iio, resize
    except Exception:  # noqa: BLE001
        pass
    import tempfile

    import skimage.io

    def enc_sk(a, q):
        with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
            skimage.io.imsave(f.name, a, quality=int(q), check_contrast=False)
            f.seek(0)
            return f.read()
    try:
        enc_sk(__import__("numpy").zeros((8, 8, 3), "uint8"), 90)
    except Exception as e:  # noqa: BLE001
        die(f"no JPEG encoder: install PIL (pillow), torchvision or imageio ({e})")
    return "skimage.io.imsave", enc_sk, resize


def make_photo(np, rng, sources, encode, resize):
    name, src = sources[int(rng.integers(len(sources)))]
    sh, sw = src.shape[:2]
    aspect = float(np.exp(rng.uniform(np.log(0.75), np.log(4.0 / 3.0))))  # w / h
    # output sides in [MIN_SIDE, MAX_SIDE] with that aspect
    w = int(rng.integers(MIN_SIDE, MAX_SIDE + 1))
    h = int(round(w / aspect))
    if h > MAX_SIDE or h < MIN_SIDE:
        h = int(np.clip(h, MIN_SIDE, MAX_SIDE))
        w = int(np.clip(round(h * aspect), MIN_SIDE, MAX_SIDE))
    # crop of the same aspect, 30%..100% of the largest that fits: a random scale
    cw_max = min(sw, sh * w / h)
    frac = rng.uniform(0.3, 1.0)
    cw = max(16, int(cw_max * frac))
    ch = max(16, min(sh, int(round(cw * h / w))))
    cw = min(cw, sw)
    y0 = int(rng.integers(0, sh - ch + 1))
    x0 = int(rng.integers(0, sw - cw + 1))
    crop = np.ascontiguousarray(src[y0:y0 + ch, x0:x0 + cw])
    if rng.random() < 0.5:
        crop = np.ascontiguousarray(crop[:, ::-1])
    img = resize(crop, w, h)
    q = int(rng.integers(85, 96))
    return encode(np.ascontiguousarray(img), q), f"{name} {w}x{h} q{q}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", help="folder to write (created; its photo_*.jpg files are deleted first)")
    ap.add_argument("--count", type=int, default=300, help="good photos (default 300)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corrupt", type=int, default=2,
                    help="bad files in addition, kinds " + ", ".join(CORRUPT_KINDS) + " in turn (default 2)")
    args = ap.parse_args()
    if args.count < 1 or args.corrupt < 0:
        ap.error("--count must be >= 1 and --corrupt >= 0")
    try:
        import numpy as np
    except ImportError as e:
        die(f"numpy is required ({e})")

    sources = load_sources(np)
    enc_name, encode, resize = pick_encoder()
    os.makedirs(args.outdir, exist_ok=True)
    total = args.count + args.corrupt
    rng = np.random.default_rng(args.seed)
    bad_at = set(rng.choice(total, size=args.corrupt, replace=False).tolist()) if args.corrupt else set()
    width = max(4, len(str(total - 1)))
    # Replace an earlier run's files, so that none of a larger --count stays behind.
    for old in os.listdir(args.outdir):
        if old.startswith("photo_") and old.endswith(".jpg"):
            os.remove(os.path.join(args.outdir, old))
    good_bytes, n_bad, bad_names = 0, 0, []
    pending_bad = []  # truncated copies need a real JPEG first: made after the photos
    for i in range(total):
        path = os.path.join(args.outdir, f"photo_{i:0{width}d}.jpg")
        if i in bad_at:
            pending_bad.append(path)
            continue
        data, _ = make_photo(np, rng, sources, encode, resize)
        with open(path, "wb") as f:
            f.write(data)
        good_bytes += len(data)
    for k, path in enumerate(pending_bad):
        kind = CORRUPT_KINDS[k % len(CORRUPT_KINDS)]
        if kind == "truncated":
            data, _ = make_photo(np, rng, sources, encode, resize)
            data = data[: int(len(data) * 0.4)]
        elif kind == "jpeg-junk":
            data = b"\xff\xd8\xff" + rng.integers(0, 256, 20000, dtype=np.uint8).tobytes() + b"\xff\xd9"
        else:
            data = rng.integers(0, 256, 20000, dtype=np.uint8).tobytes()
            if data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n":
                data = b"\x00" + data[1:]
        with open(path, "wb") as f:
            f.write(data)
        n_bad += 1
        bad_names.append(f"{os.path.basename(path)}({kind})")
    print(f"make_photos.py: {args.count} JPEG photos ({good_bytes / max(1, args.count) / 1024:.0f} KiB each on "
          f"average, {MIN_SIDE}-{MAX_SIDE} px sides) + {n_bad} corrupt [{', '.join(bad_names)}] in "
          f"{args.outdir}; from {len(sources)} skimage samples ({', '.join(n for n, _ in sources)}); "
          f"encoder {enc_name}; seed {args.seed}")


if __name__ == "__main__":
    main()
