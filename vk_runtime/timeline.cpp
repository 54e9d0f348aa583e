#include "vk_runtime/timeline.h"

#include <chrono>
#include <vector>

#include "vk_runtime/errors.h"
#include "vk_runtime/sequence.h"

namespace effnet::vk {

Timeline::Timeline(Context& ctx) : ctx_(ctx) {
  VkSemaphoreTypeCreateInfo ti{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
  ti.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  ti.initialValue = 0;
  VkSemaphoreCreateInfo ci{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  ci.pNext = &ti;
  VkSemaphore s = VK_NULL_HANDLE;
  check(vkCreateSemaphore(ctx.device(), &ci, nullptr, &s), "vkCreateSemaphore (timeline)");
  const VkDevice dev = ctx.device();
  sem_ = Handle<VkSemaphore>(s, [dev](VkSemaphore h) { vkDestroySemaphore(dev, h, nullptr); });
}

uint64_t Timeline::value() const {
  uint64_t v = 0;
  check(vkGetSemaphoreCounterValue(ctx_.device(), sem_.get(), &v), "vkGetSemaphoreCounterValue");
  return v;
}

void Timeline::wait(uint64_t v, uint64_t timeout_ns, uint64_t spin_ns) const {
  if (spin_ns > 0) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(spin_ns);
    do {
      if (value() >= v) return;
    } while (std::chrono::steady_clock::now() < until);
  }
  const VkSemaphore s = sem_.get();
  VkSemaphoreWaitInfo wi{VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
  wi.semaphoreCount = 1;
  wi.pSemaphores = &s;
  wi.pValues = &v;
  const VkResult r = vkWaitSemaphores(ctx_.device(), &wi, timeout_ns);
  if (r != VK_SUCCESS) {
    vkDeviceWaitIdle(ctx_.device());  // leave nothing in flight that references the caller's buffers
    throw VulkanError("waiting for the GPU", r);
  }
}

void submit(Context& ctx, std::initializer_list<const Sequence*> seqs, const Timeline& t, uint64_t value,
            TimelineWait wait) {
  std::vector<VkCommandBuffer> cmds;
  const QueueKind kind = seqs.size() ? (*seqs.begin())->queue_kind() : QueueKind::Compute;
  for (const Sequence* s : seqs) {
    if (!s->recorded()) throw DeviceError("vk::submit: a Sequence is not recorded");
    if (s->queue_kind() != kind) throw DeviceError("vk::submit: Sequences of different queues");
    cmds.push_back(s->command_buffer());
  }
  VkTimelineSemaphoreSubmitInfo ts{VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO};
  ts.signalSemaphoreValueCount = 1;
  ts.pSignalSemaphoreValues = &value;
  const VkSemaphore sem = t.get();
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.pNext = &ts;
  si.commandBufferCount = uint32_t(cmds.size());
  si.pCommandBuffers = cmds.data();
  si.signalSemaphoreCount = 1;
  si.pSignalSemaphores = &sem;
  const VkSemaphore wait_sem = wait.timeline ? wait.timeline->get() : VK_NULL_HANDLE;
  const VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
  if (wait.timeline) {
    ts.waitSemaphoreValueCount = 1;
    ts.pWaitSemaphoreValues = &wait.value;
    si.waitSemaphoreCount = 1;
    si.pWaitSemaphores = &wait_sem;
    si.pWaitDstStageMask = &wait_stage;
  }
  check(vkQueueSubmit(ctx.queue(kind), 1, &si, VK_NULL_HANDLE), "vkQueueSubmit");
}

}  // namespace effnet::vk
