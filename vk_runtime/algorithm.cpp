#include "vk_runtime/algorithm.h"

#include "vk_runtime/errors.h"

namespace effnet::vk {

Algorithm::Algorithm(Context& ctx, std::string name, std::span<const uint32_t> spirv,
                     std::vector<Binding> bindings, const SpecConstants& spec, uint32_t push_constant_bytes,
                     const PipelineOptions& options)
    : name_(std::move(name)), bindings_(std::move(bindings)) {
  if (spirv.empty()) throw DeviceError("Algorithm " + name_ + ": no SPIR-V");
  for (size_t i = 0; i < bindings_.size(); ++i)
    if (!bindings_[i].buffer || !bindings_[i].buffer->get())
      throw DeviceError("Algorithm " + name_ + ": binding " + std::to_string(i) + " has no buffer");
  kernel_ =
      ctx.kernels().get(ctx, name_, spirv, uint32_t(bindings_.size()), spec, push_constant_bytes, options);
  const VkDevice dev = ctx.device();
  const std::string what = " (" + name_ + ")";

  VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, uint32_t(std::max<size_t>(1, bindings_.size()))};
  VkDescriptorPoolCreateInfo dp{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  dp.maxSets = 1;
  dp.poolSizeCount = 1;
  dp.pPoolSizes = &ps;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  check(vkCreateDescriptorPool(dev, &dp, nullptr, &pool), ("vkCreateDescriptorPool" + what).c_str());
  pool_ =
      Handle<VkDescriptorPool>(pool, [dev](VkDescriptorPool h) { vkDestroyDescriptorPool(dev, h, nullptr); });

  const VkDescriptorSetLayout sl = kernel_->set_layout();
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
