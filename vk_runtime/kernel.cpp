#include "vk_runtime/kernel.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <vector>

#include "vk_runtime/context.h"
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

std::string SpecConstants::key() const {
  std::vector<std::pair<uint32_t, uint32_t>> kv;
  for (const auto& e : entries_) kv.emplace_back(e.constantID, data_[e.offset / 4]);
  std::sort(kv.begin(), kv.end());
  std::string s;
  for (const auto& [id, v] : kv) s += std::to_string(id) + "=" + std::to_string(v) + ",";
  return s;
}

std::string PipelineOptions::key() const {
  return "sg=" + std::to_string(required_subgroup_size) + ",wg=" + std::to_string(workgroup_size[0]) + "x" +
         std::to_string(workgroup_size[1]) + "x" + std::to_string(workgroup_size[2]);
}

// One stderr line per executable of `pipe`: "pipeline stats <label>: <name>=<value>, ...".
static void print_pipeline_stats(VkDevice dev, VkPipeline pipe, const std::string& label) {
  auto props = reinterpret_cast<PFN_vkGetPipelineExecutablePropertiesKHR>(
      vkGetDeviceProcAddr(dev, "vkGetPipelineExecutablePropertiesKHR"));
  auto stats = reinterpret_cast<PFN_vkGetPipelineExecutableStatisticsKHR>(
      vkGetDeviceProcAddr(dev, "vkGetPipelineExecutableStatisticsKHR"));
  if (!props || !stats) return;
  VkPipelineInfoKHR pi{VK_STRUCTURE_TYPE_PIPELINE_INFO_KHR};
  pi.pipeline = pipe;
  uint32_t n = 0;
  if (props(dev, &pi, &n, nullptr) != VK_SUCCESS) return;
  for (uint32_t e = 0; e < n; ++e) {
    VkPipelineExecutableInfoKHR ei{VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR};
    ei.pipeline = pipe;
    ei.executableIndex = e;
    uint32_t ns = 0;
    if (stats(dev, &ei, &ns, nullptr) != VK_SUCCESS) continue;
    std::vector<VkPipelineExecutableStatisticKHR> st(ns,
                                                     {VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR});
    if (stats(dev, &ei, &ns, st.data()) != VK_SUCCESS) continue;
    std::string line = "pipeline stats " + label + ":";
    for (const auto& s : st) {
      line += std::string(" ") + s.name + "=";
      switch (s.format) {
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR:
          line += s.value.b32 ? "true" : "false";
          break;
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR:
          line += std::to_string(s.value.i64);
          break;
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR:
          line += std::to_string(s.value.u64);
          break;
        default:
          line += std::to_string(s.value.f64);
      }
      line += ";";
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

namespace {

// The subgroup size `o` can require on `d` (0: none; see PipelineOptions).
uint32_t subgroup_size_to_require(const DeviceInfo& d, const PipelineOptions& o) {
  const uint32_t s = o.required_subgroup_size;
  if (s == 0 || !d.can_require_subgroup_size(s)) return 0;
  const auto& wg = o.workgroup_size;
  const uint64_t invocations = uint64_t(wg[0]) * wg[1] * wg[2];
  // VUID-VkPipelineShaderStageCreateInfo-pNext-02756
  if (invocations > uint64_t(d.max_compute_workgroup_subgroups) * s) return 0;
  return s;
}

}  // namespace

Kernel::Kernel(Context& ctx, const std::string& name, std::span<const uint32_t> spirv, uint32_t binding_count,
               const SpecConstants& spec, uint32_t push_constant_bytes, const PipelineOptions& options)
    : binding_count_(binding_count), push_bytes_(push_constant_bytes) {
  if (spirv.empty()) throw DeviceError("kernel " + name + ": no SPIR-V");
  const VkDevice dev = ctx.device();
  const std::string what = " (" + name + ")";

  std::vector<VkDescriptorSetLayoutBinding> lb(binding_count);
  for (uint32_t i = 0; i < lb.size(); ++i)
    lb[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
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
  // The subgroup size the shader assumes, where the device lets a pipeline
  // require it; full subgroups too when the workgroup's x is a multiple of it
  // (VUID-VkPipelineShaderStageCreateInfo-flags-02759).
  VkPipelineShaderStageRequiredSubgroupSizeCreateInfo rss{
      VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO};
  required_subgroup_size_ = subgroup_size_to_require(ctx.info(), options);
  if (required_subgroup_size_) {
    rss.requiredSubgroupSize = required_subgroup_size_;
    cp.stage.pNext = &rss;
    full_subgroups_ = ctx.info().compute_full_subgroups && options.workgroup_size[0] != 0 &&
                      options.workgroup_size[0] % required_subgroup_size_ == 0;
    if (full_subgroups_) cp.stage.flags |= VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT;
  }
  cp.layout = layout;
  if (ctx.pipeline_stats_enabled()) cp.flags |= VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR;
  VkPipeline pipe = VK_NULL_HANDLE;
  check(vkCreateComputePipelines(dev, ctx.pipeline_cache(), 1, &cp, nullptr, &pipe),
        ("vkCreateComputePipelines" + what).c_str());
  pipeline_ = Handle<VkPipeline>(pipe, [dev](VkPipeline h) { vkDestroyPipeline(dev, h, nullptr); });
  if (ctx.pipeline_stats_enabled())
    print_pipeline_stats(dev, pipe, name + " [" + spec.key() + options.key() + "]");
}

std::shared_ptr<const Kernel> KernelCache::get(Context& ctx, const std::string& name,
                                               std::span<const uint32_t> spirv, uint32_t binding_count,
                                               const SpecConstants& spec, uint32_t push_constant_bytes,
                                               const PipelineOptions& options) {
  const std::string key = name + "|" + std::to_string(reinterpret_cast<uintptr_t>(spirv.data())) + "|" +
                          std::to_string(spirv.size()) + "|" + std::to_string(binding_count) + "|" +
                          std::to_string(push_constant_bytes) + "|" + spec.key() + "|" + options.key();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = kernels_.find(key);
  if (it != kernels_.end()) return it->second;
  auto k =
      std::make_shared<const Kernel>(ctx, name, spirv, binding_count, spec, push_constant_bytes, options);
  kernels_.emplace(key, k);
  return k;
}

size_t KernelCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return kernels_.size();
}

}  // namespace effnet::vk
