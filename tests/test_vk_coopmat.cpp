// The cooperative-matrix (COOPMAT) GEMM variants on a device with f16
// cooperative matrices (tagged [coopmat]; skipped with a message elsewhere, e.g.
// lavapipe in CI): every GEMM-shaped layer of the network at batch 1, 10 and
// 33 (240x240) with each reported shape forced, against cpu_layer (rel. L2 <=
// kTolFp16, random non-zero data, NaN-poisoned outputs); the whole network end
// to end against the golden logits and cpu_forward with coopmat on; the choice
// visible in the variants; forced shapes the device lacks rejected.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include "model/cpu_reference.h"
#include "model/npy.h"
#include "model/vk_gemm_tile.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/support/golden.h"
#include "tests/support/tolerances.h"
#include "tests/support/validation_report.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

GemmChoice with_shape(const std::optional<std::array<uint32_t, 3>>& shape) {
  GemmChoice c;
  c.force_coopmat_shape = shape;
  return c;
}

GemmChoice no_coopmat() {
  GemmChoice c;
  c.allow_coopmat = false;
  return c;
}

using Shape3 = std::array<uint32_t, 3>;

std::string shape_name(const Shape3& s) {
  return std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]);
}

#define EFFNET_COOPMAT_SHAPES_OR_SKIP(ctx, shapes)                                 \
  const std::vector<Shape3> shapes = gemm_coopmat_shapes(ctx.info());              \
  if (shapes.empty())                                                              \
  SKIP(ctx.info().name +                                                           \
       " has no f16 x f16 -> f32 subgroup cooperative matrices: COOPMAT untested " \
       "here (the SCALAR variants are tested by [vk][layers])")

// The GEMM-shaped layers of `net` with their inputs (cpu_layer layout) at `batch` x 240x240.
std::vector<std::pair<const Layer*, std::vector<int64_t>>> gemm_layers(const Network& net, int batch) {
  std::vector<std::pair<const Layer*, std::vector<int64_t>>> v;
  ActShape s{batch, kDefaultImageSize, kDefaultImageSize, 3};
  for (const Layer& l : net.layers) {
    if (kind_is_gemm(l.kind)) v.push_back({&l, layout_dims(kind_info(l.kind).in, s)});
    s = layer_out_shape(l, s);
  }
  return v;
}

}  // namespace

TEST_CASE("COOPMAT GEMMs of every network layer match cpu_layer with every shape forced", "[vk][coopmat]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  EFFNET_COOPMAT_SHAPES_OR_SKIP(ctx, shapes);
  const int batch = GENERATE(1, 10, 33);
  const Network net = random_network(uint64_t(100 + batch), kDefaultClasses);
  for (const auto& [layer, shape] : gemm_layers(net, batch)) {
    const Tensor x = test::random_tensor(shape, uint64_t(layer->cin * 31 + batch), -1.0f, 3.0f);
    const Tensor ref = cpu_layer(*layer, x);
    std::vector<std::optional<Shape3>> forced(shapes.begin(), shapes.end());
    forced.push_back(std::nullopt);  // and the plan's own choice
    for (const auto& f : forced) {
      VkPlanOptions opt;
      opt.precision = Precision::FP16;
      opt.force_coopmat_shape = f;
      VkPlan plan(ctx, {*layer}, shape, opt);
      const LayerVariant& v = plan.variants().front();
      INFO(v.describe());
      CHECK(v.coopmat);
      plan.poison_outputs();
      const Tensor y = plan.run(x);
      const test::Comparison c = test::record(
          "layer " + layer->name + " b" + std::to_string(batch) + " coopmat " + (f ? shape_name(*f) : "auto"),
          "vulkan-fp16-coopmat vs cpu", y, ref, test::kTolFp16);
      INFO(c.summary());
      CHECK(c.passed);
    }
  }
}

TEST_CASE("COOPMAT GEMM handles K not a multiple of 8, odd M and N, and forced tiles", "[vk][coopmat]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  EFFNET_COOPMAT_SHAPES_OR_SKIP(ctx, shapes);
  const Shape3 s = shapes.front();
  struct Case {
    LayerKind kind;
    int k, n;
    std::vector<int64_t> in;
  };
  const Case cs = GENERATE(
      Case{LayerKind::Pointwise, 13, 37, {2, 5, 7, 13}}, Case{LayerKind::Pointwise, 70, 9, {1, 3, 41, 70}},
      Case{LayerKind::HeadPool, 21, 50, {3, 5, 5, 21}}, Case{LayerKind::Linear, 1283, 1001, {10, 1283}},
      Case{LayerKind::Linear, 36, 10, {3, 36}}, Case{LayerKind::Pointwise, 40, 48, {3, 7, 5, 40}},
      // the head pooling several images per workgroup (9 pixels, 5 images: the
      // last group short) and one image over several M tiles (81 pixels)
      Case{LayerKind::HeadPool, 40, 64, {5, 3, 3, 40}}, Case{LayerKind::HeadPool, 24, 48, {2, 9, 9, 24}});
  const Layer l = test::random_layer(cs.kind, cs.k, cs.n, 1,
                                     cs.kind == LayerKind::Pointwise  ? Act::ReLU6
                                     : cs.kind == LayerKind::HeadPool ? Act::ReLU
                                                                      : Act::None,
                                     uint64_t(cs.k * 3 + cs.n));
  const Tensor x = test::random_tensor(cs.in, uint64_t(cs.k + cs.n), -2.0f, 2.0f);
  const Tensor ref = cpu_layer(l, x);
  std::vector<std::optional<GemmTile>> tiles = {std::nullopt};
  GemmTile t;  // a forced tile: 2x2 subgroups, K split over 2 subgroups
  t.bm = 2 * s[0];
  t.bn = 2 * s[1];
  t.bk = 4 * s[2];
  t.cm_m = s[0];
  t.cm_n = s[1];
  t.cm_k = s[2];
  t.tm = t.tn = 1;
  t.warps_m = 2;
  t.warps_n = 1;
  t.warps_k = 2;
  t.subgroup = ctx.info().subgroup_size;
  tiles.push_back(t);
  t.stages = 2;  // the same, double-buffered (K = 70 and 1283 take several steps)
  tiles.push_back(t);
  if (cs.kind != LayerKind::HeadPool && cs.n % int(s[1]) == 0) {
    t.warps_k = 1;  // a direct C store (one K slice), M = 105 not a multiple of the tile
    t.epilogue = GemmEpilogue::Direct;
    t.stages = 1;
    tiles.push_back(t);
    t.bk = s[2];  // K = 40 in several steps, double-buffered
    t.stages = 2;
    tiles.push_back(t);
    t.epilogue = GemmEpilogue::StageF16;  // the fp16 C stage, single and double-buffered
    tiles.push_back(t);
    t.stages = 1;
    tiles.push_back(t);
  }
  if (cs.kind == LayerKind::HeadPool && cs.n % int(s[1]) == 0) {
    t.warps_k = 1;  // the pool reading the fp16 C stage, single and double-buffered
    t.epilogue = GemmEpilogue::StageF16;
    t.bk = s[2];
    t.stages = 1;
    tiles.push_back(t);
    t.stages = 2;
    tiles.push_back(t);
    t.bm = 8 * s[0];  // 128 rows: 14 images of 9 pixels, or 81 pixels in one tile
    tiles.push_back(t);
  }
  for (const auto& tile : tiles) {
    VkPlanOptions opt;
    opt.force_gemm_tile = tile;
    VkPlan plan(ctx, {l}, cs.in, opt);
    INFO(plan.describe());
    CHECK(plan.variants().front().coopmat);
    plan.poison_outputs();
    const Tensor y = plan.run(x);
    const double err = test::rel_l2(y, ref);
    INFO("rel L2 " << err);
    CHECK(err <= test::kTolFp16);
    plan.poison_outputs();
    CHECK(plan.run(x).data == y.data);  // deterministic
  }
}

TEST_CASE("COOPMAT dw_project (depthwise inside the project GEMM) matches cpu_layer, strides 1 and 2",
          "[vk][coopmat][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  EFFNET_COOPMAT_SHAPES_OR_SKIP(ctx, shapes);
  const int stride = GENERATE(1, 2);
  const int hidden = GENERATE(32, 96, 144);
  const int cout = GENERATE(16, 24, 40);
  const std::vector<Layer> layers = {
      test::random_layer(LayerKind::Depthwise3x3, hidden, hidden, stride, Act::ReLU6,
                         uint64_t(hidden + stride)),
      test::random_layer(LayerKind::Pointwise, hidden, cout, 1, Act::None, uint64_t(cout))};
  const Tensor x = test::random_tensor({3, 11, 13, hidden}, uint64_t(hidden * stride), -3.0f, 3.0f);
  const Tensor ref = cpu_layer(layers[1], cpu_layer(layers[0], x));
  CAPTURE(stride, hidden, cout);
  // The rule's tile, then forced ones: K steps of 16 single- and double-buffered
  // with the fp16 C stage, and the fp32 C stage with K split over subgroups.
  std::vector<std::optional<GemmTile>> tiles = {std::nullopt};
  for (const Shape3& s : shapes) {
    if (cout % int(s[1])) continue;
    GemmTile t;
    t.bm = 4 * s[0], t.bn = uint32_t(cout), t.bk = 16;
    t.cm_m = s[0], t.cm_n = s[1], t.cm_k = s[2];
    t.tm = t.tn = 1;
    t.warps_m = 4, t.warps_n = 1, t.warps_k = 1;
    t.subgroup = ctx.info().subgroup_size;
    if (t.bk % s[2]) continue;
    t.epilogue = GemmEpilogue::StageF16;
    tiles.push_back(t);
    t.stages = 2;
    tiles.push_back(t);
    t.stages = 1;
    t.epilogue = GemmEpilogue::StageF32;
    t.bk = 2 * 16;
    t.warps_m = 2, t.warps_k = 2;
    if (t.bk % (2 * s[2]) == 0) tiles.push_back(t);
    break;
  }
  Tensor first;
  for (const auto& tile : tiles) {
    VkPlanOptions opt;
    opt.force_gemm_tile = tile;
    opt.fuse_dw_project = true;
    VkPlan plan(ctx, layers, x.shape, opt);
    INFO(plan.describe());
    REQUIRE(plan.stages().size() == 1);
    CHECK(plan.stages()[0].kind == StageKind::DwProject);
    CHECK(plan.stages()[0].coopmat());
    plan.poison_outputs();
    const Tensor y = plan.run(x);
    const double err = test::rel_l2(y, ref);
    INFO("rel L2 " << err);
    CHECK(err <= test::kTolFp16);
    plan.poison_outputs();
    CHECK(plan.run(x).data == y.data);  // deterministic
  }
}

TEST_CASE("COOPMAT whole network matches the golden logits and cpu_forward", "[vk][coopmat][network]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  EFFNET_COOPMAT_SHAPES_OR_SKIP(ctx, shapes);
  {
    const Network net = load_network(test::data_path("golden_weights.safetensors"));
    for (const std::string golden_case : {"photo", "rand"}) {
      const Tensor x = load_npy(test::data_path("golden_" + golden_case + "_input.npy"));
      const Tensor ref = load_npy(test::data_path("golden_" + golden_case + "_logits.npy"));
      VkPlanOptions opt;
      opt.batch = int(x.shape[0]);
      opt.height = int(x.shape[2]);
      opt.width = int(x.shape[3]);
      opt.fuse = FusePolicy::Never;  // the layer-by-layer GEMMs (the fused blocks: test_vk_mbconv.cpp)
      VkPlan plan(ctx, net, opt);
      size_t gemm = 0, coop = 0;
      for (const auto& v : plan.variants()) gemm += v.gemm, coop += v.coopmat;
      CHECK(gemm == 16);  // 7 x 2 pointwise, head, fc
      CHECK(coop == gemm);
      plan.poison_outputs();
      const Tensor y = plan.run(x);
      const test::Comparison c = test::record("golden " + golden_case, "vulkan-fp16-coopmat vs pytorch-fp64",
                                              y, ref, test::golden_fp16_tol(golden_case));
      INFO(c.summary());
      CHECK(c.passed);
    }
  }
  const Network net = random_network(21, kDefaultClasses);
  const Tensor x = test::random_tensor({10, 3, 240, 240}, 22, 0.0f, 1.0f);
  const Tensor ref = cpu_forward(net, x);
  VkPlanOptions opt;
  opt.batch = 10;
  VkPlan plan(ctx, net, opt);
  plan.poison_outputs();
  const Tensor y = plan.run(x);
  const test::Comparison c = test::record("e2e b10 240x240 c1000 seed 21", "vulkan-fp16-coopmat vs cpu", y,
                                          ref, test::kTolFp16Network);
  INFO(plan.describe() << c.summary());
  CHECK(c.passed);
  // Off: the SCALAR variants, same function.
  opt.allow_coopmat = false;
  VkPlan scalar(ctx, net, opt);
  for (const auto& v : scalar.variants()) CHECK(!v.coopmat);
  CHECK(test::rel_l2(scalar.run(x), ref) <= test::kTolFp16Network);
}

TEST_CASE("COOPMAT tiles chosen for an H200-like device fit it for every network GEMM and batch",
          "[coopmat][plan]") {
  // No GPU needed: choose_variant on the capabilities the H200 reports (driver 580).
  const vk::DeviceInfo d = test::h200_like_device();
  const Network net = random_network(3, kDefaultClasses);
  for (const int batch : {1, 10, 33, 256}) {
    ActShape s{batch, kDefaultImageSize, kDefaultImageSize, 3};
    for (const Layer& l : net.layers) {
      for (const auto& shape : std::vector<std::optional<Shape3>>{std::nullopt, Shape3{16, 16, 16},
                                                                  Shape3{16, 8, 16}, Shape3{16, 8, 8}}) {
        CAPTURE(l.name, batch);
        const LayerVariant v = choose_variant(l, s, Precision::FP16, d, with_shape(shape));
        if (!v.gemm) continue;
        INFO(v.describe());
        CHECK(v.coopmat);
        CHECK(v.tile.shared_bytes(l.kind == LayerKind::HeadPool) <= d.max_shared_memory);
        if (shape) CHECK((Shape3{v.tile.cm_m, v.tile.cm_n, v.tile.cm_k}) == *shape);
      }
      s = layer_out_shape(l, s);
    }
  }
  // The sweep's candidates (effnet-bench gemm --sweep): tiles that fit for every network GEMM but the
  // head + pool.
  for (const int batch : {1, 256}) {
    ActShape s{batch, kDefaultImageSize, kDefaultImageSize, 3};
    for (const Layer& l : net.layers) {
      const LayerVariant v = choose_variant(l, s, Precision::FP16, d);
      s = layer_out_shape(l, s);
      if (!v.gemm) continue;
      CAPTURE(l.name, batch);
      const GemmShape g{
          v.gemm_m, 1, v.gemm_n, v.gemm_k, l.kind == LayerKind::HeadPool, l.kind == LayerKind::Pointwise};
      const auto cands = coopmat_tile_candidates({v.tile.cm_m, v.tile.cm_n, v.tile.cm_k}, g, d);
      CHECK(cands.empty() == g.head_pool);
      // The fp16 C stage for the fp16-output GEMMs with N a multiple of the fragment (all pointwise
      // layers here), else the fp32 one (head + pool; the FC's fp32 logits); never the direct store.
      const bool f16 = (l.kind == LayerKind::Pointwise || l.kind == LayerKind::HeadPool) &&
                       v.gemm_n % v.tile.cm_n == 0 && v.tile.warps_k == 1;
      CHECK(v.tile.epilogue == (f16 ? GemmEpilogue::StageF16 : GemmEpilogue::StageF32));
      for (const GemmTile& t : cands) {
        INFO(t.str());
        CHECK(t.warps_k == 1);
        CHECK(t.shared_bytes(false) <= d.max_shared_memory);
        CHECK_NOTHROW(check_gemm_tile(t, false, d, l.name));
      }
    }
  }
  // Least padding: N = 24 and K = 24 take 16x8x8; 1000 classes 16x8x16; N, K multiples of 16 16x16x16.
  const auto shapes = gemm_coopmat_shapes(d);
  REQUIRE(shapes.size() == 3);
  const Layer fc = test::random_layer(LayerKind::Linear, 1280, 1000, 1, Act::None, 5);
  CHECK(choose_variant(fc, {10, 1, 1, 1280}, Precision::FP16, d).tile.cm_n == 8);
  const Layer p24 = test::random_layer(LayerKind::Pointwise, 24, 144, 1, Act::ReLU6, 6);
  const GemmTile t24 = choose_variant(p24, {1, 30, 30, 24}, Precision::FP16, d).tile;
  CHECK((Shape3{t24.cm_m, t24.cm_n, t24.cm_k}) == Shape3{16, 8, 8});
  const Layer p32 = test::random_layer(LayerKind::Pointwise, 32, 32, 1, Act::ReLU6, 7);
  const GemmTile t32 = choose_variant(p32, {1, 30, 30, 32}, Precision::FP16, d).tile;
  CHECK((Shape3{t32.cm_m, t32.cm_n, t32.cm_k}) == Shape3{16, 16, 16});
  // Off, or fp32: SCALAR.
  CHECK(!choose_variant(p32, {1, 30, 30, 32}, Precision::FP16, d, no_coopmat()).coopmat);
  CHECK(!choose_variant(p32, {1, 30, 30, 32}, Precision::FP32, d).coopmat);
}

TEST_CASE("COOPMAT shapes the device lacks are rejected with one line", "[vk][coopmat][errors]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Layer pw = test::random_layer(LayerKind::Pointwise, 24, 40, 1, Act::None, 1);
  VkPlanOptions opt;
  opt.force_coopmat_shape = Shape3{7, 7, 7};
  test::error_text<vk::DeviceError>([&] { VkPlan p(ctx, {pw}, {2, 5, 7, 24}, opt); });
  opt.force_coopmat_shape.reset();
  GemmTile t;
  t.cm_m = 16;
  t.cm_n = 16;
  t.cm_k = 16;
  t.bm = 48;  // not a multiple of warps_m * cm_m
  t.warps_m = 2;
  opt.force_gemm_tile = t;
  test::error_text<vk::DeviceError>([&] { VkPlan p(ctx, {pw}, {2, 5, 7, 24}, opt); });
  opt.force_gemm_tile.reset();
  opt.precision = Precision::FP32;
  if (!gemm_coopmat_shapes(ctx.info()).empty()) {
    opt.force_coopmat_shape = gemm_coopmat_shapes(ctx.info()).front();
    test::error_text<vk::DeviceError>([&] { VkPlan p(ctx, {pw}, {2, 5, 7, 24}, opt); });
  }
}
