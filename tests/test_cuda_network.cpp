// CUDA reference end to end: fp32 and fp16 against the CPU reference on random
// weights and inputs over batch {1, 3, 10, 64}, input size {240, 224, 96} and
// classes {1000, 10} (a subset of the product, to keep the GPU run short), and
// against PyTorch's float64 golden logits. Every comparison goes into the
// validation report. Tagged [cuda]: SKIPs without a usable CUDA device.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cuda_ref/cuda_reference.h"
#include "model/cpu_reference.h"
#include "model/npy.h"
#include "model/weights.h"
#include "tests/support/cuda_test_util.h"
#include "tests/support/test_util.h"
#include "tests/support/tolerances.h"
#include "tests/support/validation_report.h"

using namespace effnet;

namespace {

struct E2ECase {
  int batch, size, classes;
  uint64_t seed;
  std::string name() const {
    std::ostringstream s;
    s << "e2e b" << batch << " " << size << "x" << size << " c" << classes << " seed " << seed;
    return s.str();
  }
};

CudaOptions options_for(const Tensor& x, Precision mode) {
  CudaOptions o;
  o.batch = int(x.dim(0));
  o.height = int(x.dim(2));
  o.width = int(x.dim(3));
  o.mode = mode;
  return o;
}

test::Comparison check(const std::string& case_name, const std::string& pair, const Tensor& y,
                       const Tensor& ref, double tol) {
  const test::Comparison c = test::record(case_name, pair, y, ref, tol);
  INFO(c.summary());
  CHECK(c.passed);
  return c;
}

}  // namespace

TEST_CASE("CUDA end to end vs CPU on random weights", "[cuda]") {
  test::require_cuda();
  const E2ECase k = GENERATE(E2ECase{1, 240, 1000, 21}, E2ECase{3, 224, 10, 22}, E2ECase{10, 240, 1000, 23},
                             E2ECase{64, 96, 10, 24}, E2ECase{3, 96, 1000, 25});
  const Network net = random_network(k.seed, k.classes);
  const Tensor x = test::random_tensor({k.batch, 3, k.size, k.size}, k.seed + 1000, 0.0f, 1.0f);
  const Tensor ref = cpu_forward(net, x);

  CudaReference fp32(net, options_for(x, Precision::FP32));
  const Tensor y32 = fp32.run(x);
  check(k.name(), "cuda-fp32 vs cpu", y32, ref, test::kTolFp32);

  CudaReference fp16(net, options_for(x, Precision::FP16));
  CHECK(fp16.uses_graph());
  const Tensor y16 = fp16.run(x);
  check(k.name(), "cuda-fp16 vs cpu", y16, ref, test::kTolCudnnFp16Network);
  check(k.name(), "cuda-fp16 vs cuda-fp32", y16, y32, test::kTolCudnnFp16Network);
  CHECK(fp16.last_gpu_ms() > 0.0f);
  CHECK(fp16.classes() == k.classes);
}

TEST_CASE("CUDA fp16 graph: replays are identical and follow the input", "[cuda]") {
  test::require_cuda();
  const Network net = random_network(31, 1000);
  const Tensor a = test::random_tensor({3, 3, 96, 96}, 1, 0.0f, 1.0f);
  const Tensor b = test::random_tensor({3, 3, 96, 96}, 2, 0.0f, 1.0f);
  CudaReference r(net, options_for(a, Precision::FP16));
  INFO(r.plan_summary());
  REQUIRE(r.uses_graph());
  const Tensor ya1 = r.run(a);
  const Tensor yb = r.run(b);
  const Tensor ya2 = r.run(a);
  CHECK(ya1.data == ya2.data);
  CHECK(test::rel_l2(yb, ya1) > 1e-3);
  // And the graph computes what the eager fp32 reference computes.
  CudaReference ref(net, options_for(b, Precision::FP32));
  check("graph replay b3 96x96 c1000 seed 31", "cuda-fp16 vs cuda-fp32", yb, ref.run(b),
        test::kTolCudnnFp16Network);
}

TEST_CASE("CUDA reference: run() with a shape other than the planned one is a ShapeError", "[cuda]") {
  test::require_cuda();
  const Network net = random_network(1, 10);
  CudaReference r(net, options_for(Tensor({2, 3, 64, 64}), Precision::FP32));
  CHECK_THROWS_AS(r.run(Tensor({1, 3, 64, 64})), ShapeError);
  CHECK_THROWS_AS(r.run(Tensor({2, 3, 64, 63})), ShapeError);
  CHECK_THROWS_AS(r.run(Tensor({2, 3, 64})), ShapeError);
  CHECK(r.run(test::random_tensor({2, 3, 64, 64}, 3)).shape == std::vector<int64_t>{2, 10});
}

TEST_CASE("CUDA end to end vs PyTorch golden logits", "[cuda]") {
  test::require_cuda();
  const std::string weights = test::data_path("golden_weights.safetensors");
  if (!std::filesystem::exists(weights)) SKIP("no golden data in tests/data");
  const Network net = load_network(weights);
  const auto [input, logits] = GENERATE(std::pair{"golden_photo_input.npy", "golden_photo_logits.npy"},
                                        std::pair{"golden_rand_input.npy", "golden_rand_logits.npy"});
  const Tensor x = load_npy(test::data_path(input));
  const Tensor golden = load_npy(test::data_path(logits));
  const std::string case_name = std::string("golden ") + input;

  check(case_name, "cpu vs pytorch-fp64", cpu_forward(net, x), golden, test::kTolFp32);
  CudaReference fp32(net, options_for(x, Precision::FP32));
  check(case_name, "cuda-fp32 vs pytorch-fp64", fp32.run(x), golden, test::kTolFp32);
  CudaReference fp16(net, options_for(x, Precision::FP16));
  check(case_name, "cuda-fp16 vs pytorch-fp64", fp16.run(x), golden, test::kTolCudnnFp16Network);
}

TEST_CASE("CUDA plans and GPU times at the work batch (report info)", "[cuda]") {
  test::require_cuda();
  const Network net = random_network(41, 1000);
  const Tensor x = test::random_tensor({10, 3, 240, 240}, 41, 0.0f, 1.0f);
  for (Precision mode : {Precision::FP32, Precision::FP16}) {
    CudaReference r(net, options_for(x, mode));
    std::vector<float> ms;
    for (int i = 0; i < 30; ++i) {
      (void)r.run(x);
      if (i >= 5) ms.push_back(r.last_gpu_ms());  // the first runs are warm-up
    }
    std::sort(ms.begin(), ms.end());
    const std::string key = std::string("cuda_") + precision_name(mode) + "_b10_240";
    test::record_info(key + "_median_gpu_ms", std::to_string(ms[ms.size() / 2]));
    test::record_info(key + "_plan", r.plan_summary());
    std::cout << r.plan_summary() << "median GPU time " << ms[ms.size() / 2] << " ms\n";
    CHECK(ms.front() > 0.0f);
  }
}
