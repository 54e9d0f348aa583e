// Algorithm: a Kernel (shared compute pipeline) with one descriptor set that
// binds storage buffers at bindings 0..n-1. Built once, dispatched many times
// by a Sequence.
#pragma once
#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vk_runtime/buffer.h"
#include "vk_runtime/context.h"
#include "vk_runtime/handle.h"
#include "vk_runtime/kernel.h"

namespace effnet::vk {

// A buffer bound at binding `index` of the set; `writes` says whether the
// shader writes it (used by Sequence to place barriers).
struct Binding {
  const Buffer* buffer = nullptr;
  bool writes = false;
};

class Algorithm {
 public:
  // spirv: 32-bit SPIR-V words of a compute shader, entry point "main";
  // `name` identifies the shader variant (the pipeline is shared with every
  // Algorithm of the same name, binding count, push size, constants and options);
  // bindings[i] is bound at binding i (storage buffers, whole size);
  // push_constant_bytes: size of the push-constant block (0: none, multiple of 4);
  // options: e.g. the subgroup size the shader assumes (PipelineOptions).
  // Throws VulkanError; DeviceError for empty SPIR-V or a binding without a buffer.
  Algorithm(Context& ctx, std::string name, std::span<const uint32_t> spirv, std::vector<Binding> bindings,
            const SpecConstants& spec, uint32_t push_constant_bytes, const PipelineOptions& options = {});
  Algorithm(const Algorithm&) = delete;
  Algorithm& operator=(const Algorithm&) = delete;
  Algorithm(Algorithm&&) = default;
  Algorithm& operator=(Algorithm&&) = default;

  const std::string& name() const { return name_; }
  VkPipeline pipeline() const { return kernel_->pipeline(); }
  VkPipelineLayout layout() const { return kernel_->layout(); }
  VkDescriptorSet descriptor_set() const { return set_; }
  uint32_t push_constant_bytes() const { return kernel_->push_constant_bytes(); }
  const std::vector<Binding>& bindings() const { return bindings_; }
  // The subgroup size the pipeline requires (0: none; see PipelineOptions).
  uint32_t required_subgroup_size() const { return kernel_->required_subgroup_size(); }
  bool full_subgroups() const { return kernel_->full_subgroups(); }

 private:
  std::string name_;
  std::vector<Binding> bindings_;
  std::shared_ptr<const Kernel> kernel_;
  Handle<VkDescriptorPool> pool_;
  VkDescriptorSet set_ = VK_NULL_HANDLE;  // freed with pool_
};

}  // namespace effnet::vk
