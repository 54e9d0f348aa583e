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
#include "tests/support/golden.h"
#include "tests/support/tolerances.h"
#include "tests/support/validation_report.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

// End-to-end bounds (tests/support/tolerances.h): against the golden logits,
// fp16 must be at least as accurate as PyTorch's own fp16 on the same input
// (golden_fp16_tol); on random networks, kTolFp16Network.
double network_tol(Precision p) { return p == Precision::FP16 ? test::kTolFp16Network : test::kTolFp32; }

void check_network_err(double err, Precision p) { CHECK(err <= network_tol(p)); }

// Returns the logits.
Tensor check_golden(vk::Context& ctx, const std::string& golden_case, Precision p,
                    FusePolicy fuse = FusePolicy::Auto) {
  const std::string input = "golden_" + golden_case + "_input.npy",
                    logits = "golden_" + golden_case + "_logits.npy";
  const Network net = load_network(test::data_path("golden_weights.safetensors"));
  const Tensor x = load_npy(test::data_path(input));
  const Tensor ref = load_npy(test::data_path(logits));
  VkPlanOptions opt;
  opt.batch = int(x.shape[0]);
  opt.height = int(x.shape[2]);
  opt.width = int(x.shape[3]);
  opt.precision = p;
  opt.fuse = fuse;
  VkPlan plan(ctx, net, opt);
  plan.poison_outputs();
  const Tensor y = plan.run(x);
  const double err = test::rel_l2(y, ref);
  UNSCOPED_INFO(input << " " << precision_name(p) << " fuse " << fuse_policy_name(fuse) << ": rel L2 "
                      << err);
  const double tol = p == Precision::FP16 ? test::golden_fp16_tol(golden_case) : test::kTolFp32;
  const test::Comparison c = test::record(
      "golden " + golden_case, std::string("vulkan-") + precision_name(p) + " vs pytorch-fp64", y, ref, tol);
  INFO(c.summary());
  CHECK(c.passed);
  for (int64_t i = 0; i < ref.shape[0]; ++i) CHECK(test::argmax_row(y, i) == test::argmax_row(ref, i));
  return y;
}

}  // namespace

TEST_CASE("Vulkan end to end matches the PyTorch golden logits on the photo", "[vk][network][golden]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  check_golden(ctx, "photo", p);
}

TEST_CASE("Vulkan end to end fused and layer by layer: both match the golden logits and each other",
          "[vk][network][golden][mbconv]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  const Tensor fused = check_golden(ctx, "photo", p, FusePolicy::Always);
  const Tensor unfused = check_golden(ctx, "photo", p, FusePolicy::Never);
  CHECK(test::rel_l2(fused, unfused) <= (p == Precision::FP16 ? test::kTolFp16Network : test::kTolFp32));
}

TEST_CASE("Vulkan end to end matches the PyTorch golden logits on torch.rand inputs",
          "[vk][network][golden]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  check_golden(ctx, "rand", p);
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
  opt.fuse = FusePolicy::Always;
  VkPlan plan(ctx, net, opt);
  REQUIRE(plan.input_shape() == std::vector<int64_t>{2, 3, 67, 45});
  REQUIRE(plan.output_shape() == std::vector<int64_t>{2, 100});
  plan.poison_outputs();
  const Tensor y = plan.run(x);
  const double err = test::rel_l2(y, ref);
  UNSCOPED_INFO(precision_name(p) << ": rel L2 " << err);
  const test::Comparison c =
      test::record("e2e b2 67x45 c100 seed 7", std::string("vulkan-") + precision_name(p) + " vs cpu", y, ref,
                   network_tol(p));
  INFO(c.summary());
  CHECK(c.passed);

  // The report: stages covering every layer once, in order, in the chosen
  // precision; with fuse Always each of the 7 blocks is one fused stage.
  size_t covered = 0;
  for (const auto& st : plan.stages()) {
    CHECK(st.first == covered);
    covered += st.count;
    CHECK(st.shader().find(precision_name(p)) != std::string::npos);
    CHECK(!st.describe().empty());
    CHECK(st.flops() > 0);
  }
  CHECK(covered == net.layers.size());
  CHECK(plan.stages().size() == net.layers.size() - 2 * kMBConv.size());
  CHECK(plan.variants().size() == plan.stages().size() - kMBConv.size());
  CHECK(plan.stages().front().shader().rfind("stem_conv", 0) == 0);
  CHECK(plan.stages()[1].kind == StageKind::MBConv);
  CHECK(plan.stages()[1].name == "mbconv1");
  CHECK(plan.stages().back().shader().rfind("gemm", 0) == 0);
  // Default recording: one timestamp before and after the forward, no per-stage times.
  const PlanTiming t = plan.last_timing();
  if (t.available) {
    CHECK(t.stage_ms.empty());
    CHECK(t.total_ms > 0);
  }
  // A second batch through the same plan.
  const Tensor x2 = test::random_tensor({2, 3, 67, 45}, 9, 0.0f, 1.0f);
  check_network_err(test::rel_l2(plan.run(x2), cpu_forward(net, x2)), p);

  // Profiled recording: a time per stage, same results.
  opt.profile_layers = true;
  VkPlan profiled(ctx, net, opt);
  profiled.poison_outputs();
  const Tensor y2 = profiled.run(x2);
  check_network_err(test::rel_l2(y2, cpu_forward(net, x2)), p);
  const PlanTiming tp = profiled.last_timing();
  if (tp.available) {
    CHECK(tp.stage_ms.size() == profiled.stages().size());
    CHECK(tp.total_ms > 0);
  }
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
