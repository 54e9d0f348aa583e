// effnet::Engine (backends/engine.h, docs/API.md): the CPU device equals
// cpu_forward, Vulkan fp32 matches it, the host-array overload equals the
// Tensor one, a new input shape replans, and bad input is a one-line error.
#include <catch2/catch_test_macros.hpp>
#include <limits>

#include "backends/engine.h"
#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/support/test_util.h"
#include "tests/support/tolerances.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

const std::string& weights() {
  static const std::string w = test::data_path("fashion_weights.safetensors");
  return w;
}

EngineOptions on(const std::string& device, Precision p) {
  EngineOptions o;
  o.device = device;
  o.precision = p;
  return o;
}

// fp16 on Vulkan where a device exists (lavapipe in CI), else the CPU.
Engine vk_or_cpu() {
  return Engine(weights(), on(test::shared_context() ? "vulkan" : "cpu", Precision::FP16));
}

}  // namespace

TEST_CASE("Engine on the CPU equals cpu_forward; the host-array run equals the Tensor run", "[vk][engine]") {
  Engine e(weights(), on("cpu", Precision::FP32));
  CHECK(e.classes() == 10);
  CHECK(e.device_line().empty());  // nothing planned yet
  const Tensor x = test::random_tensor({2, 3, 64, 64}, 5, 0.0f, 1.0f);
  const Tensor y = e.run(x);
  CHECK(y.shape == std::vector<int64_t>{2, 10});
  CHECK(y.data == cpu_forward(load_network(weights()), x).data);
  CHECK(e.run(x.data.data(), 2, 64, 64) == y.data);
  CHECK(!e.device_line().empty());
}

TEST_CASE("Engine on Vulkan matches the CPU and replans for a new input shape", "[vk][engine]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  (void)ctx;  // the Engine opens its own context; this only skips where there is no device
  Engine cpu(weights(), on("cpu", Precision::FP32));
  Engine vk(weights(), on("vulkan", Precision::FP32));
  for (const auto& shape : {std::vector<int64_t>{1, 3, 64, 64}, std::vector<int64_t>{3, 3, 48, 40},
                            std::vector<int64_t>{1, 3, 64, 64}}) {
    const Tensor x = test::random_tensor(shape, uint64_t(shape[0] * 7 + shape[2]), 0.0f, 1.0f);
    const Tensor y = vk.run(x);
    INFO(vk.variant_line());
    CHECK(y.shape == std::vector<int64_t>{shape[0], 10});
    CHECK(test::rel_l2(y, cpu.run(x)) <= test::kTolFp32);
    CHECK(vk.run(x).data == y.data);  // the same plan again: bit-identical
  }
  CHECK(vk.device_line().rfind("vulkan", 0) == 0);
}

TEST_CASE("Engine refuses bad input with one-line errors", "[vk][engine]") {
  CHECK_THROWS_AS(Engine(test::data_path("no_such_weights.safetensors")), FileError);
  Engine e(weights(), on("cpu", Precision::FP32));
  CHECK_THROWS_AS(e.run(Tensor({1, 4, 64, 64})), ShapeError);  // 4 channels
  CHECK_THROWS_AS(e.run(Tensor({1, 3, 16, 64})), ShapeError);  // H < 32
  CHECK_THROWS_AS(e.run(Tensor({3, 64, 64})), ShapeError);     // not 4-D
  CHECK_THROWS_AS(e.run(nullptr, 1, 64, 64), ShapeError);
  CHECK_THROWS_AS(e.run(std::vector<float>(10).data(), 0, 64, 64), ShapeError);
  Engine bad(weights(), on("tpu", Precision::FP32));
  CHECK_THROWS_AS(bad.run(Tensor({1, 3, 64, 64})), UsageError);
  // A NaN input is refused on every device (a GPU ReLU may turn it into 0 and a finite, wrong answer).
  Tensor nan({2, 3, 64, 64});
  nan.data[100] = std::numeric_limits<float>::quiet_NaN();
  nan.data[9000] = std::numeric_limits<float>::infinity();
  Engine gpu = vk_or_cpu();
  for (Engine* en : {&e, &gpu}) {
    try {
      en->run(nan);
      FAIL("a non-finite input was run");
    } catch (const ShapeError& err) {
      CHECK(std::string(err.what()).find("non-finite value (nan) at flat index 100") != std::string::npos);
    }
  }
}

TEST_CASE("Engine submit / wait equal run() on every device, tickets in any order", "[vk][engine][stream]") {
  const bool vk = test::shared_context() != nullptr;
  for (const std::string& device :
       vk ? std::vector<std::string>{"cpu", "vulkan"} : std::vector<std::string>{"cpu"}) {
    INFO(device);
    EngineOptions o = on(device, Precision::FP32);
    o.inflight = 2;
    Engine e(weights(), o);
    const Tensor a = test::random_tensor({2, 3, 32, 32}, 21, 0.0f, 1.0f),
                 b = test::random_tensor({2, 3, 32, 32}, 22, 0.0f, 1.0f);
    const Tensor ya = e.run(a), yb = e.run(b);
    REQUIRE(ya.data != yb.data);
    const Ticket ta = e.submit(a), tb = e.submit(b);
    CHECK(test::error_text<TicketError>([&] { e.submit(a); }).find("in flight") != std::string::npos);
    // Another shape would replan under the batches in flight.
    test::error_text<TicketError>([&] { e.submit(test::random_tensor({1, 3, 32, 32}, 23, 0.0f, 1.0f)); });
    CHECK(e.wait(tb).data == yb.data);
    CHECK(e.wait(ta).data == ya.data);
    test::error_text<TicketError>([&] { e.wait(ta); });
    test::error_text<TicketError>([&] { e.wait(Ticket{}); });
    test::error_text<TicketError>([&] { e.wait(Ticket{tb.id + 1}); });
    // A new shape: a new plan, tickets keep growing, the old ones stay spent.
    const Tensor c = test::random_tensor({1, 3, 32, 32}, 23, 0.0f, 1.0f);
    const Ticket tc = e.submit(c);
    CHECK(tc.id > tb.id);
    test::error_text<TicketError>([&] { e.wait(ta); });
    CHECK(e.wait(tc).data == e.run(c).data);
    test::error_text<ShapeError>([&] { e.submit(Tensor({1, 3, 16, 32})); });
  }
  test::error_text<UsageError>([&] {
    EngineOptions o;
    o.inflight = 5;
    Engine bad("", o);
  });
}
