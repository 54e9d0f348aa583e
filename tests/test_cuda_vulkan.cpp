// Vulkan against the CUDA reference: per layer (VkPlan on one layer vs
// cuda_layer) and end to end (VkPlan vs CudaReference), Vulkan fp32 and fp16
// each against CUDA fp32, the reference. Needs both a CUDA device and a Vulkan
// device; SKIPs with the reason otherwise. Every comparison goes into the
// validation report.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/generators/catch_generators_range.hpp>
#include <sstream>
#include <tuple>

#include "cuda_ref/cuda_reference.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "tests/support/cuda_test_util.h"
#include "tests/support/test_util.h"
#include "tests/support/tolerances.h"
#include "tests/support/validation_report.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

double tolerance_of(Precision p) { return p == Precision::FP16 ? test::kTolFp16 : test::kTolFp32; }

std::string vulkan_name(Precision p) { return std::string("vulkan-") + precision_name(p); }

void check(const std::string& case_name, const std::string& pair, const Tensor& y, const Tensor& ref,
           double tol) {
  const test::Comparison c = test::record(case_name, pair, y, ref, tol);
  INFO(c.summary());
  CHECK(c.passed);
}

// cpu_layer's layout for `l` with n images of h x w.
Tensor layer_input(const Layer& l, int n, int h, int w, uint64_t seed) {
  return test::random_tensor(layout_dims(kind_info(l.kind).in, {n, h, w, l.cin}), seed);
}

}  // namespace

TEST_CASE("Vulkan vs CUDA per layer: every layer of the network", "[cuda][vk]") {
  test::require_cuda();
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  test::record_info("vulkan_device", ctx.info().name);
  static const Network net = random_network(51, 1000);
  const size_t index = GENERATE(range(size_t{0}, size_t{24}));
  const Layer& l = net.layers.at(index);
  const bool stem = l.kind == LayerKind::StemConv3x3;
  const Tensor x = layer_input(l, 3, stem ? 29 : 13, stem ? 25 : 11, 300 + index);
  const Tensor ref = cuda_layer(l, x, Precision::FP32);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  VkPlanOptions opt;
  opt.precision = p;
  VkPlan plan(ctx, {l}, x.shape, opt);
  plan.poison_outputs();
  const std::string case_name =
      "layer " + l.name + " " + kind_name(l.kind) + " " + act_name(l.act) + " in " + shape_str(x.shape);
  check(case_name, vulkan_name(p) + " vs cuda-fp32", plan.run(x), ref, tolerance_of(p));
}

TEST_CASE("Vulkan vs CUDA end to end on random weights", "[cuda][vk]") {
  test::require_cuda();
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const auto [batch, size, classes] = GENERATE(std::tuple{1, 240, 1000}, std::tuple{10, 240, 1000},
                                               std::tuple{3, 224, 10}, std::tuple{64, 96, 10});
  const uint64_t seed = 60 + uint64_t(batch);
  const Network net = random_network(seed, classes);
  const Tensor x = test::random_tensor({batch, 3, size, size}, seed, 0.0f, 1.0f);
  CudaOptions copt;
  copt.batch = batch;
  copt.height = copt.width = size;
  CudaReference cuda(net, copt);
  const Tensor ref = cuda.run(x);

  std::ostringstream name;
  name << "e2e b" << batch << " " << size << "x" << size << " c" << classes << " seed " << seed;
  for (Precision p : {Precision::FP32, Precision::FP16}) {
    VkPlanOptions opt;
    opt.batch = batch;
    opt.height = opt.width = size;
    opt.precision = p;
    VkPlan plan(ctx, net, opt);
    plan.poison_outputs();
    check(name.str(), vulkan_name(p) + " vs cuda-fp32", plan.run(x), ref,
          p == Precision::FP16 ? test::kTolFp16Network : test::kTolFp32);
  }
}
