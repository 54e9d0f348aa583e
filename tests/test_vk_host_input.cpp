// Zero-copy input (VkPlan::import_input, HostInput; vk::HostImport): the
// caller's memory imported once and read by each batch's upload gives the
// logits of run() on the same values bit for bit, reads the values as they
// are at each submit, and every misuse is a one-line error.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <cstring>
#include <deque>

#include "model/errors.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/test_vk_support.h"
#include "vk_runtime/host_import.h"

using namespace effnet;

namespace {

VkPlanOptions small(int inflight, UploadQueue q) {
  VkPlanOptions o;
  o.batch = 2;
  o.height = 33;  // odd: the uint8 batch is 6534 bytes, not a multiple of 4
  o.width = 33;
  o.precision = Precision::FP32;
  o.inflight = inflight;
  o.upload_queue = q;
  return o;
}

#define SKIP_WITHOUT_HOST_IMPORT(ctx) \
  if (!(ctx).info().host_import) SKIP((ctx).info().name << " lacks VK_EXT_external_memory_host")

}  // namespace

TEST_CASE("HostInput: imported fp32 input streams the logits of run() bit for bit", "[vk][stream][import]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  SKIP_WITHOUT_HOST_IMPORT(ctx);
  const UploadQueue queue = GENERATE(UploadQueue::Compute, UploadQueue::Transfer);
  if (queue == UploadQueue::Transfer && !ctx.has_transfer_queue())
    SKIP("no transfer-only queue family on " << ctx.info().name);
  const int inflight = GENERATE(1, 2);
  INFO("transfer upload " << (queue == UploadQueue::Transfer) << ", inflight " << inflight);
  const Network net = random_network(21, 10);
  std::vector<Tensor> xs;
  for (int i = 0; i < 5; ++i)
    xs.push_back(test::random_tensor({2, 3, 33, 33}, 300 + uint64_t(i), 0.0f, 1.0f));
  VkPlan plan(ctx, net, small(inflight, queue));
  CHECK(plan.can_import_input());
  std::vector<Tensor> ref;
  for (const Tensor& x : xs) ref.push_back(plan.run(x));
  REQUIRE(ref[0].data != ref[1].data);

  // One imported buffer per batch in flight; the values written before each submit.
  std::vector<Tensor> host(size_t(inflight), Tensor({2, 3, 33, 33}));
  std::vector<HostInput> in;
  for (const Tensor& h : host) in.push_back(plan.import_input(h));
  plan.poison_outputs();
  std::deque<std::pair<size_t, Ticket>> queued;
  for (size_t i = 0; i < xs.size(); ++i) {
    const size_t k = i % in.size();
    if (int(queued.size()) == inflight) {
      CHECK(plan.wait(queued.front().second).data == ref[queued.front().first].data);
      queued.pop_front();
    }
    host[k].data = xs[i].data;  // same storage (equal sizes): the import stays valid
    REQUIRE(host[k].data.data() != xs[i].data.data());
    queued.emplace_back(i, plan.submit(in[k]));
  }
  for (const auto& [j, t] : queued) CHECK(plan.wait(t).data == ref[j].data);
  // run(HostInput), and the same buffer again after changing its values.
  host[0].data = xs[4].data;
  CHECK(plan.run(in[0]).data == ref[4].data);
  host[0].data = xs[2].data;
  CHECK(plan.run(in[0]).data == ref[2].data);
}

TEST_CASE("HostInput: imported uint8 images at an odd address equal run(ImagesU8)",
          "[vk][stream][import][u8]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  SKIP_WITHOUT_HOST_IMPORT(ctx);
  const Network net = random_network(22, 10);
  VkPlanOptions o = small(2, UploadQueue::Auto);
  o.input = InputFormat::U8NHWC;
  VkPlan plan(ctx, net, o);
  const size_t bytes = 2 * 33 * 33 * 3;
  std::vector<uint8_t> storage(bytes + 1);
  for (size_t i = 0; i < storage.size(); ++i) storage[i] = uint8_t((i * 7919 + 13) % 251);
  const ImagesU8 x{storage.data() + 1, 2, 33, 33};  // not 4-byte aligned, odd size
  const Tensor ref = plan.run(x);
  HostInput in = plan.import_input(x);
  CHECK(plan.run(in).data == ref.data);
  const Ticket t = plan.submit(in);
  CHECK(plan.wait(t).data == ref.data);
  test::error_text<ShapeError>([&] { plan.import_input(test::random_tensor({2, 3, 33, 33}, 1)); });
}

TEST_CASE("HostInput: misuse is a one-line error; it may outlive its plan", "[vk][stream][import][errors]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(23, 10);
  const Tensor x = test::random_tensor({2, 3, 33, 33}, 5, 0.0f, 1.0f);
  if (ctx.info().host_import) {
    VkPlan a(ctx, net, small(2, UploadQueue::Auto)), b(ctx, net, small(2, UploadQueue::Auto));
    test::error_text<ShapeError>([&] { a.import_input(test::random_tensor({1, 3, 33, 33}, 1)); });
    CHECK(test::error_text<ShapeError>([&] { a.submit(HostInput{}); }).find("empty") != std::string::npos);
    HostInput from_b = b.import_input(x);
    CHECK(test::error_text<ShapeError>([&] { a.submit(from_b); }).find("another plan") != std::string::npos);
    // An fp16 sub-plan starting with a pointwise layer stores its input as fp16 (packed on the host).
    if (precision_supported(ctx.info(), Precision::FP16)) {
      VkPlanOptions h;
      h.precision = Precision::FP16;
      std::vector<Layer> one{test::random_layer(LayerKind::Pointwise, 16, 16, 1, Act::ReLU6, 3)};
      VkPlan p(ctx, one, {1, 8, 8, 16}, h);
      const std::string e = test::error_text<ShapeError>([&] { p.import_input(Tensor({1, 8, 8, 16})); });
      CHECK(e.find("fp16") != std::string::npos);
    }
    // Outliving its plan, with a batch of it waited and one not: no GPU work is left that reads it.
    HostInput kept;
    {
      VkPlan c(ctx, net, small(2, UploadQueue::Auto));
      kept = c.import_input(x);
      c.run(kept);
      c.submit(kept);
    }
    CHECK_FALSE(kept.empty());
    // A zero-size or null import is refused by the runtime.
    test::error_text<vk::DeviceError>([&] { vk::HostImport(ctx, x.data.data(), 0); });
    test::error_text<vk::DeviceError>([&] { vk::HostImport(ctx, nullptr, 64); });
  }
  // A device without VK_EXT_external_memory_host (here: a context that did not enable it).
  vk::ContextOptions co;
  co.gpu = int(ctx.info().index);
  co.host_import = false;
  vk::Context no_import(co);
  CHECK_FALSE(no_import.info().host_import);
  VkPlan plan(no_import, net, small(1, UploadQueue::Auto));
  CHECK_FALSE(plan.can_import_input());
  const std::string e = test::error_text<vk::DeviceError>([&] { plan.import_input(x); });
  CHECK(e.find("VK_EXT_external_memory_host") != std::string::npos);
  CHECK(plan.run(x).data.size() == 20);  // the copying path still works there
}
