#include "apps/soak_check.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

namespace effnet::app {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string mib(int64_t b) {
  char s[32];
  std::snprintf(s, sizeof s, "%.2f", double(b) / kMiB);
  return s;
}

SoakCheck growth(const std::string& name, const std::vector<std::pair<int64_t, int64_t>>& pairs,
                 double limit_mib) {
  SoakCheck c{name, true, ""};
  for (const auto& [a, b] : pairs) {
    if (!c.detail.empty()) c.detail += "; ";
    if (a < 0 || b < 0) {
      c.ok = false;
      c.detail += "not measurable";
      continue;
    }
    const double grew = double(b - a) / kMiB;
    c.ok = c.ok && grew <= limit_mib;
    c.detail += mib(a) + " -> " + mib(b) + " MiB (" + (grew >= 0 ? "+" : "") + mib(b - a) + ")";
  }
  char lim[48];
  std::snprintf(lim, sizeof lim, ", limit +%.2f MiB", limit_mib);
  c.detail += lim;
  return c;
}

}  // namespace

int64_t host_rss_bytes() {
  std::ifstream f("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return -1;
  const long page = ::sysconf(_SC_PAGESIZE);
  return page > 0 ? resident * page : -1;
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.shape == b.shape && a.data.size() == b.data.size() &&
         (a.data.empty() || std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0);
}

std::vector<SoakCheck> evaluate_soak(const MemorySample& start, const MemorySample& end, int64_t replays,
                                     int64_t mismatches, const SoakLimits& limits) {
  std::vector<SoakCheck> out;
  out.push_back(growth("host memory", {{start.host_rss_bytes, end.host_rss_bytes}}, limits.host_growth_mib));
  out.push_back(growth("device memory",
                       {{start.device_block_bytes, end.device_block_bytes},
                        {start.device_alloc_bytes, end.device_alloc_bytes}},
                       limits.device_growth_mib));
  SoakCheck r{"replays identical", replays > 0 && mismatches == 0,
              std::to_string(replays - mismatches) + " of " + std::to_string(replays) + " bit-identical"};
  out.push_back(r);
  return out;
}

}  // namespace effnet::app
