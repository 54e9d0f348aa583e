// effnet-bench gemm (issue 3, deliverable 5): every GEMM-shaped layer of the
// network (1x1 convs, the head, the FC) at the given batches and a 4096^3
// square GEMM, each timed alone in its own plan from timestamps, beside cuBLAS
// fp16 (cublasGemmEx, fp32 compute) on the same M, N, K and data.
#include <cstdio>

#include "apps/bench_bytes.h"
#include "apps/bench_ceiling.h"
#include "apps/bench_cuda.h"
#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/exit_codes.h"
#include "model/errors.h"
#include "model/vk_gemm_tile.h"
#include "model/weights.h"
#include "vk_runtime/errors.h"

namespace effnet::app {
namespace {

struct GemmCase {
  const Layer* layer;
  std::vector<int64_t> shape;  // plan input, cpu_layer layout
  int batch;                   // 0 for the square GEMM
};

nlohmann::json run_case(vk::Context& ctx, const GemmCase& c, const GemmOptions& o, Precision p, bool cuda,
                        Progress& progress) {
  const std::string label = c.batch ? c.layer->name + " batch " + std::to_string(c.batch) : "square 4096^3";
  progress.begin("gemm " + label);
  const LayerRun r = time_single_layer(ctx, *c.layer, c.shape, plan_options(o, std::max(1, c.batch), p),
                                       o.seed + 11, o.warmup, o.iters, progress);
  const LayerVariant& v = r.variant;
  const double flops = v.flops;
  const MinBytes b = kind_min_bytes(v.kind, c.layer->cin, c.layer->cout, v.in, v.out, p);
  const double tflops = flops / (r.ms.median * 1e-3) * 1e-12, gbps = b.total() / (r.ms.median * 1e-3) * 1e-9;
  const std::string variant = std::string(v.tile.coopmat2 ? "coopmat2 "
                                          : v.coopmat     ? "coopmat "
                                                          : "scalar ") +
                              std::to_string(v.tile.bm) + "x" + std::to_string(v.tile.bn) + "x" +
                              std::to_string(v.tile.bk);
  nlohmann::json j{{"layer", c.batch ? c.layer->name : "square4096"},
                   {"kind", kind_name(v.kind)},
                   {"batch", c.batch},
                   {"m", v.gemm_m},
                   {"n", v.gemm_n},
                   {"k", v.gemm_k},
                   {"flops", flops},
                   {"min_bytes", b.total()},
                   {"shader", v.shader},
                   {"coopmat", v.coopmat},
                   {"coopmat2", v.tile.coopmat2},
                   {"tile", v.tile.str()},
                   {"variant", v.describe()},
                   {"vk", r.ms.json()},
                   {"vk_tflops", tflops},
                   {"vk_gbps", gbps}};
  std::printf("%-10s %5s %8u %5u %5u | %-22.22s | %9.4f %8.2f %8.1f |", j["layer"].get<std::string>().c_str(),
              c.batch ? std::to_string(c.batch).c_str() : "-", v.gemm_m, v.gemm_n, v.gemm_k, variant.c_str(),
              r.ms.median, tflops, gbps);
  if (cuda && p == Precision::FP16) {
    progress.begin("gemm " + label + ": cuBLAS");
    const Stats cs = time_cublas_gemm(v.gemm_m, v.gemm_n, v.gemm_k, to_half_bits(r.input),
                                      to_half_bits(c.layer->weight), o.warmup, o.iters);
    const double m = v.gemm_m, n = v.gemm_n, k = v.gemm_k,
                 cb = (m * k + n * k + m * n) * 2;  // cuBLAS fp16 A, B, C
    j["cublas"] = cs.json();
    j["cublas_tflops"] = flops / (cs.median * 1e-3) * 1e-12;
    j["cublas_gbps"] = cb / (cs.median * 1e-3) * 1e-9;
    j["ratio_vk_over_cublas"] = r.ms.median / cs.median;
    std::printf(" %9.4f %8.2f %6.2f\n", cs.median, flops / (cs.median * 1e-3) * 1e-12,
                r.ms.median / cs.median);
  } else {
    std::printf(" %9s %8s %6s\n", "-", "-", "-");
  }
  std::fflush(stdout);
  return j;
}

// The plan options that change the GEMM tiles, for the JSON.
nlohmann::json gemm_options_json(const GemmOptions& o) {
  return {{"coopmat_allowed", !o.no_coopmat},
          {"coopmat2_allowed", o.coopmat2},
          {"gemm_epilogue", o.gemm_epilogue}};
}

// --sweep: the rule's tile, then every candidate (model/vk_gemm_tile.h), each
// in its own plan on the same input; one line per layer (rule, best, speed-up).
nlohmann::json sweep_case(vk::Context& ctx, const GemmCase& c, const GemmOptions& o, Progress& progress) {
  const Precision p = Precision::FP16;
  const std::string label = c.layer->name + " batch " + std::to_string(c.batch);
  progress.begin("sweep " + label);
  const Tensor x = random_tensor(c.shape, o.seed + 11);
  auto time_tile = [&](const std::optional<GemmTile>& tile, LayerVariant* out) {
    VkPlanOptions opt = plan_options(o, c.batch, p);
    opt.force_gemm_tile = tile;
    opt.tuning = "off";  // the rule is the rule's, not a tuned tile
    VkPlan plan(ctx, std::vector<Layer>{*c.layer}, c.shape, opt);
    plan.run(x);
    // At least `warmup` runs and 100 ms of them: the SM clock falls while the
    // host builds the plan and takes ~100 ms of work to come back (a single
    // layer of ~1 ms timed after 3 runs measured up to 4x slower on the H200).
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < o.warmup || ms_since(t0) < 100.0; ++i) plan.replay();
    std::vector<double> ms;
    for (int i = 0; i < o.iters; ++i) {
      plan.replay();
      const PlanTiming t = plan.last_timing();
      if (!t.available) throw vk::DeviceError(ctx.info().name + ": the compute queue has no timestamps");
      ms.push_back(t.total_ms);
    }
    if (out) *out = plan.variants().front();
    return stats_of(ms);
  };
  LayerVariant rule;
  const Stats rs = time_tile(std::nullopt, &rule);
  nlohmann::json cands = nlohmann::json::array();
  double best_ms = rs.median;
  std::string best = rule.tile.str();
  if (rule.coopmat) {
    const bool fp16_out = storage_bytes(rule.kind, TensorRole::Output, p) == 2;  // the kind table's rule
    const GemmShape g{rule.gemm_m, 1, rule.gemm_n, rule.gemm_k, false, fp16_out};
    // A COOPMAT2 rule (--coopmat2) has no subgroup shape: the KHR candidates take the plan's.
    const auto shapes = gemm_coopmat_shapes(ctx.info());
    const std::array<uint32_t, 3> s =
        rule.tile.coopmat2 ? least_waste_shape(shapes, g)
                           : std::array<uint32_t, 3>{rule.tile.cm_m, rule.tile.cm_n, rule.tile.cm_k};
    auto tiles = coopmat_tile_candidates(s, g, ctx.info());
    if (!rule.tile.coopmat2 && rule.kind != LayerKind::HeadPool && rule.tile.warps_k == 1 &&
        rule.gemm_n % rule.tile.cm_n == 0) {
      for (const GemmEpilogue e : {GemmEpilogue::Direct, GemmEpilogue::StageF32}) {
        GemmTile other = rule.tile;  // the rule's tile with the other epilogues, where they fit
        if (e == other.epilogue) continue;
        other.epilogue = e;
        if (other.shared_bytes(false) <= ctx.info().max_shared_memory) tiles.insert(tiles.begin(), other);
      }
    }
    int i = 0;
    for (const GemmTile& t : tiles) {
      const Stats st = time_tile(t, nullptr);
      cands.push_back({{"tile", t.str()},
                       {"bm", t.bm},
                       {"bn", t.bn},
                       {"bk", t.bk},
                       {"subgroups", t.warps_m * t.warps_n},
                       {"coopmat2", t.coopmat2},
                       {"stages", t.stages},
                       {"epilogue", t.epilogue == GemmEpilogue::Direct     ? "direct"
                                    : t.epilogue == GemmEpilogue::StageF16 ? "fp16_stage"
                                                                           : "fp32_stage"},
                       {"vk", st.json()}});
      if (st.median < best_ms) best_ms = st.median, best = t.str();
      progress.tick(++i, int(tiles.size()));
    }
  }
  std::printf("%-10s %5d %8u %5u %5u | %-66.66s %9.4f | %-66.66s %9.4f %5.2fx\n", c.layer->name.c_str(),
              c.batch, rule.gemm_m, rule.gemm_n, rule.gemm_k, rule.tile.str().c_str(), rs.median,
              best.c_str(), best_ms, rs.median / best_ms);
  std::fflush(stdout);
  return {{"layer", c.layer->name},
          {"batch", c.batch},
          {"m", rule.gemm_m},
          {"n", rule.gemm_n},
          {"k", rule.gemm_k},
          {"rule", {{"tile", rule.tile.str()}, {"vk", rs.json()}}},
          {"best", {{"tile", best}, {"median_ms", best_ms}}},
          {"candidates", cands}};
}

}  // namespace

int run_gemm(const GemmOptions& o) {
  const std::vector<int> batches =
      parse_int_list(o.quick && !o.batches_set ? std::string("1") : o.batches, "--batch", 1, 4096);
  const Precision p = Precision::FP16;
  Progress progress;
  const Network net = random_network(o.seed, kDefaultClasses);
  std::string why;
  const bool cuda = !o.no_cuda && cuda_peer_available(&why);
  if (o.no_cuda) why = "--no-cuda";
  vk::Context ctx(o.context);
  const vk::DeviceInfo& d = ctx.info();

  std::vector<GemmCase> cases;
  for (int b : batches) {
    const auto shapes = layer_input_shapes(net, b, o.size);
    for (size_t i = 0; i < net.layers.size(); ++i) {
      if (!kind_is_gemm(net.layers[i].kind)) continue;
      if (!o.layers.empty() &&
          ("," + o.layers + ",").find("," + net.layers[i].name + ",") == std::string::npos)
        continue;
      cases.push_back({&net.layers[i], shapes[i], b});
    }
  }
  if (cases.empty()) throw UsageError("--layer " + o.layers + ": no GEMM-shaped layer of that name");
  if (o.sweep) {
    std::printf("device: %s (%s, Vulkan %s), fp16; median of %d runs after %d warm-up, timestamps\n\n",
                d.name.c_str(), d.driver.c_str(), d.api_version_str.c_str(), o.iters, o.warmup);
    std::printf("%-10s %5s %8s %5s %5s | %-66s %9s | %-66s %9s %6s\n", "layer", "batch", "M", "N", "K",
                "rule tile", "ms", "best tile", "ms", "gain");
    nlohmann::json rows = nlohmann::json::array();
    for (const GemmCase& c : cases) rows.push_back(sweep_case(ctx, c, o, progress));
    if (!o.json.empty())
      write_json(o.json, {{"tool", "effnet-bench gemm --sweep"},
                          {"device", device_json(d)},
                          {"options", gemm_options_json(o)},
                          {"precision", "fp16"},
                          {"iters", o.iters},
                          {"warmup", o.warmup},
                          {"batches", batches},
                          {"rows", rows}});
    return kExitOk;
  }
  const Layer square = square_gemm_layer(4096, o.seed + 7);
  if (!o.quick && !o.no_square) cases.push_back({&square, {1, 1, 4096, 4096}, 0});

  std::printf("device: %s (%s, Vulkan %s), fp16 storage, fp32 accumulation\ncuBLAS: %s\n", d.name.c_str(),
              d.driver.c_str(), d.api_version_str.c_str(),
              cuda ? (cuda_peer_description() + "; cublasGemmEx fp16 in/out, CUBLAS_COMPUTE_32F").c_str()
                   : ("none: " + why).c_str());
  std::printf(
      "median of %d runs after %d warm-up; effnet-vk from timestamps (bias, activation, pool fused), cuBLAS "
      "from CUDA events (plain GEMM)\n\n",
      o.iters, o.warmup);
  std::printf("%-10s %5s %8s %5s %5s | %-22s | %9s %8s %8s | %9s %8s %6s\n", "layer", "batch", "M", "N", "K",
              "variant", "vk ms", "TFLOP/s", "GB/s", "cuBLAS ms", "TFLOP/s", "vk/cuB");
  nlohmann::json rows = nlohmann::json::array();
  for (const GemmCase& c : cases) rows.push_back(run_case(ctx, c, o, p, cuda, progress));

  if (!o.json.empty()) {
    write_json(o.json,
               {{"tool", "effnet-bench gemm"},
                {"device", device_json(d)},
                {"options", gemm_options_json(o)},
                {"precision", "fp16"},
                {"iters", o.iters},
                {"warmup", o.warmup},
                {"batches", batches},
                {"cuda", cuda ? nlohmann::json{{"available", true}, {"device", cuda_peer_description()}}
                              : nlohmann::json{{"available", false}, {"why", why}}},
                {"rows", rows}});
  }
  return kExitOk;
}

}  // namespace effnet::app
