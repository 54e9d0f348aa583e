// Kernel: a compute pipeline (shader module + specialization + layouts) that
// many Algorithms share. Context keeps one Kernel per (shader, binding count,
// push-constant size, specialization constants), so a pipeline compiles once
// per process however many layers and plans use it.
#pragma once
#include <vulkan/vulkan.h>

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

class Kernel {
 public:
  // spirv: a compute shader with entry point "main" whose set 0 has
  // `binding_count` storage buffers at bindings 0..n-1 and a push-constant block
  // of `push_constant_bytes` (0: none). Throws VulkanError; DeviceError for empty SPIR-V.
  Kernel(Context& ctx, const std::string& name, std::span<const uint32_t> spirv, uint32_t binding_count,
         const SpecConstants& spec, uint32_t push_constant_bytes);

  VkPipeline pipeline() const { return pipeline_.get(); }
  VkPipelineLayout layout() const { return layout_.get(); }
  VkDescriptorSetLayout set_layout() const { return set_layout_.get(); }
  uint32_t binding_count() const { return binding_count_; }
  uint32_t push_constant_bytes() const { return push_bytes_; }

 private:
  uint32_t binding_count_ = 0, push_bytes_ = 0;
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
                                    uint32_t push_constant_bytes);
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Kernel>> kernels_;
};

}  // namespace effnet::vk
