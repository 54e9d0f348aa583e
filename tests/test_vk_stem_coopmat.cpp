// The stem's COOPMAT variant (ConvTile::coopmat, stem_conv.comp -DCOOPMAT:
// the stem as a split-fp16 GEMM on cooperative matrices). Without a GPU: the
// tile's name, the plan's choice for an H200-like device, and every refusal
// (fp32, no cooperative matrices, the depthwise kind, weights beyond fp16).
// On a device with 16x16x16 f16 cooperative matrices ([coopmat]; skipped with
// a message elsewhere, e.g. lavapipe in CI): vs cpu_layer at odd sizes and
// batch 10 at 240x240, fp32 and uint8 input, NaN-poisoned outputs and
// bit-identical replays; within one fp16 ulp of the FMA stem everywhere (the
// split keeps ~22 bits: fp16 operands alone would not); the whole network
// with it against the golden logits.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>

#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/npy.h"
#include "model/preprocess.h"
#include "model/vk_plan.h"
#include "model/vk_stage_code.h"
#include "model/weights.h"
#include "shaders/embedded.h"
#include "tests/support/error_text.h"
#include "tests/support/golden.h"
#include "tests/support/tolerances.h"
#include "tests/support/validation_report.h"
#include "tests/test_vk_support.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {

ConvTile coopmat_tile() {
  ConvTile t;
  t.coopmat = true;
  return t;
}

bool has_16x16x16(const vk::DeviceInfo& d) {
  for (const auto& s : gemm_coopmat_shapes(d))
    if (s == std::array<uint32_t, 3>{16, 16, 16}) return true;
  return false;
}

#define EFFNET_STEM_COOPMAT_OR_SKIP(ctx)                              \
  if (!has_16x16x16(ctx.info()))                                      \
  SKIP(ctx.info().name +                                              \
       " has no 16x16x16 f16 x f16 -> f32 cooperative matrices: the " \
       "COOPMAT stem is untested here (the FMA stem: [vk][layers])")

VkPlanOptions stem_options(bool coopmat) {
  VkPlanOptions o;
  o.precision = Precision::FP16;
  if (coopmat) o.stem_tile = coopmat_tile();
  return o;
}

// Largest (|a - b| - abs_tol) over the elements, in units of the fp16 spacing
// at max(|a|, |b|). abs_tol covers outputs near 0 that are sums of cancelling
// terms of up to ~0.5 (|x| <= 2.5, |w| <= 1 / sqrt(27)): the split's error,
// at most ~3 * 2^-22 of each of the 27 terms (~1e-5), is larger than the
// spacing of fp16 there. Without the split (fp16 operands) it is ~5e-4 per
// term, several ulps at every magnitude.
double max_fp16_ulps(const Tensor& a, const Tensor& b, double abs_tol) {
  double worst = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double m = std::max(std::fabs(double(a.data[i])), std::fabs(double(b.data[i])));
    const double ulp = m < 6.103515625e-05 ? 5.9604644775390625e-08 : std::ldexp(1.0, std::ilogb(m) - 10);
    worst = std::max(worst, (std::fabs(double(a.data[i]) - double(b.data[i])) - abs_tol) / ulp);
  }
  return worst;
}

}  // namespace

TEST_CASE("COOPMAT stem: the tile's name, the variant for an H200-like device, and its refusals",
          "[stem][plan][errors]") {
  CHECK(ConvTile::parse("coopmat").coopmat);
  CHECK(ConvTile::parse("coopmat").str() == "coopmat");
  CHECK(!ConvTile::parse("16x2").coopmat);
  CHECK_THROWS_AS(ConvTile::parse("coopmatx"), ShapeError);
  for (const char* name : {stem_coopmat_shader(), stem_u8_coopmat_shader()})
    CHECK(!shaders::find_spirv(name).empty());

  const vk::DeviceInfo h200 = test::h200_like_device();
  const Layer stem = test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, 2);
  GemmChoice c;
  c.stem_tile = coopmat_tile();
  const LayerVariant v = choose_variant(stem, {256, 240, 240, 3}, Precision::FP16, h200, c);
  CHECK(v.coopmat);
  CHECK(v.shader == "stem_conv_coopmat_fp16");
  CHECK(v.wg_size == 128);
  CHECK(v.subgroups == 4);
  CHECK(v.subgroup_size == 32);
  // 4 slices of 2 x 16 rows x 5 chunks (K 27 -> 32: 4 chunks, odd 5) >= B's 2 x 32 x 5.
  CHECK(v.shared_vec4 == 640);
  // 256 * 120 * 120 / 16 = 230400 blocks, 8 per subgroup loop, 4 loops per workgroup.
  CHECK(v.groups == std::array<uint32_t, 3>{7200, 1, 1});
  CHECK_THAT(v.describe(), ContainsSubstring("cooperative matrices"));
  // Batch 1: one block per loop, so the 900 blocks still spread over 225 workgroups.
  CHECK(choose_variant(stem, {1, 240, 240, 3}, Precision::FP16, h200, c).groups[0] == 225);
  c.stem_input_u8 = true;
  CHECK(choose_variant(stem, {2, 240, 240, 3}, Precision::FP16, h200, c).shader ==
        "stem_conv_u8_coopmat_fp16");
  c.stem_input_u8 = false;

  // Refusals, each with its reason.
  CHECK_THAT(test::error_text<vk::DeviceError>([&] {
               choose_variant(stem, {1, 240, 240, 3}, Precision::FP32, h200, c);
             }),
             ContainsSubstring("fp16 only"));
  vk::DeviceInfo none = h200;
  none.has_coopmat = false;
  none.coopmat_shapes.clear();
  CHECK_THAT(test::error_text<vk::DeviceError>([&] {
               choose_variant(stem, {1, 240, 240, 3}, Precision::FP16, none, c);
             }),
             ContainsSubstring("16x16x16"));
  const Layer stem24 = test::random_layer(LayerKind::StemConv3x3, 3, 24, 2, Act::ReLU, 2);
  CHECK_THAT(test::error_text<vk::DeviceError>([&] {
               choose_variant(stem24, {1, 64, 64, 3}, Precision::FP16, h200, c);
             }),
             ContainsSubstring("multiple of 16"));
  Layer big = stem;
  big.weight[7] = 70000.0f;  // beyond fp16: its hi part would be Inf
  CHECK_THAT(test::error_text<ShapeError>([&] {
               choose_variant(big, {1, 64, 64, 3}, Precision::FP16, h200, c);
             }),
             ContainsSubstring("test_stem.weight"));
  CHECK_NOTHROW(choose_variant(big, {1, 64, 64, 3}, Precision::FP16, h200, {}));  // the FMA stem keeps fp32
  const Layer dw = test::random_layer(LayerKind::Depthwise3x3, 16, 16, 1, Act::ReLU6, 3);
  GemmChoice d;
  d.depthwise_tile = coopmat_tile();
  CHECK_THAT(test::error_text<vk::DeviceError>([&] {
               choose_variant(dw, {1, 8, 8, 16}, Precision::FP16, h200, d);
             }),
             ContainsSubstring("only the stem"));
}

TEST_CASE("COOPMAT stem refused by a plan on a device without cooperative matrices", "[vk][stem][errors]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  if (has_16x16x16(ctx.info())) SKIP(ctx.info().name + " has the cooperative matrices: nothing to refuse");
  if (!precision_supported(ctx.info(), Precision::FP16)) SKIP("no fp16 on this device");
  const Layer stem = test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, 2);
  CHECK_THAT(test::error_text<vk::DeviceError>([&] {
               VkPlan p(ctx, {stem}, {1, 3, 9, 9}, stem_options(true));
             }),
             ContainsSubstring("16x16x16"));
}

TEST_CASE("COOPMAT stem matches cpu_layer and the FMA stem at odd sizes", "[vk][coopmat][stem]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  EFFNET_STEM_COOPMAT_OR_SKIP(ctx);
  const auto s =
      GENERATE(std::array<int, 3>{2, 17, 23}, std::array<int, 3>{1, 33, 35}, std::array<int, 3>{3, 8, 45},
               std::array<int, 3>{1, 2, 3}, std::array<int, 3>{10, 240, 240});
  const Layer l = test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, uint64_t(s[1]));
  const Tensor x = test::random_tensor({s[0], 3, s[1], s[2]}, uint64_t(s[2]), -2.5f, 2.5f);
  CAPTURE(s[0], s[1], s[2]);
  VkPlan cm(ctx, {l}, x.shape, stem_options(true));
  VkPlan fma(ctx, {l}, x.shape, stem_options(false));
  INFO(cm.describe());
  REQUIRE(cm.variants().front().coopmat);
  cm.poison_outputs();
  const Tensor y = cm.run(x);
  CHECK(test::rel_l2(y, cpu_layer(l, x)) <= test::kTolFp16);
  cm.poison_outputs();
  CHECK(cm.run(x).data == y.data);  // replay is bit-identical
  // Both compute in about fp32 and round once to fp16: at most one fp16 ulp apart.
  CHECK(max_fp16_ulps(y, fma.run(x), 2e-5) <= 1.0);
}

TEST_CASE("COOPMAT stem on uint8 NHWC input equals it on the host-normalised float32 input",
          "[vk][coopmat][stem][u8]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  EFFNET_STEM_COOPMAT_OR_SKIP(ctx);
  const auto hw = GENERATE(std::array<int, 2>{33, 47}, std::array<int, 2>{2, 3});
  const Layer l = test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, 3);
  const std::vector<uint8_t> px =
      test::random_bytes(size_t(3 * hw[0] * hw[1] * 3), uint32_t(hw[0] * 7 + hw[1]));
  const ImagesU8 x{px.data(), 3, hw[0], hw[1]};
  VkPlanOptions u8 = stem_options(true);
  u8.input = InputFormat::U8NHWC;
  VkPlan a(ctx, {l}, {3, hw[0], hw[1], 3}, u8);
  VkPlan b(ctx, {l}, {3, 3, hw[0], hw[1]}, stem_options(true));
  CHECK(a.variants().front().shader == "stem_conv_u8_coopmat_fp16");
  a.poison_outputs();
  const Tensor xf = images_u8_to_nchw(x, true);
  CHECK(a.run(x).data == b.run(xf).data);  // the same values reach the same arithmetic
}

TEST_CASE("COOPMAT stem: the network with it matches the golden logits and the default plan",
          "[vk][coopmat][stem][network]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  EFFNET_STEM_COOPMAT_OR_SKIP(ctx);
  const Network net = load_network(test::data_path("golden_weights.safetensors"));
  for (const std::string golden_case : {"photo", "rand"}) {
    const Tensor x = load_npy(test::data_path("golden_" + golden_case + "_input.npy"));
    const Tensor ref = load_npy(test::data_path("golden_" + golden_case + "_logits.npy"));
    VkPlanOptions opt = stem_options(true);
    opt.batch = int(x.shape[0]);
    opt.height = int(x.shape[2]);
    opt.width = int(x.shape[3]);
    VkPlan plan(ctx, net, opt);
    REQUIRE(plan.variants().front().coopmat);
    plan.poison_outputs();
    const Tensor y = plan.run(x);
    const test::Comparison c =
        test::record("golden " + golden_case, "vulkan-fp16-stem-coopmat vs pytorch-fp64", y, ref,
                     test::golden_fp16_tol(golden_case));
    INFO(c.summary());
    CHECK(c.passed);
    opt.stem_tile.reset();
    VkPlan def(ctx, net, opt);
    CHECK(test::rel_l2(y, def.run(x)) <= test::kTolFp16);
  }
}
