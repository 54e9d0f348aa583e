#!/usr/bin/env python3
"""check_json.py MODE FILE: the JSON that `effnet-bench MODE --json FILE` wrote
parses and holds what the docs and tools/plot_bench.py read from it, with
finite, positive times. Exit 0 when it does, 1 with one line saying what is wrong."""
import json
import math
import sys


def fail(msg):
    print(f"check_json: {msg}")
    sys.exit(1)


def positive(x, what):
    if not isinstance(x, (int, float)) or not math.isfinite(x) or x <= 0:
        fail(f"{what} = {x!r}: expected a finite positive number")


def stats(s, what):
    for k in ("median_ms", "p10_ms", "p90_ms"):
        positive(s.get(k), f"{what}.{k}")
    if not s["p10_ms"] <= s["median_ms"] <= s["p90_ms"]:
        fail(f"{what}: p10 <= median <= p90 does not hold")


def main():
    mode, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        j = json.load(f)
    tool = "effnet-bench gemm --sweep" if mode == "gemm_sweep" else f"effnet-bench {mode}"
    if j.get("tool") != tool:
        fail(f"tool is {j.get('tool')!r}")
    if not j.get("device", {}).get("name"):
        fail("no device name")
    if mode == "net":
        if not j["results"]:
            fail("no results")
        for r in j["results"]:
            what = f"{r['precision']} batch {r['batch']}"
            stats(r["gpu"], what + " gpu")
            stats(r["host"], what + " host")
            positive(r["images_per_s"], what + " images_per_s")
            positive(r["memory"]["reported_bytes"], what + " memory")
        for s in j["startup"]:
            positive(s["cold"]["total_ms"], "startup cold")
            positive(s["warm"]["total_ms"], "startup warm")
    elif mode == "stream":
        want = {(p, i, q, h, b) for p in j["options"]["precisions"] for i in j["options"]["inputs"]
                for q in j["options"]["upload_queues"] for h in j["options"]["host_inputs"]
                for b in j["options"]["batches"]}
        got = {(r["precision"], r["input"], r["upload_queue_asked"], r["host_input"], r["batch"])
               for r in j["results"]}
        if got != want:
            fail(f"results for {sorted(got)}, expected {sorted(want)}")
        for r in j["results"]:
            what = f"{r['precision']} {r['input']} {r['host_input']} batch {r['batch']}"
            # The bytes that cross PCIe: float32 NCHW, or one byte per value for uint8 images.
            per_value = 1 if r["input"] == "u8" else 4
            want_bytes = r["batch"] * 3 * j["options"]["size"] ** 2 * per_value
            if r["input_bytes"] != want_bytes:
                fail(f"{what}: input_bytes {r['input_bytes']}, expected {want_bytes}")
            stats(r["gpu"], what + " gpu")
            stats(r["round_trip"], what + " round_trip")
            stats(r["copy_h2d"]["ms"], what + " copy_h2d")
            for k in ("gpu_images_per_s", "input_bytes", "ratio_stream_over_min_gpu_copy"):
                positive(r[k], f"{what} {k}")
            for k in ("images_per_s", "seconds", "batches"):
                positive(r["stream"][k], f"{what} stream.{k}")
            for k in ("images_per_s", "bytes_per_s", "bytes"):
                positive(r["copy_h2d"][k], f"{what} copy_h2d.{k}")
            if r["upload_queue"] not in ("compute", "transfer") or (
                    r["upload_queue_asked"] != "auto" and r["upload_queue"] != r["upload_queue_asked"]):
                fail(f"{what}: upload_queue {r['upload_queue']} for {r['upload_queue_asked']}")
            # Importing pins the buffers once (time > 0); the staging path imports nothing.
            if (r["import_ms"] > 0) != (r["host_input"] == "import"):
                fail(f"{what}: import_ms {r['import_ms']} with host_input {r['host_input']}")
            if r["inflight"] != j["options"]["inflight"]:
                fail(f"{what}: inflight {r['inflight']}")
            if r["copy_h2d"]["bytes"] != r["input_bytes"]:
                fail(f"{what}: copied {r['copy_h2d']['bytes']} bytes, the input is {r['input_bytes']}")
            want_ratio = r["stream"]["images_per_s"] / min(r["gpu_images_per_s"], r["copy_h2d"]["images_per_s"])
            if not math.isclose(r["ratio_stream_over_min_gpu_copy"], want_ratio, rel_tol=1e-9):
                fail(f"{what}: ratio {r['ratio_stream_over_min_gpu_copy']} is not stream / min(gpu, copy)")
    elif mode == "layers":
        # One entry per stage; the stages cover the 24 layers once.
        covered = sum(stage["layers"] for stage in j["layers"])
        if covered != 24:
            fail(f"stages cover {covered} layers, expected 24")
        positive(j["ceilings"]["copy_gbps"], "copy_gbps")
        positive(j["ceilings"]["gemm_tflops"], "gemm_tflops")
        for layer in j["layers"]:
            stats(layer["ms"], layer["layer"])
            positive(layer["flops"], layer["layer"] + " flops")
            positive(layer["bytes"]["total"], layer["layer"] + " bytes")
        if j["costliest_layer"] not in [layer["layer"] for layer in j["layers"]]:
            fail("costliest_layer is not a layer")
    elif mode == "gemm":
        if len(j["rows"]) < 16:
            fail(f"{len(j['rows'])} rows, expected >= 16 (every GEMM-shaped layer)")
        for r in j["rows"]:
            stats(r["vk"], f"{r['layer']} batch {r['batch']}")
            for k in ("m", "n", "k", "flops", "vk_tflops", "vk_gbps"):
                positive(r[k], f"{r['layer']} {k}")
            if "tile" not in r or "coopmat" not in r:
                fail(f"{r['layer']}: no variant")
    elif mode == "gemm_sweep":
        if not j["rows"]:
            fail("no rows")
        for r in j["rows"]:
            stats(r["rule"]["vk"], f"{r['layer']} batch {r['batch']} rule")
            positive(r["best"]["median_ms"], f"{r['layer']} best")
            if r["best"]["median_ms"] > r["rule"]["vk"]["median_ms"]:
                fail(f"{r['layer']}: best slower than the rule's tile")
            for c in r["candidates"]:
                stats(c["vk"], f"{r['layer']} {c['tile']}")
    elif mode == "tune":
        if not j["rows"]:
            fail("no rows")
        positive(j["seconds"], "seconds")
        for r in j["rows"]:
            positive(r["rule_ms"], f"{r['layer']} batch {r['batch']} rule_ms")
            positive(r["best_ms"], f"{r['layer']} batch {r['batch']} best_ms")
            if r["best_ms"] > r["rule_ms"] * (1 + 1e-9):
                fail(f"{r['layer']}: best slower than the rule")
            if r["candidates"] < 1:
                fail(f"{r['layer']}: no candidate timed")
            if len(r["timed"]) != r["candidates"]:
                fail(f"{r['layer']}: {len(r['timed'])} timed entries for {r['candidates']} candidates")
            for c in r["timed"]:
                positive(c["ms"], f"{r['layer']} {c['tile']} ms")
                if c["ms"] < r["best_ms"] * (1 - 1e-9):
                    fail(f"{r['layer']}: {c['tile']} faster than best")
        if j["tuned_layers"] != sum(1 for r in j["rows"] if r["tuned"]):
            fail("tuned_layers does not count the tuned rows")
        with open(j["table"]) as f:
            t = json.load(f)
        if t.get("format") != "effnet-vk tuning table" or len(t["layers"]) != j["tuned_layers"]:
            fail(f"the table {j['table']} does not hold the tuned layers")
    elif mode == "soak":
        if not j["results"] or not j["ok"]:
            fail("no results, or a soak check failed")
        for r in j["results"]:
            if r["inferences"] != j["options"]["iters"] or r["mismatches"] != 0:
                fail(f"{r['precision']}: {r['inferences']} inferences, {r['mismatches']} mismatches")
            if sorted(c["name"] for c in r["checks"]) != ["device memory", "host memory", "replays identical"]:
                fail(f"{r['precision']}: checks {[c['name'] for c in r['checks']]}")
            if not all(c["ok"] for c in r["checks"]):
                fail(f"{r['precision']}: a check failed")
            for at in ("start", "end"):
                positive(r[at]["host_rss_bytes"], f"{r['precision']} {at} host_rss_bytes")
                positive(r[at]["device_block_bytes"], f"{r['precision']} {at} device_block_bytes")
    else:
        fail(f"unknown mode {mode}")
    print(f"ok: {path}")


if __name__ == "__main__":
    main()
