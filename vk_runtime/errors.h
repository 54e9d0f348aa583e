// Error families of the Vulkan runtime. vk_runtime depends on nothing of this
// project, so it has its own base, vk::Error; a main() catches it beside
// effnet::Error and prints one line with the device exit code
// (apps/run_main.cpp, apps/exit_codes.h).
#pragma once
#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace effnet::vk {

// Base of every error vk_runtime throws on purpose.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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
