#include "model/worker_pool.h"

#include <algorithm>

namespace effnet {

WorkerPool::WorkerPool(int threads) : errors_(size_t(std::max(1, threads))) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { work(i); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
  }
  start_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void WorkerPool::work(int index) {
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock<std::mutex> lock(m_);
    start_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    if (index >= chunks_) continue;  // this loop has fewer chunks than threads
    const auto* fn = fn_;
    const int64_t b = count_ * index / chunks_, e = count_ * (index + 1) / chunks_;
    lock.unlock();
    try {
      (*fn)(b, e);
    } catch (...) {
      errors_[size_t(index)] = std::current_exception();
    }
    lock.lock();
    if (--pending_ == 0) done_.notify_one();
  }
}

void WorkerPool::parallel_for(int64_t count, int chunks, const std::function<void(int64_t, int64_t)>& fn) {
  if (count <= 0) return;
  chunks = int(std::clamp<int64_t>(chunks, 1, std::min<int64_t>(threads(), count)));
  if (chunks == 1) {
    fn(0, count);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(m_);
    fn_ = &fn;
    count_ = count;
    chunks_ = chunks;
    pending_ = chunks - 1;
    std::fill(errors_.begin(), errors_.end(), nullptr);
    ++generation_;
  }
  start_.notify_all();
  try {
    fn(0, count / chunks);
  } catch (...) {
    errors_[0] = std::current_exception();
  }
  std::unique_lock<std::mutex> lock(m_);
  done_.wait(lock, [&] { return pending_ == 0; });
  for (const std::exception_ptr& e : errors_)
    if (e) std::rethrow_exception(e);
}

}  // namespace effnet
