// Numbers checked on Vulkan (issue 12): a folded weight that fp16 storage
// cannot hold is refused when the plan is built, naming the tensor; after a
// run with non-finite logits, vk_first_nonfinite_stage re-runs the plan's
// stages one at a time and names the first that produced a NaN or Inf.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "model/errors.h"
#include "model/nonfinite.h"
#include "model/vk_nonfinite.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/support/layer_util.h"
#include "tests/test_vk_support.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {

using test::layer_named;

void set_extreme(Network& net, const std::string& name, float v) {
  test::set_extreme_weights(layer_named(net, name), v);
}

VkPlanOptions small(Precision p, FusePolicy fuse) {
  VkPlanOptions o;
  o.batch = 1;
  o.height = o.width = 32;
  o.precision = p;
  o.fuse = fuse;
  return o;
}

}  // namespace

TEST_CASE("VkPlan fp16 refuses a folded weight that overflows fp16, naming the tensor; fp32 runs it",
          "[vk][numbers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  if (!(ctx.info().fp16_arithmetic && ctx.info().storage16)) SKIP("no fp16 on this device");
  Network net = random_network(4, 10);
  layer_named(net, "mbconv2.6").weight[11] = 70000.0f;
  const std::string msg =
      test::error_text<ShapeError>([&] { VkPlan p(ctx, net, small(Precision::FP16, FusePolicy::Never)); });
  CHECK_THAT(msg, ContainsSubstring("mbconv2.6.weight") && ContainsSubstring("overflows fp16"));
  VkPlan fp32(ctx, net, small(Precision::FP32, FusePolicy::Never));
  CHECK(first_nonfinite(fp32.run(test::random_tensor({1, 3, 32, 32}, 8))) == -1);
  // Depthwise weights stay fp32 in fp16 mode (model/layer_kind.h): no refusal.
  Network dw = random_network(4, 10);
  layer_named(dw, "mbconv2.3").weight[5] = 70000.0f;
  VkPlan ok(ctx, dw, small(Precision::FP16, FusePolicy::Never));
}

TEST_CASE("vk_first_nonfinite_stage names the stage where Inf began", "[vk][numbers]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const bool fp16 = ctx.info().fp16_arithmetic && ctx.info().storage16;
  // fp32: weights of 1e38 on a non-negative input overflow float32; fp16: a
  // weight that fits fp16 (60000) whose outputs do not. The layers whose
  // outputs are stored fp32 (fc in fp16 mode) or whose inputs are signed (the
  // fp32 head: prefix sums may saturate to -Inf, then ReLU gives 0) would be
  // finite, so each precision takes a layer that overflows for sure.
  const auto [p, name, kind, logits_nonfinite] = GENERATE(table<Precision, std::string, std::string, bool>({
      {Precision::FP32, "fc", "linear", true},
      {Precision::FP32, "mbconv5.6", "pointwise", false},  // later ReLU6 clamps may hide it
      {Precision::FP16, "conv2", "head_pool", true},
      {Precision::FP16, "mbconv5.6", "pointwise", false},
  }));
  if (p == Precision::FP16 && !fp16) SKIP("no fp16 on this device");
  const Tensor x = test::random_tensor({1, 3, 32, 32}, 9);
  const VkPlanOptions o = small(p, FusePolicy::Never);
  Network net = random_network(6, 10);
  {
    VkPlan plan(ctx, net, o);
    CHECK(first_nonfinite(plan.run(x)) == -1);
    CHECK(vk_first_nonfinite_stage(ctx, net.layers, plan, o, x).empty());  // a finite run: no stage named
  }
  set_extreme(net, name, p == Precision::FP32 ? 1e38f : 60000.0f);
  VkPlan plan(ctx, net, o);
  const Tensor y = plan.run(x);
  const std::string where = vk_first_nonfinite_stage(ctx, net.layers, plan, o, x);
  CAPTURE(precision_name(p), name, where);
  CHECK(where == name + " (" + kind + ")");
  if (logits_nonfinite) CHECK(first_nonfinite(y) >= 0);
}

TEST_CASE("vk_first_nonfinite_stage names a fused MBConv block as one stage", "[vk][numbers][mbconv]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = ctx.info().fp16_arithmetic && ctx.info().storage16 ? Precision::FP16 : Precision::FP32;
  const Tensor x = test::random_tensor({1, 3, 32, 32}, 10);
  Network net = random_network(7, 10);
  set_extreme(net, "mbconv2.6", p == Precision::FP32 ? 1e38f : 60000.0f);
  const VkPlanOptions o = small(p, FusePolicy::Always);
  VkPlan plan(ctx, net, o);
  bool fused = false;
  for (const Stage& st : plan.stages()) fused = fused || st.name == "mbconv2";
  if (!fused) SKIP("mbconv2 does not fuse on this device");
  CHECK(vk_first_nonfinite_stage(ctx, net.layers, plan, o, x) == "mbconv2 (fused MBConv block)");
}
