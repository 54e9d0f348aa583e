// The validation report writer (tests/support/validation_report.h): the
// comparison metrics, the top-1 rule of tolerances.h, and the merged JSON file.
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/test_util.h"
#include "tests/support/tolerances.h"
#include "tests/support/validation_report.h"

using namespace effnet;

TEST_CASE("compare: relative L2, max abs error and the top-1 rule", "[validation_report]") {
  // Row 0: clear winner (margin 2, norm ~3.2): agreement required.
  // Row 1: near tie (margin 1e-6): agreement reported, not required.
  const Tensor ref({2, 3}, {3.0f, 1.0f, 0.0f, 1.0f, 1.000001f, 0.5f});
  Tensor y = ref;
  y.data[3] = 1.000002f;  // flips row 1's arg-max
  const test::Comparison c = test::compare("unit", "a vs b", y, ref, test::kTolFp32);
  CHECK(c.rows == 2);
  CHECK(c.top1_required == 1);
  CHECK(c.top1_required_agree == 1);
  CHECK(c.top1_agree == 1);
  CHECK(c.rel_l2 < 1e-6);
  CHECK(c.passed);

  // Row 0 is small with a clear winner, row 1 large: flipping row 0 stays far
  // inside the global relative L2 tolerance but breaks a required top-1.
  const Tensor ref2({2, 3}, {0.3f, 0.1f, 0.0f, 100.0f, 0.0f, 0.0f});
  Tensor flipped = ref2;
  flipped.data[1] = 0.4f;
  const test::Comparison f = test::compare("unit", "a vs b", flipped, ref2, 0.1);
  CHECK(f.rel_l2 < 0.01);
  CHECK(f.top1_required == 2);
  CHECK(f.top1_required_agree == 1);
  CHECK(!f.passed);

  Tensor nan = ref;
  nan.data[0] = NAN;
  CHECK(!test::compare("unit", "a vs b", nan, ref, 1.0).passed);
  CHECK(!test::compare("unit", "a vs b", Tensor({2, 2}), ref, 1.0).passed);
  CHECK(test::compare("unit", "a vs b", Tensor({4}), Tensor({4}), 1.0).rows == -1);
}

TEST_CASE("ValidationReport writes JSON and merges with an existing report", "[validation_report]") {
  test::TempDir dir;
  const std::string path = dir.file("report.json");
  const Tensor ref = test::random_tensor({2, 5}, 1);

  test::ValidationReport first;
  first.add(test::compare("case A", "x vs y", ref, ref, test::kTolFp32));
  first.add(test::compare("case B", "x vs y", ref, ref, test::kTolFp32));
  first.set_info("machine", "one");
  first.write(path);

  test::ValidationReport second;
  Tensor off = ref;
  off.data[0] += 1.0f;
  second.add(test::compare("case B", "x vs y", off, ref, test::kTolFp32));  // replaces B
  second.set_info("gpu", "two");
  second.write(path);

  std::ifstream f(path);
  const nlohmann::json j = nlohmann::json::parse(f);
  CHECK(j["schema"] == "effnet-validation-report/1");
  CHECK(j["info"]["machine"] == "one");
  CHECK(j["info"]["gpu"] == "two");
  REQUIRE(j["comparisons"].size() == 2);
  CHECK(j["comparisons"][0]["case"] == "case A");
  CHECK(j["comparisons"][1]["case"] == "case B");
  CHECK(j["comparisons"][1]["passed"] == false);
  CHECK(j["summary"]["passed"] == 1);
  CHECK(j["summary"]["failed"] == 1);
  CHECK(j["tolerances"]["fp16"] == test::kTolFp16);
}

TEST_CASE("ValidationReport: an unwritable path is an error, not a crash", "[validation_report]") {
  test::ValidationReport r;
  r.set_info("k", "v");
  CHECK_THROWS(r.write("/nonexistent-dir/sub/report.json"));
}
