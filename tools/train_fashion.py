"""Trains the reference model (tools/reference_model.py, num_classes=10) on
Fashion-MNIST and writes the checkpoint effnet-vk ships in tests/data.

Run on the GPU machine (PyTorch with CUDA), with Debian's dataset-fashion-mnist
files copied beside it:

  python3 tools/train_fashion.py --data /usr/share/datasets/fashion-mnist --out OUT

Preprocessing is exactly effnet-infer's image path (model/image.cpp), so a
Fashion-MNIST PNG given to `effnet-infer --image x.png --size 64` sees the
input the network was trained on: gray replicated to RGB, bilinear resize
28 -> SIZE with half-pixel centres (PyTorch's interpolate(mode="bilinear",
align_corners=False, antialias=False)), then ImageNet mean/std per channel.

Writes into OUT:
  fashion_weights.safetensors  state_dict, F16 floating tensors (PyTorch names)
  fashion_pred.idx1-ubyte      IDX uint8 [10000]: PyTorch fp32 top-1 of every test image
  fashion_logits_head.npy      float32 [HEAD, 10]: PyTorch fp32 logits of the first HEAD test images
  fashion_classes.txt          the 10 class names, one per line, index order
  fashion_meta.json            command, epochs, seed, accuracies (fp32, fp16), timing, versions
  fashion_sample_<i>.png       a few test images (28x28 gray) for the README command
The accuracies are those of the stored F16 weights (evaluated after the
round trip), in fp32 (TF32 off) and in fp16.
"""
import argparse
import datetime
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_model import Model  # noqa: E402

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IMAGENET_MEAN = (0.485, 0.456, 0.406)  # model/image.h kImageNetMean
IMAGENET_STD = (0.229, 0.224, 0.225)   # model/image.h kImageNetStd


def read_idx(path):
    """An IDX file (optionally gzip-compressed) as a numpy array (ubyte only)."""
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def preprocess(u8, size, device):
    """uint8 [N, 28, 28] -> float32 [N, 3, size, size], as model/image.cpp."""
    x = torch.from_numpy(np.array(u8)).to(device).float().div_(255.0).unsqueeze(1)
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)
    return (x.expand(-1, 3, -1, -1) - mean) / std


@torch.no_grad()
def logits_of(model, x_all, batch, dtype):
    out = []
    for i in range(0, x_all.shape[0], batch):
        out.append(model(x_all[i:i + batch].to(dtype)).float())
    return torch.cat(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--head", type=int, default=500, help="test images whose logits are saved")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    from safetensors.torch import save_file

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    dev = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    xtr = read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    ytr = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    xte = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    yte = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    print(f"train {xtr.shape}, test {xte.shape}", flush=True)

    Xtr = preprocess(xtr, args.size, dev)
    Ytr = torch.from_numpy(ytr).to(dev)
    Xte = preprocess(xte, args.size, dev)
    Yte = torch.from_numpy(yte).to(dev)

    model = Model(num_classes=10).to(dev).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    steps = args.epochs * ((Xtr.shape[0] + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.2)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(Xtr.shape[0], device=dev)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, Xtr.shape[0], args.batch):
            idx = perm[i:i + args.batch]
            x, y = Xtr[idx], Ytr[idx]
            flip = torch.rand(x.shape[0], device=dev) < 0.5  # horizontal flip
            x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x).contiguous(memory_format=torch.channels_last)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                out = model(x)
                loss = F.cross_entropy(out.float(), y, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss.detach()) * x.shape[0]
            correct += int((out.argmax(1) == y).sum())
            total += x.shape[0]
        model.eval()
        acc = float((logits_of(model, Xte, 1000, torch.float32).argmax(1) == Yte).float().mean())
        print(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / total:.4f} train acc {correct / total:.4f} "
              f"test acc {acc:.4f} ({time.time() - t0:.0f} s)", flush=True)
    train_s = time.time() - t0

    # Store F16, then evaluate exactly the stored values.
    model = model.to(memory_format=torch.contiguous_format)
    sd = {k: (v.half() if v.is_floating_point() else v).contiguous().cpu() for k, v in model.state_dict().items()}
    path = os.path.join(args.out, "fashion_weights.safetensors")
    save_file(sd, path, metadata={"effnet.classes": "\n".join(CLASSES), "effnet.image_size": str(args.size)})
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    m32 = Model(num_classes=10).to(dev).eval()
    m32.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    l32 = logits_of(m32, Xte, 1000, torch.float32)
    m16 = Model(num_classes=10).to(dev).eval()
    m16.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    m16 = m16.half()
    l16 = logits_of(m16, Xte, 1000, torch.float16)
    p32, p16 = l32.argmax(1), l16.argmax(1)
    acc32 = float((p32 == Yte).float().mean())
    acc16 = float((p16 == Yte).float().mean())
    agree = float((p32 == p16).float().mean())
    print(f"stored F16 weights: test acc fp32 {acc32:.4f}, fp16 {acc16:.4f}, fp16 agrees with fp32 on {agree:.4f}")

    pred = p32.cpu().numpy().astype(np.uint8)
    with open(os.path.join(args.out, "fashion_pred.idx1-ubyte"), "wb") as f:  # IDX, as the labels
        f.write(bytes([0, 0, 8, 1]) + len(pred).to_bytes(4, "big") + pred.tobytes())
    np.save(os.path.join(args.out, "fashion_logits_head.npy"), l32[:args.head].cpu().numpy().astype(np.float32))
    with open(os.path.join(args.out, "fashion_classes.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")
    samples = []
    try:
        import skimage.io
        for i in range(4):
            name = f"fashion_sample_{i}.png"
            skimage.io.imsave(os.path.join(args.out, name), xte[i], check_contrast=False)
            samples.append({"file": name, "test_index": i, "label": int(yte[i]), "class": CLASSES[yte[i]],
                            "pytorch_fp32_top1": int(p32[i])})
    except ImportError:
        print("scikit-image missing: no sample PNGs written")
    meta = {
        "tool": "tools/train_fashion.py",
        "command": " ".join(sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(0),
        "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "seed": args.seed,
        "image_size": args.size,
        "preprocessing": "gray replicated to RGB; bilinear resize 28 -> image_size, half-pixel centres "
                         "(align_corners=False, no antialias); (x / 255 - ImageNet mean) / ImageNet std "
                         "per channel: effnet-infer's image path",
        "augmentation": "random horizontal flip", "loss": "cross entropy, label smoothing 0.1",
        "optimizer": "AdamW weight decay 5e-4, one-cycle LR", "train_autocast": "bf16",
        "train_seconds": round(train_s, 1),
        "weights_dtype": "F16 (floating tensors); accuracies below are of the stored values",
        "test_images": int(xte.shape[0]),
        "accuracy_fp32": acc32, "accuracy_fp16": acc16, "fp16_fp32_agreement": agree,
        "logits_head": args.head,
        "classes": CLASSES,
        "samples": samples,
    }
    with open(os.path.join(args.out, "fashion_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps({k: meta[k] for k in ("accuracy_fp32", "accuracy_fp16", "train_seconds")}))


if __name__ == "__main__":
    main()
