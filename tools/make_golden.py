#!/usr/bin/env python3
"""Writes the golden data of tests/data from PyTorch (run where PyTorch and
scikit-image are, e.g. the GPU machine; no GPU is needed):

  golden_weights.safetensors  state_dict of the reference model (F16 storage), under
                              its PyTorch names, BN statistics random (see reference_model.py)
  golden_photo_input.npy      [1,3,S,S] f32 NCHW: chelsea.png, bilinear resize
                              (align_corners=False, no antialias), /255, ImageNet mean/std
  golden_photo_logits.npy     [1,classes] f32, computed in float64 from the F16 weights
  golden_rand_input.npy       [3,3,112,112] f32 torch.rand in [0,1) (KernelBench style)
  golden_rand_logits.npy      [3,classes] f32, float64 computation
  golden_meta.json            seed, versions, and PyTorch's own fp32/fp16 errors vs float64
  chelsea.png                 the photo (scikit-image sample data)

usage: tools/make_golden.py --out tests/data [--seed 0] [--classes 1000]
"""
import argparse
import datetime
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_model import Model, randomize_and_calibrate  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])


def preprocess(img_u8, size):
    """HxWx3 uint8 -> [1,3,size,size] float32, in float64 until the last cast."""
    x = torch.from_numpy(img_u8.astype(np.float64) / 255.0).permute(2, 0, 1)[None]
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    x = (x - torch.from_numpy(MEAN)[None, :, None, None]) / torch.from_numpy(STD)[None, :, None, None]
    return x.float()


def rel_l2(y, ref):
    y, ref = np.asarray(y, np.float64), np.asarray(ref, np.float64)
    return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--size", type=int, default=240)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    from safetensors.torch import save_file
    import skimage.data
    import skimage.io

    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.manual_seed(args.seed)
    model = randomize_and_calibrate(Model(args.classes), args.seed)
    # Store as F16 and use exactly the stored values for the float64 reference.
    sd = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in model.state_dict().items()}
    save_file(sd, os.path.join(args.out, "golden_weights.safetensors"))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    model.eval()
    m64 = Model(args.classes).double().eval()
    m64.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in sd.items()})

    photo = skimage.data.chelsea()
    skimage.io.imsave(os.path.join(args.out, "chelsea.png"), photo, check_contrast=False)
    x_photo = preprocess(photo, args.size)
    g = torch.Generator().manual_seed(args.seed + 1)
    x_rand = torch.rand(3, 3, 112, 112, generator=g)

    meta = {"seed": args.seed, "classes": args.classes, "torch": torch.__version__,
            "numpy": np.__version__, "date": datetime.date.today().isoformat(),
            "weights_dtype": "F16", "cases": {}}
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    for name, x in (("photo", x_photo), ("rand", x_rand)):
        with torch.no_grad():
            ref = m64(x.double()).numpy()
            y32 = model.to(dev)(x.to(dev)).float().cpu().numpy()
            y16 = model.to(dev).half()(x.to(dev).half()).float().cpu().numpy() if dev == "cuda" else None
            model.float()
        np.save(os.path.join(args.out, f"golden_{name}_input.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(args.out, f"golden_{name}_logits.npy"), ref.astype(np.float32))
        top5 = np.argsort(-ref, axis=1)[:, :5].tolist()
        spread = float(np.std(ref))
        meta["cases"][name] = {
            "input_shape": list(x.shape), "top5": top5, "logit_std": spread,
            "rel_l2_torch_fp32_vs_fp64": rel_l2(y32, ref),
            "rel_l2_torch_fp16_vs_fp64": rel_l2(y16, ref) if y16 is not None else None,
            "rel_l2_logits_vs_fc_bias": rel_l2(ref, np.broadcast_to(sd["fc.bias"].double().numpy(), ref.shape)),
            "device": dev,
        }
        print(name, json.dumps(meta["cases"][name]))
    # How much the logits depend on the input (guards against a decayed signal).
    with torch.no_grad():
        a = m64(torch.rand(1, 3, 112, 112, generator=g).double()).numpy()
        b = m64(torch.rand(1, 3, 112, 112, generator=g).double()).numpy()
    meta["rel_l2_between_two_random_inputs"] = rel_l2(a, b)
    with open(os.path.join(args.out, "golden_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps({k: v for k, v in meta.items() if k != "cases"}))


if __name__ == "__main__":
    main()
