#include "vk_runtime/instance.h"

#include <cstring>
#include <iostream>

#include "vk_runtime/errors.h"

namespace effnet::vk {

Handle<VkInstance> create_instance(bool validation, bool* validation_enabled) {
  const char* kLayer = "VK_LAYER_KHRONOS_validation";
  bool use_layer = false;
  if (validation) {
    uint32_t n = 0;
    vkEnumerateInstanceLayerProperties(&n, nullptr);
    std::vector<VkLayerProperties> layers(n);
    vkEnumerateInstanceLayerProperties(&n, layers.data());
    for (const auto& l : layers)
      if (std::strcmp(l.layerName, kLayer) == 0) use_layer = true;
    if (!use_layer)
      std::cerr << "effnet-vk: warning: validation asked for but " << kLayer << " is not installed\n";
  }
  if (validation_enabled) *validation_enabled = use_layer;

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "effnet-vk";
  app.applicationVersion = 1;
  app.pEngineName = "effnet-vk";
  app.apiVersion = VK_API_VERSION_1_3;
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = use_layer ? 1 : 0;
  ci.ppEnabledLayerNames = use_layer ? &kLayer : nullptr;
  VkInstance inst = VK_NULL_HANDLE;
  check(vkCreateInstance(&ci, nullptr, &inst), "vkCreateInstance (is a Vulkan driver installed?)");
  return Handle<VkInstance>(inst, [](VkInstance i) { vkDestroyInstance(i, nullptr); });
}

std::vector<VkPhysicalDevice> physical_devices(VkInstance instance) {
  uint32_t n = 0;
  check(vkEnumeratePhysicalDevices(instance, &n, nullptr), "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> pds(n);
  if (n) check(vkEnumeratePhysicalDevices(instance, &n, pds.data()), "vkEnumeratePhysicalDevices");
  pds.resize(n);
  return pds;
}

}  // namespace effnet::vk
