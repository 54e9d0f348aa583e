// VkPlan's streaming run (submit / wait, model/vk_plan.h): batches in flight
// with different inputs give exactly the logits of separate run() calls,
// whatever the order the tickets are waited in and whatever inflight is; every
// call out of order is a TicketError, never a hang.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <deque>

#include "model/errors.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "tests/support/error_text.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

VkPlanOptions small(Precision p, int inflight) {
  VkPlanOptions o;
  o.batch = 2;
  o.height = 32;
  o.width = 40;
  o.precision = p;
  o.inflight = inflight;
  return o;
}

std::vector<Tensor> inputs(int n) {
  std::vector<Tensor> xs;
  for (int i = 0; i < n; ++i)
    xs.push_back(test::random_tensor({2, 3, 32, 40}, 100 + uint64_t(i), 0.0f, 1.0f));
  return xs;
}

}  // namespace

TEST_CASE("VkPlan streaming: batches in flight equal separate run() calls bit for bit", "[vk][stream]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  if (!precision_supported(ctx.info(), p)) SKIP("no fp16 on " << ctx.info().name);
  const int inflight = GENERATE(1, 2, 3);
  // The upload on the compute queue, or on the transfer queue with the stages
  // waiting on a semaphore (forced: these inputs are below Auto's threshold).
  const UploadQueue queue = GENERATE(UploadQueue::Compute, UploadQueue::Transfer);
  if (queue == UploadQueue::Transfer && !ctx.has_transfer_queue())
    SKIP("no transfer-only queue family on " << ctx.info().name);
  INFO(precision_name(p) << ", inflight " << inflight << ", transfer upload "
                         << (queue == UploadQueue::Transfer));
  const Network net = random_network(11, 10);
  const std::vector<Tensor> xs = inputs(7);
  std::vector<Tensor> ref;
  {
    VkPlan one(ctx, net, small(p, 1));
    for (const Tensor& x : xs) ref.push_back(one.run(x));
  }
  for (size_t i = 1; i < ref.size(); ++i) REQUIRE(ref[i].data != ref[0].data);  // the inputs matter

  VkPlanOptions po = small(p, inflight);
  po.upload_queue = queue;
  po.wait_spin_us = inflight == 2 ? 200 : 0;  // polling before the blocking wait changes nothing
  VkPlan plan(ctx, net, po);
  CHECK(plan.inflight() == inflight);
  CHECK(plan.upload_queue() == queue);
  plan.poison_outputs();  // every element of every slot's logits is written

  // In order, as a pipeline: keep `inflight` batches queued, wait the oldest.
  std::deque<std::pair<size_t, Ticket>> queued;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (int(queued.size()) == inflight) {
      const auto [j, t] = queued.front();
      queued.pop_front();
      CHECK(plan.wait(t).data == ref[j].data);
    }
    queued.emplace_back(i, plan.submit(xs[i]));
    CHECK(plan.outstanding() == int(queued.size()));
  }
  // The rest newest first: a later ticket done implies nothing about reading an earlier one.
  while (!queued.empty()) {
    const auto [j, t] = queued.back();
    queued.pop_back();
    CHECK(plan.wait(t).data == ref[j].data);
  }
  CHECK(plan.outstanding() == 0);
  const PlanTiming timing = plan.last_timing();
  if (timing.available) CHECK(timing.total_ms > 0);

  // A slot freed out of order is the one reused; run() between submits.
  if (inflight >= 2) {
    const Ticket a = plan.submit(xs[0]), b = plan.submit(xs[1]);
    CHECK(b.id > a.id);
    CHECK(plan.wait(b).data == ref[1].data);
    const Ticket c = plan.submit(xs[2]);
    if (inflight == 2)  // both slots taken: a and c
      test::error_text<TicketError>([&] { plan.run(xs[3]); });
    else
      CHECK(plan.run(xs[3]).data == ref[3].data);
    CHECK(plan.wait(a).data == ref[0].data);
    CHECK(plan.wait(c).data == ref[2].data);
  }
  CHECK(plan.run(xs[4]).data == ref[4].data);
  plan.replay();  // the last waited input again, on the device
  CHECK(plan.outstanding() == 0);
}

TEST_CASE("VkPlan streaming: calls out of order are TicketErrors, the plan goes on", "[vk][stream][errors]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(12, 10);
  for (int bad : {0, -1, kMaxInflight + 1})
    test::error_text<ShapeError>([&] { VkPlan p(ctx, net, small(Precision::FP32, bad)); });
  VkPlanOptions spin = small(Precision::FP32, 1);
  spin.wait_spin_us = -2;  // -1 is the default (500 us on a GPU, 0 on a CPU device)
  CHECK(test::error_text<ShapeError>([&] { VkPlan p(ctx, net, spin); }).find("wait_spin_us") !=
        std::string::npos);
  const std::vector<Tensor> xs = inputs(3);
  VkPlan plan(ctx, net, small(Precision::FP32, 2));
  const Tensor ref = plan.run(xs[0]);

  const Ticket a = plan.submit(xs[0]), b = plan.submit(xs[1]);
  const std::string full = test::error_text<TicketError>([&] { plan.submit(xs[2]); });
  CHECK(full.find("2 batches in flight") != std::string::npos);
  test::error_text<TicketError>([&] { plan.run(xs[2]); });
  test::error_text<TicketError>([&] { plan.replay(); });
  test::error_text<TicketError>([&] { plan.poison_outputs(); });
  test::error_text<ShapeError>([&] { plan.submit(test::random_tensor({1, 3, 32, 40}, 1)); });
  CHECK(plan.outstanding() == 2);

  CHECK(plan.wait(a).data == ref.data);
  CHECK(test::error_text<TicketError>([&] { plan.wait(a); }).find("waited already") != std::string::npos);
  CHECK(test::error_text<TicketError>([&] { plan.wait(Ticket{}); }).find("never issued") !=
        std::string::npos);
  CHECK(test::error_text<TicketError>([&] { plan.wait(Ticket{b.id + 1}); }).find("never issued") !=
        std::string::npos);
  plan.wait(b);
  test::error_text<TicketError>([&] { plan.wait(b); });
  CHECK(plan.outstanding() == 0);
  CHECK(plan.run(xs[0]).data == ref.data);

  // Destroyed with batches in flight: it waits for them (no buffer freed under the GPU).
  VkPlan pending(ctx, net, small(Precision::FP32, 3));
  for (const Tensor& x : xs) pending.submit(x);
}

TEST_CASE("VkPlan streaming: each slot adds one device input buffer", "[vk][stream]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(13, 10);
  VkPlan one(ctx, net, small(Precision::FP32, 1)), three(ctx, net, small(Precision::FP32, 3));
  CHECK(three.device_buffer_bytes() - one.device_buffer_bytes() == 2 * 2 * 3 * 32 * 40 * sizeof(float));
}

TEST_CASE("VkPlan upload queue: Auto picks by size, Transfer needs a transfer queue",
          "[vk][stream][errors]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(11, 10);
  // 2x3x32x40 float32: 30 KB, below kTransferUploadBytes.
  CHECK(VkPlan(ctx, net, small(Precision::FP32, 2)).upload_queue() == UploadQueue::Compute);
  VkPlanOptions big = small(Precision::FP32, 1);
  big.batch = 4;
  big.height = big.width = 160;  // 4x3x160x160 float32: 1.2 MB
  CHECK(VkPlan(ctx, net, big).upload_queue() ==
        (ctx.has_transfer_queue() ? UploadQueue::Transfer : UploadQueue::Compute));

  VkPlanOptions t = small(Precision::FP32, 2);
  t.upload_queue = UploadQueue::Transfer;
  if (!ctx.has_transfer_queue()) {
    const std::string e = test::error_text<vk::DeviceError>([&] { (void)VkPlan(ctx, net, t); });
    CHECK(e.find("transfer") != std::string::npos);
    return;
  }
  // A context made without its transfer queue refuses it too.
  vk::ContextOptions co;
  co.gpu = int(ctx.info().index);
  co.transfer_queue = false;
  vk::Context no_transfer(co);
  CHECK_FALSE(no_transfer.has_transfer_queue());
  const std::string e = test::error_text<vk::DeviceError>([&] { (void)VkPlan(no_transfer, net, t); });
  CHECK(e.find("transfer queue") != std::string::npos);
}

TEST_CASE("VkPlan pack_threads: any number of packing threads gives the same logits", "[vk][stream]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(14, 10);
  // 1x3x160x160 float32: 307 KB, above the size from which the input is packed on several threads.
  VkPlanOptions o = small(Precision::FP32, 1);
  o.batch = 1;
  o.height = o.width = 160;
  const Tensor x = test::random_tensor({1, 3, 160, 160}, 7, 0.0f, 1.0f);
  const Tensor ref = VkPlan(ctx, net, o).run(x);
  for (int t : {1, 3}) {
    o.pack_threads = t;
    CHECK(VkPlan(ctx, net, o).run(x).data == ref.data);
  }
  o.pack_threads = -1;
  CHECK(test::error_text<ShapeError>([&] { (void)VkPlan(ctx, net, o); }).find("pack_threads") !=
        std::string::npos);
}
