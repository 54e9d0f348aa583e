// Numbers checked (issue 12): folded values that fp16 storage cannot hold are
// refused naming the tensor (model/fp16_range.h); non-finite logits are traced
// to the first layer that produced a NaN or Inf by re-running layer by layer
// (model/nonfinite.h), here on the CPU reference.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>
#include <limits>

#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/fp16_range.h"
#include "model/nonfinite.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/support/layer_util.h"
#include "tests/support/test_util.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

using test::layer_named;

TEST_CASE("first_fp16_overflow: what rounds to Inf or is NaN in fp16 storage", "[numbers]") {
  const auto [value, overflows] = GENERATE(table<float, bool>({
      {65504.0f, false},   // the largest finite fp16
      {65519.0f, false},   // rounds down to 65504
      {-65519.0f, false},  //
      {65520.0f, true},    // rounds up to Inf
      {-70000.0f, true},   //
      {std::numeric_limits<float>::infinity(), true},
      {std::numeric_limits<float>::quiet_NaN(), true},
      {1e-30f, false},  // underflows to zero: finite
  }));
  CAPTURE(value);
  const std::vector<float> v{0.5f, -2.0f, value, 1.0f};
  CHECK(first_fp16_overflow(v) == (overflows ? 2 : -1));
  CHECK(first_fp16_overflow({}) == -1);
}

TEST_CASE("check_fp16_layer names the tensor whose folded value overflows fp16", "[numbers]") {
  Network net = random_network(3, 10);
  Layer& l = layer_named(net, "mbconv3.6");
  check_fp16_layer(l, true);  // the built-in weights fit
  l.weight[7] = 70000.0f;
  const std::string msg = test::error_text<ShapeError>([&] { check_fp16_layer(l, false); });
  CHECK_THAT(msg, ContainsSubstring("mbconv3.6.weight") && ContainsSubstring("index 7") &&
                      ContainsSubstring("overflows fp16") && ContainsSubstring("--precision fp32"));
  l.weight[7] = 1.0f;
  l.bias[2] = -1e6f;
  check_fp16_layer(l, false);  // the bias is not fp16 here
  CHECK_THAT(test::error_text<ShapeError>([&] { check_fp16_layer(l, true); }),
             ContainsSubstring("mbconv3.6 folded bias") && ContainsSubstring("index 2"));
}

TEST_CASE("first_nonfinite_layer on the CPU names the layer where Inf began", "[numbers][cpu_reference]") {
  Network net = random_network(5, 10);
  const Tensor x = test::random_tensor({2, 3, 32, 32}, 51);
  CHECK(first_nonfinite(cpu_forward(net, x)) == -1);
  CHECK(first_nonfinite_layer(net.layers, x, cpu_layer).empty());  // a finite run: no layer named

  // Extreme but finite weights, the sign alternating between output channels
  // (half the outputs are huge and positive): they overflow float32 to Inf.
  const std::string name = GENERATE("conv2", "mbconv4.6", "fc");
  test::set_extreme_weights(layer_named(net, name), 1e38f);
  const Tensor y = cpu_forward(net, x);
  const std::string where = first_nonfinite_layer(net.layers, x, cpu_layer);
  CAPTURE(name, where);
  CHECK_THAT(where, ContainsSubstring(name + " ("));
  if (name != "mbconv4.6") CHECK(first_nonfinite(y) >= 0);  // ReLU6 after it may clamp Inf back to 6
}

TEST_CASE("first_nonfinite: index of the first NaN or Inf", "[numbers]") {
  Tensor t({2, 3});
  CHECK(first_nonfinite(t) == -1);
  t.data[4] = -std::numeric_limits<float>::infinity();
  CHECK(first_nonfinite(t) == 4);
  t.data[1] = std::nanf("");
  CHECK(first_nonfinite(t) == 1);
}
