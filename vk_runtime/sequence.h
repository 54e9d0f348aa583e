// Sequence: one primary command buffer and a fence, recorded once and
// submitted many times (Kompute's "record once, evaluate many").
//
// Barriers are placed automatically from per-buffer access tracking: a command
// that reads a buffer written since the last barrier, or writes a buffer read
// or written since then, gets one global memory barrier before it (so
// independent dispatches are not serialised, dependent ones are).
#pragma once
#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <vector>

#include "vk_runtime/algorithm.h"
#include "vk_runtime/buffer.h"
#include "vk_runtime/context.h"
#include "vk_runtime/handle.h"
#include "vk_runtime/host_import.h"

namespace effnet::vk {

class Sequence {
 public:
  // timestamp_slots: how many timestamps record() may write (0: none). If the
  // queue has no timestamp support, timestamp() records nothing and
  // timestamps_ns() returns an empty vector.
  // queue: the queue it is recorded for and submitted to. A Transfer sequence
  // records copies and fills only (dispatch(), barrier(), host_barrier() and
  // timestamps throw DeviceError there); DeviceError when the context has no
  // transfer queue.
  explicit Sequence(Context& ctx, uint32_t timestamp_slots = 0, QueueKind queue = QueueKind::Compute);
  ~Sequence();
  Sequence(const Sequence&) = delete;
  Sequence& operator=(const Sequence&) = delete;

  // Recording. begin() resets the command buffer; end() closes it.
  void begin();
  // Copies `bytes` from src to dst (offsets 0).
  void copy(const Buffer& src, const Buffer& dst, size_t bytes);
  // Copies src's `bytes` (from src.offset(); src.size() at most) to dst at offset 0.
  void copy(const HostImport& src, const Buffer& dst, size_t bytes);
  // Fills the whole of dst with the 32-bit pattern `word` (e.g. NaN poisoning).
  void fill(const Buffer& dst, uint32_t word);
  // Dispatches `alg` over groups (gx, gy, gz) with the given push constants
  // (exactly alg.push_constant_bytes() bytes).
  void dispatch(const Algorithm& alg, const void* push, uint32_t gx, uint32_t gy = 1, uint32_t gz = 1);
  // Writes timestamp `slot` after all previous commands, then a full barrier so
  // that later commands do not start before it (vkCmdWriteTimestamp alone does
  // not order them).
  void timestamp(uint32_t slot);
  // A full barrier: later commands of this buffer start after every command
  // submitted before them on the queue, earlier submissions included, is done
  // and its writes are visible (a buffer that shares buffers with the previous
  // submission begins with one).
  void barrier();
  // Device writes so far made visible to the host (before it reads a Readback buffer).
  void host_barrier();
  void end();

  // Submits the recorded commands and waits for them (timeout in nanoseconds,
  // VulkanError VK_TIMEOUT when exceeded). May be called any number of times.
  void submit_and_wait(uint64_t timeout_ns = 600'000'000'000ull);

  bool has_timestamps() const { return bool(query_pool_); }
  QueueKind queue_kind() const { return kind_; }
  bool recorded() const { return recorded_; }
  // For vk::submit (vk_runtime/timeline.h).
  VkCommandBuffer command_buffer() const { return cmd_; }
  // Timestamps of the last submit in nanoseconds, relative to slot 0 (one
  // value per slot written while recording). Empty without timestamp support.
  std::vector<double> timestamps_ns() const;

 private:
  enum class Stage { Transfer, Compute };
  // Inserts a barrier when `reads`/`writes` conflict with pending accesses,
  // then records these accesses as pending.
  void track(const std::vector<VkBuffer>& reads, const std::vector<VkBuffer>& writes, Stage stage);
  void full_barrier();
  // vkCmdCopyBuffer of `bytes` from src at src_offset to dst at 0, tracked.
  void copy_region(VkBuffer src, size_t src_offset, const Buffer& dst, size_t bytes);
  void require_compute(const char* what) const;

  Context& ctx_;
  QueueKind kind_ = QueueKind::Compute;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  Handle<VkFence> fence_;
  Handle<VkQueryPool> query_pool_;
  uint32_t slots_ = 0, slots_written_ = 0;
  bool recorded_ = false;
  std::map<VkBuffer, Stage> pending_writes_, pending_reads_;
};

}  // namespace effnet::vk
