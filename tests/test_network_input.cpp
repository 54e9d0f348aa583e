// check_network_input (model/network_input.h): the shape rule and the first
// non-finite value, the same whether the scan runs on one thread or several.
#include <catch2/catch_test_macros.hpp>
#include <limits>
#include <string>

#include "model/errors.h"
#include "model/network_input.h"

using namespace effnet;

namespace {
std::string message_of(const Tensor& x) {
  try {
    check_network_input(x);
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("check_network_input: shapes", "[input]") {
  CHECK(message_of(Tensor({1, 3, 32, 32})).empty());
  CHECK(message_of(Tensor({1, 3, 31, 32})).find("got [1, 3, 31, 32]") != std::string::npos);
  CHECK(!message_of(Tensor({1, 4, 64, 64})).empty());
  CHECK(!message_of(Tensor({3, 64, 64})).empty());
  CHECK(!message_of(Tensor({1, 3, 4097, 64})).empty());
}

TEST_CASE("check_network_input: the first non-finite value, single- and multi-threaded", "[input]") {
  for (const int64_t n : {int64_t(1), int64_t(40)}) {
    for (const int64_t size : {int64_t(64), int64_t(128)}) {  // 128: 1.97 M elements, the threaded scan
      Tensor x({n, 3, size, size});
      const size_t last = x.data.size() - 1;
      CHECK(message_of(x).empty());
      x.data[last] = std::numeric_limits<float>::infinity();
      CHECK(message_of(x).find("(inf) at flat index " + std::to_string(last)) != std::string::npos);
      x.data[7] = std::numeric_limits<float>::quiet_NaN();
      CHECK(message_of(x).find("(nan) at flat index 7") != std::string::npos);
    }
  }
}
