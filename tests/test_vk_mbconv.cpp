// The fused MBConv stage (shaders/mbconv.comp) vs the CPU reference run layer
// by layer: every block of the network, fp32 and fp16, spatial sizes that are
// not tile multiples (every border: the first tile row and column, partial
// last tiles on the right and at the bottom, corners), stride 1 and 2, forced
// tiles and hidden-channel splits, outputs NaN-poisoned, replays bit-identical.
// On lavapipe (CI) the SCALAR variant runs; with cooperative matrices (GPU
// machine) the COOPMAT variant, tagged [coopmat].
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/generators/catch_generators_range.hpp>

#include "model/arch.h"
#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "shaders/variant_names.h"
#include "tests/support/error_text.h"
#include "tests/support/tolerances.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

double tol(Precision p) { return p == Precision::FP16 ? test::kTolFp16 : test::kTolFp32; }

struct FusedRun {
  double err = 0;
  Tensor y;
  std::string describe;
};

// The block fused on Vulkan (run twice, NaN-poisoned before each: the replay
// must be bit-identical) vs the CPU reference layer by layer.
FusedRun fused_vs_cpu(vk::Context& ctx, const std::vector<Layer>& layers, const Tensor& x, Precision p,
                      std::optional<MBConvTile> tile = std::nullopt, bool allow_coopmat = true) {
  VkPlanOptions opt;
  opt.precision = p;
  opt.fuse = FusePolicy::Always;
  opt.force_mbconv_tile = tile;
  opt.allow_coopmat = allow_coopmat;
  VkPlan plan(ctx, layers, x.shape, opt);
  REQUIRE(plan.stages().size() == 1);
  REQUIRE(plan.stages()[0].kind == StageKind::MBConv);
  Tensor ref = x;
  for (const Layer& l : layers) ref = cpu_layer(l, ref);
  REQUIRE(plan.output_shape() == ref.shape);
  plan.poison_outputs();
  FusedRun r;
  r.y = plan.run(x);
  r.err = test::rel_l2(r.y, ref);
  plan.poison_outputs();
  const Tensor y2 = plan.run(x);
  CHECK(y2.data == r.y.data);  // deterministic, split or not
  r.describe = plan.describe();
  UNSCOPED_INFO(r.describe << "rel L2 " << r.err);
  return r;
}

}  // namespace

TEST_CASE("fused MBConv: every block of the network matches cpu_layer at odd sizes", "[vk][mbconv]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const size_t b = GENERATE(range(size_t(0), kMBConv.size()));
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  // Block inputs as the network sees them for a 33x47 and a 32x32 image (the
  // smallest), and a large odd one for the first two blocks.
  const auto hw = GENERATE(std::array<int, 3>{1, 33, 47}, std::array<int, 3>{3, 17, 9});
  const std::vector<Layer> layers = test::random_mbconv_block(b, 100 + b);
  const Tensor x = test::random_tensor({hw[0], hw[1], hw[2], kMBConv[b].cin}, 7 * b + 1, -2.0f, 2.0f);
  CAPTURE(b + 1, precision_name(p), hw[0], hw[1], hw[2]);
  CHECK(fused_vs_cpu(ctx, layers, x, p).err <= tol(p));
}

TEST_CASE("fused MBConv: 257x257 and batch 10 inputs of the first blocks", "[vk][mbconv]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const size_t b = GENERATE(size_t(0), size_t(1));
  const std::vector<Layer> layers = test::random_mbconv_block(b, 200 + b);
  const Tensor big = test::random_tensor({1, 257, 257, kMBConv[b].cin}, 31 + b, -2.0f, 2.0f);
  CAPTURE(b + 1, precision_name(p));
  CHECK(fused_vs_cpu(ctx, layers, big, p).err <= tol(p));
  const Tensor batch = test::random_tensor({10, 15, 13, kMBConv[b].cin}, 41 + b, -2.0f, 2.0f);
  CHECK(fused_vs_cpu(ctx, layers, batch, p).err <= tol(p));
}

TEST_CASE("fused MBConv: forced tiles, chunks and splits hit every border", "[vk][mbconv]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  // Stride 2 (mbconv2, hidden 96) and stride 1 (mbconv5, hidden 480), 11x13 inputs:
  // tiles of 1x1 up to larger than the output, splits of the hidden channels.
  const size_t b = GENERATE(size_t(1), size_t(4));
  const MBConvTile t = GENERATE(MBConvTile{1, 1, 16, 1}, MBConvTile{3, 5, 32, 1}, MBConvTile{4, 4, 16, 2},
                                MBConvTile{2, 8, 32, 3}, MBConvTile{16, 16, 16, 1}, MBConvTile{5, 3, 64, 1});
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const std::vector<Layer> layers = test::random_mbconv_block(b, 300 + b);
  const Tensor x = test::random_tensor({2, 11, 13, kMBConv[b].cin}, 51 + b, -2.0f, 2.0f);
  CAPTURE(b + 1, t.str(), precision_name(p));
  bool fits = true;
  FusedRun r;
  try {
    r = fused_vs_cpu(ctx, layers, x, p, t);
  } catch (const vk::DeviceError& e) {
    fits = false;  // a forced tile larger than this device's shared memory or registers
    UNSCOPED_INFO("does not fit: " << e.what());
  }
  if (fits) CHECK(r.err <= tol(p));
}

TEST_CASE("fused MBConv: a split reduction is deterministic and equals the unsplit block",
          "[vk][mbconv][validation]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const std::vector<Layer> layers = test::random_mbconv_block(6, 400);  // mbconv7: hidden 1152
  const Tensor x = test::random_tensor({1, 8, 8, kMBConv[6].cin}, 61, -2.0f, 2.0f);
  const FusedRun one = fused_vs_cpu(ctx, layers, x, p, MBConvTile{4, 4, 16, 1});
  const FusedRun split = fused_vs_cpu(ctx, layers, x, p, MBConvTile{4, 4, 16, 8});
  CHECK(one.err <= tol(p));
  CHECK(split.err <= tol(p));
  CHECK(test::rel_l2(split.y, one.y) <= tol(p));
  CHECK(split.describe.find("split 8") != std::string::npos);
}

TEST_CASE("fused MBConv: the plan fuses every block with fuse Always, none with Never",
          "[vk][mbconv][validation]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(5, 10);
  VkPlanOptions opt;
  opt.precision = Precision::FP32;
  opt.fuse = FusePolicy::Always;
  opt.height = opt.width = 48;
  VkPlan fused(ctx, net, opt);
  size_t blocks = 0;
  for (const Stage& st : fused.stages())
    if (st.kind == StageKind::MBConv) {
      ++blocks;
      CHECK(st.count == 3);
      CHECK(st.describe().find("fused") != std::string::npos);
    }
  CHECK(blocks == kMBConv.size());
  CHECK(fused.describe().find("mbconv7 fused") != std::string::npos);
  opt.fuse = FusePolicy::Never;
  VkPlan unfused(ctx, net, opt);
  CHECK(unfused.stages().size() == net.layers.size());
  for (const Stage& st : unfused.stages()) CHECK(st.kind == StageKind::Layer);
  // The two plans compute the same network.
  const Tensor x = test::random_tensor({1, 3, 48, 48}, 71, 0.0f, 1.0f);
  fused.poison_outputs();
  unfused.poison_outputs();
  CHECK(test::rel_l2(fused.run(x), unfused.run(x)) <= tol(Precision::FP32));
  // A forced tile that cannot fit is a one-line DeviceError.
  opt.fuse = FusePolicy::Always;
  opt.force_mbconv_tile = MBConvTile{16, 16, 64, 1};
  opt.height = opt.width = 240;
  test::error_text<vk::DeviceError>([&] { VkPlan p(ctx, net, opt); });
}

TEST_CASE("fused MBConv: tiles for an H200-like device fit it, and the Auto rule picks the measured blocks",
          "[mbconv][plan]") {
  // No GPU needed: choose_mbconv on the capabilities the H200 reports (driver 580).
  const vk::DeviceInfo d = test::h200_like_device();
  const Network net = random_network(3, kDefaultClasses);
  // Blocks (1-based) the rule fuses, per batch: measured faster fused on the
  // H200 (docs/PERFORMANCE.md, "Fused MBConv").
  const std::vector<std::pair<int, std::vector<int>>> expected = {
      {1, {1, 2, 3, 4, 5, 6, 7}}, {10, {}}, {64, {}}, {256, {}}};
  for (const auto& [batch, fused] : expected) {
    ActShape s{batch, kDefaultImageSize, kDefaultImageSize, 3};
    std::vector<int> got;
    for (size_t i = 0; i < net.layers.size();) {
      if (!is_mbconv_block(net.layers, i)) {
        s = layer_out_shape(net.layers[i], s);
        ++i;
        continue;
      }
      const auto always =
          choose_mbconv(net.layers, i, s, Precision::FP16, d, {true, std::nullopt, FusePolicy::Always, {}});
      REQUIRE(always);  // a tile fits every block
      INFO(always->describe());
      CHECK(always->coopmat);
      CHECK(always->shader == shaders::variant::mbconv_coopmat_fp16);
      // The block's FLOPs are its three layers' as the kind table counts them.
      double flops = 0;
      ActShape x = s;
      for (size_t j = i; j < i + 3; ++j) {
        const Layer& l = net.layers[j];
        const ActShape y = layer_out_shape(l, x);
        flops += kind_flops(l.kind, l.cin, l.cout, x, y);
        x = y;
      }
      CHECK(always->flops == flops);
      CHECK(always->shared_bytes <= d.max_shared_memory);
      CHECK(always->hidden_pad % (always->tile.hc * always->tile.split) == 0);
      const auto autov =
          choose_mbconv(net.layers, i, s, Precision::FP16, d, {true, std::nullopt, FusePolicy::Auto, {}});
      if (autov) got.push_back(int(i / 3) + 1);
      CHECK(
          !choose_mbconv(net.layers, i, s, Precision::FP16, d, {true, std::nullopt, FusePolicy::Never, {}}));
      // The SCALAR variant (coopmat off) is never the rule's choice.
      CHECK(
          !choose_mbconv(net.layers, i, s, Precision::FP16, d, {false, std::nullopt, FusePolicy::Auto, {}}));
      // An explicit list (effnet-bench --fuse-blocks) fuses exactly its blocks, whatever the rule says.
      const std::string name = always->block;
      CHECK(bool(choose_mbconv(net.layers, i, s, Precision::FP16, d,
                               {true, std::nullopt, FusePolicy::Auto, {"mbconv4", name}})));
      CHECK(bool(choose_mbconv(net.layers, i, s, Precision::FP16, d,
                               {true, std::nullopt, FusePolicy::Auto, {"mbconv4"}})) == (name == "mbconv4"));
      CHECK(!choose_mbconv(net.layers, i, s, Precision::FP16, d,
                           {true, std::nullopt, FusePolicy::Never, {name}}));
      s = always->out;
      i += 3;
    }
    CAPTURE(batch);
    CHECK(got == fused);
  }
}
