// Timeline: a timeline semaphore (Vulkan 1.2 core), a 64-bit counter the GPU
// raises when a submission finishes and the host waits on; and submit(), which
// queues recorded Sequences without waiting and signals a Timeline value when
// they are done. VkPlan's batches in flight are tracked with one (model/vk_plan.h).
#pragma once
#include <vulkan/vulkan.h>

#include <cstdint>
#include <initializer_list>

#include "vk_runtime/context.h"
#include "vk_runtime/handle.h"

namespace effnet::vk {

class Sequence;

class Timeline {
 public:
  // Counter value 0. Throws VulkanError.
  explicit Timeline(Context& ctx);
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  VkSemaphore get() const { return sem_.get(); }
  // The counter now (vkGetSemaphoreCounterValue).
  uint64_t value() const;
  // Blocks until the counter is >= v. With spin_ns > 0 it first polls the
  // counter for up to spin_ns nanoseconds (a core busy, but no wake-up latency
  // of a blocking wait: tens of microseconds on some drivers), then blocks.
  // After timeout_ns (default 10 minutes, as Sequence::submit_and_wait) or a
  // device loss: waits the device idle (nothing left in flight that references
  // the caller's buffers) and throws VulkanError.
  void wait(uint64_t v, uint64_t timeout_ns = 600'000'000'000ull, uint64_t spin_ns = 0) const;

 private:
  Context& ctx_;
  Handle<VkSemaphore> sem_;
};

// A value of a timeline that a submission waits for before any of its commands start.
struct TimelineWait {
  const Timeline* timeline = nullptr;  // nullptr: no wait
  uint64_t value = 0;
};

// Submits the recorded command buffers of `seqs` in this order, in one
// vkQueueSubmit on the queue they were recorded for (all the same
// Sequence::queue_kind()), and returns without waiting; the queue sets `t` to
// `value` (greater than every value signalled before) when they are all done.
// With `wait`, no command starts before wait.timeline reaches wait.value (a
// semaphore wait at all stages: the signalling queue's writes are visible,
// Vulkan spec 7.4.1 "Semaphore Waiting"). A Sequence must not be submitted
// again, nor re-recorded, before then. Throws DeviceError for a Sequence that
// is not recorded or sequences of different queues, VulkanError.
void submit(Context& ctx, std::initializer_list<const Sequence*> seqs, const Timeline& t, uint64_t value,
            TimelineWait wait = {});

}  // namespace effnet::vk
