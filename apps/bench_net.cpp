// effnet-bench net: the whole network per (batch, precision): GPU time from the
// plan's timestamps, host time of run(), images/s, device memory, start-up with
// the pipeline cache absent and present, and the CUDA reference beside it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "apps/bench_bytes.h"
#include "apps/bench_cuda.h"
#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/exit_codes.h"
#include "model/weights.h"

namespace effnet::app {
namespace {

struct StartupTimes {
  double context_ms = 0, plan_ms = 0, first_run_ms = 0;
  double total() const { return context_ms + plan_ms + first_run_ms; }
  nlohmann::json json() const {
    return {{"context_ms", context_ms},
            {"plan_ms", plan_ms},
            {"first_run_ms", first_run_ms},
            {"total_ms", total()}};
  }
};

StartupTimes time_startup(const Network& net, const NetOptions& o, int batch, Precision p, const Tensor& x,
                          const vk::ContextOptions& context) {
  StartupTimes t;
  auto t0 = std::chrono::steady_clock::now();
  vk::Context ctx(context);
  t.context_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  VkPlan plan(ctx, net, plan_options(o, batch, p));
  t.plan_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  plan.run(x);
  t.first_run_ms = ms_since(t0);
  ctx.save_pipeline_cache();
  return t;
}

// Cold: a pipeline cache file that does not exist; warm: the file the cold run wrote.
nlohmann::json measure_startup(const Network& net, const NetOptions& o, int batch, Precision p,
                               const Tensor& x) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("effnet-bench-cache-" + std::to_string(getpid()) + "-" + precision_name(p) + ".bin");
  std::filesystem::remove(file);
  vk::ContextOptions context = o.context;
  context.pipeline_cache_file = file.string();
  const StartupTimes cold = time_startup(net, o, batch, p, x, context);
  std::error_code ec;
  const auto cache_bytes = std::filesystem::file_size(file, ec);
  const StartupTimes warm = time_startup(net, o, batch, p, x, context);
  std::filesystem::remove(file, ec);
  std::printf(
      "start-up %s batch %d, to the first logits: cold %.1f ms (context %.1f + plan %.1f + first run %.1f), "
      "warm %.1f ms (%.1f + %.1f + %.1f); pipeline cache file %lld bytes\n",
      precision_name(p), batch, cold.total(), cold.context_ms, cold.plan_ms, cold.first_run_ms, warm.total(),
      warm.context_ms, warm.plan_ms, warm.first_run_ms, ec ? -1LL : (long long)cache_bytes);
  return {{"precision", precision_name(p)},
          {"batch", batch},
          {"cold", cold.json()},
          {"warm", warm.json()},
          {"cache_file_bytes", ec ? -1 : int64_t(cache_bytes)}};
}

struct VkNetResult {
  Stats gpu, host;
  int64_t plan_bytes = 0, budget_bytes = -1;
  // The budget delta when the device has VK_EXT_memory_budget and the delta is
  // plausible (at least the plan's own buffers: a driver that reports usage of
  // the whole system, like lavapipe, sees other processes too); else the buffers.
  bool use_budget() const { return budget_bytes >= plan_bytes; }
  int64_t reported() const { return use_budget() ? budget_bytes : plan_bytes; }
  std::string variant;
  int fused = 0;      // fused MBConv stages
  int expand_dw = 0;  // expand_dw stages
};

// A fresh context per plan, so that the memory-budget delta sees the plan's
// whole footprint (a context's allocator keeps and reuses freed blocks).
VkNetResult time_vulkan(const Network& net, const NetOptions& o, int batch, Precision p, bool fuse,
                        const std::vector<Tensor>& xs, Progress& progress) {
  vk::Context ctx(o.context);
  VkNetResult r;
  const int64_t use0 = device_heap_usage(ctx);
  VkPlanOptions po = plan_options(o, batch, p);
  if (!fuse) po.fuse = FusePolicy::Never;
  VkPlan plan(ctx, net, po);
  const int64_t use1 = device_heap_usage(ctx);
  if (use0 >= 0 && use1 >= 0) r.budget_bytes = use1 - use0;
  r.plan_bytes = int64_t(plan.device_buffer_bytes());
  int coop = 0, fused = 0, expand_dw = 0;
  for (const Stage& st : plan.stages()) {
    coop += st.coopmat();
    fused += st.kind == StageKind::MBConv;
    expand_dw += st.kind == StageKind::ExpandDw;
  }
  r.fused = fused;
  r.expand_dw = expand_dw;
  r.variant = (coop ? "coopmat " + std::to_string(coop) : std::string("scalar")) + ", " +
              std::to_string(fused) + " fused, " + std::to_string(expand_dw) + " expand_dw, " +
              std::to_string(plan.stages().size()) + " stages";
  for (int i = 0; i < o.warmup; ++i) plan.run(xs[size_t(i) % xs.size()]);
  std::vector<double> gpu, host;
  for (int i = 0; i < o.iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    plan.run(xs[size_t(i) % xs.size()]);
    host.push_back(ms_since(t0));
    const PlanTiming t = plan.last_timing();
    if (t.available) gpu.push_back(t.total_ms);
    progress.tick(i + 1, o.iters);
  }
  r.host = stats_of(host);
  r.gpu = gpu.empty() ? r.host : stats_of(gpu);  // no timestamps: host time stands in (said in JSON)
  return r;
}

}  // namespace

int run_net(const NetOptions& o) {
  const std::vector<int> batches = parse_int_list(o.batches, "--batch", 1, 4096);
  const std::vector<std::string> precisions = parse_precision_list(o.precisions, "--precision");
  // NVIDIA's own shader disk cache would make every "cold" start but the first
  // warm: off for this process unless the caller set it. Mesa's is left alone
  // (lavapipe compiles lazily at the first dispatch, for tens of seconds without
  // it): set MESA_SHADER_CACHE_DISABLE=true for a truly cold start there.
  setenv("__GL_SHADER_DISK_CACHE", "0", 0);

  Progress progress;
  const Network net = random_network(o.seed, kDefaultClasses);
  std::string cuda_why;
  const bool cuda = !o.no_cuda && cuda_peer_available(&cuda_why);
  if (o.no_cuda) cuda_why = "--no-cuda";

  nlohmann::json j;
  j["tool"] = "effnet-bench net";
  j["options"] = {{"batches", batches},
                  {"precisions", precisions},
                  {"iters", o.iters},
                  {"warmup", o.warmup},
                  {"buffers", o.buffers},
                  {"size", o.size},
                  {"seed", o.seed},
                  {"coopmat_allowed", !o.no_coopmat},
                  {"coopmat2_allowed", o.coopmat2}};
  j["startup"] = nlohmann::json::array();
  if (!o.no_startup) {
    const Tensor x = random_tensor({batches.front(), 3, o.size, o.size}, o.seed + 99);
    for (const std::string& ps : precisions) {
      progress.begin(std::string("start-up ") + ps + " (pipeline cache absent, then present)");
      j["startup"].push_back(measure_startup(net, o, batches.front(), parse_precision(ps), x));
    }
  }

  const vk::DeviceInfo info = vk::Context(o.context).info();
  j["device"] = device_json(info);
  j["cuda"] = cuda ? nlohmann::json{{"available", true}, {"device", cuda_peer_description()}}
                   : nlohmann::json{{"available", false}, {"why", cuda_why}};
  j["timestamps"] = info.timestamp_valid_bits > 0;
  std::printf("device: %s (%s, Vulkan %s)\ncuda:   %s\n", info.name.c_str(), info.driver.c_str(),
              info.api_version_str.c_str(),
              cuda ? cuda_peer_description().c_str() : ("none: " + cuda_why).c_str());
  std::printf(
      "GPU ms: timestamps around the dispatches; host ms: run() from input in host memory to logits in host "
      "memory.\n%d runs after %d warm-up, %d inputs rotated.\n\n",
      o.iters, o.warmup, o.buffers);
  std::printf("%-5s %5s | %9s %9s %9s | %9s | %10s | %9s | %-24s | %10s | %9s %9s %7s\n", "prec", "batch",
              "GPU ms", "p10", "p90", "host ms", "img/s", "mem MiB", "variant", "unfused ms", "CUDA ms",
              "host ms", "vk/CUDA");
  j["results"] = nlohmann::json::array();
  for (int b : batches) {
    std::vector<Tensor> xs;
    for (int i = 0; i < std::max(1, o.buffers); ++i)
      xs.push_back(random_tensor({b, 3, o.size, o.size}, o.seed + 1000 * uint64_t(b) + uint64_t(i)));
    for (const std::string& ps : precisions) {
      const Precision p = parse_precision(ps);
      progress.begin("net " + ps + " batch " + std::to_string(b) + ": Vulkan, " + std::to_string(o.iters) +
                     " runs");
      const VkNetResult vr = time_vulkan(net, o, b, p, true, xs, progress);
      nlohmann::json r{
          {"precision", ps},
          {"batch", b},
          {"variant", vr.variant},
          {"fused_blocks", vr.fused},
          {"expand_dw_stages", vr.expand_dw},
          {"gpu", vr.gpu.json()},
          {"host", vr.host.json()},
          {"images_per_s", b / (vr.gpu.median * 1e-3)},
          {"images_per_s_host", b / (vr.host.median * 1e-3)},
          {"memory",
           {{"plan_buffer_bytes", vr.plan_bytes},
            {"budget_delta_bytes", vr.budget_bytes},
            {"reported_bytes", vr.reported()},
            {"source", vr.use_budget() ? "VK_EXT_memory_budget heapUsage delta around plan construction"
                                       : "the plan's own buffers (computed)"}}}};
      // The same network layer by layer, in the same run (the fusion's before/after).
      double unfused_ms = -1;
      if (vr.fused > 0 || vr.expand_dw > 0) {
        progress.begin("net " + ps + " batch " + std::to_string(b) + ": Vulkan unfused, " +
                       std::to_string(o.iters) + " runs");
        const VkNetResult ur = time_vulkan(net, o, b, p, false, xs, progress);
        unfused_ms = ur.gpu.median;
        r["unfused"] = {{"variant", ur.variant},
                        {"gpu", ur.gpu.json()},
                        {"host", ur.host.json()},
                        {"plan_buffer_bytes", ur.plan_bytes}};
        r["speedup_fused_over_unfused"] = ur.gpu.median / vr.gpu.median;
      }
      double cuda_ms = -1, cuda_host = -1;
      if (cuda) {
        progress.begin("net " + ps + " batch " + std::to_string(b) + ": CUDA reference, " +
                       std::to_string(o.iters) + " runs");
        const CudaNetResult cr = time_cuda_reference(net, ps, xs, o.warmup, o.iters, progress);
        cuda_ms = cr.gpu.median;
        cuda_host = cr.host.median;
        r["cuda"] = {{"mode", ps},
                     {"graph", cr.graph},
                     {"gpu", cr.gpu.json()},
                     {"host", cr.host.json()},
                     {"memory_bytes", cr.mem_bytes},
                     {"images_per_s", b / (cr.gpu.median * 1e-3)}};
        r["ratio_vk_over_cuda"] = vr.gpu.median / cr.gpu.median;
      }
      const int64_t mem = vr.reported();
      std::printf("%-5s %5d | %9.3f %9.3f %9.3f | %9.3f | %10.0f | %9.1f | %-24s | ", ps.c_str(), b,
                  vr.gpu.median, vr.gpu.p10, vr.gpu.p90, vr.host.median, b / (vr.gpu.median * 1e-3),
                  double(mem) / (1 << 20), vr.variant.substr(0, 24).c_str());
      if (unfused_ms >= 0)
        std::printf("%10.3f | ", unfused_ms);
      else
        std::printf("%10s | ", "-");
      if (cuda)
        std::printf("%9.3f %9.3f %7.2f\n", cuda_ms, cuda_host, vr.gpu.median / cuda_ms);
      else
        std::printf("%9s %9s %7s\n", "-", "-", "-");
      std::fflush(stdout);
      j["results"].push_back(r);
    }
  }
  std::printf(
      "\nmem: device memory of the plan: the VK_EXT_memory_budget heapUsage delta around its construction "
      "where "
      "the device has the extension and the delta is at least the plan's own buffers, else those buffers "
      "(--json says which per row).\nvk/CUDA: effnet-vk GPU time over the CUDA reference's of the same "
      "precision "
      "(fp16: cuDNN NHWC CUDA graph; fp32: cuDNN FMA-only eager); < 1 means effnet-vk is faster.\n");
  if (!o.json.empty()) write_json(o.json, j);
  return kExitOk;
}

}  // namespace effnet::app
