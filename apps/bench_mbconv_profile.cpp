// effnet-bench mbconv --profile: where a fused MBConv workgroup spends its
// time. Each block runs its tile (the rule's with split 1, or --tile) in the
// clock-instrumented variant mbconv_coopmat_fp16_prof; every workgroup records
// its SM, its start and end on the device clock and the SM cycles of each
// phase as subgroup 0 sees them (shaders/mbconv_layout.h). Reported per block:
// kernel time (device clock span of all workgroups), mean workgroup lifetime,
// workgroups resident per SM on average (sum of lifetimes / span / SMs), the
// SM clock, and each phase's share of a workgroup's cycles. NVIDIA only
// (VK_NV_shader_sm_builtins); the instrumentation costs a few percent.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "apps/bench_blocks.h"
#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/exit_codes.h"
#include "model/errors.h"
#include "model/vk_mbconv.h"
#include "model/weights.h"
#include "shaders/mbconv_layout.h"
#include "vk_runtime/errors.h"

namespace effnet::app {
namespace {

constexpr const char* kPhase[EFFNET_MBCONV_PROF_PHASES] = {"stage", "expand", "bar1",    "dw",      "st_we",
                                                           "bar2",  "st_dw",  "project", "epilogue"};

std::optional<MBConvTile> parse_tile(const std::string& s) {
  if (s.empty()) return std::nullopt;
  unsigned th = 0, tw = 0, hc = 0, wg = 256;
  char x1 = 0, x2 = 0, x3 = 'x';
  const int n = std::sscanf(s.c_str(), "%u%c%u%c%u%c%u", &th, &x1, &tw, &x2, &hc, &x3, &wg);
  if ((n != 5 && n != 7) || x1 != 'x' || x2 != 'x' || x3 != 'x')
    throw UsageError("--tile " + s + ": expected THxTWxHC[xWG], e.g. 6x15x16 or 6x15x16x512");
  return MBConvTile{th, tw, hc, 1, wg};
}

uint64_t ns_of(const uint32_t* r, int at) { return uint64_t(r[at]) | (uint64_t(r[at + 1]) << 32); }

}  // namespace

int run_mbconv_profile(const MBConvOptions& o) {
  const std::vector<int> batches = parse_int_list(o.batches, "--batch", 1, 4096);
  const std::optional<MBConvTile> forced = parse_tile(o.tile);
  Progress progress;
  const Network net = random_network(o.seed, kDefaultClasses);
  vk::Context ctx(o.context);
  if (!ctx.shader_clock_enabled())
    throw vk::DeviceError(ctx.info().name +
                          ": --profile needs VK_KHR_shader_clock and VK_NV_shader_sm_builtins");
  const vk::DeviceInfo& d = ctx.info();
  std::printf("device: %s (%s), fp16 COOPMAT, per-workgroup clocks, %d runs after %d warm-up\n\n",
              d.name.c_str(), d.driver.c_str(), o.iters, o.warmup);
  std::printf("%-8s %5s %-22s %7s %8s %8s %6s %5s %5s |", "block", "batch", "tile", "groups", "kernel us",
              "wg us", "wg/SM", "GHz", "kcyc");
  for (const char* p : kPhase) std::printf(" %7s", p);
  std::printf("\n");
  nlohmann::json rows = nlohmann::json::array();
  for (int b : batches)
    for_each_mbconv_block(net.layers, b, o.size, [&](const BenchBlock& blk) {
      const std::vector<Layer>& block = blk.layers;
      const std::vector<int64_t>& shape = blk.shape;
      const std::string& name = blk.name;
      progress.begin(name + " batch " + std::to_string(b));
      VkPlanOptions opt = plan_options(o, b, Precision::FP16);
      opt.fuse = FusePolicy::Always;
      std::optional<MBConvTile> tile = forced;
      if (!tile) {
        const auto v =
            choose_mbconv(block, 0, blk.in, Precision::FP16, d, {true, std::nullopt, FusePolicy::Always, {}});
        if (!v) throw vk::DeviceError(name + ": no fused tile fits " + d.name);
        tile = v->tile;
        tile->split = 1;
      }
      opt.force_mbconv_tile = tile;
      opt.mbconv_profile = true;
      VkPlan plan(ctx, block, shape, opt);
      const Tensor x = random_tensor(shape, blk.input_seed(o.seed));
      plan.run(x);
      for (int k = 0; k < o.warmup; ++k) plan.replay();
      std::vector<double> ms;
      for (int k = 0; k < o.iters; ++k) {
        plan.replay();
        ms.push_back(plan.last_timing().total_ms);
      }
      const std::vector<uint32_t> rec = plan.mbconv_profile(0);
      const size_t groups = rec.size() / EFFNET_MBCONV_PROF_WORDS;
      if (groups == 0) throw vk::DeviceError(name + ": no profile records");
      uint64_t t0 = ~uint64_t(0), t1 = 0;
      double life_ns = 0, cycles = 0, phase[EFFNET_MBCONV_PROF_PHASES] = {};
      std::set<uint32_t> sms;
      for (size_t g = 0; g < groups; ++g) {
        const uint32_t* r = rec.data() + g * EFFNET_MBCONV_PROF_WORDS;
        const uint64_t s = ns_of(r, 1), e = ns_of(r, 3);
        t0 = std::min(t0, s);
        t1 = std::max(t1, e);
        life_ns += double(e - s);
        cycles += r[5];
        for (uint32_t p = 0; p < EFFNET_MBCONV_PROF_PHASES; ++p) phase[p] += r[6 + p];
        sms.insert(r[0]);
      }
      const double span_ns = double(t1 - t0), n = double(groups);
      const double resident = life_ns / span_ns / double(sms.size());
      const double ghz = cycles / life_ns;
      std::printf("%-8s %5d %-22.22s %7zu %8.1f %8.2f %6.2f %5.2f %5.1f |", name.c_str(), b,
                  tile->str().c_str(), groups, span_ns * 1e-3, life_ns / n * 1e-3, resident, ghz,
                  cycles / n * 1e-3);
      nlohmann::json ph = nlohmann::json::object();
      for (uint32_t p = 0; p < EFFNET_MBCONV_PROF_PHASES; ++p) {
        std::printf(" %6.1f%%", 100.0 * phase[p] / cycles);
        ph[kPhase[p]] = phase[p] / n;
      }
      std::printf("\n");
      std::fflush(stdout);
      rows.push_back({{"block", name},
                      {"batch", b},
                      {"tile", tile->str()},
                      {"describe", plan.describe()},
                      {"groups", groups},
                      {"sms", sms.size()},
                      {"timestamp_ms_median", stats_of(ms).median},
                      {"span_us", span_ns * 1e-3},
                      {"wg_lifetime_us", life_ns / n * 1e-3},
                      {"resident_per_sm", resident},
                      {"sm_ghz", ghz},
                      {"wg_cycles", cycles / n},
                      {"phase_cycles", ph}});
    });
  std::printf(
      "\nphases (subgroup 0's cycles): stage = input tile + first weights + first barrier; "
      "bar1/bar2 = waiting at the barriers after expand/depthwise; st_we/st_dw = staging the next "
      "chunk's weights.\n");
  if (!o.json.empty())
    write_json(o.json,
               {{"tool", "effnet-bench mbconv --profile"}, {"device", device_json(d)}, {"rows", rows}});
  return kExitOk;
}

}  // namespace effnet::app
