#!/usr/bin/env python3
"""PyTorch peers of effnet-vk on the same network and batch sizes (issue 5):

  eager-fp32         eval mode, NCHW, TF32 off
  eager-tf32         eval mode, NCHW, TF32 on for convs and matmuls
  graph-fp16-cl      fp16, channels-last, the forward captured in a CUDA graph
  compile-fp16       torch.compile(mode="max-autotune") fp16 channels-last (slow to
                     compile: ~2 min per batch size; --compile-batches limits it)

GPU time per forward from CUDA events: median, p10, p90 over --iters runs after
--warmup runs, inputs rotated among --buffers random (non-zero) batches so the
L2 cache does not flatter the result. JSON to --json (and a table on stdout).

usage: tools/torch_peers.py --batches 1,10,64,256 --json peers.json
       tools/torch_peers.py --peers compile-fp16 --compile-batches 10,1 --batches 10,1 --json peers.json --append

--peers picks which peers run; --append keeps the results already in --json
(from another run on this GPU) and adds these. The JSON is rewritten after each
result, so a run stopped by a time limit keeps what it measured.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_model import Model, randomize_and_calibrate  # noqa: E402


PEERS = ("eager-fp32", "eager-tf32", "graph-fp16-cl", "compile-fp16")


def time_fn(fn, inputs, warmup, iters):
    for i in range(warmup):
        fn(inputs[i % len(inputs)])
    torch.cuda.synchronize()
    times = []
    for i in range(iters):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        x = inputs[i % len(inputs)]
        s.record()
        fn(x)
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e))
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(p * len(times)))]  # noqa: E731
    return {"median_ms": q(0.5), "p10_ms": q(0.1), "p90_ms": q(0.9), "runs": iters}


def graph_runner(model, example):
    static_x = example.clone()
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s), torch.no_grad():
        for _ in range(3):
            model(static_x)
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g), torch.no_grad():
        static_y = model(static_x)

    def run(x):
        static_x.copy_(x)
        g.replay()
        return static_y
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default="1,10,64,256")
    ap.add_argument("--compile-batches", default="10", help="batch sizes for torch.compile ('' for none)")
    ap.add_argument("--size", type=int, default=240)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--buffers", type=int, default=4)
    ap.add_argument("--json", default="")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of " + ",".join(PEERS))
    ap.add_argument("--append", action="store_true", help="add to the results already in --json")
    args = ap.parse_args()
    peers = [p for p in args.peers.split(",") if p]
    for p in peers:
        if p not in PEERS:
            ap.error(f"--peers: unknown peer {p!r} (known: {', '.join(PEERS)})")
    assert torch.cuda.is_available(), "torch_peers.py needs a CUDA GPU"
    dev = torch.device("cuda")
    torch.manual_seed(0)
    base = randomize_and_calibrate(Model(1000), 0).eval()
    batches = [int(b) for b in args.batches.split(",") if b]
    compile_batches = {int(b) for b in args.compile_batches.split(",") if b}
    out = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__,
           "cudnn": torch.backends.cudnn.version(), "size": args.size, "results": []}
    if args.append and args.json and os.path.exists(args.json):
        with open(args.json) as f:
            old = json.load(f)
        if old.get("gpu") != out["gpu"]:
            sys.exit(f"torch_peers.py: {args.json} holds results of {old.get('gpu')}, not {out['gpu']}")
        out["results"] = old["results"]

    def save():
        if args.json:
            with open(args.json, "w") as f:
                json.dump(out, f, indent=1)

    def add(peer, b, r, extra=None):
        r.update({"peer": peer, "batch": b, "images_per_s": b / (r["median_ms"] * 1e-3)})
        if extra:
            r.update(extra)
        out["results"].append(r)
        save()
        print(f"{peer:16s} batch {b:4d}  median {r['median_ms']:9.3f} ms  p10 {r['p10_ms']:9.3f}  "
              f"p90 {r['p90_ms']:9.3f}  {r['images_per_s']:10.0f} img/s", flush=True)

    for b in batches:
        xs = [torch.rand(b, 3, args.size, args.size, device=dev) + 0.01 for _ in range(args.buffers)]
        with torch.no_grad():
            m32 = base.to(dev).float()
            if "eager-fp32" in peers:
                torch.backends.cudnn.allow_tf32 = False
                torch.backends.cuda.matmul.allow_tf32 = False
                add("eager-fp32", b, time_fn(m32, xs, args.warmup, args.iters))
            if "eager-tf32" in peers:
                torch.backends.cudnn.allow_tf32 = True
                torch.backends.cuda.matmul.allow_tf32 = True
                add("eager-tf32", b, time_fn(m32, xs, args.warmup, args.iters))
            m16 = Model(1000).to(dev).eval()
            m16.load_state_dict(base.state_dict())
            m16 = m16.half().to(memory_format=torch.channels_last)
            xs16 = [x.half().contiguous(memory_format=torch.channels_last) for x in xs]
            if "graph-fp16-cl" in peers:
                add("graph-fp16-cl", b, time_fn(graph_runner(m16, xs16[0]), xs16, args.warmup, args.iters))
            if "compile-fp16" in peers and b in compile_batches:
                t0 = time.time()
                torch._dynamo.reset()  # a fresh, static-shape compile per batch size
                mc = torch.compile(m16, mode="max-autotune", dynamic=False)
                mc(xs16[0])
                torch.cuda.synchronize()
                add("compile-fp16", b, time_fn(mc, xs16, args.warmup, args.iters),
                    {"compile_s": time.time() - t0})
        del xs
        torch.cuda.empty_cache()
    save()


if __name__ == "__main__":
    main()
