// Vulkan Memory Allocator (VMA) for the runtime: one allocator per Context.
#pragma once
#ifndef VMA_VULKAN_VERSION
#define VMA_VULKAN_VERSION 1003000  // the loader on Debian 12 exports up to 1.3
#endif
#include <vk_mem_alloc.h>

#include "vk_runtime/handle.h"

namespace effnet::vk {

// A VMA allocator for a Vulkan 1.3 device. Throws VulkanError.
Handle<VmaAllocator> create_allocator(VkInstance instance, VkPhysicalDevice pd, VkDevice device);

}  // namespace effnet::vk
