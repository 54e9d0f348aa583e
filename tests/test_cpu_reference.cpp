// CPU reference: each layer kind against a direct float64 NCHW convolution,
// input validation, and the whole network against PyTorch's float64 logits.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/npy.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/support/naive_conv.h"
#include "tests/support/test_util.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {

Layer random_layer(LayerKind kind, int cin, int cout, int stride, Act act, uint64_t seed) {
  Layer l;
  l.name = "test";
  l.kind = kind;
  l.cin = cin;
  l.cout = cout;
  l.stride = stride;
  l.act = act;
  l.weight = test::random_tensor({kind_weight_count(kind, cin, cout)}, seed, -1.0f, 1.0f).data;
  l.bias = test::random_tensor({cout}, seed + 1, -1.0f, 1.0f).data;
  return l;
}

double act64(Act a, double v) {
  if (a == Act::ReLU) return std::max(v, 0.0);
  if (a == Act::ReLU6) return std::clamp(v, 0.0, 6.0);
  return v;
}

// bias + activation on a float64 NCHW activation.
void bias_act(test::Nchw64& y, const Layer& l) {
  for (int64_t b = 0; b < y.n; ++b)
    for (int64_t c = 0; c < y.c; ++c)
      for (int64_t i = 0; i < y.h * y.w; ++i) {
        double& v = y.v[size_t((b * y.c + c) * y.h * y.w + i)];
        v = act64(l.act, v + l.bias[size_t(c)]);
      }
}

// Golden logits: the network from golden_weights.safetensors on `input`, vs `logits`.
void check_golden(const std::string& input, const std::string& logits) {
  const Network net = load_network(test::data_path("golden_weights.safetensors"));
  const Tensor x = load_npy(test::data_path(input));
  const Tensor ref = load_npy(test::data_path(logits));
  const Tensor y = cpu_forward(net, x);
  REQUIRE(y.shape == ref.shape);
  const double err = test::rel_l2(y, ref);
  INFO("relative L2 vs PyTorch float64: " << err);
  CHECK(err <= 1e-5);  // DESIGN.md: fp32 path <= 1e-5
  for (int64_t b = 0; b < y.dim(0); ++b) CHECK(test::argmax_row(y, b) == test::argmax_row(ref, b));
}

}  // namespace

TEST_CASE("stem conv matches a direct NCHW convolution", "[cpu_reference]") {
  const int stride = GENERATE(1, 2);
  const Layer l = random_layer(LayerKind::StemConv3x3, 3, 5, stride, Act::ReLU, 21);
  const Tensor x = test::random_tensor({2, 3, 13, 10}, 22);
  test::Nchw64 ref = test::naive_conv2d(test::to_nchw64(x, false), l.weight, 5, 3, stride, 1, 1);
  bias_act(ref, l);
  const Tensor y = cpu_layer(l, x);
  CHECK(test::rel_l2(y, test::to_nhwc(ref)) <= 1e-6);
}

TEST_CASE("pointwise conv matches a direct convolution, both ReLU6 bounds hit", "[cpu_reference]") {
  const Act act = GENERATE(Act::None, Act::ReLU, Act::ReLU6);
  const Layer l = random_layer(LayerKind::Pointwise, 24, 40, 1, act, 23);
  const Tensor x = test::random_tensor({3, 7, 5, 24}, 24, -3.0f, 3.0f);
  test::Nchw64 ref = test::naive_conv2d(test::to_nchw64(x, true), l.weight, 40, 1, 1, 0, 1);
  if (act == Act::ReLU6) {
    CHECK(std::any_of(ref.v.begin(), ref.v.end(), [&](double v) { return v > 7.0; }));
  }
  bias_act(ref, l);
  CHECK(test::rel_l2(cpu_layer(l, x), test::to_nhwc(ref)) <= 1e-6);
}

TEST_CASE("depthwise conv matches a grouped direct convolution", "[cpu_reference]") {
  const int stride = GENERATE(1, 2);
  const int h = GENERATE(9, 12);
  const Layer l = random_layer(LayerKind::Depthwise3x3, 11, 11, stride, Act::ReLU6, 25);
  const Tensor x = test::random_tensor({2, h, 7, 11}, 26, -3.0f, 3.0f);
  test::Nchw64 ref = test::naive_conv2d(test::to_nchw64(x, true), l.weight, 11, 3, stride, 1, 11);
  bias_act(ref, l);
  const Tensor y = cpu_layer(l, x);
  CHECK(y.shape == std::vector<int64_t>{2, conv3x3_out(h, stride), conv3x3_out(7, stride), 11});
  CHECK(test::rel_l2(y, test::to_nhwc(ref)) <= 1e-6);
}

TEST_CASE("head conv + ReLU + global average pool, and linear", "[cpu_reference]") {
  const Layer head = random_layer(LayerKind::HeadPool, 6, 9, 1, Act::ReLU, 27);
  const Tensor x = test::random_tensor({2, 5, 3, 6}, 28);
  test::Nchw64 full = test::naive_conv2d(test::to_nchw64(x, true), head.weight, 9, 1, 1, 0, 1);
  bias_act(full, head);
  Tensor pooled({2, 9});
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t c = 0; c < 9; ++c) {
      double s = 0.0;
      for (int64_t i = 0; i < 15; ++i) s += full.v[size_t((b * 9 + c) * 15 + i)];
      pooled.data[size_t(b * 9 + c)] = float(s / 15.0);
    }
  const Tensor y = cpu_layer(head, x);
  CHECK(test::rel_l2(y, pooled) <= 1e-6);

  const Layer fc = random_layer(LayerKind::Linear, 9, 4, 1, Act::None, 29);
  Tensor ref({2, 4});
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t o = 0; o < 4; ++o) {
      double s = fc.bias[size_t(o)];
      for (int64_t k = 0; k < 9; ++k) s += double(y.data[size_t(b * 9 + k)]) * fc.weight[size_t(o * 9 + k)];
      ref.data[size_t(b * 4 + o)] = float(s);
    }
  CHECK(test::rel_l2(cpu_layer(fc, y), ref) <= 1e-6);
}

TEST_CASE("cpu_layer rejects wrong inputs and inconsistent layers", "[cpu_reference]") {
  const Layer pw = random_layer(LayerKind::Pointwise, 8, 4, 1, Act::None, 30);
  const Tensor ok = test::random_tensor({1, 3, 3, 8}, 31);
  CHECK_THAT(test::error_text<ShapeError>([&] {
               cpu_layer(pw, test::random_tensor({1, 3, 3, 7}, 32));
             }),
             ContainsSubstring("[1, 3, 3, 7]") && ContainsSubstring("cin=8"));
  test::error_text<ShapeError>([&] { cpu_layer(pw, test::random_tensor({3, 3, 8}, 33)); });
  test::error_text<ShapeError>([&] { cpu_layer(pw, Tensor({0, 3, 3, 8})); });
  Tensor short_data = ok;
  short_data.data.pop_back();
  test::error_text<ShapeError>([&] { cpu_layer(pw, short_data); });

  Layer bad = pw;
  bad.weight.pop_back();
  CHECK_THAT(test::error_text<ShapeError>([&] { cpu_layer(bad, ok); }), ContainsSubstring("weight has 31"));
  bad = pw;
  bad.bias.push_back(0.5f);
  CHECK_THAT(test::error_text<ShapeError>([&] { cpu_layer(bad, ok); }), ContainsSubstring("bias has 5"));
  Layer dw = random_layer(LayerKind::Depthwise3x3, 8, 8, 2, Act::ReLU6, 34);
  dw.cout = 4;
  test::error_text<ShapeError>([&] { cpu_layer(dw, ok); });
  dw = random_layer(LayerKind::Depthwise3x3, 8, 8, 0, Act::ReLU6, 34);
  test::error_text<ShapeError>([&] { cpu_layer(dw, ok); });

  const Layer stem = random_layer(LayerKind::StemConv3x3, 3, 4, 2, Act::ReLU, 35);
  test::error_text<ShapeError>([&] {
    cpu_layer(stem, test::random_tensor({1, 8, 8, 3}, 36));
  });  // NHWC, not NCHW
  const Layer fc = random_layer(LayerKind::Linear, 8, 4, 1, Act::None, 37);
  test::error_text<ShapeError>([&] { cpu_layer(fc, ok); });
}

TEST_CASE("cpu_forward rejects inputs the network cannot take", "[cpu_reference]") {
  const Network net = random_network(3, 10);
  for (const std::vector<int64_t>& s : std::vector<std::vector<int64_t>>{
           {1, 3, 31, 64}, {1, 3, 64, 16}, {1, 4, 64, 64}, {0, 3, 64, 64}, {3, 64, 64}, {1, 64, 64, 3}}) {
    CHECK_THAT(test::error_text<ShapeError>([&] { cpu_forward(net, test::random_tensor(s, 38)); }),
               ContainsSubstring(shape_str(s)));
  }
  Network empty;
  test::error_text<ShapeError>([&] { cpu_forward(empty, test::random_tensor({1, 3, 32, 32}, 39)); });
}

TEST_CASE("cpu_forward: each image of a batch is computed independently, any H and W", "[cpu_reference]") {
  const Network net = random_network(4, 10);
  const Tensor x = test::random_tensor({2, 3, 45, 32}, 40);
  const Tensor y = cpu_forward(net, x);
  REQUIRE(y.shape == std::vector<int64_t>{2, 10});
  for (int64_t b = 0; b < 2; ++b) {
    const size_t img = size_t(3 * 45 * 32);
    Tensor xb({1, 3, 45, 32}, std::vector<float>(x.data.begin() + b * img, x.data.begin() + (b + 1) * img));
    const Tensor yb = cpu_forward(net, xb);
    Tensor row({1, 10}, std::vector<float>(y.data.begin() + b * 10, y.data.begin() + (b + 1) * 10));
    CHECK(test::rel_l2(yb, row) == 0.0);
  }
}

TEST_CASE("CPU reference matches PyTorch float64 on the photo (1x3x240x240)", "[cpu_reference][golden]") {
  check_golden("golden_photo_input.npy", "golden_photo_logits.npy");
}

TEST_CASE("CPU reference matches PyTorch float64 on torch.rand inputs (3x3x112x112)",
          "[cpu_reference][golden]") {
  check_golden("golden_rand_input.npy", "golden_rand_logits.npy");
}
