// effnet-bench mbconv: each MBConv block of the network at the batch sizes
// asked for, fused with a grid of candidate tiles (output tile, hidden chunk,
// hidden split) and layer by layer, GPU time of each from timestamps. Shows
// the tile the plan's rule picks (model/vk_mbconv.cpp) beside the fastest one
// measured: the data the rule (and the tuning cache of the next issue) needs.
// With --expand-dw always the candidates are expand_dw stages (expand and
// depthwise in one dispatch, then the project layer) instead.
#include <algorithm>
#include <cstdio>

#include "apps/bench_blocks.h"
#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/exit_codes.h"
#include "model/errors.h"
#include "model/vk_mbconv.h"
#include "model/weights.h"
#include "vk_runtime/errors.h"

namespace effnet::app {
namespace {

struct Timed {
  double ms = -1;        // median GPU ms; negative when the forced tile does not fit the device
  std::string tile;      // the fused stage's tile, or "layer by layer"
  std::string describe;  // the plan's describe()
};

Timed time_stage(vk::Context& ctx, const std::vector<Layer>& layers, const std::vector<int64_t>& shape,
                 const VkPlanOptions& opt, const Tensor& x, int warmup, int iters) {
  try {
    VkPlan plan(ctx, layers, shape, opt);
    plan.run(x);
    for (int i = 0; i < warmup; ++i) plan.replay();
    std::vector<double> ms;
    for (int i = 0; i < iters; ++i) {
      plan.replay();
      const PlanTiming t = plan.last_timing();
      if (!t.available) throw vk::DeviceError(ctx.info().name + ": the compute queue has no timestamps");
      ms.push_back(t.total_ms);
    }
    const Stage& st = plan.stages().front();
    return {stats_of(ms).median, st.mbconv ? st.mbconv->tile.str() : "layer by layer", plan.describe()};
  } catch (const vk::DeviceError& e) {
    if (std::string(e.what()).find("does not fit") == std::string::npos) throw;
    return {};
  }
}

}  // namespace

int run_mbconv(const MBConvOptions& o) {
  const std::vector<int> batches = parse_int_list(o.batches, "--batch", 1, 4096);
  const Precision p = parse_precision(o.precision);
  Progress progress;
  const Network net = random_network(o.seed, kDefaultClasses);
  vk::Context ctx(o.context);
  const vk::DeviceInfo& d = ctx.info();
  std::printf("device: %s (%s), %s, %d runs after %d warm-up per candidate\n\n", d.name.c_str(),
              d.driver.c_str(), o.precision.c_str(), o.iters, o.warmup);
  std::printf("%-8s %5s | %10s | %-28s %9s | %-28s %9s | %6s\n", "block", "batch", "unfused us",
              "rule's tile", "us", "fastest tile", "us", "tried");
  nlohmann::json rows = nlohmann::json::array();
  // --expand-dw always: the expand_dw stage (plus the project layer) instead of the whole block fused.
  const bool ed = o.expand_dw == "always";
  std::vector<std::array<uint32_t, 2>> spatial = {{2, 4},  {4, 4},  {4, 8},   {6, 6},   {8, 8},
                                                  {6, 12}, {8, 16}, {12, 12}, {10, 15}, {16, 16}};
  if (ed) spatial = {{1, 8}, {2, 4}, {2, 8}, {4, 4}, {4, 8}, {2, 16}, {4, 16}, {8, 8}, {6, 10}, {8, 16}};
  for (int b : batches)
    for_each_mbconv_block(net.layers, b, o.size, [&](const BenchBlock& blk) {
      const std::vector<Layer>& block = blk.layers;
      const std::vector<int64_t>& shape = blk.shape;
      const ActShape& out = blk.out;
      const std::string& name = blk.name;
      const Tensor x = random_tensor(shape, blk.input_seed(o.seed));
      progress.begin(name + " batch " + std::to_string(b));
      VkPlanOptions opt = plan_options(o, b, p);
      opt.fuse = FusePolicy::Never;
      const Timed unfused = time_stage(ctx, block, shape, opt, x, o.warmup, o.iters);
      if (ed) {  // the expand_dw stage and the project layer, never the whole block fused
        opt.fuse = FusePolicy::Auto;
        opt.fuse_blocks = {"none"};
        opt.expand_dw = FusePolicy::Always;
      } else {
        opt.fuse = FusePolicy::Always;
      }
      const Timed rule = time_stage(ctx, block, shape, opt, x, o.warmup, o.iters);
      Timed best = rule;
      nlohmann::json tried = nlohmann::json::array();
      int n = 0;
      for (const auto& s : spatial)
        for (uint32_t hc : {16u, 32u, 64u})
          for (uint32_t split : {1u, 2u, 4u, 8u, 16u})
            for (uint32_t wg : {256u, 128u}) {
              if (ed && (hc == 64 || split > 4)) continue;  // expand_dw: the rule's range (vk_mbconv.cpp)
              const uint64_t groups = uint64_t(b) * ((out.h + s[0] - 1) / s[0]) * ((out.w + s[1] - 1) / s[1]);
              if (split > 1 && groups * split > 1024) continue;  // a split only where the grid is small
              if (split * hc > uint32_t(block[0].cout) + hc) continue;
              opt.force_mbconv_tile = MBConvTile{s[0], s[1], hc, split, wg};
              const Timed t = time_stage(ctx, block, shape, opt, x, o.warmup, o.iters);
              if (t.ms < 0) continue;
              ++n;
              tried.push_back({{"tile", t.tile}, {"ms", t.ms}});
              if (t.ms < best.ms) best = t;
            }
      opt.force_mbconv_tile.reset();
      std::printf("%-8s %5d | %10.1f | %-28.28s %9.1f | %-28.28s %9.1f | %6d\n", name.c_str(), b,
                  unfused.ms * 1e3, rule.tile.c_str(), rule.ms * 1e3, best.tile.c_str(), best.ms * 1e3, n);
      std::fflush(stdout);
      rows.push_back({{"block", name},
                      {"batch", b},
                      {"unfused_ms", unfused.ms},
                      {"rule", {{"ms", rule.ms}, {"describe", rule.describe}}},
                      {"fastest", {{"ms", best.ms}, {"describe", best.describe}}},
                      {"tried", tried}});
    });
  if (!o.json.empty())
    write_json(o.json, {{"tool", "effnet-bench mbconv"},
                        {"device", device_json(d)},
                        {"precision", o.precision},
                        {"stage", ed ? "expand_dw" : "mbconv"},
                        {"iters", o.iters},
                        {"rows", rows}});
  return kExitOk;
}

}  // namespace effnet::app
