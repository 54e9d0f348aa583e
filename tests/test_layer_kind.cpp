// The table of layer kinds (model/layer_kind.h) against values worked out by
// hand from the reference model: shapes, weight counts, storage, FLOPs, bytes.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "model/errors.h"
#include "model/layer_kind.h"
#include "model/weights.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("layer kinds: names, layouts and shape rules", "[kinds]") {
  CHECK(std::string(kind_name(LayerKind::StemConv3x3)) == "stem");
  CHECK(std::string(kind_name(LayerKind::Pointwise)) == "pointwise");
  CHECK(std::string(kind_name(LayerKind::Depthwise3x3)) == "depthwise");
  CHECK(std::string(kind_name(LayerKind::HeadPool)) == "head_pool");
  CHECK(std::string(kind_name(LayerKind::Linear)) == "linear");
  const ActShape in{3, 13, 11, 24};
  const ActShape dw = kind_out_shape(LayerKind::Depthwise3x3, 24, 2, in);
  CHECK((dw.n == 3 && dw.h == 7 && dw.w == 6 && dw.c == 24));
  const ActShape pw = kind_out_shape(LayerKind::Pointwise, 40, 1, in);
  CHECK((pw.h == 13 && pw.w == 11 && pw.c == 40));
  const ActShape hp = kind_out_shape(LayerKind::HeadPool, 9, 1, in);
  CHECK((hp.h == 1 && hp.w == 1 && hp.c == 9));
  CHECK(layout_dims(kind_info(LayerKind::StemConv3x3).in, {2, 240, 230, 3}) ==
        std::vector<int64_t>{2, 3, 240, 230});
  CHECK(layout_dims(kind_info(LayerKind::StemConv3x3).out, {2, 120, 115, 32}) ==
        std::vector<int64_t>{2, 120, 115, 32});
  CHECK(layout_dims(kind_info(LayerKind::HeadPool).out, {2, 1, 1, 1280}) == std::vector<int64_t>{2, 1280});
  const ActShape back = layout_shape(Layout::NCHW, {2, 3, 240, 230}, "x");
  CHECK((back.n == 2 && back.c == 3 && back.h == 240 && back.w == 230));
  CHECK_THROWS_WITH(layout_shape(Layout::NC, {2, 3, 4, 5}, "x"), ContainsSubstring("x: expected [N, C]"));
}

TEST_CASE("layer kinds: weights and storage", "[kinds]") {
  CHECK(kind_weight_count(LayerKind::StemConv3x3, 3, 32) == 864);
  CHECK(kind_weight_count(LayerKind::Depthwise3x3, 96, 96) == 864);
  CHECK(kind_weight_count(LayerKind::Pointwise, 24, 144) == 3456);
  CHECK(kind_torch_weight_shape(LayerKind::Depthwise3x3, 96, 96) == std::vector<int64_t>{96, 1, 3, 3});
  CHECK(kind_torch_weight_shape(LayerKind::Pointwise, 24, 144) == std::vector<int64_t>{144, 24, 1, 1});
  CHECK(kind_torch_weight_shape(LayerKind::Linear, 1280, 10) == std::vector<int64_t>{10, 1280});
  // fp16 keeps the network input, the stem and depthwise weights and the logits fp32.
  CHECK(storage_bytes(LayerKind::StemConv3x3, TensorRole::Input, Precision::FP16) == 4);
  CHECK(storage_bytes(LayerKind::StemConv3x3, TensorRole::Output, Precision::FP16) == 2);
  CHECK(storage_bytes(LayerKind::Depthwise3x3, TensorRole::Weight, Precision::FP16) == 4);
  CHECK(storage_bytes(LayerKind::Pointwise, TensorRole::Weight, Precision::FP16) == 2);
  CHECK(storage_bytes(LayerKind::Linear, TensorRole::Output, Precision::FP16) == 4);
  CHECK(kind_is_gemm(LayerKind::Pointwise));
  CHECK(kind_is_gemm(LayerKind::HeadPool));
  CHECK(kind_is_gemm(LayerKind::Linear));
  CHECK(!kind_is_gemm(LayerKind::StemConv3x3));
  CHECK(!kind_is_gemm(LayerKind::Depthwise3x3));
  CHECK(precision_names() == std::vector<std::string>{"fp16", "fp32"});
  CHECK(storage_bytes(LayerKind::Linear, TensorRole::Input, Precision::FP16) == 2);
  CHECK(storage_bytes(LayerKind::Pointwise, TensorRole::Output, Precision::FP32) == 4);
  // mbconv2.0 at batch 1, 120x120: 16 -> 96 channels.
  const ActShape in{1, 120, 120, 16}, out{1, 120, 120, 96};
  const MinBytes b = kind_min_bytes(LayerKind::Pointwise, 16, 96, in, out, Precision::FP16);
  CHECK(b.input == 120.0 * 120 * 16 * 2);
  CHECK(b.weights == 16.0 * 96 * 2 + 96 * 4);
  CHECK(b.output == 120.0 * 120 * 96 * 2);
}

TEST_CASE("layer kinds: FLOPs and parameters of the whole network", "[kinds]") {
  const Network net = random_network(3, 1000);
  ActShape s{10, 240, 240, 3};
  double flops = 0;
  int64_t params = 0;
  for (const Layer& l : net.layers) {
    const ActShape o = layer_out_shape(l, s);
    flops += kind_flops(l.kind, l.cin, l.cout, s, o);
    params += kind_weight_count(l.kind, l.cin, l.cout) + l.cout;
    s = o;
  }
  // DESIGN.md: 4.35 GFLOP at batch 10, 2.65 M parameters (BN folded into biases).
  CHECK(flops == 4353241920.0);
  CHECK(params == 2654200);
  // The stem at batch 1: 2 * 27 taps * 32 channels * 120 * 120 pixels; the head
  // conv runs on every input pixel before the pool.
  CHECK(kind_flops(LayerKind::StemConv3x3, 3, 32, {1, 240, 240, 3}, {1, 120, 120, 32}) == 24883200.0);
  CHECK(kind_flops(LayerKind::HeadPool, 320, 1280, {2, 8, 8, 320}, {2, 1, 1, 1280}) ==
        2.0 * 2 * 64 * 320 * 1280);
}
