// WorkerPool (model/worker_pool.h): the chunks cover [0, count) once, in one
// range per thread; the pool is reused across many loops; an exception of any
// chunk reaches the caller and the pool goes on.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <stdexcept>
#include <vector>

#include "model/worker_pool.h"

using namespace effnet;

TEST_CASE("WorkerPool: chunks cover the range once, reused loop after loop", "[worker_pool]") {
  const int threads = GENERATE(1, 3, 8);
  WorkerPool pool(threads);
  CHECK(pool.threads() == threads);
  for (int64_t count : {int64_t(1), int64_t(5), int64_t(1000), int64_t(100003)})
    for (int chunks : {1, 2, threads, 64}) {
      std::vector<int> hits(size_t(count), 0);
      pool.parallel_for(count, chunks, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) ++hits[size_t(i)];
      });
      for (int h : hits) REQUIRE(h == 1);
    }
  // Many short loops in a row (a lost wake-up would hang here).
  int64_t total = 0;
  std::vector<int64_t> part(size_t(threads), 0);
  for (int r = 0; r < 2000; ++r) {
    std::fill(part.begin(), part.end(), 0);
    pool.parallel_for(threads * 10, threads, [&](int64_t b, int64_t e) { part[size_t(b / 10)] = e - b; });
    for (int64_t p : part) total += p;
  }
  CHECK(total == int64_t(2000) * threads * 10);
}

TEST_CASE("WorkerPool: a chunk's exception reaches the caller, the pool goes on", "[worker_pool]") {
  WorkerPool pool(4);
  CHECK_THROWS_AS(pool.parallel_for(400, 4,
                                    [](int64_t b, int64_t) {
                                      if (b >= 300) throw std::runtime_error("chunk failed");
                                    }),
                  std::runtime_error);
  CHECK_THROWS_AS(pool.parallel_for(400, 4,
                                    [](int64_t b, int64_t) {
                                      if (b == 0) throw std::runtime_error("first chunk failed");
                                    }),
                  std::runtime_error);
  int64_t n = 0;
  std::vector<int64_t> part(4, 0);
  pool.parallel_for(400, 4, [&](int64_t b, int64_t e) { part[size_t(b / 100)] = e - b; });
  for (int64_t p : part) n += p;
  CHECK(n == 400);
}
