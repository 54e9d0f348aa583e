// A fixed pool of worker threads running tasks in the order submitted, used by
// effnet-infer to decode and resize images (apps/input.h) while the device
// runs the previous chunk. RAII: the destructor joins every worker.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace effnet::app {

class ThreadPool {
 public:
  // Starts `threads` workers, 1..kMaxThreads. Throws std::invalid_argument
  // outside that range (the tools validate their --threads first), and
  // std::system_error when a thread cannot be started.
  explicit ThreadPool(int threads);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  // Tasks not yet started are dropped (their futures report
  // std::future_errc::broken_promise); running ones finish; then every worker
  // is joined. Never throws.
  ~ThreadPool();

  // Queues `task` for the next free worker. The future becomes ready when the
  // task has run; get() rethrows what the task threw (any exception type).
  std::future<void> submit(std::function<void()> task);

  int size() const { return int(workers_.size()); }

  static constexpr int kMaxThreads = 256;
  // std::thread::hardware_concurrency() within [1, kMaxThreads] (1 where it is unknown).
  static int default_threads();
  // One less than the hardware threads where there are more than two: workers
  // beside a thread that has its own work (effnet-infer's, which copies each
  // chunk into the device's staging buffer and submits it: with a worker on
  // every core it waits for one; H200 host, 16 cores: 9219-9282 images/s with
  // 15 workers, 7539-8959 with 16, docs/PERFORMANCE.md "Ninth session").
  static int default_workers_beside_caller();

 private:
  void work();
  void stop() noexcept;  // drops the queue, joins the workers
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<void()>> queue_;  // guarded by mutex_
  bool stopping_ = false;                         // guarded by mutex_
  std::vector<std::thread> workers_;
};

// Waits for every future, then rethrows the exception of the first one (in
// the order given) that holds one: the tasks' writes are all finished when
// this returns or throws.
void wait_all(std::vector<std::future<void>>& futures);

}  // namespace effnet::app
