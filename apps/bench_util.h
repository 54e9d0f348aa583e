// Helpers shared by the effnet-bench modes: timing statistics, random inputs,
// the progress line, command-line list parsing and the device description.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "model/tensor.h"
#include "nlohmann/json.hpp"
#include "vk_runtime/context.h"

namespace effnet::app {

// Median, 10th and 90th percentile (nearest rank) of a set of times in ms.
struct Stats {
  double median = 0, p10 = 0, p90 = 0;
  int runs = 0;
  nlohmann::json json() const;  // {"median_ms", "p10_ms", "p90_ms", "runs"}
};
// Throws std::logic_error on an empty vector (a bug of the caller).
Stats stats_of(std::vector<double> ms);

// Uniform in [0.01, 1.01): random and never zero. Deterministic per seed.
Tensor random_tensor(const std::vector<int64_t>& shape, uint64_t seed);
// fp16 bits (round to nearest even) of t's values.
std::vector<uint16_t> to_half_bits(const std::vector<float>& v);

// "1,10,64" -> {1, 10, 64}. Each value in [lo, hi]. Throws UsageError naming
// `option` on an empty list, a non-number or a value out of range.
std::vector<int> parse_int_list(const std::string& s, const std::string& option, int lo, int hi);
// "fp16,fp32" -> {"fp16", "fp32"}; throws UsageError for any other word.
std::vector<std::string> parse_precision_list(const std::string& s, const std::string& option);
// "f32,u8" -> {"f32", "u8"}: each word one of `allowed`, repeats dropped;
// throws UsageError naming `option` on an empty list or any other word.
std::vector<std::string> parse_word_list(const std::string& s, const std::string& option,
                                         const std::vector<std::string>& allowed);

// A progress line on stderr: begin() prints "effnet-bench: <what>", tick()
// prints "  <what>: i/n" at most every 5 seconds, so long runs show life in logs.
class Progress {
 public:
  void begin(const std::string& what);
  void tick(int i, int n);

 private:
  std::string what_;
  std::chrono::steady_clock::time_point last_;
};

// The Vulkan device as JSON: name, type, driver, api, coopmat shapes, timestamp period.
nlohmann::json device_json(const vk::DeviceInfo& d);

// Bytes of the device-local heap in use by this process from VK_EXT_memory_budget,
// or -1 when the device does not have the extension.
int64_t device_heap_usage(const vk::Context& ctx);

// Milliseconds since t0.
inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Writes j to `path` (pretty, 1-space indent). Throws FileError when it cannot.
void write_json(const std::string& path, const nlohmann::json& j);

}  // namespace effnet::app
