// State-dict validation, BatchNorm folding, and the built-in random weights.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>

#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/support/layer_util.h"
#include "tests/support/naive_conv.h"
#include "tests/support/test_util.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;
using test::layer_named;

namespace {

StateDict as_state_dict(std::map<std::string, Tensor> m) {
  StateDict sd;
  for (auto& [name, t] : m) sd[name] = StoredTensor{DType::F32, std::move(t)};
  return sd;
}

std::string fold_error(const StateDict& sd) {
  return test::error_text<ShapeError>([&] { fold_state_dict(sd); });
}

// [rows, classes] tensor holding `bias` in every row.
Tensor broadcast_rows(const std::vector<float>& bias, int64_t rows) {
  Tensor t({rows, int64_t(bias.size())});
  for (int64_t r = 0; r < rows; ++r)
    std::copy(bias.begin(), bias.end(), t.data.begin() + r * int64_t(bias.size()));
  return t;
}

}  // namespace

TEST_CASE("BN folding equals conv followed by BatchNorm in float64", "[weights]") {
  // (conv, bn, input NCHW?, k, stride, groups, activation)
  struct Case {
    std::string conv, bn;
    bool nchw_input;
    int k, stride;
    bool depthwise;
    Act act;
  };
  const Case c = GENERATE(Case{"conv1", "bn1", true, 3, 2, false, Act::ReLU},
                          Case{"mbconv2.0", "mbconv2.1", false, 1, 1, false, Act::ReLU6},
                          Case{"mbconv2.3", "mbconv2.4", false, 3, 2, true, Act::ReLU6},
                          Case{"mbconv5.6", "mbconv5.7", false, 1, 1, false, Act::None});
  INFO(c.conv);
  const auto raw = random_state_dict(7, 10);
  const Network net = fold_state_dict(as_state_dict(raw));
  const Layer& l = layer_named(net, c.conv);
  const Tensor& w = raw.at(c.conv + ".weight");
  const int64_t cout = w.dim(0), cin = c.depthwise ? cout : w.dim(1);
  const Tensor x = c.nchw_input ? test::random_tensor({2, cin, 17, 14}, 60, -2.0f, 2.0f)
                                : test::random_tensor({2, 9, 6, cin}, 61, -2.0f, 2.0f);
  test::Nchw64 y = test::naive_conv2d(test::to_nchw64(x, !c.nchw_input), w.data, cout, c.k, c.stride, c.k / 2,
                                      c.depthwise ? cout : 1);
  const auto& g = raw.at(c.bn + ".weight").data;
  const auto& b = raw.at(c.bn + ".bias").data;
  const auto& m = raw.at(c.bn + ".running_mean").data;
  const auto& v = raw.at(c.bn + ".running_var").data;
  const int64_t hw = y.h * y.w;
  for (size_t i = 0; i < y.v.size(); ++i) {
    const size_t o = size_t(int64_t(i) / hw % cout);
    double t = (y.v[i] - m[o]) / std::sqrt(double(v[o]) + 1e-5) * g[o] + b[o];
    if (c.act == Act::ReLU) t = std::max(t, 0.0);
    if (c.act == Act::ReLU6) t = std::min(std::max(t, 0.0), 6.0);
    y.v[i] = t;
  }
  const Tensor ref = test::to_nhwc(y);
  const Tensor got = cpu_layer(l, x);
  REQUIRE(got.shape == ref.shape);
  CHECK(test::rel_l2(got, ref) <= 1e-6);
}

TEST_CASE("folded network: 24 layers in the documented order", "[weights]") {
  const Network net = random_network(1, 7);
  REQUIRE(net.layers.size() == 24);
  CHECK(net.classes == 7);
  CHECK(net.layers[0].name == "conv1");
  CHECK(net.layers[0].kind == LayerKind::StemConv3x3);
  CHECK(net.layers[0].stride == 2);
  CHECK(net.layers[0].act == Act::ReLU);
  for (size_t i = 0; i < kMBConv.size(); ++i) {
    const std::string p = "mbconv" + std::to_string(i + 1) + ".";
    const Layer& e = net.layers[1 + 3 * i];
    const Layer& d = net.layers[2 + 3 * i];
    const Layer& pr = net.layers[3 + 3 * i];
    CHECK((e.name == p + "0" && e.kind == LayerKind::Pointwise && e.act == Act::ReLU6));
    CHECK((e.cin == kMBConv[i].cin && e.cout == kMBConv[i].hidden()));
    CHECK((d.name == p + "3" && d.kind == LayerKind::Depthwise3x3 && d.act == Act::ReLU6));
    CHECK((d.stride == kMBConv[i].stride && d.cin == d.cout && d.weight.size() == size_t(d.cout) * 9));
    CHECK((pr.name == p + "6" && pr.kind == LayerKind::Pointwise && pr.act == Act::None));
    CHECK(pr.cout == kMBConv[i].cout);
  }
  CHECK((net.layers[22].name == "conv2" && net.layers[22].kind == LayerKind::HeadPool));
  CHECK((net.layers[22].act == Act::ReLU && net.layers[22].cout == kHeadChannels));
  const Layer& fc = net.layers[23];
  CHECK((fc.name == "fc" && fc.kind == LayerKind::Linear && fc.act == Act::None));
  CHECK((fc.cin == kHeadChannels && fc.cout == 7));
  const auto sd = random_state_dict(1, 7);
  CHECK(fc.bias == sd.at("fc.bias").data);
  CHECK(fc.weight == sd.at("fc.weight").data);
}

TEST_CASE("fold_state_dict rejects bad state_dicts, naming the tensor", "[weights]") {
  const StateDict good = as_state_dict(random_state_dict(2, 5));
  StateDict sd = good;
  SECTION("missing tensor") {
    sd.erase("mbconv4.6.weight");
    CHECK_THAT(fold_error(sd), ContainsSubstring("mbconv4.6.weight") && ContainsSubstring("missing"));
  }
  SECTION("wrong shape") {
    sd["mbconv3.4.running_var"].value = test::random_tensor({140}, 70, 0.5f, 1.5f);
    CHECK(fold_error(sd) == "mbconv3.4.running_var: expected shape [144], got [140]");
  }
  SECTION("wrong dtype") {
    sd["conv1.weight"].dtype = DType::I64;
    sd["conv1.weight"].value.data.clear();
    CHECK_THAT(fold_error(sd), ContainsSubstring("conv1.weight") && ContainsSubstring("I64"));
  }
  SECTION("non-finite value") {
    sd["mbconv6.3.weight"].value.data[17] = std::nanf("");
    CHECK_THAT(fold_error(sd), ContainsSubstring("mbconv6.3.weight") && ContainsSubstring("index 17"));
  }
  SECTION("infinite BN value") {
    sd["bn2.bias"].value.data[3] = INFINITY;
    CHECK_THAT(fold_error(sd), ContainsSubstring("bn2.bias") && ContainsSubstring("non-finite"));
  }
  SECTION("finite values that fold to Inf (a huge gamma over a zero running_var)") {
    sd["mbconv3.1.weight"].value.data[4] = 3e38f;
    sd["mbconv3.1.running_var"].value.data[4] = 0.0f;
    CHECK_THAT(fold_error(sd), ContainsSubstring("mbconv3.0.weight") &&
                                   ContainsSubstring("non-finite after BatchNorm folding"));
  }
  SECTION("a finite running_mean that folds the bias to Inf") {
    sd["bn1.running_mean"].value.data[9] = 3e38f;
    sd["bn1.running_var"].value.data[9] = 1e-6f;
    CHECK_THAT(fold_error(sd), ContainsSubstring("bn1.bias") && ContainsSubstring("non-finite"));
  }
  SECTION("negative running_var") {
    sd["mbconv1.1.running_var"].value.data[5] = -0.25f;
    CHECK_THAT(fold_error(sd), ContainsSubstring("mbconv1.1.running_var") && ContainsSubstring("negative"));
  }
  SECTION("fc.weight with the wrong input size") {
    sd["fc.weight"].value = test::random_tensor({5, 1000}, 71);
    CHECK_THAT(fold_error(sd), ContainsSubstring("fc.weight") && ContainsSubstring("[5, 1000]"));
  }
  SECTION("fc.weight with zero classes") {
    sd["fc.weight"].value = Tensor({0, kHeadChannels});
    sd["fc.bias"].value = Tensor({0});
    CHECK_THAT(fold_error(sd), ContainsSubstring("fc.weight"));
  }
  SECTION("fc.bias not matching the class count") {
    sd["fc.bias"].value = test::random_tensor({6}, 72);
    CHECK(fold_error(sd) == "fc.bias: expected shape [5], got [6]");
  }
  SECTION("num_batches_tracked and unknown extras are ignored") {
    sd["bn1.num_batches_tracked"] = StoredTensor{DType::I64, Tensor(std::vector<int64_t>{})};
    sd["bn1.num_batches_tracked"].value.data.clear();
    sd["something.else"] = StoredTensor{DType::U8, Tensor({3})};
    const Network a = fold_state_dict(sd);
    const Network b = fold_state_dict(good);
    CHECK(a.layers[0].weight == b.layers[0].weight);
  }
}

TEST_CASE("load_network reads F32, F16 and BF16 files", "[weights]") {
  const DType dt = GENERATE(DType::F32, DType::F16, DType::BF16);
  test::TempDir dir;
  const auto sd = random_state_dict(3, 12);
  save_safetensors(dir.file("w.safetensors"), sd, dt);
  const Network net = load_network(dir.file("w.safetensors"));
  const Network ref = random_network(3, 12);
  REQUIRE(net.layers.size() == ref.layers.size());
  CHECK(net.classes == 12);
  const Tensor x = test::random_tensor({1, 3, 40, 48}, 73);
  const double err = test::rel_l2(cpu_forward(net, x), cpu_forward(ref, x));
  INFO(dtype_name(dt) << " rel L2 " << err);
  if (dt == DType::F32) {
    CHECK(err == 0.0);
  } else {
    CHECK(err > 0.0);  // really rounded
    CHECK(err <= (dt == DType::F16 ? 1e-2 : 5e-2));
  }
  CHECK_THAT(test::error_text<FileError>([&] { load_network(dir.file("none.safetensors")); }),
             ContainsSubstring("none.safetensors"));
}

TEST_CASE("load_network on the golden weights takes the class count from fc.weight", "[weights][golden]") {
  const Network net = load_network(test::data_path("golden_weights.safetensors"));
  CHECK(net.layers.size() == 24);
  CHECK(net.classes == 1000);
  CHECK(net.layers.back().cout == 1000);
}

TEST_CASE("random_state_dict is deterministic and follows its documented distributions", "[weights]") {
  const auto a = random_state_dict(11, 10);
  const auto b = random_state_dict(11, 10);
  const auto c = random_state_dict(12, 10);
  REQUIRE(a.size() == b.size());
  CHECK(a.size() == 23 * 5 + 2);
  for (const auto& [name, t] : a) {
    INFO(name);
    CHECK(t.data == b.at(name).data);
    CHECK(t.data != c.at(name).data);
    CHECK(t.data.size() == size_t(t.numel()));
  }
  for (const auto& [name, t] : a) {
    const bool is_gamma = name.ends_with(".weight") && t.rank() == 1;
    const bool is_var = name.ends_with("running_var");
    for (float v : t.data) {
      if (is_gamma) REQUIRE((v >= 0.5f && v <= 1.5f));
      if (is_var) REQUIRE(v > 0.0f);
    }
  }
  const auto& w = a.at("mbconv2.0.weight").data;  // fan_in 16: bound 0.25
  CHECK(*std::max_element(w.begin(), w.end()) <= 0.25f);
  CHECK(*std::min_element(w.begin(), w.end()) >= -0.25f);
  CHECK(*std::max_element(w.begin(), w.end()) > 0.2f);
  test::error_text<ShapeError>([&] { random_state_dict(1, 0); });
}

TEST_CASE("random_network keeps the signal: logits depend on the input, not just fc.bias", "[weights]") {
  const Network net = random_network(0, kDefaultClasses);
  // Two different torch.rand-like inputs (iid U[0,1), the hardest case: the global pool
  // averages the differences away) and a normalised-photo-like input.
  Tensor x({3, 3, 112, 112});
  const Tensor r0 = test::random_tensor({1, 3, 112, 112}, 80, 0.0f, 1.0f);
  const Tensor r1 = test::random_tensor({1, 3, 112, 112}, 81, 0.0f, 1.0f);
  const Tensor r2 = test::random_tensor({1, 3, 112, 112}, 82, -2.0f, 2.0f);
  const size_t img = r0.data.size();
  std::copy(r0.data.begin(), r0.data.end(), x.data.begin());
  std::copy(r1.data.begin(), r1.data.end(), x.data.begin() + img);
  std::copy(r2.data.begin(), r2.data.end(), x.data.begin() + 2 * img);
  const Tensor y = cpu_forward(net, x);
  auto row = [&](int64_t r) {
    return Tensor({1, kDefaultClasses}, std::vector<float>(y.data.begin() + r * kDefaultClasses,
                                                           y.data.begin() + (r + 1) * kDefaultClasses));
  };
  const double d01 = test::rel_l2(row(0), row(1));
  const double d02 = test::rel_l2(row(0), row(2));
  const double vs_bias = test::rel_l2(y, broadcast_rows(net.layers.back().bias, 3));
  INFO("rel L2 between inputs: " << d01 << " (two rand), " << d02 << " (rand vs wide); vs fc.bias "
                                 << vs_bias);
  CHECK(d01 >= 0.1);
  CHECK(d02 >= 0.1);
  CHECK(vs_bias >= 0.1);
  for (float v : y.data) REQUIRE(std::isfinite(v));
}
