#include "apps/thread_pool.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>

namespace effnet::app {

ThreadPool::ThreadPool(int threads) {
  if (threads < 1 || threads > kMaxThreads)
    throw std::invalid_argument("ThreadPool: " + std::to_string(threads) + " threads, expected 1.." +
                                std::to_string(kMaxThreads));
  workers_.reserve(size_t(threads));
  try {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  } catch (...) {
    stop();  // joins the workers already started
    throw;
  }
}

ThreadPool::~ThreadPool() { stop(); }

int ThreadPool::default_threads() {
  return std::clamp(int(std::thread::hardware_concurrency()), 1, kMaxThreads);
}

int ThreadPool::default_workers_beside_caller() {
  const int hw = default_threads();
  return hw > 2 ? hw - 1 : hw;
}

void ThreadPool::stop() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();  // the dropped tasks' futures: broken_promise
  }
  wake_.notify_all();
  for (std::thread& t : workers_)
    if (t.joinable()) t.join();
}

std::future<void> ThreadPool::submit(std::function<void()> task) {
  std::packaged_task<void()> p(std::move(task));
  std::future<void> f = p.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(p));
  }
  wake_.notify_one();
  return f;
}

void ThreadPool::work() {
  for (;;) {
    std::packaged_task<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();  // an exception is stored in the task's future, never thrown here
  }
}

void wait_all(std::vector<std::future<void>>& futures) {
  for (std::future<void>& f : futures)
    if (f.valid()) f.wait();
  for (std::future<void>& f : futures)
    if (f.valid()) f.get();
}

}  // namespace effnet::app
