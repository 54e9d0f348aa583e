// Each layer kind on Vulkan vs cpu_layer, fp32 (rel. L2 <= 1e-5) and fp16
// storage (<= 2e-3), random non-zero data, outputs NaN-poisoned before every
// run, shapes that are not multiples of the tiles.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/vk_plan.h"
#include "model/vk_stage_code.h"
#include "shaders/embedded.h"
#include "tests/support/error_text.h"
#include "tests/support/tolerances.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

double tol(Precision p) { return p == Precision::FP16 ? test::kTolFp16 : test::kTolFp32; }

// Runs `layers` on Vulkan (twice, to check the replayed command buffer) and
// returns the relative L2 error against the CPU reference.
double vk_vs_cpu(vk::Context& ctx, const std::vector<Layer>& layers, const Tensor& x, Precision p,
                 std::optional<GemmTile> tile = std::nullopt,
                 std::optional<ConvTile> conv_tile = std::nullopt) {
  VkPlanOptions opt;
  opt.precision = p;
  opt.force_gemm_tile = tile;
  opt.depthwise_tile = opt.stem_tile = conv_tile;
  VkPlan plan(ctx, layers, x.shape, opt);
  Tensor ref = x;
  for (const Layer& l : layers) ref = cpu_layer(l, ref);
  REQUIRE(plan.output_shape() == ref.shape);
  plan.poison_outputs();
  const Tensor y = plan.run(x);
  const double err = test::rel_l2(y, ref);
  plan.poison_outputs();
  const Tensor y2 = plan.run(x);
  CHECK(y2.data == y.data);  // replay is deterministic
  INFO(plan.describe());
  UNSCOPED_INFO(plan.describe() << "rel L2 " << err);
  return err;
}

}  // namespace

TEST_CASE("layer_shader: one embedded variant per kind, precision and COOPMAT", "[layers][plan]") {
  // No GPU needed: the names are the generated constants, the SPIR-V embedded.
  for (const KindInfo& k : kLayerKinds)
    for (const Precision p : {Precision::FP32, Precision::FP16})
      for (const bool coopmat : {false, true}) {
        CAPTURE(k.name, precision_name(p), coopmat);
        if (coopmat && (p == Precision::FP32 || !kind_is_gemm(k.kind))) {
          CHECK_THROWS_AS(layer_shader(k.kind, p, coopmat), std::logic_error);
          continue;
        }
        const std::string s = layer_shader(k.kind, p, coopmat);
        CHECK(!shaders::find_spirv(s).empty());
        CHECK(s.find(precision_name(p)) != std::string::npos);
        CHECK((s.find("coopmat") != std::string::npos) == coopmat);
      }
  // Linear: the OUT_F32 variant where the kind table stores the logits wider (fp16).
  CHECK(std::string(layer_shader(LayerKind::Linear, Precision::FP16, false)) == "gemm_out_f32_fp16");
  CHECK(std::string(layer_shader(LayerKind::Linear, Precision::FP16, true)) == "gemm_out_f32_coopmat_fp16");
  CHECK(std::string(layer_shader(LayerKind::Linear, Precision::FP32, false)) == "gemm_fp32");
  CHECK(std::string(layer_shader(LayerKind::HeadPool, Precision::FP32, false)) == "gemm_head_pool_fp32");
  CHECK(std::string(mbconv_shader(Precision::FP16, true)) == "mbconv_coopmat_fp16");
  CHECK(std::string(mbconv_shader(Precision::FP32, false)) == "mbconv_fp32");
  CHECK_THROWS_AS(mbconv_shader(Precision::FP32, true), std::logic_error);
  CHECK(std::string(mbconv_reduce_shader(Precision::FP16)) == "mbconv_reduce_fp16");
}

TEST_CASE("Vulkan pointwise GEMM matches cpu_layer for K, N, M off the tile", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const int k = GENERATE(16, 24, 40, 112);
  const int n = GENERATE(40, 80, 112, 1000);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Act act = (k + n) % 3 == 0 ? Act::ReLU6 : (k + n) % 3 == 1 ? Act::None : Act::ReLU;
  const Layer l = test::random_layer(LayerKind::Pointwise, k, n, 1, act, uint64_t(k * 7 + n));
  const Tensor x = test::random_tensor({2, 5, 7, k}, uint64_t(k + n), -2.0f, 2.0f);  // M = 70
  CAPTURE(k, n, precision_name(p), act_name(act));
  CHECK(vk_vs_cpu(ctx, {l}, x, p) <= tol(p));
}

TEST_CASE("Vulkan pointwise GEMM with forced tiles and large M", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const GemmTile tile =
      GENERATE(GemmTile{16, 16, 8, 1, 1}, GemmTile{32, 64, 16, 2, 4}, GemmTile{64, 32, 4, 4, 2},
               GemmTile{64, 64, 16, 4, 4}, GemmTile{128, 32, 8, 8, 2});
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Layer l = test::random_layer(LayerKind::Pointwise, 24, 144, 1, Act::ReLU6, 11);
  const Tensor x = test::random_tensor({3, 13, 11, 24}, 12);  // M = 429
  CAPTURE(tile.str(), precision_name(p));
  CHECK(vk_vs_cpu(ctx, {l}, x, p, tile) <= tol(p));
}

TEST_CASE("Vulkan depthwise 3x3 matches cpu_layer, stride 1 and 2, odd H and W", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const int stride = GENERATE(1, 2);
  const int c = GENERATE(16, 40, 96);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const int h = 9 + c % 5, w = 7 + 2 * stride;
  const Layer l = test::random_layer(LayerKind::Depthwise3x3, c, c, stride, Act::ReLU6, uint64_t(c + stride));
  const Tensor x = test::random_tensor({2, h, w, c}, uint64_t(c * stride), -3.0f, 3.0f);
  CAPTURE(stride, c, h, w, precision_name(p));
  CHECK(vk_vs_cpu(ctx, {l}, x, p) <= tol(p));
}

TEST_CASE("Vulkan depthwise 3x3 with forced invocation tiles (rows x pixels x channels) at odd sizes",
          "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const ConvTile t = GENERATE(ConvTile{4, 4, 1}, ConvTile{4, 4, 2}, ConvTile{4, 2, 4}, ConvTile{2, 1, 8},
                              ConvTile{1, 3, 2}, ConvTile{4, 8, 1}, ConvTile{8, 4, 1}, ConvTile{8, 2, 2},
                              ConvTile{8, 1, 3}, ConvTile{4, 1, 8}, ConvTile{2, 2, 5});
  const int stride = GENERATE(1, 2);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const int c = 24, h = 11 + stride, w = 9;  // output rows and columns not multiples of the tile
  const Layer l = test::random_layer(LayerKind::Depthwise3x3, c, c, stride, Act::ReLU6, uint64_t(7 + stride));
  const Tensor x = test::random_tensor({2, h, w, c}, uint64_t(3 * stride), -3.0f, 3.0f);
  CAPTURE(t.str(), stride, precision_name(p));
  CHECK(vk_vs_cpu(ctx, {l}, x, p, std::nullopt, t) <= tol(p));
}

TEST_CASE("Forced depthwise and stem tiles outside the shaders' limits are refused", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Layer dw = test::random_layer(LayerKind::Depthwise3x3, 6, 6, 1, Act::ReLU6, 1);
  const Layer stem = test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, 2);
  for (const ConvTile t :
       {ConvTile{4, 4, 1}, ConvTile{3, 1, 1}, ConvTile{8, 1, 1}}) {  // 4, 8 do not divide 6; VEC 3
    VkPlanOptions o;
    o.depthwise_tile = t;
    CAPTURE(t.str());
    CHECK_THROWS_AS(VkPlan(ctx, {dw}, {1, 5, 5, 6}, o), vk::DeviceError);
  }
  const Layer dw16 = test::random_layer(LayerKind::Depthwise3x3, 16, 16, 1, Act::ReLU6, 3);
  for (const ConvTile t :
       {ConvTile{8, 8, 1}, ConvTile{8, 2, 4}, ConvTile{16, 1, 1}}) {  // > 32 accumulators, VEC 16
    VkPlanOptions o;
    o.depthwise_tile = t;
    CAPTURE(t.str());
    CHECK_THROWS_AS(VkPlan(ctx, {dw16}, {1, 5, 5, 16}, o), vk::DeviceError);
  }
  for (const ConvTile t : {ConvTile{6, 1, 1}, ConvTile{32, 4, 1}, ConvTile{16, 1, 2}}) {
    VkPlanOptions o;
    o.stem_tile = t;
    CAPTURE(t.str());
    CHECK_THROWS_AS(VkPlan(ctx, {stem}, {1, 3, 9, 9}, o), vk::DeviceError);
  }
  CHECK(ConvTile::parse("4x2x3").str() == "4x2x3");
  CHECK(ConvTile::parse("32x2").str() == "32x2x1");
  for (const char* bad : {"", "4", "4x", "4x0", "4x2x", "ax2", "4x2x3x1", "4*2", "99x1"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(ConvTile::parse(bad), ShapeError);
  }
}

TEST_CASE("Vulkan stem conv with forced invocation tiles (channels x pixels) at odd sizes", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const ConvTile t = GENERATE(ConvTile{32, 1, 1}, ConvTile{32, 2, 1}, ConvTile{16, 4, 1}, ConvTile{8, 3, 1},
                              ConvTile{4, 1, 1});
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Layer l = test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, 5);
  const Tensor x = test::random_tensor({2, 3, 17, 23}, 6);  // 9 x 12 outputs
  CAPTURE(t.str(), precision_name(p));
  CHECK(vk_vs_cpu(ctx, {l}, x, p, std::nullopt, t) <= tol(p));
}

TEST_CASE("Vulkan stem conv reads NCHW and matches cpu_layer at odd sizes", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const int h = GENERATE(33, 17, 8);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const int w = h == 8 ? 45 : h + 2;
  const Layer l = test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, uint64_t(h));
  const Tensor x = test::random_tensor({2, 3, h, w}, uint64_t(h + 1));
  CAPTURE(h, w, precision_name(p));
  CHECK(vk_vs_cpu(ctx, {l}, x, p) <= tol(p));
}

TEST_CASE("Vulkan run() packs an input of several MB on several threads: same result as cpu_layer",
          "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  // 6 x 3 x 241 x 243 fp32 = 4.2 MB, above VkPlan::run's single-thread limit (4 MiB), an element
  // count that does not split evenly over the threads; two different inputs in turn.
  const Layer l = test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, 77);
  VkPlan plan(ctx, {l}, {6, 3, 241, 243}, VkPlanOptions{});
  for (const uint64_t seed : {78u, 79u}) {
    const Tensor x = test::random_tensor({6, 3, 241, 243}, seed);
    plan.poison_outputs();
    CHECK(test::rel_l2(plan.run(x), cpu_layer(l, x)) <= test::kTolFp16);
  }
}

TEST_CASE("Vulkan depthwise vector paths: 4/2/1 channels, 4/3/2/1 pixels per invocation, W tails",
          "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  // choose_variant takes 4 channels per invocation where C allows (else 2, 1)
  // and 4 output pixels along W (Wo when Wo < 4). Each case names the (vec,
  // pix) it must get in both precisions; where pix = 4, Wo is off a multiple.
  struct Case {
    int n, h, w, c, stride;
    uint32_t vec, pix;
  };
  const Case cs = GENERATE(Case{2, 9, 11, 8, 1, 4, 4},     // Wo 11: 4 + 4 + 3
                           Case{2, 9, 13, 24, 2, 4, 4},    // Wo 7
                           Case{1, 7, 2, 12, 1, 4, 2},     // Wo 2
                           Case{2, 5, 5, 20, 2, 4, 3},     // Wo 3
                           Case{3, 9, 13, 6, 1, 2, 4},     // C % 4 = 2
                           Case{2, 6, 4, 6, 2, 2, 2},      // stride 2, Wo 2
                           Case{2, 11, 10, 7, 1, 1, 4},    // odd C, Wo 10
                           Case{3, 9, 13, 7, 2, 1, 4},     // odd C, stride 2
                           Case{2, 17, 19, 1, 2, 1, 4},    // C = 1
                           Case{1, 1, 1, 24, 1, 4, 1},     // 1x1 image
                           Case{2, 5, 1, 6, 2, 2, 1},      // W = 1
                           Case{2, 2, 3, 1152, 1, 4, 3},   // mb7's channels
                           Case{2, 40, 59, 96, 2, 4, 4});  // mb2's channels
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Layer l = test::random_layer(LayerKind::Depthwise3x3, cs.c, cs.c, cs.stride, Act::ReLU6,
                                     uint64_t(cs.c * 31 + cs.h));
  const Tensor x = test::random_tensor({cs.n, cs.h, cs.w, cs.c}, uint64_t(cs.w + cs.stride), -3.0f, 3.0f);
  CAPTURE(cs.n, cs.h, cs.w, cs.c, cs.stride, precision_name(p));
  {
    VkPlanOptions opt;
    opt.precision = p;
    const VkPlan plan(ctx, {l}, x.shape, opt);
    CHECK(plan.variants().front().vec == cs.vec);
    CHECK(plan.variants().front().pix == cs.pix);
  }
  CHECK(vk_vs_cpu(ctx, {l}, x, p) <= tol(p));
}

TEST_CASE("Vulkan stem conv: output channels off the vector width, any cin, stride 1 and 2", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  struct Case {
    int cin, cout, stride, h, w;
  };
  // cout 32: one invocation, four 8-wide stores; 16, 40: a second, partial
  // channel group; 20: 4-wide stores; 6: scalar stores (cout % 4 != 0).
  const Case cs = GENERATE(Case{3, 16, 2, 13, 20}, Case{3, 40, 2, 9, 7}, Case{3, 20, 1, 7, 5},
                           Case{1, 6, 2, 11, 4}, Case{4, 32, 1, 5, 9}, Case{3, 32, 2, 1, 1});
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Layer l = test::random_layer(LayerKind::StemConv3x3, cs.cin, cs.cout, cs.stride, Act::ReLU,
                                     uint64_t(cs.cout + cs.h));
  const Tensor x = test::random_tensor({3, cs.cin, cs.h, cs.w}, uint64_t(cs.cout * cs.w));
  CAPTURE(cs.cin, cs.cout, cs.stride, cs.h, cs.w, precision_name(p));
  CHECK(vk_vs_cpu(ctx, {l}, x, p) <= tol(p));
}

TEST_CASE("Vulkan head conv + ReLU + average pool matches cpu_layer when H*W is off the tile",
          "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  struct Case {
    int cin, cout, h, w;
  };
  const Case cs =
      GENERATE(Case{48, 136, 9, 9}, Case{40, 80, 5, 7}, Case{320, 1280, 3, 3}, Case{24, 16, 11, 13});
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Layer l =
      test::random_layer(LayerKind::HeadPool, cs.cin, cs.cout, 1, Act::ReLU, uint64_t(cs.cin + cs.h));
  const Tensor x = test::random_tensor({3, cs.h, cs.w, cs.cin}, uint64_t(cs.cout));
  CAPTURE(cs.cin, cs.cout, cs.h, cs.w, precision_name(p));
  CHECK(vk_vs_cpu(ctx, {l}, x, p) <= tol(p));
}

TEST_CASE("Vulkan head + pool with forced tiles: several images per workgroup, images over several tiles",
          "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  // 256 invocations each; BN 16 splits every column's rows over 16
  // invocations, BN 64 with 7 images of 9 pixels takes two pairs per invocation.
  const GemmTile tile = GENERATE(GemmTile{16, 16, 8, 1, 1}, GemmTile{32, 64, 16, 2, 4},
                                 GemmTile{64, 32, 4, 4, 2}, GemmTile{128, 32, 8, 8, 2});
  const int hw = GENERATE(3, 5, 9, 12);  // 9, 25, 81, 144 pixels
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Layer l = test::random_layer(LayerKind::HeadPool, 24, 40, 1, Act::ReLU, uint64_t(hw));
  const Tensor x = test::random_tensor({5, hw, hw, 24}, uint64_t(hw + 1));
  CAPTURE(tile.str(), hw, precision_name(p));
  CHECK(vk_vs_cpu(ctx, {l}, x, p, tile) <= tol(p));
}

TEST_CASE("Vulkan FC matches cpu_layer and writes fp32 logits", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const int classes = GENERATE(1000, 10);
  const int rows = GENERATE(10, 1, 33);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Layer l = test::random_layer(LayerKind::Linear, 1280, classes, 1, Act::None, uint64_t(classes));
  const Tensor x = test::random_tensor({rows, 1280}, uint64_t(rows), 0.0f, 3.0f);
  CAPTURE(classes, rows, precision_name(p));
  CHECK(vk_vs_cpu(ctx, {l}, x, p) <= tol(p));
}

TEST_CASE("Vulkan chained layers (one MBConv block) match cpu_layer", "[vk][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const std::vector<Layer> block = {
      test::random_layer(LayerKind::Pointwise, 24, 144, 1, Act::ReLU6, 1),
      test::random_layer(LayerKind::Depthwise3x3, 144, 144, 2, Act::ReLU6, 2),
      test::random_layer(LayerKind::Pointwise, 144, 40, 1, Act::None, 3),
  };
  const Tensor x = test::random_tensor({2, 15, 13, 24}, 4);
  CHECK(vk_vs_cpu(ctx, block, x, p) <= tol(p));
}

TEST_CASE("VkPlan on a layer list rejects bad inputs and tiles", "[vk][layers][errors]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Layer pw = test::random_layer(LayerKind::Pointwise, 24, 40, 1, Act::None, 1);
  const Layer stem = test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, 2);
  VkPlanOptions opt;
  opt.precision = Precision::FP32;
  test::error_text<ShapeError>([&] { VkPlan p(ctx, {pw}, {2, 5, 7, 23}, opt); });         // channel mismatch
  test::error_text<ShapeError>([&] { VkPlan p(ctx, {pw}, {2, 5, 24}, opt); });            // rank
  test::error_text<ShapeError>([&] { VkPlan p(ctx, {pw}, {0, 5, 7, 24}, opt); });         // empty batch
  test::error_text<ShapeError>([&] { VkPlan p(ctx, {}, {2, 5, 7, 24}, opt); });           // no layers
  test::error_text<ShapeError>([&] { VkPlan p(ctx, {stem, stem}, {1, 3, 9, 9}, opt); });  // stem not first
  Layer bad = pw;
  bad.weight.pop_back();
  test::error_text<ShapeError>([&] { VkPlan p(ctx, {bad}, {2, 5, 7, 24}, opt); });  // weights vs shape
  opt.force_gemm_tile = GemmTile{64, 64, 16, 1, 1};                                 // 4096 invocations
  test::error_text<vk::DeviceError>([&] { VkPlan p(ctx, {pw}, {2, 5, 7, 24}, opt); });
  opt.force_gemm_tile = GemmTile{512, 512, 64, 32, 32};  // shared memory
  test::error_text<vk::DeviceError>([&] { VkPlan p(ctx, {pw}, {2, 5, 7, 24}, opt); });
  opt.force_gemm_tile = GemmTile{64, 60, 16, 4, 7};  // bn % tn != 0
  test::error_text<vk::DeviceError>([&] { VkPlan p(ctx, {pw}, {2, 5, 7, 24}, opt); });
  opt.force_gemm_tile.reset();
  VkPlan plan(ctx, {pw}, {2, 5, 7, 24}, opt);
  const std::string msg = test::error_text<ShapeError>([&] {
    plan.run(test::random_tensor({2, 7, 5, 24}, 1));
  });
  CHECK(msg.find("[2, 7, 5, 24]") != std::string::npos);
}
