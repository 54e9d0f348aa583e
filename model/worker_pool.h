// WorkerPool: threads started once and reused for fork-join loops, so a loop
// costs a wake-up (microseconds) instead of a thread start per chunk (tens of
// microseconds each on the H200's host: 16 of them cost more than packing a
// batch-64 input). VkPlan packs large inputs into its staging buffers with one.
// Private helper of model/.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace effnet {

class WorkerPool {
 public:
  // threads >= 1 in all, the caller's included (threads - 1 workers are started).
  explicit WorkerPool(int threads);
  // Joins the workers (no loop may be running).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return int(workers_.size()) + 1; }
  // Calls fn(begin, end) on `chunks` (clamped to [1, threads()] and to count)
  // contiguous, disjoint ranges covering [0, count), one per thread, the
  // caller running the first; returns when all are done and rethrows the
  // first exception of a chunk. One loop at a time (not reentrant).
  void parallel_for(int64_t count, int chunks, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void work(int index);

  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable start_, done_;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t count_ = 0;
  int chunks_ = 0;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  std::vector<std::exception_ptr> errors_;
};

}  // namespace effnet
