#include "vk_runtime/context.h"

#include <cstdio>
#include <string>
#include <vector>

#include "vk_runtime/errors.h"
#include "vk_runtime/instance.h"
#include "vk_runtime/kernel.h"
#include "vk_runtime/vma.h"

namespace effnet::vk {
namespace {

int type_rank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 3;
    default:
      return 4;
  }
}

}  // namespace

std::string device_list_line(const std::vector<DeviceInfo>& devs) {
  if (devs.empty()) return "no Vulkan devices";
  std::string s = "devices: ";
  for (size_t i = 0; i < devs.size(); ++i) s += (i ? "; " : "") + devs[i].line();
  return s;
}

std::vector<DeviceInfo> list_devices() {
  Handle<VkInstance> inst = create_instance(false);
  std::vector<DeviceInfo> out;
  const auto pds = physical_devices(inst.get());
  for (uint32_t i = 0; i < pds.size(); ++i) out.push_back(query_device_info(inst.get(), pds[i], i));
  return out;
}

uint32_t default_device_index(const std::vector<DeviceInfo>& devs) {
  int best = -1;
  for (const auto& d : devs)
    if (d.usable() && (best < 0 || type_rank(d.vk_type) < type_rank(devs[size_t(best)].vk_type)))
      best = int(d.index);
  if (best < 0)
    throw DeviceError("no usable Vulkan 1.3 device with a compute queue; " + device_list_line(devs));
  return uint32_t(best);
}

Context::Context(const ContextOptions& options) {
  instance_ = create_instance(options.validation, &validation_);
  const auto pds = physical_devices(instance_.get());
  std::vector<DeviceInfo> devs;
  for (uint32_t i = 0; i < pds.size(); ++i) devs.push_back(query_device_info(instance_.get(), pds[i], i));

  const int want = options.gpu;
  if (want < -1) throw DeviceError("bad GPU index " + std::to_string(want) + "; " + device_list_line(devs));
  uint32_t index = 0;
  if (want < 0) {
    index = default_device_index(devs);
  } else {
    if (size_t(want) >= devs.size())
      throw DeviceError("GPU index " + std::to_string(want) + " out of range; " + device_list_line(devs));
    index = uint32_t(want);
    if (!devs[index].usable())
      throw DeviceError("device " + devs[index].line() + " lacks Vulkan 1.3 or a compute queue");
  }
  physical_ = pds[index];
  info_ = devs[index];
  // no_fp16 makes the device look as if it lacked fp16 (and so f16
  // cooperative matrices): a switch to test the fp32 path and the error a
  // device without fp16 gives, on any machine.
  if (options.no_fp16) {
    info_.fp16_arithmetic = info_.storage16 = info_.has_coopmat = info_.has_coopmat2 = false;
    info_.coopmat_shapes.clear();
    info_.coopmat2_flexible.clear();
  }

  // Features: enable what this project's shaders declare and the device has.
  // Every SPIR-V capability of the embedded shaders (build/shaders/spv/*.spv)
  // and what enables it:
  //
  //   capability                what enables it                            shaders
  //   Shader                    (core)                                     all
  //   StorageBuffer16BitAccess  storageBuffer16BitAccess (Vulkan 1.1)      *_fp16
  //   Float16                   shaderFloat16 (Vulkan 1.2)                 gemm_fp16, *_coopmat_fp16
  //   CooperativeMatrixKHR      cooperativeMatrix (VK_KHR_cooperative_     *_coopmat_fp16
  //                             matrix)
  //   VulkanMemoryModel         vulkanMemoryModel (+ ...DeviceScope) (1.2) *_coopmat_fp16
  //   GroupNonUniform           subgroup BASIC in compute (properties;     *_coopmat_fp16
  //                             guaranteed by Vulkan 1.1)
  //   CooperativeMatrixPer-     cooperativeMatrixPerElementOperations      *_coopmat2_fp16
  //     ElementOperationsNV     (VK_NV_cooperative_matrix2)
  //   CooperativeMatrixTensor-  cooperativeMatrixTensorAddressing          *_coopmat2_fp16
  //     AddressingNV, TensorAddressingNV
  //   (workgroup-scope matrices of flexible size: cooperativeMatrixWorkgroupScope,
  //    cooperativeMatrixFlexibleDimensions; not capabilities)      *_coopmat2_fp16
  //   LocalSizeId (mode)        maintenance4 (Vulkan 1.3)                  all (local_size_x_id)
  //   required subgroup size    subgroupSizeControl, computeFullSubgroups  Algorithms that ask
  //                             (Vulkan 1.3)                               (PipelineOptions)
  //
  // Not a shader capability: timelineSemaphore (Vulkan 1.2), for Timeline.
  //
  // DeviceInfo::has_coopmat needs cooperativeMatrix, vulkanMemoryModel and
  // subgroup BASIC; has_coopmat2 those and the four VK_NV_cooperative_matrix2
  // features above. Context masks info_ to what it enabled.
  VkPhysicalDeviceCooperativeMatrixFeaturesKHR cm{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR};
  VkPhysicalDeviceCooperativeMatrix2FeaturesNV cm2{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_2_FEATURES_NV};
  VkPhysicalDeviceVulkan13Features f13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceFeatures2 have{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  have.pNext = &f11;
  f11.pNext = &f12;
  f12.pNext = &f13;
  vkGetPhysicalDeviceFeatures2(physical_, &have);

  VkPhysicalDeviceVulkan13Features e13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  VkPhysicalDeviceVulkan12Features e12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan11Features e11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceFeatures2 want_f{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  want_f.pNext = &e11;
  e11.pNext = &e12;
  e12.pNext = &e13;
  e11.storageBuffer16BitAccess = info_.storage16 ? f11.storageBuffer16BitAccess : VK_FALSE;
  e12.shaderFloat16 = info_.fp16_arithmetic ? f12.shaderFloat16 : VK_FALSE;
  // VUID-VkShaderModuleCreateInfo-pCode-08740: a module declaring
  // VulkanMemoryModel needs the feature enabled.
  // Timeline semaphores (vk_runtime/timeline.h: VkPlan's batches in flight);
  // required in Vulkan 1.2, so every device this context accepts has them.
  e12.timelineSemaphore = f12.timelineSemaphore;
  e12.vulkanMemoryModel = f12.vulkanMemoryModel;
  e12.vulkanMemoryModelDeviceScope = f12.vulkanMemoryModel ? f12.vulkanMemoryModelDeviceScope : VK_FALSE;
  e13.subgroupSizeControl = f13.subgroupSizeControl;
  e13.computeFullSubgroups = f13.computeFullSubgroups;
  info_.subgroup_size_control = info_.subgroup_size_control && e13.subgroupSizeControl;
  info_.compute_full_subgroups = info_.compute_full_subgroups && e13.computeFullSubgroups;
  // The shaders size their workgroups with local_size_x_id (SPIR-V LocalSizeId),
  // which needs maintenance4 (VUID-RuntimeSpirv-LocalSizeId-06434; core and
  // required in Vulkan 1.3).
  e13.maintenance4 = f13.maintenance4;
  std::vector<const char*> exts;
  // VkPlan's zero-copy input (vk::HostImport); no feature struct.
  if (!options.host_import) info_.host_import = false;
  if (info_.host_import) exts.push_back(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
  if (info_.has_coopmat) {
    exts.push_back(VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME);
    cm.cooperativeMatrix = VK_TRUE;
    e13.pNext = &cm;
  }
  info_.has_coopmat2 = info_.has_coopmat2 && info_.has_coopmat;
  if (info_.has_coopmat2) {
    exts.push_back(VK_NV_COOPERATIVE_MATRIX_2_EXTENSION_NAME);
    cm2.cooperativeMatrixWorkgroupScope = VK_TRUE;
    cm2.cooperativeMatrixFlexibleDimensions = VK_TRUE;
    cm2.cooperativeMatrixTensorAddressing = VK_TRUE;
    cm2.cooperativeMatrixPerElementOperations = VK_TRUE;
    cm.pNext = &cm2;
  } else {
    info_.coopmat2_flexible.clear();
  }
  VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR pe{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR};
  if (options.pipeline_stats) {
    uint32_t n = 0;
    vkEnumerateDeviceExtensionProperties(physical_, nullptr, &n, nullptr);
    std::vector<VkExtensionProperties> have_exts(n);
    vkEnumerateDeviceExtensionProperties(physical_, nullptr, &n, have_exts.data());
    for (const auto& e : have_exts)
      if (std::string(e.extensionName) == VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME) {
        pipeline_stats_ = true;
        exts.push_back(VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
        pe.pipelineExecutableInfo = VK_TRUE;
        pe.pNext = e13.pNext;
        e13.pNext = &pe;
      }
    if (!pipeline_stats_)
      std::fprintf(stderr, "effnet-vk: pipeline statistics: %s lacks VK_KHR_pipeline_executable_properties\n",
                   info_.name.c_str());
  }

  VkPhysicalDeviceShaderClockFeaturesKHR clk{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CLOCK_FEATURES_KHR};
  VkPhysicalDeviceShaderSMBuiltinsFeaturesNV smb{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_FEATURES_NV};
  if (options.shader_clock && has_extension(physical_, VK_KHR_SHADER_CLOCK_EXTENSION_NAME) &&
      has_extension(physical_, VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME)) {
    VkPhysicalDeviceShaderClockFeaturesKHR hc{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CLOCK_FEATURES_KHR};
    VkPhysicalDeviceShaderSMBuiltinsFeaturesNV hs{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_FEATURES_NV};
    hc.pNext = &hs;
    VkPhysicalDeviceFeatures2 h2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    h2.pNext = &hc;
    vkGetPhysicalDeviceFeatures2(physical_, &h2);
    if (hc.shaderSubgroupClock && hc.shaderDeviceClock && hs.shaderSMBuiltins) {
      shader_clock_ = true;
      exts.push_back(VK_KHR_SHADER_CLOCK_EXTENSION_NAME);
      exts.push_back(VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME);
      clk.shaderSubgroupClock = clk.shaderDeviceClock = VK_TRUE;
      smb.shaderSMBuiltins = VK_TRUE;
      clk.pNext = &smb;
      smb.pNext = e13.pNext;
      e13.pNext = &clk;
    }
  }
  if (options.shader_clock && !shader_clock_)
    std::fprintf(stderr, "effnet-vk: %s lacks VK_KHR_shader_clock or VK_NV_shader_sm_builtins\n",
                 info_.name.c_str());

  const float priority = 1.0f;
  const bool want_transfer = options.transfer_queue && info_.transfer_queue_family != UINT32_MAX;
  VkDeviceQueueCreateInfo qci[2]{{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO},
                                 {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO}};
  qci[0].queueFamilyIndex = info_.compute_queue_family;
  qci[1].queueFamilyIndex = info_.transfer_queue_family;
  for (VkDeviceQueueCreateInfo& q : qci) {
    q.queueCount = 1;
    q.pQueuePriorities = &priority;
  }
  VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  dci.pNext = &want_f;
  dci.queueCreateInfoCount = want_transfer ? 2 : 1;
  dci.pQueueCreateInfos = qci;
  dci.enabledExtensionCount = uint32_t(exts.size());
  dci.ppEnabledExtensionNames = exts.empty() ? nullptr : exts.data();
  VkDevice dev = VK_NULL_HANDLE;
  check(vkCreateDevice(physical_, &dci, nullptr, &dev), "vkCreateDevice");
  device_ = Handle<VkDevice>(dev, [](VkDevice d) {
    vkDeviceWaitIdle(d);
    vkDestroyDevice(d, nullptr);
  });
  vkGetDeviceQueue(dev, info_.compute_queue_family, 0, &queue_);
  if (want_transfer) vkGetDeviceQueue(dev, info_.transfer_queue_family, 0, &transfer_queue_);

  allocator_ = create_allocator(instance_.get(), physical_, dev);

  VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pci.queueFamilyIndex = info_.compute_queue_family;
  VkCommandPool pool = VK_NULL_HANDLE;
  check(vkCreateCommandPool(dev, &pci, nullptr, &pool), "vkCreateCommandPool");
  command_pool_ =
      Handle<VkCommandPool>(pool, [dev](VkCommandPool p) { vkDestroyCommandPool(dev, p, nullptr); });
  if (want_transfer) {
    pci.queueFamilyIndex = info_.transfer_queue_family;
    check(vkCreateCommandPool(dev, &pci, nullptr, &pool), "vkCreateCommandPool (transfer)");
    transfer_pool_ =
        Handle<VkCommandPool>(pool, [dev](VkCommandPool p) { vkDestroyCommandPool(dev, p, nullptr); });
  }

  cache_ = std::make_unique<PipelineCache>(
      dev, physical_, info_,
      vk::pipeline_cache_path(options.pipeline_cache_file, options.pipeline_cache_dir, info_));
  kernels_ = std::make_unique<KernelCache>();
}

VkQueue Context::queue(QueueKind kind) const {
  if (kind == QueueKind::Compute) return queue_;
  if (!has_transfer_queue()) throw DeviceError(info_.name + " has no transfer queue in this context");
  return transfer_queue_;
}

uint32_t Context::queue_family(QueueKind kind) const {
  queue(kind);  // DeviceError when absent
  return kind == QueueKind::Compute ? info_.compute_queue_family : info_.transfer_queue_family;
}

VkCommandPool Context::command_pool(QueueKind kind) const {
  queue(kind);
  return kind == QueueKind::Compute ? command_pool_.get() : transfer_pool_.get();
}

Context::~Context() {
  // Members die in reverse order: cache (saved), pool, allocator, device, instance.
  if (device_) vkDeviceWaitIdle(device_.get());
  kernels_.reset();  // pipelines before the cache is saved and the device dies
}

}  // namespace effnet::vk
