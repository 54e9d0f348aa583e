// The one translation unit that compiles VMA's implementation.
#define VMA_IMPLEMENTATION
#include "vk_runtime/vma.h"

#include "vk_runtime/errors.h"

namespace effnet::vk {

Handle<VmaAllocator> create_allocator(VkInstance instance, VkPhysicalDevice pd, VkDevice device) {
  VmaAllocatorCreateInfo ci{};
  ci.vulkanApiVersion = VK_API_VERSION_1_3;
  ci.instance = instance;
  ci.physicalDevice = pd;
  ci.device = device;
  VmaAllocator a = VK_NULL_HANDLE;
  check(vmaCreateAllocator(&ci, &a), "vmaCreateAllocator");
  return Handle<VmaAllocator>(a, [](VmaAllocator x) { vmaDestroyAllocator(x); });
}

}  // namespace effnet::vk
