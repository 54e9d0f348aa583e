// Algorithm: one compute pipeline from SPIR-V, its specialization constants,
// push-constant range, and one descriptor set binding storage buffers at
// bindings 0..n-1. Built once, dispatched many times by a Sequence.
#pragma once
#include <vulkan/vulkan.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vk_runtime/buffer.h"
#include "vk_runtime/context.h"
#include "vk_runtime/handle.h"

namespace effnet::vk {

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

 private:
  SpecConstants& set_bits(uint32_t id, uint32_t bits);
  std::vector<VkSpecializationMapEntry> entries_;
  std::vector<uint32_t> data_;
};

// A buffer bound at binding `index` of the set; `writes` says whether the
// shader writes it (used by Sequence to place barriers).
struct Binding {
  const Buffer* buffer = nullptr;
  bool writes = false;
};

class Algorithm {
 public:
  // spirv: 32-bit SPIR-V words of a compute shader with entry point "main";
  // bindings[i] is bound at binding i (storage buffers, whole size);
  // push_constant_bytes: size of the push-constant block (0 for none, multiple of 4).
  // `name` is for error messages and reports. Throws VulkanError, DeviceError
  // (empty SPIR-V).
  Algorithm(Context& ctx, std::string name, std::span<const uint32_t> spirv, std::vector<Binding> bindings,
            const SpecConstants& spec, uint32_t push_constant_bytes);
  Algorithm(const Algorithm&) = delete;
  Algorithm& operator=(const Algorithm&) = delete;
  Algorithm(Algorithm&&) = default;
  Algorithm& operator=(Algorithm&&) = default;

  const std::string& name() const { return name_; }
  VkPipeline pipeline() const { return pipeline_.get(); }
  VkPipelineLayout layout() const { return layout_.get(); }
  VkDescriptorSet descriptor_set() const { return set_; }
  uint32_t push_constant_bytes() const { return push_bytes_; }
  const std::vector<Binding>& bindings() const { return bindings_; }

 private:
  std::string name_;
  std::vector<Binding> bindings_;
  uint32_t push_bytes_ = 0;
  Handle<VkDescriptorSetLayout> set_layout_;
  Handle<VkPipelineLayout> layout_;
  Handle<VkShaderModule> module_;
  Handle<VkPipeline> pipeline_;
  Handle<VkDescriptorPool> pool_;
  VkDescriptorSet set_ = VK_NULL_HANDLE;  // freed with pool_
};

}  // namespace effnet::vk
