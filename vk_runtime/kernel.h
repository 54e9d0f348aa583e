// Kernel: a compute pipeline (shader module + specialization + layouts) that
// many Algorithms share. Context keeps one Kernel per (shader, binding count,
// push-constant size, specialization constants, pipeline options), so a
// pipeline compiles once per process however many layers and plans use it.
#pragma once
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "vk_runtime/handle.h"

namespace effnet::vk {

class Context;

// Typed specialization constants (each 32 bits, as GLSL `constant_id` takes
// uint, int, float and bool). Ids come from shaders/abi.h, never literals.
class SpecConstants {
 public:
  SpecConstants& set(uint32_t id, uint32_t v);
  SpecConstants& set(uint32_t id, int32_t v);
  SpecConstants& set(uint32_t id, float v);
  SpecConstants& set(uint32_t id, bool v);  // VkBool32
  const std::vector<VkSpecializationMapEntry>& entries() const { return entries_; }
  const std::vector<uint32_t>& data() const { return data_; }
  std::string key() const;  // "id=value,..." sorted by id

 private:
  SpecConstants& set_bits(uint32_t id, uint32_t bits);
  std::vector<VkSpecializationMapEntry> entries_;
  std::vector<uint32_t> data_;
};

// How a pipeline is built beyond its shader, layout and constants.
struct PipelineOptions {
  // The subgroup size the shader's arithmetic assumes (invocations; 0: none,
  // the driver picks, normally DeviceInfo::subgroup_size). It is required of
  // the pipeline (VkPipelineShaderStageRequiredSubgroupSizeCreateInfo) where
  // DeviceInfo::can_require_subgroup_size(size) and the workgroup has at most
  // maxComputeWorkgroupSubgroups subgroups of it (checked when workgroup_size
  // is given); elsewhere it is not requested (the driver's choice, as without it).
  uint32_t required_subgroup_size = 0;
  // The workgroup size (x, y, z) as specialised; {0, 0, 0}: not known. When x
  // is a multiple of the required size and the device has
  // computeFullSubgroups, the pipeline also requires full subgroups.
  std::array<uint32_t, 3> workgroup_size{};
  std::string key() const;  // "sg=<size>,wg=<x>x<y>x<z>"
};

class Kernel {
 public:
  // spirv: a compute shader with entry point "main" whose set 0 has
  // `binding_count` storage buffers at bindings 0..n-1 and a push-constant block
  // of `push_constant_bytes` (0: none). Throws VulkanError; DeviceError for empty SPIR-V.
  Kernel(Context& ctx, const std::string& name, std::span<const uint32_t> spirv, uint32_t binding_count,
         const SpecConstants& spec, uint32_t push_constant_bytes, const PipelineOptions& options = {});

  VkPipeline pipeline() const { return pipeline_.get(); }
  VkPipelineLayout layout() const { return layout_.get(); }
  VkDescriptorSetLayout set_layout() const { return set_layout_.get(); }
  uint32_t binding_count() const { return binding_count_; }
  uint32_t push_constant_bytes() const { return push_bytes_; }
  // The subgroup size the pipeline was created to require (0: none asked or
  // not possible on this device) and whether it requires full subgroups.
  uint32_t required_subgroup_size() const { return required_subgroup_size_; }
  bool full_subgroups() const { return full_subgroups_; }

 private:
  uint32_t binding_count_ = 0, push_bytes_ = 0;
  uint32_t required_subgroup_size_ = 0;
  bool full_subgroups_ = false;
  Handle<VkDescriptorSetLayout> set_layout_;
  Handle<VkPipelineLayout> layout_;
  Handle<VkShaderModule> module_;
  Handle<VkPipeline> pipeline_;
};

// The Context's table of kernels (thread-safe).
class KernelCache {
 public:
  std::shared_ptr<const Kernel> get(Context& ctx, const std::string& name, std::span<const uint32_t> spirv,
                                    uint32_t binding_count, const SpecConstants& spec,
                                    uint32_t push_constant_bytes, const PipelineOptions& options = {});
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Kernel>> kernels_;
};

}  // namespace effnet::vk
