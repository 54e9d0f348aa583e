// A buffer and its memory, allocated through VMA.
#pragma once
#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>

#include "vk_runtime/context.h"

struct VmaAllocation_T;
typedef VmaAllocation_T* VmaAllocation;

namespace effnet::vk {

enum class MemoryKind {
  DeviceLocal,  // storage buffer in device memory; transfer source and destination
  Upload,       // host-visible, persistently mapped, written sequentially by the host (staging)
  Readback,     // host-visible, persistently mapped, host-cached where possible (results)
};

// Which queues use a buffer. Exclusive: one queue family (whichever uses it
// first; the compute queue in practice). ComputeAndTransfer: both the compute
// and the transfer queue access it (VK_SHARING_MODE_CONCURRENT over the two
// families, so no ownership transfer is needed, Vulkan spec 12.7 "Resource
// Sharing Mode"); the same as Exclusive when the context has no transfer queue.
enum class Sharing { Exclusive, ComputeAndTransfer };

class Buffer {
 public:
  Buffer() = default;
  // bytes > 0. Throws VulkanError (e.g. VK_ERROR_OUT_OF_DEVICE_MEMORY) or
  // DeviceError when bytes exceeds maxStorageBufferRange.
  Buffer(Context& ctx, size_t bytes, MemoryKind kind, Sharing sharing = Sharing::Exclusive);
  ~Buffer();
  Buffer(Buffer&& o) noexcept;
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer get() const { return buffer_; }
  size_t size() const { return bytes_; }
  MemoryKind kind() const { return kind_; }
  // Host pointer of an Upload or Readback buffer (nullptr for DeviceLocal).
  void* mapped() const { return mapped_; }
  // Make host writes visible to the device (Upload) / device writes visible to
  // the host (Readback); no-ops on coherent memory.
  void flush();
  void invalidate();

 private:
  void release();
  VmaAllocator allocator_ = nullptr;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VmaAllocation allocation_ = nullptr;
  size_t bytes_ = 0;
  MemoryKind kind_ = MemoryKind::DeviceLocal;
  void* mapped_ = nullptr;
};

}  // namespace effnet::vk
