// A small fork-join helper for the CPU reference. Private helper of model/.
#pragma once
#include <algorithm>
#include <cstdint>
#include <exception>
#include <system_error>
#include <thread>
#include <vector>

namespace effnet {

// Calls fn(begin, end) on contiguous, disjoint chunks covering [0, count), on up
// to 4 threads (fewer when the machine has fewer cores or count is small). The
// results must not depend on the chunking. Rethrows the first exception of a chunk.
template <typename Fn>
void parallel_for(int64_t count, Fn&& fn) {
  const int64_t hw = std::max<int64_t>(1, std::thread::hardware_concurrency());
  const int64_t nt = std::min<int64_t>({4, hw, count});
  if (nt <= 1) {
    if (count > 0) fn(int64_t{0}, count);
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<size_t>(nt));
  auto run = [&](int64_t t) {
    try {
      fn(count * t / nt, count * (t + 1) / nt);
    } catch (...) {
      errors[size_t(t)] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (int64_t t = 1; t < nt; ++t) {
    try {
      threads.emplace_back(run, t);
    } catch (const std::system_error&) {
      run(t);  // no thread available: do the chunk here
    }
  }
  run(0);
  for (auto& th : threads) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace effnet
