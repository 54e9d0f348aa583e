#!/usr/bin/env python3
"""Plots of the effnet-bench results (issue 5), as PNG files:

  latency_vs_batch.png  GPU time per batch (and per image) vs batch size for
                        effnet-vk (fp16, fp32), the CUDA reference and every
                        PyTorch peer of tools/torch_peers.py
  layers.png            per-layer GPU time of `effnet-bench layers`, with the
                        floor the measured ceilings allow and the RTX 4090
                        roofline projection

usage: tools/plot_bench.py --net net.json --peers peers.json --layers layers.json --gemm gemm.json \
           --out DIR --markdown -
Any input may be left out; the plots that need it are skipped (said on stderr).
--markdown FILE ('-': stdout) also writes the tables of docs/PERFORMANCE.md.
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402


def load(path):
    if not path:
        return None
    if not os.path.exists(path):
        print(f"plot_bench: {path} not found, skipping what needs it", file=sys.stderr)
        return None
    with open(path) as f:
        return json.load(f)


def latency_series(net, peers):
    """{label: [(batch, median_ms), ...]} from effnet-bench net and torch_peers.py JSON."""
    series = {}
    if net:
        for r in net["results"]:
            series.setdefault(f"effnet-vk {r['precision']}", []).append((r["batch"], r["gpu"]["median_ms"]))
            if "cuda" in r:
                kind = "fp16 graph" if r["cuda"]["mode"] == "fp16" else "fp32"
                series.setdefault(f"CUDA ref {kind}", []).append((r["batch"], r["cuda"]["gpu"]["median_ms"]))
    if peers:
        for r in peers["results"]:
            series.setdefault(f"torch {r['peer']}", []).append((r["batch"], r["median_ms"]))
    return {k: sorted(v) for k, v in series.items()}


def plot_latency(series, title, path):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    for label, pts in sorted(series.items()):
        b = [p[0] for p in pts]
        ms = [p[1] for p in pts]
        style = "-o" if label.startswith("effnet-vk") else "--s" if label.startswith("CUDA") else ":^"
        ax1.plot(b, ms, style, label=label)
        ax2.plot(b, [m * 1e3 / n for m, n in zip(ms, b)], style, label=label)
    batches = sorted({p[0] for pts in series.values() for p in pts})
    for ax, ylabel in ((ax1, "GPU time per batch (ms)"), (ax2, "GPU time per image (us)")):
        ax.set_xscale("log")
        ax.set_xticks(batches, [str(b) for b in batches])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_yscale("log")
        ax.set_xlabel("batch size")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"plot_bench: wrote {path}")


def plot_layers(layers, title, path):
    rows = layers["layers"]
    names = [r["layer"] for r in rows]
    us = [r["ms"]["median_ms"] * 1e3 for r in rows]
    floor = [r["floor_ms_here"] * 1e3 for r in rows]
    proj = [r["rtx4090_projected_floor_ms"] * 1e3 for r in rows]
    x = range(len(rows))
    fig, ax = plt.subplots(figsize=(14, 5.5))
    colors = ["tab:orange" if r["kind"] in ("pointwise", "head_pool", "linear") else "tab:blue" for r in rows]
    ax.bar(x, us, color=colors, label="measured (orange: GEMM-shaped, blue: stem/depthwise)")
    ax.plot(x, floor, "k_", markersize=14, mew=2, label="floor from the ceilings measured here")
    ax.plot(x, proj, "r.", markersize=9, label="RTX 4090 roofline PROJECTION (not measured)")
    ax.set_xticks(list(x))
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("GPU time (us), log scale")
    ax.set_yscale("log")
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8)
    c = layers["ceilings"]
    ax.set_title(f"{title}\nceilings measured: copy {c['copy_gbps']:.0f} GB/s, best GEMM {c['gemm_tflops']:.1f} "
                 f"TFLOP/s ({c['gemm_from']}); costliest layer {layers['costliest_layer']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"plot_bench: wrote {path}")


def fastest_peer(net, peers, batch):
    """(label, ms) of the fastest non-effnet-vk result at this batch, or None."""
    best = None
    for label, pts in latency_series(net, peers).items():
        if label.startswith("effnet-vk"):
            continue
        for b, ms in pts:
            if b == batch and (best is None or ms < best[1]):
                best = (label, ms)
    return best


def markdown(net, peers, layers, gemm):
    out = []
    if net:
        out += ["### Whole network (`effnet-bench net`)", "",
                "| batch | precision | effnet-vk GPU ms (p10-p90) | host ms | images/s | device MiB | CUDA ref ms "
                "| effnet-vk / CUDA ref | fastest peer | effnet-vk / fastest |",
                "|---:|---|---|---:|---:|---:|---:|---:|---|---:|"]
        for r in net["results"]:
            g = r["gpu"]
            fp = fastest_peer(net, peers, r["batch"])
            cuda = r.get("cuda")
            out.append(f"| {r['batch']} | {r['precision']} | {g['median_ms']:.3f} ({g['p10_ms']:.3f}-{g['p90_ms']:.3f}) "
                       f"| {r['host']['median_ms']:.3f} | {r['images_per_s']:.0f} "
                       f"| {r['memory']['reported_bytes'] / 2**20:.1f} "
                       f"| {cuda['gpu']['median_ms']:.3f} | {r['ratio_vk_over_cuda']:.2f} " if cuda else "| - | - "
                       )
            out[-1] += (f"| {fp[0]} {fp[1]:.3f} | {g['median_ms'] / fp[1]:.2f} |" if fp else "| - | - |")
        out.append("")
        if net.get("startup"):
            out += ["| precision | cold start ms (context + plan + first run) | warm start ms | pipeline cache bytes |",
                    "|---|---|---|---:|"]
            for s in net["startup"]:
                c, w = s["cold"], s["warm"]
                out.append(f"| {s['precision']} | {c['total_ms']:.0f} ({c['context_ms']:.0f} + {c['plan_ms']:.0f} + "
                           f"{c['first_run_ms']:.1f}) | {w['total_ms']:.0f} ({w['context_ms']:.0f} + "
                           f"{w['plan_ms']:.0f} + {w['first_run_ms']:.1f}) | {s['cache_file_bytes']} |")
            out.append("")
    if peers:
        names = sorted({r["peer"] for r in peers["results"]})
        batches = sorted({r["batch"] for r in peers["results"]})
        out += ["### PyTorch peers (`tools/torch_peers.py`), median GPU ms", "",
                "| batch | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names)]
        for b in batches:
            cells = []
            for n in names:
                m = [r["median_ms"] for r in peers["results"] if r["peer"] == n and r["batch"] == b]
                cells.append(f"{m[0]:.3f}" if m else "-")
            out.append(f"| {b} | " + " | ".join(cells) + " |")
        out.append("")
    if layers:
        c = layers["ceilings"]
        out += [f"### Per layer (`effnet-bench layers`), {layers['precision']} batch {layers['batch']}", "",
                f"Ceilings measured in the same run: copy {c['copy_gbps']:.0f} GB/s ({c.get('copy_from', 'vkCmdCopyBuffer')}), "
                f"best effnet-vk GEMM {c['gemm_tflops']:.2f} TFLOP/s ({c['gemm_from']})"
                + (f", cuBLAS fp16 4096^3 {c['cublas_square_tflops']:.0f} TFLOP/s" if c.get("cublas_square_tflops") else "")
                + f". Costliest layer: **{layers['costliest_layer']}**.", "",
                "| layer | kind | shader | us | % | GFLOP | MB | TFLOP/s | GB/s | % GEMM ceiling | % copy ceiling "
                "| RTX 4090 projected us |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        tot = sum(r["ms"]["median_ms"] for r in layers["layers"])
        for r in layers["layers"]:
            ms = r["ms"]["median_ms"]
            out.append(f"| {r['layer']} | {r['kind']} | {r['shader']} | {ms * 1e3:.1f} | {100 * ms / tot:.1f} "
                       f"| {r['flops'] * 1e-9:.3f} | {r['bytes']['total'] * 1e-6:.2f} | {r['tflops']:.2f} "
                       f"| {r['gbps']:.0f} | {100 * r['fraction_of_gemm_ceiling']:.0f} "
                       f"| {100 * r['fraction_of_copy_ceiling']:.0f} | {r['rtx4090_projected_floor_ms'] * 1e3:.1f} |")
        out += [f"| **total** | | | {layers['total']['median_ms'] * 1e3:.1f} | | {layers['flops'] * 1e-9:.3f} "
                f"| {layers['min_bytes'] * 1e-6:.1f} | | | | | {layers['rtx4090_projection']['sum_floor_ms'] * 1e3:.1f} |", ""]
    if gemm:
        out += ["### GEMM-shaped layers (`effnet-bench gemm`), fp16", "",
                "| layer | batch | M | N | K | variant | effnet-vk ms | TFLOP/s | GB/s | cuBLAS ms | cuBLAS TFLOP/s "
                "| effnet-vk / cuBLAS |", "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
        for r in gemm["rows"]:
            v = ("coopmat " if r["coopmat"] else "scalar ") + r["tile"].split(" ")[0]
            cb = (f"| {r['cublas']['median_ms']:.4f} | {r['cublas_tflops']:.1f} | {r['ratio_vk_over_cublas']:.2f} |"
                  if "cublas" in r else "| - | - | - |")
            out.append(f"| {r['layer']} | {r['batch'] or '-'} | {r['m']} | {r['n']} | {r['k']} | {v} "
                       f"| {r['vk']['median_ms']:.4f} | {r['vk_tflops']:.2f} | {r['vk_gbps']:.0f} " + cb)
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--net", default="", help="effnet-bench net --json output")
    ap.add_argument("--peers", default="", help="tools/torch_peers.py --json output")
    ap.add_argument("--layers", default="", help="effnet-bench layers --json output")
    ap.add_argument("--gemm", default="", help="effnet-bench gemm --json output (for --markdown)")
    ap.add_argument("--out", default=".", help="folder for the PNG files")
    ap.add_argument("--markdown", default="", help="also write the markdown tables here ('-': stdout)")
    args = ap.parse_args()
    net, peers, layers, gemm = load(args.net), load(args.peers), load(args.layers), load(args.gemm)
    if args.markdown:
        md = markdown(net, peers, layers, gemm)
        if args.markdown == "-":
            print(md)
        else:
            with open(args.markdown, "w") as f:
                f.write(md + "\n")
    os.makedirs(args.out, exist_ok=True)
    device = (net or layers or {}).get("device", {}).get("name", (peers or {}).get("gpu", "?"))
    series = latency_series(net, peers)
    if series:
        plot_latency(series, f"EfficientNet-B1 (KernelBench L3/23), 240x240, {device}: median GPU time",
                     os.path.join(args.out, "latency_vs_batch.png"))
    else:
        print("plot_bench: no net or peers results, no latency plot", file=sys.stderr)
    if layers:
        plot_layers(layers, f"per-layer GPU time, {layers['precision']} batch {layers['batch']}, {device}",
                    os.path.join(args.out, "layers.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
