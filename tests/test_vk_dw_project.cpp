// The dw_project stage (a depthwise layer computed inside the pointwise GEMM
// after it, model/vk_stage_dw_project.cpp) on Vulkan vs cpu_layer, SCALAR
// variants (lavapipe in CI; COOPMAT: tests/test_vk_coopmat.cpp): strides 1 and
// 2, odd sizes (every border of the depthwise), forced tiles, NaN-poisoned
// outputs, replays bit-identical, the same answer as the two layers apart.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include "model/cpu_reference.h"
#include "model/vk_plan.h"
#include "tests/support/tolerances.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

struct Run {
  Tensor y;
  std::vector<StageKind> kinds;
};

Run run_pair(vk::Context& ctx, const std::vector<Layer>& layers, const Tensor& x, Precision p, bool fuse,
             std::optional<GemmTile> tile = std::nullopt) {
  VkPlanOptions opt;
  opt.precision = p;
  opt.allow_coopmat = false;
  opt.fuse_dw_project = fuse;
  opt.force_gemm_tile = tile;
  VkPlan plan(ctx, layers, x.shape, opt);
  INFO(plan.describe());
  plan.poison_outputs();
  Run r{plan.run(x), {}};
  plan.poison_outputs();
  CHECK(plan.run(x).data == r.y.data);  // replay is deterministic
  for (const Stage& st : plan.stages()) r.kinds.push_back(st.kind);
  return r;
}

double tol(Precision p) { return p == Precision::FP16 ? test::kTolFp16 : test::kTolFp32; }

}  // namespace

TEST_CASE("dw_project matches the depthwise and pointwise layers of cpu_layer, strides 1 and 2",
          "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const int stride = GENERATE(1, 2);
  const int hidden = GENERATE(16, 40, 96);
  const int cout = GENERATE(16, 24, 40);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const int h = 7 + hidden % 5, w = 9 + stride;  // odd output sizes: every border
  const std::vector<Layer> layers = {
      test::random_layer(LayerKind::Depthwise3x3, hidden, hidden, stride, Act::ReLU6,
                         uint64_t(hidden + stride)),
      test::random_layer(LayerKind::Pointwise, hidden, cout, 1, Act::None, uint64_t(cout))};
  const Tensor x = test::random_tensor({2, h, w, hidden}, uint64_t(hidden * stride), -3.0f, 3.0f);
  Tensor ref = cpu_layer(layers[1], cpu_layer(layers[0], x));
  CAPTURE(stride, hidden, cout, h, w, precision_name(p));
  const Run fused = run_pair(ctx, layers, x, p, true);
  REQUIRE(fused.kinds == std::vector<StageKind>{StageKind::DwProject});
  CHECK(test::rel_l2(fused.y, ref) <= tol(p));
  const Run apart = run_pair(ctx, layers, x, p, false);
  REQUIRE(apart.kinds == std::vector<StageKind>{StageKind::Layer, StageKind::Layer});
  CHECK(test::rel_l2(fused.y, apart.y) <= tol(p));
}

TEST_CASE("dw_project with forced SCALAR tiles: rows and K steps off the tile", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const GemmTile tile =
      GENERATE(GemmTile{16, 16, 8, 1, 1}, GemmTile{32, 64, 16, 2, 4}, GemmTile{64, 32, 4, 4, 2});
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const std::vector<Layer> layers = {test::random_layer(LayerKind::Depthwise3x3, 24, 24, 2, Act::ReLU6, 3),
                                     test::random_layer(LayerKind::Pointwise, 24, 16, 1, Act::None, 4)};
  const Tensor x = test::random_tensor({3, 13, 11, 24}, 5, -2.0f, 2.0f);  // 3 x 7 x 6 = 126 rows
  const Tensor ref = cpu_layer(layers[1], cpu_layer(layers[0], x));
  CAPTURE(tile.str(), precision_name(p));
  const Run fused = run_pair(ctx, layers, x, p, true, tile);
  REQUIRE(fused.kinds == std::vector<StageKind>{StageKind::DwProject});
  CHECK(test::rel_l2(fused.y, ref) <= tol(p));
}

TEST_CASE("dw_project applies only where it fits, when asked, and not with fuse Never", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  VkPlanOptions on;
  on.fuse_dw_project = true;
  // 12 hidden channels are not a multiple of 8: the layers run apart.
  const std::vector<Layer> odd = {test::random_layer(LayerKind::Depthwise3x3, 12, 12, 1, Act::ReLU6, 1),
                                  test::random_layer(LayerKind::Pointwise, 12, 16, 1, Act::None, 2)};
  VkPlan a(ctx, odd, {1, 6, 6, 12}, on);
  CHECK(a.stages().size() == 2);
  const std::vector<Layer> pair = {test::random_layer(LayerKind::Depthwise3x3, 16, 16, 1, Act::ReLU6, 1),
                                   test::random_layer(LayerKind::Pointwise, 16, 16, 1, Act::None, 2)};
  VkPlanOptions never = on;
  never.fuse = FusePolicy::Never;
  VkPlan b(ctx, pair, {1, 6, 6, 16}, never);
  CHECK(b.stages().size() == 2);
  VkPlan off(ctx, pair, {1, 6, 6, 16}, VkPlanOptions{});  // off by default
  CHECK(off.stages().size() == 2);
  VkPlan c(ctx, pair, {1, 6, 6, 16}, on);
  REQUIRE(c.stages().size() == 1);
  CHECK(c.stages()[0].kind == StageKind::DwProject);
  CHECK(c.stages()[0].name == c.stages()[0].dw->layer + "+" + c.stages()[0].layer->layer);
  CHECK(c.describe().find("dw_project") != std::string::npos);
  CHECK(c.variants().empty());  // no layer runs as its own stage
}
