// The checks of effnet-bench soak, apart from Vulkan so that they can be
// tested (tests/test_soak_check.cpp): memory at the start and the end of a
// long run stays flat within a stated tolerance, and every replay of an input
// gives bit-identical logits.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace effnet::app {

// Memory of the process at one moment; -1 where not measurable.
struct MemorySample {
  int64_t host_rss_bytes = -1;      // resident set size, /proc/self/statm
  int64_t device_block_bytes = -1;  // device-local memory blocks the allocator holds (VMA budget)
  int64_t device_alloc_bytes = -1;  // bytes of live allocations inside them
};

struct SoakLimits {
  double host_growth_mib = 8.0;    // RSS may grow by at most this much from start to end
  double device_growth_mib = 0.0;  // device blocks and allocations: at most this much
};

struct SoakCheck {
  std::string name;  // "host memory", "device memory", "replays identical"
  bool ok = false;
  std::string detail;  // one line: the numbers that decided it
};

// The resident set size of this process from /proc/self/statm (pages x page
// size), or -1 when it cannot be read.
int64_t host_rss_bytes();

// True when a and b have the same shape and the same bits in every value (NaN
// payloads included: a replay must reproduce them too).
bool bit_identical(const Tensor& a, const Tensor& b);

// The three checks of a run: host RSS and device memory growth from `start` to
// `end` within `limits` (a measure of -1 at either end fails its check: an
// unmeasured quantity is not flat), and `mismatches` == 0 of `replays`
// compared replays (replays > 0 is required).
std::vector<SoakCheck> evaluate_soak(const MemorySample& start, const MemorySample& end, int64_t replays,
                                     int64_t mismatches, const SoakLimits& limits);

}  // namespace effnet::app
