// The GEMM epilogue's two store paths (shaders/gemm_epilogue.glsl) vs cpu_layer:
// 8 columns per invocation with 16-byte stores (BN % 8 == 0 and N % 8 == 0) and
// one element per invocation otherwise (N or the tile's BN not a multiple of 8),
// fp16 and fp32 storage, fp32 logits, M off the tile, outputs NaN-poisoned.
// On a device with cooperative matrices the plan's own fp16 choice is COOPMAT,
// so the same cases cover both variants' C stages there.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include "model/cpu_reference.h"
#include "model/vk_plan.h"
#include "tests/support/tolerances.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

double epilogue_err(vk::Context& ctx, const Layer& l, const Tensor& x, Precision p,
                    std::optional<GemmTile> tile = std::nullopt) {
  VkPlanOptions opt;
  opt.precision = p;
  opt.force_gemm_tile = tile;
  VkPlan plan(ctx, {l}, x.shape, opt);
  const Tensor ref = cpu_layer(l, x);
  REQUIRE(plan.output_shape() == ref.shape);
  plan.poison_outputs();  // an element the epilogue misses stays NaN
  const Tensor y = plan.run(x);
  const double err = test::rel_l2(y, ref);
  UNSCOPED_INFO(plan.describe() << "rel L2 " << err);
  return err;
}

double tol(Precision p) { return p == Precision::FP16 ? test::kTolFp16 : test::kTolFp32; }

}  // namespace

TEST_CASE("Vulkan GEMM epilogue: 16-byte stores when N % 8 == 0, single stores otherwise",
          "[vk][layers][gemm]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const int n = GENERATE(8, 24, 136, 20, 36, 1003);  // the last three: per-element path
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Act act = n % 3 == 0 ? Act::ReLU6 : n % 3 == 1 ? Act::None : Act::ReLU;
  const Layer l = test::random_layer(LayerKind::Pointwise, 24, n, 1, act, uint64_t(n));
  const Tensor x = test::random_tensor({3, 7, 11, 24}, uint64_t(n + 1), -2.0f, 2.0f);  // M = 231
  CAPTURE(n, precision_name(p), act_name(act));
  CHECK(epilogue_err(ctx, l, x, p) <= tol(p));
}

TEST_CASE("Vulkan GEMM epilogue with SCALAR tiles of BN 8, 24 (16-byte) and 12 (per element)",
          "[vk][layers][gemm]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const GemmTile tile =
      GENERATE(GemmTile{16, 8, 8, 1, 1}, GemmTile{32, 24, 8, 2, 1}, GemmTile{16, 12, 8, 1, 1});
  const int n = GENERATE(48, 44);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Layer l = test::random_layer(LayerKind::Pointwise, 40, n, 1, Act::ReLU6, 5);
  const Tensor x = test::random_tensor({2, 9, 13, 40}, 6, -2.0f, 2.0f);  // M = 234
  CAPTURE(tile.str(), n, precision_name(p));
  CHECK(epilogue_err(ctx, l, x, p, tile) <= tol(p));
}

TEST_CASE("Vulkan GEMM epilogue writes fp32 logits with 16-byte stores", "[vk][layers][gemm]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const int classes = GENERATE(16, 1000, 12);  // 12: per-element path
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Layer l = test::random_layer(LayerKind::Linear, 1280, classes, 1, Act::None, uint64_t(classes));
  const Tensor x = test::random_tensor({17, 1280}, 3, 0.0f, 3.0f);
  CAPTURE(classes, precision_name(p));
  CHECK(epilogue_err(ctx, l, x, p) <= tol(p));
}
