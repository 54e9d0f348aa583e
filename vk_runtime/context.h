// The Vulkan context: instance, the chosen physical device, a logical device
// with one compute queue, the memory allocator (VMA), a command pool and the
// on-disk pipeline cache. Everything else in the runtime borrows from it, so it
// must outlive every Buffer, Algorithm and Sequence made with it.
#pragma once
#include <vulkan/vulkan.h>

#include <memory>
#include <string>
#include <vector>

#include "vk_runtime/device_info.h"
#include "vk_runtime/handle.h"
#include "vk_runtime/pipeline_cache.h"

struct VmaAllocator_T;
typedef VmaAllocator_T* VmaAllocator;

namespace effnet::vk {

class KernelCache;

// Every physical device with its capability report, in vkEnumeratePhysicalDevices
// order (the indices that Context, `--gpu N` and EFFNET_GPU take).
// Throws VulkanError when no Vulkan instance can be created (no loader/driver).
std::vector<DeviceInfo> list_devices();

// The device chosen without an explicit index: the first usable discrete GPU,
// else integrated, virtual, CPU, other. Throws DeviceError when none is usable.
uint32_t default_device_index(const std::vector<DeviceInfo>& devices);

class Context {
 public:
  // device_index >= 0 picks that device; -1 uses $EFFNET_GPU when set, else
  // default_device_index(). Validation layers are enabled when
  // $EFFNET_VK_VALIDATION=1 (a warning if they are not installed).
  // $EFFNET_VK_NO_FP16=1 treats the device as lacking fp16 (tests the fp32 path
  // and the DeviceError of an fp16 plan on any machine).
  // Enables shaderFloat16, storageBuffer16BitAccess, subgroupSizeControl and
  // VK_KHR_cooperative_matrix where the device has them.
  // Throws DeviceError for a bad index (the message lists the devices) or a
  // device without Vulkan 1.3 / a compute queue; VulkanError when a call fails.
  explicit Context(int device_index = -1);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const DeviceInfo& info() const { return info_; }
  VkInstance instance() const { return instance_.get(); }
  VkPhysicalDevice physical_device() const { return physical_; }
  VkDevice device() const { return device_.get(); }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return info_.compute_queue_family; }
  VmaAllocator allocator() const { return allocator_.get(); }
  VkCommandPool command_pool() const { return command_pool_.get(); }
  VkPipelineCache pipeline_cache() const { return cache_->get(); }
  // Writes the pipeline cache file now (it is also written when the context dies).
  void save_pipeline_cache() { cache_->save(); }
  const std::string& pipeline_cache_path() const { return cache_->path(); }
  bool validation_enabled() const { return validation_; }
  // $EFFNET_VK_PIPELINE_STATS=1 and VK_KHR_pipeline_executable_properties:
  // every new pipeline prints its executable statistics (registers, spills,
  // shared memory) to stderr, one line per pipeline.
  bool pipeline_stats_enabled() const { return pipeline_stats_; }
  // The pipelines compiled so far, shared by every Algorithm of this context.
  KernelCache& kernels() { return *kernels_; }

 private:
  Handle<VkInstance> instance_;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  DeviceInfo info_;
  bool validation_ = false;
  bool pipeline_stats_ = false;
  Handle<VkDevice> device_;
  VkQueue queue_ = VK_NULL_HANDLE;
  Handle<VmaAllocator> allocator_;
  Handle<VkCommandPool> command_pool_;
  std::unique_ptr<PipelineCache> cache_;
  std::unique_ptr<KernelCache> kernels_;  // destroyed first (declared last)
};

}  // namespace effnet::vk
