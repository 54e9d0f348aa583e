// uint8 NHWC input on Vulkan (VkPlanOptions::input = InputFormat::U8NHWC,
// shaders/stem_conv.comp -DINPUT_U8): the bytes are turned into the network
// input inside the stem, so a plan fed uint8 images must equal, bit for bit,
// the same plan fed images_u8_to_nchw of them as float32 (the host
// preprocessing), at every border (odd sizes, padding 1, stride 2), with and
// without normalisation, fp32 and fp16; the whole network and the streaming
// run too; and every wrong use is a one-line ShapeError.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <vector>

#include "backends/engine.h"
#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/preprocess.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/support/tolerances.h"
#include "tests/test_vk_support.h"

using namespace effnet;

TEST_CASE("the stem on uint8 NHWC input equals the stem on the host-normalised float32 input",
          "[vk][u8][layers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  if (!precision_supported(ctx.info(), p)) SKIP("no fp16 on this device");
  const bool normalize = GENERATE(true, false);
  const auto hw = GENERATE(std::array<int, 2>{33, 47}, std::array<int, 2>{2, 3}, std::array<int, 2>{16, 16});
  const std::vector<Layer> stem = {test::random_layer(LayerKind::StemConv3x3, 3, 32, 2, Act::ReLU, 3)};
  const std::vector<uint8_t> px =
      test::random_bytes(size_t(3 * hw[0] * hw[1] * 3), uint32_t(hw[0] * 131 + hw[1]));
  const ImagesU8 x{px.data(), 3, hw[0], hw[1]};
  CAPTURE(precision_name(p), normalize, hw[0], hw[1]);
  VkPlanOptions f32;
  f32.precision = p;
  VkPlanOptions u8 = f32;
  u8.input = InputFormat::U8NHWC;
  u8.normalize = normalize;
  VkPlan a(ctx, stem, {3, hw[0], hw[1], 3}, u8);
  VkPlan b(ctx, stem, {3, 3, hw[0], hw[1]}, f32);
  INFO(a.describe());
  CHECK(a.describe().find("uint8") != std::string::npos);
  CHECK(a.input_shape() == std::vector<int64_t>{3, hw[0], hw[1], 3});
  a.poison_outputs();
  const Tensor ya = a.run(x);
  const Tensor xf = images_u8_to_nchw(x, normalize);
  const Tensor yb = b.run(xf);
  CHECK(ya.shape == yb.shape);
  CHECK(ya.data == yb.data);  // the same values reach the same arithmetic
  CHECK(test::rel_l2(ya, cpu_layer(stem[0], xf)) <= (p == Precision::FP16 ? test::kTolFp16 : test::kTolFp32));
}

TEST_CASE("the network on uint8 input equals it on float32 input; streaming keeps every batch apart",
          "[vk][u8][network][stream]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(5, 10);
  VkPlanOptions opt;
  opt.precision = Precision::FP32;
  opt.batch = 2;
  opt.height = 35;
  opt.width = 32;
  VkPlan f32(ctx, net, opt);
  opt.input = InputFormat::U8NHWC;
  VkPlan u8(ctx, net, opt);
  CHECK(u8.input_shape() == std::vector<int64_t>{2, 35, 32, 3});
  std::vector<std::vector<uint8_t>> px;
  std::vector<Tensor> ref;
  for (uint32_t i = 0; i < 3; ++i) {
    px.push_back(test::random_bytes(size_t(2 * 35 * 32 * 3), 100 + i));
    ref.push_back(f32.run(images_u8_to_nchw(ImagesU8{px.back().data(), 2, 35, 32}, true)));
  }
  CHECK(u8.run(ImagesU8{px[0].data(), 2, 35, 32}).data == ref[0].data);
  // Two in flight, waited out of order; then the third in the freed slot.
  const Ticket t0 = u8.submit(ImagesU8{px[0].data(), 2, 35, 32});
  const Ticket t1 = u8.submit(ImagesU8{px[1].data(), 2, 35, 32});
  CHECK(u8.wait(t1).data == ref[1].data);
  const Ticket t2 = u8.submit(ImagesU8{px[2].data(), 2, 35, 32});
  CHECK(u8.wait(t0).data == ref[0].data);
  CHECK(u8.wait(t2).data == ref[2].data);
}

TEST_CASE("uint8 input: the wrong format, shape, pointer or first layer is a one-line ShapeError",
          "[vk][u8][errors]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const std::vector<Layer> stem = {test::random_layer(LayerKind::StemConv3x3, 3, 16, 2, Act::ReLU, 1)};
  VkPlanOptions u8;
  u8.precision = Precision::FP32;
  u8.input = InputFormat::U8NHWC;
  VkPlan a(ctx, stem, {1, 8, 8, 3}, u8);
  const std::vector<uint8_t> px(8 * 8 * 3 * 2, 7);
  test::error_text<ShapeError>([&] { a.run(test::random_tensor({1, 3, 8, 8}, 1)); });  // float32 into uint8
  test::error_text<ShapeError>([&] { a.run(ImagesU8{px.data(), 2, 8, 8}); });          // another batch
  test::error_text<ShapeError>([&] { a.run(ImagesU8{px.data(), 1, 8, 4}); });          // another size
  test::error_text<ShapeError>([&] { a.run(ImagesU8{nullptr, 1, 8, 8}); });
  CHECK(a.run(ImagesU8{px.data(), 1, 8, 8}).shape == std::vector<int64_t>{1, 4, 4, 16});  // still works
  VkPlanOptions f32 = u8;
  f32.input = InputFormat::F32NCHW;
  VkPlan b(ctx, stem, {1, 3, 8, 8}, f32);
  test::error_text<ShapeError>([&] { b.run(ImagesU8{px.data(), 1, 8, 8}); });  // uint8 into float32
  // Not a 3-channel NHWC shape, a stem of 4 input channels, no stem first.
  test::error_text<ShapeError>([&] { VkPlan p(ctx, stem, {1, 3, 8, 8}, u8); });
  const std::vector<Layer> stem4 = {test::random_layer(LayerKind::StemConv3x3, 4, 16, 2, Act::ReLU, 1)};
  test::error_text<ShapeError>([&] { VkPlan p(ctx, stem4, {1, 8, 8, 4}, u8); });
  const std::vector<Layer> pw = {test::random_layer(LayerKind::Pointwise, 3, 16, 1, Act::None, 1)};
  test::error_text<ShapeError>([&] { VkPlan p(ctx, pw, {1, 8, 8, 3}, u8); });
}

TEST_CASE("Engine runs uint8 images: equal to its float32 run of the host conversion, cpu and Vulkan",
          "[vk][u8][engine]") {
  const std::string w = test::data_path("fashion_weights.safetensors");
  const std::vector<uint8_t> px = test::random_bytes(size_t(2 * 64 * 64 * 3), 9);
  const ImagesU8 x{px.data(), 2, 64, 64};
  std::vector<std::string> devices = {"cpu"};
  if (test::shared_context()) devices.push_back("vulkan");
  for (const std::string& d : devices) {
    for (const bool normalize : {true, false}) {
      CAPTURE(d, normalize);
      EngineOptions o;
      o.device = d;
      o.precision = Precision::FP32;
      o.normalize = normalize;
      Engine e(w, o);
      const Tensor y = e.run(x);
      CHECK(y.shape == std::vector<int64_t>{2, 10});
      CHECK(e.run(images_u8_to_nchw(x, normalize)).data == y.data);  // switching formats replans
      CHECK(e.wait(e.submit(x)).data == y.data);
    }
  }
  Engine e(w, EngineOptions{});
  test::error_text<ShapeError>([&] { e.run(ImagesU8{nullptr, 1, 64, 64}); });
  test::error_text<ShapeError>([&] { e.run(ImagesU8{px.data(), 1, 16, 64}); });
}
