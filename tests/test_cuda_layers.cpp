// CUDA reference, layer by layer, against the CPU reference (cuda_layer vs
// cpu_layer on the same folded Layer), in fp32 and fp16; and the CUDA path's
// error cases. Tagged [cuda]: without a usable CUDA device the GPU cases SKIP
// with the reason; the error cases that need no device run everywhere.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/generators/catch_generators_range.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <tuple>

#include "cuda_ref/cuda_reference.h"
#include "model/cpu_reference.h"
#include "model/weights.h"
#include "tests/support/cuda_test_util.h"
#include "tests/support/error_text.h"
#include "tests/support/test_util.h"
#include "tests/support/tolerances.h"
#include "tests/support/validation_report.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {

// A random input in cpu_layer's layout for `l`: n images of h x w (for the
// stem: the NCHW input of that size).
Tensor layer_input(const Layer& l, int n, int h, int w, uint64_t seed, float range) {
  return test::random_tensor(layout_dims(kind_info(l.kind).in, {n, h, w, l.cin}), seed, -range, range);
}

double tolerance_of(Precision m) { return m == Precision::FP16 ? test::kTolFp16 : test::kTolFp32; }

// cuda_layer vs cpu_layer, recorded in the validation report.
void compare_layer(const Layer& l, const Tensor& x, Precision mode, const std::string& what) {
  const Tensor ref = cpu_layer(l, x);
  const Tensor y = cuda_layer(l, x, mode);
  REQUIRE(y.shape == ref.shape);
  const std::string case_name = "layer " + l.name + " " + kind_name(l.kind) + " " + act_name(l.act) + " in " +
                                shape_str(x.shape) + what;
  const auto c =
      test::record(case_name, test::cuda_backend_name(mode) + " vs cpu", y, ref, tolerance_of(mode));
  INFO(c.summary());
  CHECK(c.passed);
}

}  // namespace

TEST_CASE("CUDA per layer vs CPU: every layer of the network", "[cuda]") {
  test::require_cuda();
  static const Network net = random_network(11, 1000);
  const Precision mode = GENERATE(Precision::FP32, Precision::FP16);
  const size_t index = GENERATE(range(size_t{0}, size_t{24}));
  // (n, h, w): a batch of one, and an odd batch with odd, non-square sizes.
  const auto [n, h, w] = GENERATE(std::tuple{1, 16, 16}, std::tuple{3, 13, 11});
  const Layer& l = net.layers.at(index);
  const bool stem = l.kind == LayerKind::StemConv3x3;
  const Tensor x = layer_input(l, n, stem ? 2 * h + 1 : h, stem ? 2 * w + 3 : w, 100 + index, 1.0f);
  compare_layer(l, x, mode, "");
}

TEST_CASE("CUDA per layer vs CPU: the linear layer with 10 classes", "[cuda]") {
  test::require_cuda();
  const Network net = random_network(12, 10);
  const Precision mode = GENERATE(Precision::FP32, Precision::FP16);
  const int n = GENERATE(1, 3, 64);
  compare_layer(net.layers.back(), layer_input(net.layers.back(), n, 1, 1, 7, 1.0f), mode, "");
}

TEST_CASE("CUDA per layer vs CPU: ReLU6 clamps at 6 (inputs large enough to hit it)", "[cuda]") {
  test::require_cuda();
  static const Network net = random_network(13, 1000);
  const Precision mode = GENERATE(Precision::FP32, Precision::FP16);
  const size_t index = GENERATE(1, 2, 10, 11, 19, 20);  // expand and depthwise layers of mb1, mb4, mb7
  const Layer& l = net.layers.at(index);
  REQUIRE(l.act == Act::ReLU6);
  const Tensor x = layer_input(l, 2, 9, 10, 200 + index, 8.0f);
  const Tensor ref = cpu_layer(l, x);
  const auto clamped = std::count(ref.data.begin(), ref.data.end(), 6.0f);
  INFO("outputs clamped at 6 by the CPU reference: " << clamped << " of " << ref.data.size());
  REQUIRE(clamped > 0);
  compare_layer(l, x, mode, " x8");
}

TEST_CASE("CUDA reference: bad options and networks are ShapeErrors before any device work", "[cuda]") {
  const Network net = random_network(1, 10);
  CudaOptions opt;
  opt.batch = 0;
  CHECK_THAT(test::error_text<ShapeError>([&] { CudaReference r(net, opt); }), ContainsSubstring("batch"));
  opt.batch = 2;
  opt.height = kMinImageSize - 1;
  CHECK_THAT(test::error_text<ShapeError>([&] { CudaReference r(net, opt); }), ContainsSubstring("minimum"));
  opt.height = 64;

  Network short_net = net;
  short_net.layers.pop_back();
  CHECK_THAT(test::error_text<ShapeError>([&] { CudaReference r(short_net, opt); }),
             ContainsSubstring("23 layers"));

  Network swapped = net;
  std::swap(swapped.layers[1], swapped.layers[2]);
  CHECK_THAT(test::error_text<ShapeError>([&] { CudaReference r(swapped, opt); }),
             ContainsSubstring("expected"));

  Network bad_weight = net;
  bad_weight.layers[5].weight.pop_back();
  CHECK_THAT(test::error_text<ShapeError>([&] { CudaReference r(bad_weight, opt); }),
             ContainsSubstring(bad_weight.layers[5].name));

  Network bad_bias = net;
  bad_bias.layers[0].bias.push_back(0.0f);
  CHECK_THAT(test::error_text<ShapeError>([&] { CudaReference r(bad_bias, opt); }),
             ContainsSubstring("bias"));
}

TEST_CASE("cuda_layer: a wrong input shape is a ShapeError before any device work", "[cuda]") {
  const Network net = random_network(1, 10);
  const Layer& pw = net.layers[1];  // mbconv1.0 pointwise 32 -> 32
  CHECK_THAT(test::error_text<ShapeError>([&] {
               cuda_layer(pw, Tensor({1, 4, 4, pw.cin + 1}), Precision::FP32);
             }),
             ContainsSubstring(pw.name));
  CHECK(!test::error_text<ShapeError>([&] { cuda_layer(pw, Tensor({4, pw.cin}), Precision::FP16); }).empty());
  const Layer& fc = net.layers.back();
  CHECK(!test::error_text<ShapeError>([&] {
           cuda_layer(fc, Tensor({2, fc.cin, 1, 1}), Precision::FP32);
         }).empty());
  Layer broken = pw;
  broken.weight.resize(3);
  CHECK_THAT(test::error_text<ShapeError>([&] {
               cuda_layer(broken, Tensor({1, 4, 4, pw.cin}), Precision::FP32);
             }),
             ContainsSubstring("weight"));
}

TEST_CASE("CUDA reference: precision names parse, others are UsageErrors", "[cuda]") {
  CHECK(parse_precision("fp32") == Precision::FP32);
  CHECK(parse_precision("fp16") == Precision::FP16);
  CHECK(std::string(precision_name(Precision::FP16)) == "fp16");
  CHECK_THAT(test::error_text<UsageError>([] { parse_precision("bf16"); }), ContainsSubstring("bf16"));
}

TEST_CASE("CUDA reference: a missing device is a one-line CudaError", "[cuda]") {
  const Network net = random_network(1, 10);
  CudaOptions opt;
  opt.height = opt.width = 64;
  std::string why;
  if (cuda_available(&why)) {
    opt.device = 1000;  // no machine has that many
    CHECK_THAT(test::error_text<CudaError>([&] { CudaReference r(net, opt); }),
               ContainsSubstring("CUDA device 1000 does not exist"));
    CHECK_THAT(test::error_text<CudaError>([&] { cuda_device_name(1000); }), ContainsSubstring("1000"));
  } else {
    INFO("cuda_available: " << why);
    CHECK(!why.empty());
    CHECK_THAT(test::error_text<CudaError>([&] { CudaReference r(net, opt); }),
               ContainsSubstring("CUDA reference: "));
    CHECK(!test::error_text<CudaError>([&] {
             cuda_layer(net.layers[1], Tensor({1, 4, 4, 32}), Precision::FP32);
           }).empty());
  }
}
