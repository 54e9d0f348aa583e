// ThreadPool (apps/thread_pool.h): every task runs once, exceptions reach the
// waiter (wait_all: the first in submission order, after every task finished),
// bad sizes refused, and the destructor joins with tasks still queued.
#include <atomic>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "apps/thread_pool.h"
#include "tests/support/error_text.h"

using namespace effnet;
using namespace effnet::app;

TEST_CASE("ThreadPool runs every task once, each writing its own slot", "[thread_pool]") {
  const int threads = GENERATE(1, 2, 5);
  ThreadPool pool(threads);
  CHECK(pool.size() == threads);
  std::vector<int> out(1000, -1);
  std::atomic<int> calls{0};
  std::vector<std::future<void>> f;
  for (int i = 0; i < int(out.size()); ++i)
    f.push_back(pool.submit([&out, &calls, i] {
      out[size_t(i)] = i * i;
      ++calls;
    }));
  wait_all(f);
  CHECK(calls == int(out.size()));
  for (int i = 0; i < int(out.size()); ++i) REQUIRE(out[size_t(i)] == i * i);
}

TEST_CASE("ThreadPool: a task's exception reaches the waiter, the first in order after all finished",
          "[thread_pool]") {
  ThreadPool pool(GENERATE(1, 4));
  std::atomic<bool> slow_done{false};
  std::vector<std::future<void>> f;
  f.push_back(pool.submit([] {}));
  f.push_back(pool.submit([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    slow_done = true;
  }));
  f.push_back(pool.submit([] { throw std::out_of_range("first"); }));
  f.push_back(pool.submit([] { throw std::logic_error("second"); }));
  CHECK(test::error_text<std::out_of_range>([&] { wait_all(f); }) == "first");
  CHECK(slow_done);  // waited before rethrowing
  // The pool still works after a task threw.
  std::future<void> g = pool.submit([] { throw 42; });
  CHECK_THROWS_AS(g.get(), int);
  std::vector<std::future<void>> none;
  wait_all(none);
}

TEST_CASE("ThreadPool refuses sizes outside 1..kMaxThreads", "[thread_pool]") {
  const int n = GENERATE(0, -1, ThreadPool::kMaxThreads + 1);
  CHECK(test::error_text<std::invalid_argument>([&] { ThreadPool pool(n); }).find("expected 1..") !=
        std::string::npos);
  CHECK(ThreadPool::default_threads() >= 1);
  CHECK(ThreadPool::default_threads() <= ThreadPool::kMaxThreads);
  const int beside = ThreadPool::default_workers_beside_caller();
  CHECK(beside >= 1);
  CHECK(beside == (ThreadPool::default_threads() > 2 ? ThreadPool::default_threads() - 1
                                                     : ThreadPool::default_threads()));
}

TEST_CASE("ThreadPool's destructor lets the running task finish and drops the queued ones", "[thread_pool]") {
  std::promise<void> release, started;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<bool> first_done{false};
  std::vector<std::future<void>> f;
  std::thread opener;
  {
    ThreadPool pool(1);
    f.push_back(pool.submit([&] {
      started.set_value();
      gate.wait();
      first_done = true;
    }));
    for (int i = 0; i < 3; ++i) f.push_back(pool.submit([] {}));
    started.get_future().wait();  // the first task runs, the other three are queued
    // Opens the gate while the destructor below joins (a hang here fails at the test timeout).
    opener = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      release.set_value();
    });
  }
  opener.join();
  CHECK(first_done);
  CHECK_NOTHROW(f[0].get());
  int dropped = 0;
  for (size_t i = 1; i < f.size(); ++i) {
    REQUIRE(f[i].wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    try {
      f[i].get();
    } catch (const std::future_error& e) {
      CHECK(e.code() == std::future_errc::broken_promise);
      ++dropped;
    }
  }
  // The destructor took the queue while the first task was still waiting for the gate.
  CHECK(dropped == 3);
}
