// The Vulkan context: instance, the chosen physical device, a logical device
// with one compute queue (and one transfer-only queue where the device has a
// copy engine), the memory allocator (VMA), a command pool and the
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
// order (the indices that ContextOptions::gpu, `--gpu N` and EFFNET_GPU take).
// Throws VulkanError when no Vulkan instance can be created (no loader/driver).
std::vector<DeviceInfo> list_devices();

// "devices: 0: <DeviceInfo::line()>; 1: ..." ("no Vulkan devices"), for error messages.
std::string device_list_line(const std::vector<DeviceInfo>& devices);

// The device chosen without an explicit index: the first usable discrete GPU,
// else integrated, virtual, CPU, other. Throws DeviceError when none is usable.
uint32_t default_device_index(const std::vector<DeviceInfo>& devices);

// How a Context is made. The runtime reads no environment: a program fills
// this (apps/context_env.h reads EFFNET_GPU, EFFNET_VK_VALIDATION, ... into it)
// and passes it down. The defaults are those of an unset environment, except
// that the default pipeline cache lives in memory only (no file).
struct ContextOptions {
  // Index in list_devices() order; -1: default_device_index(). A value out of
  // range (or < -1) is a DeviceError that lists the devices.
  int gpu = -1;
  // The Khronos validation layer (a warning on stderr when not installed).
  bool validation = false;
  // Treat the device as lacking fp16 (and so f16 cooperative matrices): tests
  // the fp32 path and the DeviceError of an fp16 plan on any machine.
  bool no_fp16 = false;
  // With VK_KHR_pipeline_executable_properties, every new pipeline prints its
  // executable statistics (registers, spills, shared memory) to stderr.
  bool pipeline_stats = false;
  // Profiling only (effnet-bench mbconv-profile): enable VK_KHR_shader_clock
  // (subgroup and device clocks) and VK_NV_shader_sm_builtins where the
  // device has both; shader_clock_enabled() says whether it did.
  bool shader_clock = false;
  // The pipeline cache file: pipeline_cache_file when not empty; else
  // <pipeline_cache_dir>/<vendor>-<device>-<driver>.bin (ids in hex) when
  // pipeline_cache_dir is not empty; else none (the cache lives in memory).
  std::string pipeline_cache_file;
  std::string pipeline_cache_dir;
  // Also create a queue of DeviceInfo::transfer_queue_family when the device
  // has one (a DMA engine: uploads overlap the compute queue's work).
  bool transfer_queue = true;
  // Enable VK_EXT_external_memory_host where the device has it (false: treat
  // the device as lacking it; DeviceInfo::host_import reads false). For tests
  // of the error a device without it gives.
  bool host_import = true;
};

// The queues a Context has: Compute always; Transfer (a transfer-only family,
// DeviceInfo::transfer_queue_family) when has_transfer_queue().
enum class QueueKind { Compute, Transfer };

class Context {
 public:
  // Picks the device options.gpu names (else default_device_index()), enables
  // what this project's shaders need where the device has it (see the table
  // of SPIR-V capabilities in context.cpp): shaderFloat16,
  // storageBuffer16BitAccess, vulkanMemoryModel, timelineSemaphore, subgroupSizeControl,
  // computeFullSubgroups, maintenance4, VK_KHR_cooperative_matrix and
  // VK_EXT_external_memory_host (DeviceInfo::host_import).
  // Throws DeviceError for a bad index (the message lists the devices) or a
  // device without Vulkan 1.3 / a compute queue; VulkanError when a call fails.
  explicit Context(const ContextOptions& options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const DeviceInfo& info() const { return info_; }
  VkInstance instance() const { return instance_.get(); }
  VkPhysicalDevice physical_device() const { return physical_; }
  VkDevice device() const { return device_.get(); }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return info_.compute_queue_family; }
  // A queue of a transfer-only family was created (ContextOptions::transfer_queue
  // and the device has one).
  bool has_transfer_queue() const { return transfer_queue_ != VK_NULL_HANDLE; }
  // The queue, its family and command pool of `kind`; DeviceError for
  // QueueKind::Transfer without has_transfer_queue().
  VkQueue queue(QueueKind kind) const;
  uint32_t queue_family(QueueKind kind) const;
  VkCommandPool command_pool(QueueKind kind) const;
  VmaAllocator allocator() const { return allocator_.get(); }
  VkCommandPool command_pool() const { return command_pool_.get(); }
  VkPipelineCache pipeline_cache() const { return cache_->get(); }
  // Writes the pipeline cache file now (it is also written when the context dies).
  void save_pipeline_cache() { cache_->save(); }
  const std::string& pipeline_cache_path() const { return cache_->path(); }
  bool validation_enabled() const { return validation_; }
  // ContextOptions::pipeline_stats and the device has
  // VK_KHR_pipeline_executable_properties: one stderr line per new pipeline.
  bool pipeline_stats_enabled() const { return pipeline_stats_; }
  bool shader_clock_enabled() const { return shader_clock_; }
  // The pipelines compiled so far, shared by every Algorithm of this context.
  KernelCache& kernels() { return *kernels_; }

 private:
  Handle<VkInstance> instance_;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  DeviceInfo info_;
  bool validation_ = false;
  bool pipeline_stats_ = false;
  bool shader_clock_ = false;
  Handle<VkDevice> device_;
  VkQueue queue_ = VK_NULL_HANDLE;
  VkQueue transfer_queue_ = VK_NULL_HANDLE;
  Handle<VmaAllocator> allocator_;
  Handle<VkCommandPool> command_pool_;
  Handle<VkCommandPool> transfer_pool_;
  std::unique_ptr<PipelineCache> cache_;
  std::unique_ptr<KernelCache> kernels_;  // destroyed first (declared last)
};

}  // namespace effnet::vk
