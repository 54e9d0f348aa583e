#include "vk_runtime/algorithm.h"

#include <bit>

#include "vk_runtime/errors.h"

namespace effnet::vk {

SpecConstants& SpecConstants::set_bits(uint32_t id, uint32_t bits) {
  for (const auto& e : entries_)
    if (e.constantID == id) {
      data_[e.offset / 4] = bits;
      return *this;
    }
  entries_.push_back({id, uint32_t(data_.size() * 4), 4});
  data_.push_back(bits);
  return *this;
}
SpecConstants& SpecConstants::set(uint32_t id, uint32_t v) { return set_bits(id, v); }
SpecConstants& SpecConstants::set(uint32_t id, int32_t v) { return set_bits(id, std::bit_cast<uint32_t>(v)); }
SpecConstants& SpecConstants::set(uint32_t id, float v) { return set_bits(id, std::bit_cast<uint32_t>(v)); }
SpecConstants& SpecConstants::set(uint32_t id, bool v) { return set_bits(id, v ? VK_TRUE : VK_FALSE); }

Algorithm::Algorithm(Context& ctx, std::string name, std::span<const uint32_t> spirv,
                     std::vector<Binding> bindings, const SpecConstants& spec, uint32_t push_constant_bytes)
    : name_(std::move(name)), bindings_(std::move(bindings)), push_bytes_(push_constant_bytes) {
  if (spirv.empty()) throw DeviceError("Algorithm " + name_ + ": no SPIR-V");
  const VkDevice dev = ctx.device();
  const std::string what = " (" + name_ + ")";

  std::vector<VkDescriptorSetLayoutBinding> lb(bindings_.size());
  for (uint32_t i = 0; i < lb.size(); ++i) {
    if (!bindings_[i].buffer || !bindings_[i].buffer->get())
      throw DeviceError("Algorithm " + name_ + ": binding " + std::to_string(i) + " has no buffer");
    lb[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  }
  VkDescriptorSetLayoutCreateInfo dl{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  dl.bindingCount = uint32_t(lb.size());
  dl.pBindings = lb.data();
  VkDescriptorSetLayout sl = VK_NULL_HANDLE;
  check(vkCreateDescriptorSetLayout(dev, &dl, nullptr, &sl), ("vkCreateDescriptorSetLayout" + what).c_str());
  set_layout_ = Handle<VkDescriptorSetLayout>(
      sl, [dev](VkDescriptorSetLayout h) { vkDestroyDescriptorSetLayout(dev, h, nullptr); });

  VkPushConstantRange pcr{VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes_};
  VkPipelineLayoutCreateInfo pl{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  pl.setLayoutCount = 1;
  pl.pSetLayouts = &sl;
  pl.pushConstantRangeCount = push_bytes_ ? 1 : 0;
  pl.pPushConstantRanges = push_bytes_ ? &pcr : nullptr;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  check(vkCreatePipelineLayout(dev, &pl, nullptr, &layout), ("vkCreatePipelineLayout" + what).c_str());
  layout_ = Handle<VkPipelineLayout>(layout,
                                     [dev](VkPipelineLayout h) { vkDestroyPipelineLayout(dev, h, nullptr); });

  VkShaderModuleCreateInfo sm{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  sm.codeSize = spirv.size() * 4;
  sm.pCode = spirv.data();
  VkShaderModule mod = VK_NULL_HANDLE;
  check(vkCreateShaderModule(dev, &sm, nullptr, &mod), ("vkCreateShaderModule" + what).c_str());
  module_ = Handle<VkShaderModule>(mod, [dev](VkShaderModule h) { vkDestroyShaderModule(dev, h, nullptr); });

  VkSpecializationInfo si{};
  si.mapEntryCount = uint32_t(spec.entries().size());
  si.pMapEntries = spec.entries().data();
  si.dataSize = spec.data().size() * 4;
  si.pData = spec.data().data();
  VkComputePipelineCreateInfo cp{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  cp.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  cp.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  cp.stage.module = mod;
  cp.stage.pName = "main";
  cp.stage.pSpecializationInfo = si.mapEntryCount ? &si : nullptr;
  cp.layout = layout;
  VkPipeline pipe = VK_NULL_HANDLE;
  check(vkCreateComputePipelines(dev, ctx.pipeline_cache(), 1, &cp, nullptr, &pipe),
        ("vkCreateComputePipelines" + what).c_str());
  pipeline_ = Handle<VkPipeline>(pipe, [dev](VkPipeline h) { vkDestroyPipeline(dev, h, nullptr); });

  VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, uint32_t(std::max<size_t>(1, lb.size()))};
  VkDescriptorPoolCreateInfo dp{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  dp.maxSets = 1;
  dp.poolSizeCount = 1;
  dp.pPoolSizes = &ps;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  check(vkCreateDescriptorPool(dev, &dp, nullptr, &pool), ("vkCreateDescriptorPool" + what).c_str());
  pool_ =
      Handle<VkDescriptorPool>(pool, [dev](VkDescriptorPool h) { vkDestroyDescriptorPool(dev, h, nullptr); });

  VkDescriptorSetAllocateInfo da{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  da.descriptorPool = pool;
  da.descriptorSetCount = 1;
  da.pSetLayouts = &sl;
  check(vkAllocateDescriptorSets(dev, &da, &set_), ("vkAllocateDescriptorSets" + what).c_str());

  std::vector<VkDescriptorBufferInfo> bi(bindings_.size());
  std::vector<VkWriteDescriptorSet> w(bindings_.size());
  for (uint32_t i = 0; i < bi.size(); ++i) {
    bi[i] = {bindings_[i].buffer->get(), 0, VK_WHOLE_SIZE};
    w[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    w[i].dstSet = set_;
    w[i].dstBinding = i;
    w[i].descriptorCount = 1;
    w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    w[i].pBufferInfo = &bi[i];
  }
  vkUpdateDescriptorSets(dev, uint32_t(w.size()), w.data(), 0, nullptr);
}

}  // namespace effnet::vk
