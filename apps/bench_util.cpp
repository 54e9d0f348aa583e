#include "apps/bench_util.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "apps/devices.h"
#include "model/errors.h"
#include "model/half.h"
#include "model/precision.h"
#include "model/vk_variant.h"

namespace effnet::app {

nlohmann::json Stats::json() const {
  return {{"median_ms", median}, {"p10_ms", p10}, {"p90_ms", p90}, {"runs", runs}};
}

Stats stats_of(std::vector<double> ms) {
  if (ms.empty()) throw std::logic_error("stats_of: no samples");
  std::sort(ms.begin(), ms.end());
  const auto q = [&](double p) { return ms[std::min(ms.size() - 1, size_t(p * double(ms.size())))]; };
  return {q(0.5), q(0.1), q(0.9), int(ms.size())};
}

Tensor random_tensor(const std::vector<int64_t>& shape, uint64_t seed) {
  Tensor t(shape);
  uint64_t s = seed * 0x9e3779b97f4a7c15ull + 0x1234567ull;
  for (float& v : t.data) {  // splitmix64
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    v = 0.01f + float(z >> 40) * 0x1.0p-24f;
  }
  return t;
}

std::vector<uint16_t> to_half_bits(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = float_to_half(v[i]);
  return h;
}

std::vector<int> parse_int_list(const std::string& s, const std::string& option, int lo, int hi) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    long v = 0;
    try {
      v = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || v < lo || v > hi)
      throw UsageError(option + " '" + s + "': expected comma-separated integers in " + std::to_string(lo) +
                       ".." + std::to_string(hi) + " (see --help)");
    out.push_back(int(v));
  }
  if (out.empty()) throw UsageError(option + ": empty list (see --help)");
  return out;
}

std::vector<std::string> parse_word_list(const std::string& s, const std::string& option,
                                         const std::vector<std::string>& allowed) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (std::find(allowed.begin(), allowed.end(), item) == allowed.end()) {
      std::string words;
      for (const std::string& w : allowed) words += (words.empty() ? "" : ", ") + w;
      throw UsageError(option + " '" + s + "': expected comma-separated words of " + words + " (see --help)");
    }
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  if (out.empty()) throw UsageError(option + ": empty list (see --help)");
  return out;
}

std::vector<std::string> parse_precision_list(const std::string& s, const std::string& option) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      out.push_back(precision_name(parse_precision(item)));
    } catch (const UsageError&) {
      throw UsageError(option + " '" + s + "': expected fp16, fp32 or fp16,fp32 (see --help)");
    }
  }
  if (out.empty()) throw UsageError(option + ": empty list (see --help)");
  return out;
}

void Progress::begin(const std::string& what) {
  what_ = what;
  last_ = std::chrono::steady_clock::now();
  std::fprintf(stderr, "effnet-bench: %s\n", what.c_str());
}

void Progress::tick(int i, int n) {
  if (ms_since(last_) < 5000) return;
  last_ = std::chrono::steady_clock::now();
  std::fprintf(stderr, "effnet-bench:   %s: %d/%d\n", what_.c_str(), i, n);
}

nlohmann::json device_json(const vk::DeviceInfo& d) {
  std::vector<std::string> shapes;
  for (const vk::CoopMatShape& s : d.coopmat_shapes) shapes.push_back(s.str());
  return {{"name", d.name},
          {"type", d.type},
          {"driver", d.driver},
          {"api", d.api_version_str},
          {"subgroup_size", d.subgroup_size},
          {"max_shared_memory", d.max_shared_memory},
          {"fp16", precision_supported(d, Precision::FP16)},
          {"coopmat_shapes", shapes},
          {"coopmat2", coopmat2_json(d)},
          {"timestamp_period_ns", d.timestamp_period_ns}};
}

int64_t device_heap_usage(const vk::Context& ctx) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(ctx.physical_device(), nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> ext(n);
  vkEnumerateDeviceExtensionProperties(ctx.physical_device(), nullptr, &n, ext.data());
  const bool has = std::any_of(ext.begin(), ext.end(), [](const VkExtensionProperties& e) {
    return std::string(e.extensionName) == VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
  });
  if (!has) return -1;
  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{};
  budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
  VkPhysicalDeviceMemoryProperties2 props{};
  props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
  props.pNext = &budget;
  vkGetPhysicalDeviceMemoryProperties2(ctx.physical_device(), &props);
  // The largest device-local heap (the one device_local_bytes describes).
  int64_t best_size = -1, usage = -1;
  for (uint32_t i = 0; i < props.memoryProperties.memoryHeapCount; ++i) {
    const VkMemoryHeap& h = props.memoryProperties.memoryHeaps[i];
    if ((h.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && int64_t(h.size) > best_size) {
      best_size = int64_t(h.size);
      usage = int64_t(budget.heapUsage[i]);
    }
  }
  return usage;
}

void write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream f(path);
  if (!f) throw FileError("cannot write " + path);
  f << j.dump(1) << "\n";
  if (!f) throw FileError("cannot write " + path);
}

}  // namespace effnet::app
