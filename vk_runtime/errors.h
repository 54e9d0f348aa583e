// Error families of the Vulkan runtime. Both derive from effnet::Error so main()
// prints them as one line.
#pragma once
#include <vulkan/vulkan.h>

#include <string>

#include "model/errors.h"

namespace effnet::vk {

// A Vulkan call that failed: "<what>: VK_ERROR_OUT_OF_DEVICE_MEMORY".
struct VulkanError : Error {
  VulkanError(const std::string& what, VkResult r);
  VkResult result;
};

// No usable device, a bad device index, or a missing feature (fp16, cooperative
// matrices, enough memory).
struct DeviceError : Error {
  using Error::Error;
};

// "VK_SUCCESS", "VK_ERROR_DEVICE_LOST", ... ("VkResult(<n>)" for unknown codes).
const char* result_name(VkResult r);

// Throws VulkanError(what, r) when r is not VK_SUCCESS.
inline void check(VkResult r, const char* what) {
  if (r != VK_SUCCESS) throw VulkanError(what, r);
}

}  // namespace effnet::vk
