// Host memory the application allocated, imported into the device's address
// space (VK_EXT_external_memory_host, Vulkan spec 12.9 "Host pointer external
// memory"): the GPU's copy engines read it where it is, with no staging copy.
#pragma once
#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>

#include "vk_runtime/context.h"
#include "vk_runtime/handle.h"

namespace effnet::vk {

class HostImport {
 public:
  HostImport() = default;
  // Imports the host pages that hold [data, data + bytes): the range widened to
  // DeviceInfo::host_import_alignment on both sides (whole pages of the
  // caller's mapping; nothing outside them is read), as a buffer usable as a
  // transfer source (vkCmdCopyBuffer from offset()) of one queue family
  // (VK_SHARING_MODE_EXCLUSIVE: VkPlan copies from it on its upload queue
  // only). The memory must stay
  // allocated while this object lives; the driver pins its pages until then.
  // bytes > 0. Throws DeviceError when the context's device lacks
  // VK_EXT_external_memory_host (DeviceInfo::host_import) or no memory type of
  // the device can hold the pointer; VulkanError when the driver refuses the
  // import (for example VK_ERROR_INVALID_EXTERNAL_HANDLE for memory it cannot
  // pin, such as some file mappings).
  HostImport(Context& ctx, const void* data, size_t bytes);
  HostImport(HostImport&&) noexcept = default;
  HostImport& operator=(HostImport&&) noexcept = default;
  HostImport(const HostImport&) = delete;
  HostImport& operator=(const HostImport&) = delete;

  VkBuffer get() const { return buffer_.get(); }
  // Byte offset of `data` in get(): copy regions start there.
  size_t offset() const { return offset_; }
  size_t size() const { return bytes_; }  // the caller's bytes (not the widened range)

 private:
  // Declared in reverse order of destruction: the buffer dies before its memory.
  Handle<VkDeviceMemory> memory_;
  Handle<VkBuffer> buffer_;
  size_t offset_ = 0, bytes_ = 0;
};

}  // namespace effnet::vk
