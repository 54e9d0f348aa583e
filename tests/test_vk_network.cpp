// The whole network on Vulkan: against the PyTorch golden logits and against
// cpu_forward on a random network at an odd input size; plan errors; the
// variant report and timestamps.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/npy.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/support/tolerances.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

// End-to-end fp16 bound. The 2e-3 (test::kTolFp16) is below what fp16
// storage can reach on every input: PyTorch's own fp16 forward is 2.77e-3 off
// on the torch.rand golden case (tests/data/golden_meta.json), and a CPU
// simulation that only rounds weights and activations to fp16 (float64
// arithmetic) gives 2.3e-3 there and 4.5e-3 on random_network(7) at 67x45.
// The network amplifies the rounding of early activations (no residuals). So
// the hard bound end to end is this; a result above kTolFp16 is reported with
// WARN. Layer tests keep kTolFp16. (Lead: decide, then move to tolerances.h.)
constexpr double kTolFp16Network = 5e-3;

double network_tol(Precision p) { return p == Precision::FP16 ? kTolFp16Network : test::kTolFp32; }

void check_network_err(double err, Precision p) {
  CHECK(err <= network_tol(p));
  if (p == Precision::FP16 && err > test::kTolFp16)
    WARN("fp16 end-to-end rel L2 " << err << " > " << test::kTolFp16);
}

// Rows whose top-2 margin exceeds what an error within tolerance could close
// must keep their arg-max (tests/support/tolerances.h).
void check_top1(const Tensor& y, const Tensor& ref, double tolerance) {
  const int64_t c = ref.shape[1];
  for (int64_t i = 0; i < ref.shape[0]; ++i) {
    const int top = test::argmax_row(ref, i);
    double second = -1e300, norm = 0;
    for (int64_t j = 0; j < c; ++j) {
      const double v = ref.data[size_t(i * c + j)];
      norm += v * v;
      if (j != top) second = std::max(second, v);
    }
    const double margin = ref.data[size_t(i * c + top)] - second;
    if (margin > test::kTop1MarginFactor * tolerance * std::sqrt(norm)) CHECK(test::argmax_row(y, i) == top);
  }
}

void check_golden(vk::Context& ctx, const std::string& input, const std::string& logits, Precision p) {
  const Network net = load_network(test::data_path("golden_weights.safetensors"));
  const Tensor x = load_npy(test::data_path(input));
  const Tensor ref = load_npy(test::data_path(logits));
  VkPlanOptions opt;
  opt.batch = int(x.shape[0]);
  opt.height = int(x.shape[2]);
  opt.width = int(x.shape[3]);
  opt.precision = p;
  VkPlan plan(ctx, net, opt);
  plan.poison_outputs();
  const Tensor y = plan.run(x);
  const double err = test::rel_l2(y, ref);
  UNSCOPED_INFO(input << " " << precision_name(p) << ": rel L2 " << err);
  check_network_err(err, p);
  check_top1(y, ref, network_tol(p));
  for (int64_t i = 0; i < ref.shape[0]; ++i) CHECK(test::argmax_row(y, i) == test::argmax_row(ref, i));
}

}  // namespace

TEST_CASE("Vulkan end to end matches the PyTorch golden logits on the photo", "[vk][network][golden]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  check_golden(ctx, "golden_photo_input.npy", "golden_photo_logits.npy", p);
}

TEST_CASE("Vulkan end to end matches the PyTorch golden logits on torch.rand inputs",
          "[vk][network][golden]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  check_golden(ctx, "golden_rand_input.npy", "golden_rand_logits.npy", p);
}

TEST_CASE("Vulkan end to end matches cpu_forward at batch 2 and 67x45", "[vk][network]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Network net = random_network(7, 100);
  const Tensor x = test::random_tensor({2, 3, 67, 45}, 8, 0.0f, 1.0f);
  const Tensor ref = cpu_forward(net, x);
  VkPlanOptions opt;
  opt.batch = 2;
  opt.height = 67;
  opt.width = 45;
  opt.precision = p;
  VkPlan plan(ctx, net, opt);
  REQUIRE(plan.input_shape() == std::vector<int64_t>{2, 3, 67, 45});
  REQUIRE(plan.output_shape() == std::vector<int64_t>{2, 100});
  plan.poison_outputs();
  const Tensor y = plan.run(x);
  const double err = test::rel_l2(y, ref);
  UNSCOPED_INFO(precision_name(p) << ": rel L2 " << err);
  check_network_err(err, p);
  check_top1(y, ref, network_tol(p));

  // The report: one variant per layer, in the chosen precision.
  REQUIRE(plan.variants().size() == net.layers.size());
  for (const auto& v : plan.variants()) {
    CHECK(v.shader.find(precision_name(p)) != std::string::npos);
    CHECK(!v.describe().empty());
    CHECK(v.flops > 0);
  }
  CHECK(plan.variants().front().shader.rfind("stem_conv", 0) == 0);
  CHECK(plan.variants().back().shader.rfind("gemm", 0) == 0);
  const PlanTiming t = plan.last_timing();
  if (t.available) {
    CHECK(t.layer_ms.size() == net.layers.size());
    CHECK(t.total_ms > 0);
  }
  // A second batch through the same plan.
  const Tensor x2 = test::random_tensor({2, 3, 67, 45}, 9, 0.0f, 1.0f);
  check_network_err(test::rel_l2(plan.run(x2), cpu_forward(net, x2)), p);
}

TEST_CASE("VkPlan rejects batch 0, inputs under 32x32 and a wrong input shape", "[vk][network][errors]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(3, 10);
  VkPlanOptions opt;
  opt.precision = Precision::FP32;
  opt.height = opt.width = 32;
  opt.batch = 0;
  test::error_text<ShapeError>([&] { VkPlan p(ctx, net, opt); });
  opt.batch = -1;
  test::error_text<ShapeError>([&] { VkPlan p(ctx, net, opt); });
  opt.batch = 1;
  opt.height = 31;
  test::error_text<ShapeError>([&] { VkPlan p(ctx, net, opt); });
  opt.height = 32;
  opt.width = 20;
  test::error_text<ShapeError>([&] { VkPlan p(ctx, net, opt); });
  opt.width = 33;
  VkPlan plan(ctx, net, opt);
  CHECK(plan.output_shape() == std::vector<int64_t>{1, 10});
  test::error_text<ShapeError>([&] { plan.run(test::random_tensor({1, 3, 33, 32}, 1)); });
  test::error_text<ShapeError>([&] { plan.run(test::random_tensor({2, 3, 32, 33}, 1)); });
  test::error_text<ShapeError>([&] { plan.run(Tensor{}); });
  const Tensor y = plan.run(test::random_tensor({1, 3, 32, 33}, 1));  // the plan still works
  CHECK(test::rel_l2(y, cpu_forward(net, test::random_tensor({1, 3, 32, 33}, 1))) <= test::kTolFp32);
  Network broken = net;
  broken.layers.pop_back();
  test::error_text<ShapeError>([&] { VkPlan p(ctx, broken, opt); });
}
