#include "vk_runtime/sequence.h"

#include <string>

#include "vk_runtime/errors.h"

namespace effnet::vk {
namespace {

VkPipelineStageFlags stage_bits(bool transfer, bool compute) {
  VkPipelineStageFlags s = 0;
  if (transfer) s |= VK_PIPELINE_STAGE_TRANSFER_BIT;
  if (compute) s |= VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
  return s ? s : VkPipelineStageFlags(VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT);
}

}  // namespace

Sequence::Sequence(Context& ctx, uint32_t timestamp_slots, QueueKind queue) : ctx_(ctx), kind_(queue) {
  const VkDevice dev = ctx.device();
  const VkCommandPool pool = ctx.command_pool(queue);  // DeviceError without that queue
  if (queue == QueueKind::Transfer) timestamp_slots = 0;
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  check(vkAllocateCommandBuffers(dev, &ai, &cmd_), "vkAllocateCommandBuffers");

  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence f = VK_NULL_HANDLE;
  VkResult r = vkCreateFence(dev, &fi, nullptr, &f);
  if (r != VK_SUCCESS) {
    vkFreeCommandBuffers(dev, pool, 1, &cmd_);
    throw VulkanError("vkCreateFence", r);
  }
  fence_ = Handle<VkFence>(f, [dev](VkFence h) { vkDestroyFence(dev, h, nullptr); });

  if (timestamp_slots > 0 && ctx.info().timestamp_valid_bits > 0) {
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = timestamp_slots;
    VkQueryPool q = VK_NULL_HANDLE;
    r = vkCreateQueryPool(dev, &qi, nullptr, &q);
    if (r != VK_SUCCESS) {
      vkFreeCommandBuffers(dev, pool, 1, &cmd_);
      throw VulkanError("vkCreateQueryPool", r);
    }
    query_pool_ = Handle<VkQueryPool>(q, [dev](VkQueryPool h) { vkDestroyQueryPool(dev, h, nullptr); });
    slots_ = timestamp_slots;
  }
}

Sequence::~Sequence() {
  if (cmd_) {
    vkFreeCommandBuffers(ctx_.device(), ctx_.command_pool(kind_), 1, &cmd_);
  }
}

void Sequence::begin() {
  check(vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  check(vkBeginCommandBuffer(cmd_, &bi), "vkBeginCommandBuffer");
  if (query_pool_) vkCmdResetQueryPool(cmd_, query_pool_.get(), 0, slots_);
  pending_reads_.clear();
  pending_writes_.clear();
  slots_written_ = 0;
  recorded_ = false;
}

void Sequence::track(const std::vector<VkBuffer>& reads, const std::vector<VkBuffer>& writes, Stage stage) {
  bool conflict = false;
  for (VkBuffer b : reads) conflict |= pending_writes_.count(b) > 0;
  for (VkBuffer b : writes) conflict |= pending_writes_.count(b) > 0 || pending_reads_.count(b) > 0;
  if (conflict) {
    bool src_transfer = false, src_compute = false;
    for (const auto* m : {&pending_reads_, &pending_writes_})
      for (const auto& [buf, st] : *m) (st == Stage::Transfer ? src_transfer : src_compute) = true;
    const bool dst_transfer = stage == Stage::Transfer;
    // Access masks only of the stages named (VUID-vkCmdPipelineBarrier-srcAccessMask-02815, -02816).
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask =
        (src_transfer ? VK_ACCESS_TRANSFER_WRITE_BIT : 0) | (src_compute ? VK_ACCESS_SHADER_WRITE_BIT : 0);
    mb.dstAccessMask = dst_transfer ? VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT
                                    : VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    vkCmdPipelineBarrier(cmd_, stage_bits(src_transfer, src_compute), stage_bits(dst_transfer, !dst_transfer),
                         0, 1, &mb, 0, nullptr, 0, nullptr);
    pending_reads_.clear();
    pending_writes_.clear();
  }
  for (VkBuffer b : reads) pending_reads_[b] = stage;
  for (VkBuffer b : writes) pending_writes_[b] = stage;
}

void Sequence::full_barrier() {
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
  vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 1,
                       &mb, 0, nullptr, 0, nullptr);
  pending_reads_.clear();
  pending_writes_.clear();
}

void Sequence::copy_region(VkBuffer src, size_t src_offset, const Buffer& dst, size_t bytes) {
  track({src}, {dst.get()}, Stage::Transfer);
  VkBufferCopy region{src_offset, 0, bytes};
  vkCmdCopyBuffer(cmd_, src, dst.get(), 1, &region);
}

void Sequence::copy(const Buffer& src, const Buffer& dst, size_t bytes) {
  copy_region(src.get(), 0, dst, bytes);
}

void Sequence::copy(const HostImport& src, const Buffer& dst, size_t bytes) {
  if (bytes > src.size() || bytes > dst.size())
    throw DeviceError("Sequence::copy: " + std::to_string(bytes) + " bytes from a " +
                      std::to_string(src.size()) + "-byte host import into a " + std::to_string(dst.size()) +
                      "-byte buffer");
  copy_region(src.get(), src.offset(), dst, bytes);
}

void Sequence::fill(const Buffer& dst, uint32_t word) {
  track({}, {dst.get()}, Stage::Transfer);
  vkCmdFillBuffer(cmd_, dst.get(), 0, VK_WHOLE_SIZE, word);
}

void Sequence::require_compute(const char* what) const {
  if (kind_ != QueueKind::Compute)
    throw DeviceError(std::string("Sequence::") + what + ": not on a transfer queue (copies and fills only)");
}

void Sequence::dispatch(const Algorithm& alg, const void* push, uint32_t gx, uint32_t gy, uint32_t gz) {
  require_compute("dispatch");
  std::vector<VkBuffer> reads, writes;
  for (const auto& b : alg.bindings()) (b.writes ? writes : reads).push_back(b.buffer->get());
  track(reads, writes, Stage::Compute);
  vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, alg.pipeline());
  const VkDescriptorSet set = alg.descriptor_set();
  vkCmdBindDescriptorSets(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, alg.layout(), 0, 1, &set, 0, nullptr);
  if (alg.push_constant_bytes() > 0)
    vkCmdPushConstants(cmd_, alg.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, alg.push_constant_bytes(), push);
  vkCmdDispatch(cmd_, gx, gy, gz);
}

void Sequence::timestamp(uint32_t slot) {
  require_compute("timestamp");
  if (!query_pool_) return;
  if (slot >= slots_)
    throw DeviceError("Sequence::timestamp: slot " + std::to_string(slot) + " >= " + std::to_string(slots_));
  full_barrier();  // the work before the timestamp is finished when it is written
  vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, query_pool_.get(), slot);
  full_barrier();  // and later work does not start before it
  slots_written_ = std::max(slots_written_, slot + 1);
}

void Sequence::barrier() {
  require_compute("barrier");
  full_barrier();
}

void Sequence::host_barrier() {
  require_compute("host_barrier");
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

void Sequence::end() {
  check(vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
  recorded_ = true;
}

void Sequence::submit_and_wait(uint64_t timeout_ns) {
  if (!recorded_) throw DeviceError("Sequence::submit_and_wait: nothing recorded");
  const VkFence f = fence_.get();
  check(vkResetFences(ctx_.device(), 1, &f), "vkResetFences");
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd_;
  check(vkQueueSubmit(ctx_.queue(kind_), 1, &si, f), "vkQueueSubmit");
  const VkResult r = vkWaitForFences(ctx_.device(), 1, &f, VK_TRUE, timeout_ns);
  if (r != VK_SUCCESS) {
    vkDeviceWaitIdle(ctx_.device());  // leave nothing in flight that references our buffers
    throw VulkanError("waiting for the GPU", r);
  }
}

std::vector<double> Sequence::timestamps_ns() const {
  if (!query_pool_ || slots_written_ == 0) return {};
  std::vector<uint64_t> ticks(slots_written_);
  const VkResult r = vkGetQueryPoolResults(ctx_.device(), query_pool_.get(), 0, slots_written_,
                                           ticks.size() * sizeof(uint64_t), ticks.data(), sizeof(uint64_t),
                                           VK_QUERY_RESULT_64_BIT);
  if (r != VK_SUCCESS) return {};
  const uint32_t bits = ctx_.info().timestamp_valid_bits;
  const uint64_t mask = bits >= 64 ? ~0ull : ((1ull << bits) - 1);
  std::vector<double> ns(ticks.size());
  for (size_t i = 0; i < ticks.size(); ++i)
    ns[i] = double((ticks[i] - ticks[0]) & mask) * double(ctx_.info().timestamp_period_ns);
  return ns;
}

}  // namespace effnet::vk
