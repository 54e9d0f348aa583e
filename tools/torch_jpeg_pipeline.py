#!/usr/bin/env python3
"""The PyTorch peer of `effnet-infer --image DIR --batch 32` (issue 11): the
same job end to end on a folder of photos, files to logits in host memory:

  list    *.jpg, *.jpeg, *.png directly in DIR (by name, sorted by name)
  read    the file bytes
  decode  --decode cuda: torchvision.io.decode_jpeg(device="cuda") (nvJPEG), a
          batch of files per call, the bytes read by a thread pool one batch
          ahead (a PNG is decoded on the CPU); --decode cpu: DataLoader worker
          processes (--workers), each decoding with torchvision.io.decode_image,
          else PIL when torchvision is missing; --decode auto: cuda when
          torchvision's nvJPEG decode works here, else cpu
  resize  to SIZE x SIZE (no crop, the aspect ratio is not kept, as
          effnet-infer), bilinear with torchvision's antialiasing (the default
          of torchvision.transforms.v2.functional.resize; --no-antialias for
          exactly effnet-infer's filter). cpu: in the workers, on uint8 (the
          result rounded to uint8, as torchvision's uint8 resize does); cuda:
          F.interpolate on the GPU in float32
  input   / 255, ImageNet mean / std, NCHW fp16 channels-last on the GPU
  network the reference model (tools/reference_model.py) in fp16,
          channels-last, replayed from a CUDA graph (tools/torch_peers.py
          graph_runner; one shape: a short last batch is padded to --batch by
          repeating its last image, as effnet-infer pads)
  logits  copied to host memory batch by batch

A file that cannot be read or decoded is reported on standard error
("torch_jpeg_pipeline.py: skipped PATH: REASON") and skipped; the batches are
filled from the following files, as effnet-infer does. A JPEG without its end
marker (FF D9 in the last KiB) counts as corrupt before decoding, since
libjpeg (torchvision's CPU decoder) only warns about a truncated file and
returns gray rows, while effnet-infer refuses it.

Timing: first a warmup pass over the first --warmup-batches batches (graph
already captured, workers started, not timed); then the timed pass over the
whole folder: wall clock from the first file read to the last logits in host
memory. images_per_s = images decoded and classified / wall_s.

Differences from effnet-infer (model/preprocess.cpp, apps/input.cpp,
apps/effnet_infer.cpp), which decodes with libjpeg-turbo (any libjpeg warning
is an error) and resizes bilinear WITHOUT antialiasing in float64 (PyTorch's
interpolate(align_corners=False, antialias=False) arithmetic) on --threads
CPU threads, the next chunk while the device runs this one, and uploads
float32 NCHW:
  - antialiased resize by default (--no-antialias: effnet-infer's filter; on
    the cpu path the uint8 rounding after the resize stays: logits ~2e-2
    relative L2 from the float64 reference, against ~2e-3 for --decode cuda)
  - decoding in --workers processes (cpu) or on the GPU (cuda); --workers 0
    decodes in the main process, one image after the other
  - DIR is listed by name here, by content (PNG / JPEG magic bytes) there: a
    file of random bytes named .jpg is skipped here but not listed at all by
    effnet-infer
  - effnet-infer has no warmup pass: its wall_s / images_per_s (--json) time
    its first and only pass (its network is set up before, not timed)

Without --weights the network has torch_peers.py's random weights
(reference_model.randomize_and_calibrate, seed 0); with a safetensors
state_dict (PyTorch names, e.g. tests/data/golden_weights.safetensors) the
logits can be compared with `effnet-infer --weights W --output y.npy`
(--output here writes the same [N, classes] float32 .npy, skipped files
having no row).

usage: tools/torch_jpeg_pipeline.py DIR --batch 32 --json torch_pipeline.json
       tools/torch_jpeg_pipeline.py DIR --decode cpu --workers 15 --no-antialias --weights W.safetensors
"""
import argparse
import io
import json
import os
import sys
import time

T_START = time.perf_counter()
EXTENSIONS = (".jpg", ".jpeg", ".png")
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
PROG = "torch_jpeg_pipeline.py"


def die(msg, code=2):
    print(f"{PROG}: {msg}", file=sys.stderr)
    sys.exit(code)


def list_images(d):
    try:
        names = sorted(n for n in os.listdir(d)
                       if n.lower().endswith(EXTENSIONS) and os.path.isfile(os.path.join(d, n)))
    except OSError as e:
        die(f"{d}: cannot read the directory ({e.strerror})")
    if not names:
        die(f"{d}: no *.jpg, *.jpeg or *.png file in the directory")
    return [os.path.join(d, n) for n in names]


def short(e):
    """An exception as one short line."""
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0]}" if msg else type(e).__name__


def read_checked(path):
    """(bytes, None) or (None, reason): the file's bytes when they look like a
    whole PNG or JPEG (magic bytes; a JPEG's end marker)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return None, f"cannot read ({e.strerror})"
    if data.startswith(JPEG_MAGIC):
        if data.rfind(b"\xff\xd9", max(0, len(data) - 1024)) < 0:
            return None, "truncated JPEG (no end-of-image marker)"
    elif not data.startswith(PNG_MAGIC):
        return None, "not a PNG or JPEG image"
    return data, None


class DecodeFiles:
    """Map-style dataset for the DataLoader: item i -> (i, uint8 [3,S,S] tensor
    or None, reason or None). Only torch / torchvision / PIL inside, imported
    lazily, so the module imports without them."""

    def __init__(self, paths, size, antialias, backend):
        self.paths, self.size, self.antialias, self.backend = paths, size, antialias, backend

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        data, why = read_checked(self.paths[i])
        if why:
            return i, None, why
        try:
            return i, decode_resize_cpu(data, self.size, self.antialias, self.backend), None
        except Exception as e:  # noqa: BLE001 (any decoder error: the file is skipped)
            return i, None, f"cannot decode ({short(e)})"


def decode_resize_cpu(data, size, antialias, backend):
    """File bytes -> uint8 [3, size, size] (CPU)."""
    import torch
    if backend == "torchvision":
        from torchvision.io import ImageReadMode, decode_image
        import torchvision.transforms.v2.functional as TF
        img = decode_image(torch.frombuffer(bytearray(data), dtype=torch.uint8), mode=ImageReadMode.RGB)
        return TF.resize(img, [size, size], interpolation=TF.InterpolationMode.BILINEAR, antialias=antialias)
    from PIL import Image
    im = Image.open(io.BytesIO(data))
    im.load()
    im = im.convert("RGB")
    if antialias:  # PIL's bilinear filter widens with the scale: antialiased
        im = im.resize((size, size), Image.BILINEAR)
        return torch.from_numpy(__import__("numpy").asarray(im).copy()).permute(2, 0, 1).contiguous()
    import torch.nn.functional as F
    x = torch.from_numpy(__import__("numpy").asarray(im).copy()).permute(2, 0, 1)[None].float()
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    return x[0].round_().clamp_(0, 255).to(torch.uint8)


def collate(items):
    """[(i, img | None, why | None)] -> (ok indices, uint8 [n,3,S,S] or None, [(i, why)])."""
    import torch
    ok = [(i, x) for i, x, _ in items if x is not None]
    bad = [(i, w) for i, x, w in items if x is None]
    return [i for i, _ in ok], (torch.stack([x for _, x in ok]) if ok else None), bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="folder of photos (*.jpg, *.jpeg, *.png directly inside)")
    ap.add_argument("--batch", type=int, default=32, help="images per network run (default 32)")
    ap.add_argument("--weights", default="", help="safetensors state_dict of the reference model (PyTorch names); "
                    "default: torch_peers.py's random weights")
    ap.add_argument("--size", type=int, default=240, help="resize to SIZE x SIZE (default 240)")
    ap.add_argument("--decode", choices=("cpu", "cuda", "auto"), default="auto",
                    help="cuda: nvJPEG through torchvision; cpu: DataLoader workers (torchvision, else PIL); "
                    "auto (default): cuda when it works here")
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                    help="cpu decode: DataLoader worker processes (0: in the main process); cuda decode: file "
                    "reading threads (default: CPU count - 1)")
    ap.add_argument("--no-antialias", dest="antialias", action="store_false",
                    help="plain bilinear resize, effnet-infer's filter (default: antialiased, as torchvision)")
    ap.add_argument("--warmup-batches", type=int, default=2, help="batches of the untimed warmup pass (default 2)")
    ap.add_argument("--json", default="", help="write the results as JSON to this file")
    ap.add_argument("--output", default="", help="write the logits [N, classes] float32 to this .npy")
    args = ap.parse_args()
    if args.batch < 1 or args.size < 1 or args.workers < 0 or args.warmup_batches < 0:
        ap.error("--batch and --size must be >= 1, --workers and --warmup-batches >= 0")
    paths = list_images(args.dir)

    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        die(f"PyTorch is required ({e}); run it with the PyTorch environment, e.g. /opt/torch/.venv/bin/python3")
    if not torch.cuda.is_available():
        die("needs a CUDA GPU (torch.cuda.is_available() is False)")
    try:
        import torchvision
        tv_version = torchvision.__version__
    except ImportError:
        torchvision, tv_version = None, None
    try:
        import PIL
        pil_version = PIL.__version__
    except ImportError:
        pil_version = None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from reference_model import Model, randomize_and_calibrate  # noqa: E402
    from torch_peers import graph_runner  # noqa: E402

    dev = torch.device("cuda")
    S, B = args.size, args.batch
    aa = args.antialias

    # ---- the network: torch_peers.py's graph-fp16-cl peer
    if args.weights:
        try:
            from safetensors.torch import load_file
        except ImportError as e:
            die(f"--weights needs the safetensors package ({e})")
        sd = load_file(args.weights)
        if "fc.weight" not in sd:
            die(f"--weights {args.weights}: no fc.weight (not a state_dict of tools/reference_model.py)")
        model = Model(int(sd["fc.weight"].shape[0]))
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
        weights_desc = args.weights
    else:
        torch.manual_seed(0)
        model = randomize_and_calibrate(Model(1000), 0)
        weights_desc = "random (torch_peers.py: randomize_and_calibrate, seed 0)"
    model = model.eval().to(dev).half().to(memory_format=torch.channels_last)
    classes = model.fc.out_features
    example = torch.zeros(B, 3, S, S, device=dev, dtype=torch.half).contiguous(memory_format=torch.channels_last)
    run_graph = graph_runner(model, example)
    mean = torch.tensor(MEAN, device=dev).view(1, 3, 1, 1)
    inv_std = 1.0 / torch.tensor(STD, device=dev).view(1, 3, 1, 1)

    def to_input(x):
        """uint8 or float (0..255) [n,3,S,S] on the GPU -> normalised fp16 channels-last."""
        return ((x.float() / 255.0 - mean) * inv_std).half().contiguous(memory_format=torch.channels_last)

    # ---- the decoder
    def nvjpeg_works():
        if torchvision is None:
            return "torchvision is not installed"
        for p in paths:
            data, why = read_checked(p)
            if why is None and data[:3] == JPEG_MAGIC:
                break
        else:
            return "" if args.decode == "cuda" else "no readable JPEG in the folder to try it on"
        try:
            from torchvision.io import ImageReadMode, decode_jpeg
            decode_jpeg([torch.frombuffer(bytearray(data), dtype=torch.uint8)], device="cuda",
                        mode=ImageReadMode.RGB)
            torch.cuda.synchronize()
        except Exception as e:  # noqa: BLE001 (a torchvision without nvJPEG, an old one, ...)
            return short(e)
        return None

    mode = args.decode
    if mode in ("cuda", "auto"):
        why = nvjpeg_works()  # None: works; "": untried (no JPEG here; --decode cuda decodes PNG on the CPU)
        if why and mode == "cuda":
            die(f"--decode cuda: torchvision's nvJPEG decode does not work here ({why})")
        if why:
            print(f"{PROG}: --decode auto: cpu decode, since nvJPEG does not work here ({why})", file=sys.stderr)
        mode = "cpu" if why else "cuda"
    cpu_backend = "torchvision" if torchvision is not None else ("PIL" if pil_version else None)
    if mode == "cpu" and cpu_backend is None:
        die("--decode cpu needs torchvision or PIL (pillow); neither is installed")

    skipped = {}  # index -> reason, of the timed pass

    if mode == "cuda":
        from concurrent.futures import ThreadPoolExecutor

        from torchvision.io import ImageReadMode, decode_image, decode_jpeg
        pool = ThreadPoolExecutor(max_workers=max(1, args.workers))
        decode_desc = (f"torchvision {tv_version} io.decode_jpeg device=cuda (nvJPEG), {B} files per call, "
                       f"bytes read by {max(1, args.workers)} threads one batch ahead; PNG: decode_image on the CPU")
        resize_desc = (f"F.interpolate bilinear align_corners=False antialias={aa}, float32 on the GPU, "
                       f"to {S}x{S}, then ImageNet mean/std, fp16 channels-last")

        def resize_gpu(img):  # uint8 [3,H,W] on the GPU -> float [1,3,S,S]
            return F.interpolate(img[None].float(), size=(S, S), mode="bilinear", align_corners=False, antialias=aa)

        def groups(idx, note, it=None):
            """Yields (ok indices, fp16 input [n,3,S,S] on the GPU or None) a file group after the other."""
            chunks = [idx[i:i + B] for i in range(0, len(idx), B)]
            read = lambda ch: [pool.submit(read_checked, paths[i]) for i in ch]  # noqa: E731
            nxt = read(chunks[0]) if chunks else None
            for c, ch in enumerate(chunks):
                got = [f.result() for f in nxt]
                nxt = read(chunks[c + 1]) if c + 1 < len(chunks) else None
                out = {}
                jpeg = []
                for i, (data, why) in zip(ch, got):
                    if why:
                        note(i, why)
                    elif data[:3] == JPEG_MAGIC:
                        jpeg.append((i, torch.frombuffer(bytearray(data), dtype=torch.uint8)))
                    else:
                        try:
                            t = decode_image(torch.frombuffer(bytearray(data), dtype=torch.uint8),
                                             mode=ImageReadMode.RGB)
                            out[i] = resize_gpu(t.to(dev, non_blocking=True))
                        except Exception as e:  # noqa: BLE001
                            note(i, f"cannot decode ({short(e)})")
                if jpeg:
                    try:
                        imgs = decode_jpeg([t for _, t in jpeg], device="cuda", mode=ImageReadMode.RGB)
                        decoded = list(zip([i for i, _ in jpeg], imgs))
                    except Exception:  # noqa: BLE001 (one bad file fails the call: find it one by one)
                        decoded = []
                        for i, t in jpeg:
                            try:
                                decoded.append((i, decode_jpeg(t, device="cuda", mode=ImageReadMode.RGB)))
                            except Exception as e:  # noqa: BLE001
                                note(i, f"cannot decode ({short(e)})")
                    for i, img in decoded:
                        out[i] = resize_gpu(img)
                ok = sorted(out)
                yield ok, (to_input(torch.cat([out[i] for i in ok])) if ok else None)
        closer = pool.shutdown
    else:
        from torch.utils.data import DataLoader
        ds = DecodeFiles(paths, S, aa, cpu_backend)
        per_item = max(1, min(B, 8))  # files per worker task: small, so that all workers share a batch
        loader = DataLoader(ds, batch_size=per_item, shuffle=False, num_workers=args.workers,
                            collate_fn=collate, pin_memory=True, persistent_workers=args.workers > 0,
                            prefetch_factor=4 if args.workers > 0 else None)
        dec = f"torchvision {tv_version} io.decode_image (libjpeg / libpng)" if cpu_backend == "torchvision" \
            else f"PIL {pil_version} Image.open"
        decode_desc = (f"{dec} on the CPU, " + (f"{args.workers} DataLoader worker processes, {per_item} files per "
                       f"task, pinned memory" if args.workers else "in the main process"))
        if cpu_backend == "torchvision":
            resize_desc = (f"torchvision.transforms.v2.functional.resize bilinear antialias={aa} on uint8 "
                           f"[3,H,W] on the CPU{' (in the workers)' if args.workers else ''}, to {S}x{S}")
        elif aa:
            resize_desc = f"PIL Image.resize BILINEAR (antialiased) on the CPU, to {S}x{S}"
        else:
            resize_desc = f"F.interpolate bilinear antialias=False, float32 on the CPU, rounded to uint8, to {S}x{S}"
        resize_desc += "; uint8 to the GPU, ImageNet mean/std there, fp16 channels-last"

        def groups(idx, note, it=None):
            """The files 0..len(idx)-1 through the loader (`it`: an iterator of it already made)."""
            n = len(idx)
            for k, (ok, x, bad) in enumerate(loader if it is None else it):
                if k * per_item >= n:  # the warmup pass wants only the first files
                    break
                for i, why in bad:
                    note(i, why)
                yield ok, (to_input(x.to(dev, non_blocking=True)) if x is not None else None)
        closer = lambda: None  # noqa: E731

    def one_pass(idx, note, it=None):
        """Runs the files `idx`; returns (ok indices, logits [n, classes] float32 on the host)."""
        pend, pend_idx, outs, done_idx = [], [], [], []

        def run(x, k):  # x: [B,3,S,S], the first k rows real
            y = run_graph(x)[:k].float().cpu()  # .cpu(): waits for the GPU; the logits are in host memory
            outs.append(y)

        n_pend = 0
        for ok, x in groups(idx, note, it):
            if x is None:
                continue
            pend.append(x)
            pend_idx += ok
            n_pend += x.shape[0]
            while n_pend >= B:
                allx = torch.cat(pend) if len(pend) > 1 else pend[0]
                run(allx[:B], B)
                done_idx += pend_idx[:B]
                pend, pend_idx, n_pend = ([allx[B:]] if n_pend > B else []), pend_idx[B:], n_pend - B
        if n_pend:
            allx = torch.cat(pend) if len(pend) > 1 else pend[0]
            pad = allx[-1:].expand(B - n_pend, -1, -1, -1)
            run(torch.cat([allx, pad]), n_pend)
            done_idx += pend_idx
        return done_idx, (torch.cat(outs) if outs else torch.zeros(0, classes))

    # ---- warmup: the first batches, untimed (the graph is captured already)
    n_warm = min(len(paths), args.warmup_batches * B)
    if n_warm:
        one_pass(list(range(n_warm)), lambda i, why: None)
    torch.cuda.synchronize()
    t_ready = time.perf_counter()

    # ---- the timed pass over the whole folder
    def note(i, why):
        skipped[i] = why
        print(f"{PROG}: skipped {paths[i]}: {why}", file=sys.stderr)
    # A persistent DataLoader's new iterator first drains what the warmup left
    # queued, then hands the workers their first files: made before t0.
    it = iter(loader) if mode == "cpu" else None
    t0 = time.perf_counter()
    done_idx, logits = one_pass(list(range(len(paths))), note, it)
    t1 = time.perf_counter()
    closer()

    n_ok = len(done_idx)
    wall = t1 - t0
    out = {"images": n_ok, "skipped": len(skipped), "wall_s": wall,
           "images_per_s": n_ok / wall if wall > 0 else None,
           "decode": decode_desc, "resize": resize_desc, "batch": B, "size": S,
           "torch": torch.__version__, "torchvision": tv_version, "pil": pil_version,
           "device": torch.cuda.get_device_name(), "network": "reference_model fp16 channels-last, CUDA graph",
           "weights": weights_desc, "classes": classes, "files": len(paths),
           "warmup_batches": args.warmup_batches, "workers": args.workers,
           "startup_s": t_ready - T_START, "process_s": time.perf_counter() - T_START,
           "skipped_files": [{"index": i, "image": paths[i], "reason": w} for i, w in sorted(skipped.items())]}
    if args.output:
        import numpy as np
        np.save(args.output, logits.numpy().astype(np.float32))
        out["output"] = args.output
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    print(f"decode:  {decode_desc}\nresize:  {resize_desc}\nnetwork: {out['network']}, batch {B}, "
          f"{weights_desc} ({classes} classes), {out['device']}, torch {torch.__version__}, "
          f"torchvision {tv_version}")
    print(f"{n_ok} images in {wall:.3f} s: {out['images_per_s']:.1f} images/s end to end "
          f"({len(skipped)} of {len(paths)} files skipped; startup + warmup {out['startup_s']:.1f} s)"
          + (f"; json: {args.json}" if args.json else ""))


if __name__ == "__main__":
    main()
