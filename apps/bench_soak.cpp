// effnet-bench soak: many inferences (default 10,000) rotating through a few
// distinct random inputs; checks that host RSS and the device memory the
// allocator holds are flat from start to end, and that every replay of an
// input gives bit-identical logits (apps/soak_check.h). Exit 1 when a check fails.
#include <vk_mem_alloc.h>

#include <cstdio>

#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/exit_codes.h"
#include "apps/soak_check.h"
#include "model/errors.h"
#include "model/nonfinite.h"
#include "model/weights.h"

namespace effnet::app {
namespace {

// The device-local memory VMA holds for this context: blocks and allocations.
void sample_device(const vk::Context& ctx, MemorySample& s) {
  VkPhysicalDeviceMemoryProperties mp;
  vkGetPhysicalDeviceMemoryProperties(ctx.physical_device(), &mp);
  std::vector<VmaBudget> budgets(mp.memoryHeapCount);
  vmaGetHeapBudgets(ctx.allocator(), budgets.data());
  s.device_block_bytes = s.device_alloc_bytes = 0;
  for (uint32_t i = 0; i < mp.memoryHeapCount; ++i) {
    if (!(mp.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)) continue;
    s.device_block_bytes += int64_t(budgets[i].statistics.blockBytes);
    s.device_alloc_bytes += int64_t(budgets[i].statistics.allocationBytes);
  }
}

MemorySample sample(const vk::Context& ctx) {
  MemorySample s;
  s.host_rss_bytes = host_rss_bytes();
  sample_device(ctx, s);
  return s;
}

nlohmann::json sample_json(const MemorySample& s) {
  return {{"host_rss_bytes", s.host_rss_bytes},
          {"device_block_bytes", s.device_block_bytes},
          {"device_alloc_bytes", s.device_alloc_bytes}};
}

struct SoakResult {
  MemorySample start, end;
  int64_t replays = 0, mismatches = 0, first_mismatch = -1;
  std::vector<SoakCheck> checks;
  double host_ms_total = 0;
  bool ok() const {
    for (const SoakCheck& c : checks)
      if (!c.ok) return false;
    return true;
  }
};

SoakResult soak_one(const Network& net, const SoakOptions& o, Precision p, Progress& progress) {
  vk::Context ctx(o.context);
  VkPlan plan(ctx, net, plan_options(o, o.batch, p));
  std::vector<Tensor> xs, ref;
  for (int k = 0; k < o.inputs; ++k)
    xs.push_back(random_tensor({o.batch, 3, o.size, o.size}, o.seed + 1 + k));
  for (int i = 0; i < o.warmup; ++i) plan.run(xs[size_t(i) % xs.size()]);
  for (const Tensor& x : xs) {
    ref.push_back(plan.run(x));
    if (first_nonfinite(ref.back()) >= 0)
      throw ShapeError("soak: the logits of a random input are non-finite");
  }
  SoakResult r;
  r.start = sample(ctx);
  progress.begin(std::string("soak ") + precision_name(p) + ": " + std::to_string(o.iters) + " inferences");
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < o.iters; ++i) {
    const size_t k = size_t(i) % xs.size();
    const Tensor y = plan.run(xs[k]);
    ++r.replays;
    if (!bit_identical(y, ref[k])) {
      if (r.first_mismatch < 0) r.first_mismatch = i;
      ++r.mismatches;
    }
    progress.tick(i + 1, o.iters);
  }
  r.host_ms_total = ms_since(t0);
  r.end = sample(ctx);
  r.checks = evaluate_soak(r.start, r.end, r.replays, r.mismatches, o.limits);
  return r;
}

}  // namespace

int run_soak(const SoakOptions& o) {
  const Network net = random_network(o.seed, kDefaultClasses);
  const std::vector<std::string> precisions = parse_precision_list(o.precisions, "--precision");
  const vk::DeviceInfo info = vk::Context(o.context).info();
  Progress progress;
  nlohmann::json j;
  j["tool"] = "effnet-bench soak";
  j["options"] = {{"iters", o.iters},
                  {"warmup", o.warmup},
                  {"inputs", o.inputs},
                  {"batch", o.batch},
                  {"size", o.size},
                  {"seed", o.seed},
                  {"coopmat_allowed", !o.no_coopmat},
                  {"host_growth_limit_mib", o.limits.host_growth_mib},
                  {"device_growth_limit_mib", o.limits.device_growth_mib}};
  j["device"] = device_json(info);
  j["results"] = nlohmann::json::array();
  std::printf(
      "device: %s (%s, Vulkan %s)\n%d inferences per precision at batch %d, %dx%d, %d random inputs "
      "rotated, after %d warm-up\n\n",
      info.name.c_str(), info.driver.c_str(), info.api_version_str.c_str(), o.iters, o.batch, o.size, o.size,
      o.inputs, o.warmup);
  std::printf("%-5s %10s %9s | %-44s | %-72s | %-26s | %s\n", "prec", "inferences", "ms each", "host RSS",
              "device memory (VMA blocks; allocations)", "replays", "result");
  bool all_ok = true;
  for (const std::string& ps : precisions) {
    const SoakResult r = soak_one(net, o, parse_precision(ps), progress);
    all_ok = all_ok && r.ok();
    nlohmann::json checks = nlohmann::json::array();
    for (const SoakCheck& c : r.checks)
      checks.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    j["results"].push_back({{"precision", ps},
                            {"inferences", r.replays},
                            {"host_ms_per_inference", r.host_ms_total / std::max<int64_t>(1, r.replays)},
                            {"start", sample_json(r.start)},
                            {"end", sample_json(r.end)},
                            {"mismatches", r.mismatches},
                            {"first_mismatch", r.first_mismatch},
                            {"checks", checks},
                            {"ok", r.ok()}});
    std::printf("%-5s %10lld %9.3f | %-44s | %-72s | %-26s | %s\n", ps.c_str(), (long long)r.replays,
                r.host_ms_total / double(std::max<int64_t>(1, r.replays)), r.checks[0].detail.c_str(),
                r.checks[1].detail.c_str(), r.checks[2].detail.c_str(), r.ok() ? "ok" : "FAILED");
    for (const SoakCheck& c : r.checks)
      if (!c.ok)
        std::fprintf(stderr, "effnet-bench: soak %s: %s check failed: %s\n", ps.c_str(), c.name.c_str(),
                     c.detail.c_str());
  }
  j["ok"] = all_ok;
  if (!o.json.empty()) write_json(o.json, j);
  return all_ok ? kExitOk : kExitInternal;
}

}  // namespace effnet::app
