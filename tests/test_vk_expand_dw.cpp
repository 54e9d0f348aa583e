// The expand_dw stage (a block's expand and depthwise layers in one dispatch of
// shaders/mbconv.comp -DEXPAND_DW, the project as its own layer after it) vs
// the CPU reference layer by layer: every block of the network, fp32 and fp16,
// sizes that are not tile multiples (every border), stride 1 and 2, forced
// tiles and hidden-channel splits, outputs NaN-poisoned, replays
// bit-identical; the plan's choice per policy; the whole network. On lavapipe
// (CI) the SCALAR variant runs, with cooperative matrices (GPU machine) the
// COOPMAT one.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/generators/catch_generators_range.hpp>

#include "model/arch.h"
#include "model/cpu_reference.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "shaders/variant_names.h"
#include "tests/support/error_text.h"
#include "tests/support/tolerances.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

double tol(Precision p) { return p == Precision::FP16 ? test::kTolFp16 : test::kTolFp32; }

struct EdRun {
  double err = 0;
  Tensor y;
  std::string describe;
};

// The block's plan with expand_dw Always (stages: expand_dw, the project
// layer), run twice NaN-poisoned (bit-identical replays), vs cpu_layer.
EdRun expand_dw_vs_cpu(vk::Context& ctx, const std::vector<Layer>& layers, const Tensor& x, Precision p,
                       std::optional<MBConvTile> tile = std::nullopt) {
  VkPlanOptions opt;
  opt.precision = p;
  opt.fuse = FusePolicy::Auto;  // the whole block is fused at batch 1 with COOPMAT: asked for below
  opt.expand_dw = FusePolicy::Always;
  opt.force_mbconv_tile = tile;
  opt.fuse_blocks = {"none"};  // no block fused whole, whatever the batch
  VkPlan plan(ctx, layers, x.shape, opt);
  REQUIRE(plan.stages().size() == 2);
  REQUIRE(plan.stages()[0].kind == StageKind::ExpandDw);
  REQUIRE(plan.stages()[1].kind == StageKind::Layer);
  CHECK(plan.stages()[0].count == 2);
  CHECK(plan.stages()[0].name == layers[0].name + "+" + layers[1].name);
  Tensor ref = x;
  for (const Layer& l : layers) ref = cpu_layer(l, ref);
  REQUIRE(plan.output_shape() == ref.shape);
  plan.poison_outputs();
  EdRun r;
  r.y = plan.run(x);
  r.err = test::rel_l2(r.y, ref);
  plan.poison_outputs();
  const Tensor y2 = plan.run(x);
  CHECK(y2.data == r.y.data);
  r.describe = plan.describe();
  UNSCOPED_INFO(r.describe << "rel L2 " << r.err);
  return r;
}

}  // namespace

TEST_CASE("expand_dw: every block of the network matches cpu_layer at odd sizes", "[vk][mbconv][expand_dw]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const size_t b = GENERATE(range(size_t(0), kMBConv.size()));
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const auto hw = GENERATE(std::array<int, 3>{1, 33, 47}, std::array<int, 3>{3, 17, 9});
  const std::vector<Layer> layers = test::random_mbconv_block(b, 500 + b);
  const Tensor x = test::random_tensor({hw[0], hw[1], hw[2], kMBConv[b].cin}, 9 * b + 3, -2.0f, 2.0f);
  CAPTURE(b + 1, precision_name(p), hw[0], hw[1], hw[2]);
  CHECK(expand_dw_vs_cpu(ctx, layers, x, p).err <= tol(p));
}

TEST_CASE("expand_dw: 257x257 and batch 10 inputs of the first blocks", "[vk][mbconv][expand_dw]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const size_t b = GENERATE(size_t(0), size_t(1), size_t(2));
  const std::vector<Layer> layers = test::random_mbconv_block(b, 600 + b);
  CAPTURE(b + 1, precision_name(p));
  const Tensor big = test::random_tensor({1, 257, 257, kMBConv[b].cin}, 71 + b, -2.0f, 2.0f);
  CHECK(expand_dw_vs_cpu(ctx, layers, big, p).err <= tol(p));
  const Tensor batch = test::random_tensor({10, 15, 13, kMBConv[b].cin}, 81 + b, -2.0f, 2.0f);
  CHECK(expand_dw_vs_cpu(ctx, layers, batch, p).err <= tol(p));
}

TEST_CASE("expand_dw: forced tiles, chunks and splits hit every border", "[vk][mbconv][expand_dw]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  // Stride 2 (mbconv3, hidden 144: not a multiple of 32 or 64) and stride 1
  // (mbconv5, hidden 480), 11x13 inputs: tiles from 1x1 to larger than the
  // output, splits of the hidden channels (each slice stores its own).
  const size_t b = GENERATE(size_t(2), size_t(4));
  const MBConvTile t =
      GENERATE(MBConvTile{1, 1, 16, 1, 128}, MBConvTile{3, 5, 32, 1, 128}, MBConvTile{4, 4, 16, 2, 128},
               MBConvTile{2, 8, 32, 3, 128}, MBConvTile{16, 16, 16, 1, 256}, MBConvTile{5, 3, 64, 1, 128});
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const std::vector<Layer> layers = test::random_mbconv_block(b, 700 + b);
  const Tensor x = test::random_tensor({2, 11, 13, kMBConv[b].cin}, 91 + b, -2.0f, 2.0f);
  CAPTURE(b + 1, t.str(), precision_name(p));
  bool fits = true;
  EdRun r;
  try {
    r = expand_dw_vs_cpu(ctx, layers, x, p, t);
  } catch (const vk::DeviceError& e) {
    fits = false;  // a forced tile larger than this device's shared memory
    UNSCOPED_INFO("does not fit: " << e.what());
  }
  if (fits) {
    CHECK(r.err <= tol(p));
    CHECK(r.describe.find("expand_dw") != std::string::npos);
  }
}

TEST_CASE("expand_dw: the plan's policies", "[vk][mbconv][expand_dw][validation]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(5, kDefaultClasses);
  VkPlanOptions opt;
  opt.batch = 2;
  opt.height = opt.width = 48;
  opt.precision = Precision::FP32;
  opt.fuse_blocks = {"none"};
  opt.expand_dw = FusePolicy::Always;
  VkPlan ed(ctx, net, opt);
  size_t stages = 0;
  for (const Stage& st : ed.stages()) {
    stages += st.kind == StageKind::ExpandDw;
    if (st.kind == StageKind::ExpandDw) {
      CHECK(st.mbconv);
      CHECK(!st.mbconv->project);
      CHECK(st.count == 2);
      CHECK(st.dispatches() == 1);
      CHECK(st.shader() == shaders::variant::mbconv_ed_fp32);
    }
  }
  CHECK(stages == kMBConv.size());
  CHECK(ed.stages().size() == net.layers.size() - kMBConv.size());
  CHECK(ed.describe().find("mbconv4.0+mbconv4.3 expand_dw") != std::string::npos);
  // Never, and fuse Never (layer by layer means every layer alone), keep the layers apart.
  opt.expand_dw = FusePolicy::Never;
  VkPlan apart(ctx, net, opt);
  CHECK(apart.stages().size() == net.layers.size());
  opt.expand_dw = FusePolicy::Always;
  opt.fuse_blocks.clear();
  opt.fuse = FusePolicy::Never;
  VkPlan never(ctx, net, opt);
  CHECK(never.stages().size() == net.layers.size());
  // fp32 has no COOPMAT variant: the rule (Auto) never picks the SCALAR one.
  opt.fuse = FusePolicy::Auto;
  opt.expand_dw = FusePolicy::Auto;
  VkPlan autop(ctx, net, opt);
  for (const Stage& st : autop.stages()) CHECK(st.kind != StageKind::ExpandDw);
  // The network is the same computation either way.
  const Tensor x = test::random_tensor({2, 3, 48, 48}, 17, 0.0f, 1.0f);
  ed.poison_outputs();
  apart.poison_outputs();
  CHECK(test::rel_l2(ed.run(x), apart.run(x)) <= tol(Precision::FP32));
  // A forced tile that cannot fit is a one-line DeviceError.
  opt.expand_dw = FusePolicy::Always;
  opt.fuse_blocks = {"none"};
  opt.force_mbconv_tile = MBConvTile{16, 16, 64, 1, 128};
  opt.height = opt.width = 240;
  test::error_text<vk::DeviceError>([&] { VkPlan p(ctx, net, opt); });
}

TEST_CASE("expand_dw: whole network in fp16 matches the layers and the CPU",
          "[vk][mbconv][expand_dw][network]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(6, kDefaultClasses);
  VkPlanOptions opt;
  opt.batch = 3;
  opt.height = opt.width = 67;
  opt.precision = Precision::FP16;
  opt.fuse_blocks = {"none"};
  opt.expand_dw = FusePolicy::Always;
  VkPlan ed(ctx, net, opt);
  opt.fuse = FusePolicy::Never;
  VkPlan apart(ctx, net, opt);
  const Tensor x = test::random_tensor({3, 3, 67, 67}, 23, 0.0f, 1.0f);
  ed.poison_outputs();
  const Tensor y = ed.run(x);
  const Tensor ref = cpu_forward(net, x);
  INFO(ed.describe());
  CHECK(test::rel_l2(y, ref) <= test::kTolFp16Network);
  CHECK(test::rel_l2(y, apart.run(x)) <= test::kTolFp16Network);
}

TEST_CASE("expand_dw: tiles for an H200-like device keep three workgroups per SM",
          "[mbconv][plan][expand_dw]") {
  // No GPU needed: choose_expand_dw on the capabilities the H200 reports.
  const vk::DeviceInfo d = test::h200_like_device();
  const Network net = random_network(3, kDefaultClasses);
  for (int batch : {1, 10, 256}) {
    ActShape s{batch, kDefaultImageSize, kDefaultImageSize, 3};
    for (size_t i = 0; i < net.layers.size();) {
      if (!is_mbconv_block(net.layers, i)) {
        s = layer_out_shape(net.layers[i], s);
        ++i;
        continue;
      }
      const auto ed = choose_expand_dw(net.layers, i, s, Precision::FP16, d,
                                       {true, std::nullopt, FusePolicy::Never, {}, FusePolicy::Always});
      CAPTURE(batch, i);
      if (ed) {
        INFO(ed->describe());
        CHECK(ed->coopmat);
        CHECK(!ed->project);
        CHECK(ed->shader == shaders::variant::mbconv_ed_coopmat_fp16);
        CHECK(ed->shared_bytes <= d.max_shared_memory / 3);
        CHECK(ed->cout == ed->hidden);
        CHECK(ed->partial_bytes() == 0);
        // Its FLOPs are the expand's and the depthwise's as the kind table counts them.
        const ActShape h = layer_out_shape(net.layers[i], s);
        const ActShape o = layer_out_shape(net.layers[i + 1], h);
        CHECK((ed->out.n == o.n && ed->out.h == o.h && ed->out.w == o.w && ed->out.c == o.c));
        CHECK(ed->flops == kind_flops(LayerKind::Pointwise, ed->cin, ed->hidden, s, h) +
                               kind_flops(LayerKind::Depthwise3x3, ed->hidden, ed->hidden, h, o));
      }
      // The first blocks (the largest expanded tensors) always have a tile.
      if (i < 9) CHECK(ed);
      CHECK(!choose_expand_dw(net.layers, i, s, Precision::FP16, d,
                              {true, std::nullopt, FusePolicy::Auto, {}, FusePolicy::Never}));
      // The rule (Auto) picks none: measured slower than the layers on the H200.
      CHECK(!choose_expand_dw(net.layers, i, s, Precision::FP16, d,
                              {true, std::nullopt, FusePolicy::Auto, {}, FusePolicy::Auto}));
      s = layer_out_shape(net.layers[i + 2],
                          layer_out_shape(net.layers[i + 1], layer_out_shape(net.layers[i], s)));
      i += 3;
    }
  }
}
