// effnet-bench layers: per-layer GPU time of the whole-network plan from its
// per-layer timestamps, with each layer's FLOPs and minimum bytes, achieved
// TFLOP/s and GB/s, and the fraction of the ceilings measured here (copy
// bandwidth; the best GEMM rate among the network's GEMM layers and the 4096^3
// square GEMM). Also a roofline PROJECTION per layer for the RTX 4090.
#include <algorithm>
#include <cstdio>

#include "apps/bench_bytes.h"
#include "apps/bench_ceiling.h"
#include "apps/bench_cuda.h"
#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/exit_codes.h"
#include "model/errors.h"
#include "model/weights.h"
#include "vk_runtime/errors.h"

namespace effnet::app {

int run_layers(const LayersOptions& o) {
  if (o.batch < 1 || o.batch > 4096)
    throw UsageError("--batch " + std::to_string(o.batch) + ": must be 1..4096");
  const Precision p = parse_precision(o.precision);
  Progress progress;
  const Network net = random_network(o.seed, kDefaultClasses);
  vk::Context ctx(o.context);

  // Ceilings first.
  progress.begin("copy bandwidth (vkCmdCopyBuffer, timestamps)");
  const CopyCeiling copy =
      measure_copy_bandwidth(ctx, o.quick ? (16u << 20) : (512u << 20), o.quick ? 1 : 5, o.quick ? 3 : 50);
  // vkCmdCopyBuffer may run below what a kernel reaches (on the H200 it gave
  // ~0.85 TB/s where PyTorch copies at 4 TB/s): with CUDA, its device-to-device
  // copy is measured too and the faster of the two is the ceiling.
  std::string why;
  const bool cuda = !o.no_cuda && cuda_peer_available(&why);
  double copy_gbps = copy.gbps(), cuda_copy_gbps = 0, cublas_tflops = 0;
  std::string copy_from = "vkCmdCopyBuffer";
  if (cuda) {
    progress.begin("copy bandwidth (CUDA device-to-device memcpy, events)");
    const Stats cs = time_cuda_copy(copy.bytes, o.quick ? 1 : 5, o.quick ? 3 : 50);
    cuda_copy_gbps = 2.0 * double(copy.bytes) / (cs.median * 1e-3) * 1e-9;
    if (cuda_copy_gbps > copy_gbps) {
      copy_gbps = cuda_copy_gbps;
      copy_from = "cudaMemcpy device to device";
    }
  }
  double square_tflops = 0;
  nlohmann::json square = nullptr;
  if (!o.quick) {
    progress.begin("square GEMM 4096^3");
    const Layer sl = square_gemm_layer(4096, o.seed + 7);
    const LayerRun sq =
        time_single_layer(ctx, sl, {1, 1, 4096, 4096}, plan_options(o, 1, p), o.seed + 8, 5, 50, progress);
    square_tflops = sq.variant.flops / (sq.ms.median * 1e-3) * 1e-12;
    square = {{"ms", sq.ms.json()}, {"tflops", square_tflops}, {"variant", sq.variant.describe()}};
    if (cuda) {
      progress.begin("square GEMM 4096^3: cuBLAS fp16 (for reference; not the ceiling of the % columns)");
      const Stats cb =
          time_cublas_gemm(4096, 4096, 4096, to_half_bits(sq.input), to_half_bits(sl.weight), 5, 50);
      cublas_tflops = sq.variant.flops / (cb.median * 1e-3) * 1e-12;
    }
  }

  // The network, inputs rotated.
  progress.begin("layers " + o.precision + " batch " + std::to_string(o.batch) + ": " +
                 std::to_string(o.iters) + " runs");
  VkPlanOptions profiled = plan_options(o, o.batch, p);
  profiled.profile_layers = true;  // a timestamp (and two full barriers) after every dispatch
  VkPlan plan(ctx, net, profiled);
  std::vector<Tensor> xs;
  for (int i = 0; i < 4; ++i)
    xs.push_back(random_tensor({o.batch, 3, o.size, o.size}, o.seed + 500 + uint64_t(i)));
  for (int i = 0; i < o.warmup; ++i) plan.run(xs[size_t(i) % xs.size()]);
  const size_t nl = plan.stages().size();
  std::vector<std::vector<double>> per(nl);
  std::vector<double> total;
  for (int i = 0; i < o.iters; ++i) {
    plan.run(xs[size_t(i) % xs.size()]);
    const PlanTiming t = plan.last_timing();
    if (!t.available) throw vk::DeviceError(ctx.info().name + ": the compute queue has no timestamps");
    for (size_t l = 0; l < nl; ++l) per[l].push_back(t.stage_ms[l]);
    total.push_back(t.total_ms);
    progress.tick(i + 1, o.iters);
  }
  // The same network recorded as effnet-infer and `net` run it: timestamps only
  // around the whole forward. The difference to the profiled total is what the
  // per-layer timestamps themselves cost.
  std::vector<double> plain_total;
  {
    VkPlan plain(ctx, net, plan_options(o, o.batch, p));
    for (int i = 0; i < o.warmup; ++i) plain.run(xs[size_t(i) % xs.size()]);
    for (int i = 0; i < o.iters; ++i) {
      plain.run(xs[size_t(i) % xs.size()]);
      plain_total.push_back(plain.last_timing().total_ms);
    }
  }

  struct Row {
    const Stage* v;
    Stats ms;
    MinBytes bytes;
    double tflops, gbps;
  };
  std::vector<Row> rows;
  double best_gemm = square_tflops;
  std::string best_from = o.quick ? "" : "square GEMM 4096^3";
  for (size_t l = 0; l < nl; ++l) {
    const Stage& v = plan.stages()[l];
    Row r{&v, stats_of(per[l]), stage_min_bytes(net.layers, v, p), 0, 0};
    r.tflops = v.flops() / (r.ms.median * 1e-3) * 1e-12;
    r.gbps = r.bytes.total() / (r.ms.median * 1e-3) * 1e-9;
    if (v.layer && v.layer->gemm && r.tflops > best_gemm) {
      best_gemm = r.tflops;
      best_from = v.name;
    }
    rows.push_back(r);
  }
  const auto costliest = std::max_element(
      rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ms.median < b.ms.median; });

  const vk::DeviceInfo& d = ctx.info();
  std::printf("device: %s (%s, Vulkan %s), %s, batch %d, %d runs after %d warm-up, 4 inputs rotated\n",
              d.name.c_str(), d.driver.c_str(), d.api_version_str.c_str(), o.precision.c_str(), o.batch,
              o.iters, o.warmup);
  std::printf("ceilings measured here: copy %.1f GB/s (%s, %zu MiB, read + write; vkCmdCopyBuffer %.1f GB/s",
              copy_gbps, copy_from.c_str(), copy.bytes >> 20, copy.gbps());
  if (cuda) std::printf(", CUDA memcpy %.1f GB/s", cuda_copy_gbps);
  std::printf(");\nbest effnet-vk GEMM %.2f TFLOP/s (%s)", best_gemm, best_from.c_str());
  if (cublas_tflops > 0)
    std::printf("; cuBLAS fp16 4096^3 %.1f TFLOP/s (not the ceiling of %%flop)", cublas_tflops);
  std::printf("\n\n");
  std::printf("%-10s %-9s %-19s %9s %6s %9s %10s %8s %8s %6s %6s %-6s %9s\n", "stage", "kind", "shader", "us",
              "%", "GFLOP", "MB", "TFLOP/s", "GB/s", "%flop", "%bw", "bound", "4090 us*");
  nlohmann::json jl = nlohmann::json::array();
  double sum_ms = 0, sum_4090 = 0, sum_flops = 0, sum_bytes = 0;
  for (const Row& r : rows) sum_ms += r.ms.median;
  for (const Row& r : rows) {
    const Stage& v = *r.v;
    const char* kind = v.layer ? kind_name(v.layer->kind) : stage_kind_name(v.kind);
    const double t_flop = v.flops() / (best_gemm * 1e12) * 1e3,
                 t_bw = r.bytes.total() / (copy_gbps * 1e9) * 1e3;
    const char* bound = t_flop > t_bw ? "flops" : "bytes";
    const double p4090 = rtx4090_floor_ms(v.flops(), r.bytes.total());
    sum_4090 += p4090;
    sum_flops += v.flops();
    sum_bytes += r.bytes.total();
    std::printf("%-10s %-9.9s %-19.19s %9.1f %6.1f %9.3f %10.2f %8.2f %8.1f %6.1f %6.1f %-6s %9.1f\n",
                v.name.c_str(), kind, v.shader().c_str(), r.ms.median * 1e3, 100 * r.ms.median / sum_ms,
                v.flops() * 1e-9, r.bytes.total() * 1e-6, r.tflops, r.gbps, 100 * r.tflops / best_gemm,
                100 * r.gbps / copy_gbps, bound, p4090 * 1e3);
    nlohmann::json e{{"layer", v.name},
                     {"stage", stage_kind_name(v.kind)},
                     {"layers", v.count},
                     {"kind", kind},
                     {"shader", v.shader()},
                     {"coopmat", v.coopmat()},
                     {"variant", v.describe()},
                     {"ms", r.ms.json()},
                     {"flops", v.flops()},
                     {"bytes",
                      {{"input", r.bytes.input},
                       {"weights", r.bytes.weights},
                       {"output", r.bytes.output},
                       {"total", r.bytes.total()}}},
                     {"tflops", r.tflops},
                     {"gbps", r.gbps},
                     {"fraction_of_gemm_ceiling", r.tflops / best_gemm},
                     {"fraction_of_copy_ceiling", r.gbps / copy_gbps},
                     {"floor_ms_here", std::max(t_flop, t_bw)},
                     {"bound_here", bound},
                     {"rtx4090_projected_floor_ms", p4090}};
    if (v.layer && v.layer->gemm) e["gemm_mnk"] = {v.layer->gemm_m, v.layer->gemm_n, v.layer->gemm_k};
    if (v.mbconv) e["executed_flops"] = v.mbconv->executed_flops;
    jl.push_back(e);
  }
  const Stats tot = stats_of(total), plain = stats_of(plain_total);
  std::printf(
      "\ntotal: %.4f ms GPU (median of the whole; sum of layer medians %.4f), %.3f GFLOP, %.1f MB minimum\n",
      tot.median, sum_ms, sum_flops * 1e-9, sum_bytes * 1e-6);
  std::printf("without per-layer timestamps (as effnet-infer runs): %.4f ms GPU (median)\n", plain.median);
  std::printf("costliest layer: %s (%.4f ms, %.1f%%)\n", costliest->v->name.c_str(), costliest->ms.median,
              100 * costliest->ms.median / sum_ms);
  std::printf(
      "* 4090 us: a roofline PROJECTION, not a measurement: max(FLOPs / 165 TFLOP/s, bytes / 1008 GB/s) per "
      "layer; sum %.4f ms at batch %d\n",
      sum_4090, o.batch);

  if (!o.json.empty()) {
    nlohmann::json j{
        {"tool", "effnet-bench layers"},
        {"device", device_json(d)},
        {"options", {{"coopmat_allowed", !o.no_coopmat}, {"coopmat2_allowed", o.coopmat2}}},
        {"precision", o.precision},
        {"batch", o.batch},
        {"iters", o.iters},
        {"warmup", o.warmup},
        {"size", o.size},
        {"ceilings",
         {{"copy_gbps", copy_gbps},
          {"copy_from", copy_from},
          {"copy_bytes", copy.bytes},
          {"vk_copy_gbps", copy.gbps()},
          {"vk_copy_ms", copy.ms.json()},
          {"cuda_copy_gbps", cuda ? nlohmann::json(cuda_copy_gbps) : nlohmann::json(nullptr)},
          {"copy_method",
           "device to device copy, bytes read + written: the faster of vkCmdCopyBuffer (timestamps) and, "
           "with "
           "CUDA, cudaMemcpyAsync (events)"},
          {"cublas_square_tflops",
           cublas_tflops > 0 ? nlohmann::json(cublas_tflops) : nlohmann::json(nullptr)},
          {"gemm_tflops", best_gemm},
          {"gemm_from", best_from},
          {"square_gemm", square}}},
        {"total", tot.json()},
        {"total_without_layer_timestamps", plain.json()},
        {"sum_layer_ms", sum_ms},
        {"flops", sum_flops},
        {"min_bytes", sum_bytes},
        {"costliest_layer", costliest->v->name},
        {"rtx4090_projection",
         {{"note", "roofline projection, not a measurement: max(flops/165e12, bytes/1008e9) per layer"},
          {"sum_floor_ms", sum_4090}}},
        {"layers", jl}};
    write_json(o.json, j);
  }
  return kExitOk;
}

}  // namespace effnet::app
