// The checks of effnet-bench soak (apps/soak_check.h): they pass on flat
// memory and identical replays, and each fails on its own kind of drift.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>
#include <vector>

#include "apps/soak_check.h"
#include "tests/support/test_util.h"

using namespace effnet;
using namespace effnet::app;
using Catch::Matchers::ContainsSubstring;

namespace {
constexpr int64_t kMiB = int64_t(1) << 20;

bool ok_of(const std::vector<SoakCheck>& checks, const std::string& name) {
  for (const SoakCheck& c : checks)
    if (c.name == name) return c.ok;
  FAIL("no check " << name);
  return false;
}
}  // namespace

TEST_CASE("evaluate_soak: flat memory and identical replays pass", "[soak]") {
  const MemorySample start{200 * kMiB, 64 * kMiB, 40 * kMiB};
  MemorySample end = start;
  end.host_rss_bytes += 3 * kMiB;  // within the default 8 MiB
  const auto checks = evaluate_soak(start, end, 10000, 0, SoakLimits{});
  REQUIRE(checks.size() == 3);
  for (const SoakCheck& c : checks) CHECK(c.ok);
  CHECK_THAT(checks[0].detail, ContainsSubstring("200.00 -> 203.00 MiB (+3.00)"));
  CHECK_THAT(checks[2].detail, ContainsSubstring("10000 of 10000"));
}

TEST_CASE("evaluate_soak: each check fails on its own drift", "[soak]") {
  const MemorySample start{200 * kMiB, 64 * kMiB, 40 * kMiB};
  SECTION("host RSS grew past the tolerance") {
    MemorySample end = start;
    end.host_rss_bytes += 9 * kMiB;
    const auto c = evaluate_soak(start, end, 100, 0, SoakLimits{});
    CHECK(!ok_of(c, "host memory"));
    CHECK(ok_of(c, "device memory"));
    CHECK(ok_of(c, "replays identical"));
  }
  SECTION("one more device block, or one more allocation inside the same blocks") {
    MemorySample end = start;
    if (GENERATE(0, 1) == 0)
      end.device_block_bytes += 1;
    else
      end.device_alloc_bytes += 256;
    CHECK(!ok_of(evaluate_soak(start, end, 100, 0, SoakLimits{}), "device memory"));
    SoakLimits loose;
    loose.device_growth_mib = 1.0;
    CHECK(ok_of(evaluate_soak(start, end, 100, 0, loose), "device memory"));
  }
  SECTION("a replay that differed") {
    const auto c = evaluate_soak(start, start, 100, 1, SoakLimits{});
    CHECK(!ok_of(c, "replays identical"));
    CHECK_THAT(c[2].detail, ContainsSubstring("99 of 100"));
  }
  SECTION("nothing compared, or a quantity not measurable") {
    CHECK(!ok_of(evaluate_soak(start, start, 0, 0, SoakLimits{}), "replays identical"));
    MemorySample unknown = start;
    unknown.device_block_bytes = -1;
    CHECK(!ok_of(evaluate_soak(start, unknown, 100, 0, SoakLimits{}), "device memory"));
    unknown.host_rss_bytes = -1;
    CHECK(!ok_of(evaluate_soak(unknown, start, 100, 0, SoakLimits{}), "host memory"));
  }
}

TEST_CASE("bit_identical compares bits, host_rss_bytes reads this process", "[soak]") {
  const Tensor a = test::random_tensor({2, 5}, 3);
  Tensor b = a;
  CHECK(bit_identical(a, b));
  b.data[7] = std::nextafter(b.data[7], 2.0f);  // one ulp
  CHECK(!bit_identical(a, b));
  b = a;
  b.shape = {5, 2};
  CHECK(!bit_identical(a, b));
  Tensor n = a, m = a;
  n.data[0] = m.data[0] = std::nanf("");
  CHECK(bit_identical(n, m));  // the same NaN bits replay identically
  Tensor z = a;
  z.data[1] = -0.0f;
  Tensor w = a;
  w.data[1] = 0.0f;
  CHECK(!bit_identical(z, w));  // -0 and +0 differ in their bits

  const int64_t before = host_rss_bytes();
  CHECK(before > 0);
  std::vector<char> touched(64 * kMiB, 1);  // resident once written
  CHECK(host_rss_bytes() >= before + 32 * kMiB);
  CHECK(touched[12345] == 1);
}
