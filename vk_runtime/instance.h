// Creating the VkInstance (shared by Context and list_devices).
#pragma once
#include <vulkan/vulkan.h>

#include <vector>

#include "vk_runtime/handle.h"

namespace effnet::vk {

// A Vulkan 1.3 instance; with the Khronos validation layer when `validation`
// (a warning on stderr when the layer is not installed). Throws VulkanError.
Handle<VkInstance> create_instance(bool validation, bool* validation_enabled = nullptr);

std::vector<VkPhysicalDevice> physical_devices(VkInstance instance);

}  // namespace effnet::vk
