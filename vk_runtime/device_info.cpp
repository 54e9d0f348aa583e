#include "vk_runtime/device_info.h"

#include <cstdio>
#include <sstream>

#include "vk_runtime/errors.h"

namespace effnet::vk {
namespace {

std::string component_name(VkComponentTypeKHR t) {
  switch (t) {
    case VK_COMPONENT_TYPE_FLOAT16_KHR:
      return "f16";
    case VK_COMPONENT_TYPE_FLOAT32_KHR:
      return "f32";
    case VK_COMPONENT_TYPE_FLOAT64_KHR:
      return "f64";
    case VK_COMPONENT_TYPE_SINT8_KHR:
      return "s8";
    case VK_COMPONENT_TYPE_SINT16_KHR:
      return "s16";
    case VK_COMPONENT_TYPE_SINT32_KHR:
      return "s32";
    case VK_COMPONENT_TYPE_SINT64_KHR:
      return "s64";
    case VK_COMPONENT_TYPE_UINT8_KHR:
      return "u8";
    case VK_COMPONENT_TYPE_UINT16_KHR:
      return "u16";
    case VK_COMPONENT_TYPE_UINT32_KHR:
      return "u32";
    case VK_COMPONENT_TYPE_UINT64_KHR:
      return "u64";
    default:
      if (int(t) == 1000141000) return "bf16";  // VK_COMPONENT_TYPE_BFLOAT16_KHR (headers >= 1.4.311)
      return "type" + std::to_string(int(t));
  }
}

std::string scope_name(VkScopeKHR s) {
  switch (s) {
    case VK_SCOPE_DEVICE_KHR:
      return "device";
    case VK_SCOPE_WORKGROUP_KHR:
      return "workgroup";
    case VK_SCOPE_SUBGROUP_KHR:
      return "subgroup";
    case VK_SCOPE_QUEUE_FAMILY_KHR:
      return "queue family";
    default:
      return "scope" + std::to_string(int(s));
  }
}

std::string vendor_name(uint32_t id) {
  switch (id) {
    case 0x10DE:
      return "NVIDIA";
    case 0x1002:
      return "AMD";
    case 0x8086:
      return "Intel";
    case 0x13B5:
      return "ARM";
    case 0x5143:
      return "Qualcomm";
    case 0x106B:
      return "Apple";
    case 0x10005:
      return "Mesa";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%04x", id);
      return buf;
    }
  }
}

std::string type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

}  // namespace

bool has_extension(VkPhysicalDevice pd, const char* name) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, exts.data());
  for (const auto& e : exts)
    if (std::string(e.extensionName) == name) return true;
  return false;
}

std::string CoopMatShape::str() const {
  return std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + " " + a_type + "*" + b_type +
         "+" + c_type + "->" + result_type + " (" + scope + ")";
}

std::string CoopMatFlexShape::str() const {
  return std::to_string(m_granularity) + "x" + std::to_string(n_granularity) + "x" +
         std::to_string(k_granularity) + " " + a_type + "*" + b_type + "+" + c_type + "->" + result_type +
         " (" + scope + ", " + std::to_string(workgroup_invocations) + " invocations)";
}

DeviceInfo query_device_info(VkInstance instance, VkPhysicalDevice pd, uint32_t index) {
  DeviceInfo d;
  d.index = index;

  VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  subgroup.pNext = &driver;
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(pd, &props);
  const VkPhysicalDeviceProperties& p = props.properties;
  const VkPhysicalDeviceLimits& lim = p.limits;

  d.name = p.deviceName;
  d.vendor_id = p.vendorID;
  d.device_id = p.deviceID;
  d.vendor = vendor_name(p.vendorID);
  d.vk_type = p.deviceType;
  d.type = type_name(p.deviceType);
  d.driver_version = p.driverVersion;
  d.driver = std::string(driver.driverName) + " " + driver.driverInfo;
  d.api_version = p.apiVersion;
  d.api_version_str = std::to_string(VK_API_VERSION_MAJOR(p.apiVersion)) + "." +
                      std::to_string(VK_API_VERSION_MINOR(p.apiVersion)) + "." +
                      std::to_string(VK_API_VERSION_PATCH(p.apiVersion));
  d.subgroup_size = subgroup.subgroupSize;
  const bool subgroup_basic_compute = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                                      (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT);
  d.max_shared_memory = lim.maxComputeSharedMemorySize;
  for (int i = 0; i < 3; ++i) {
    d.max_workgroup_size[i] = lim.maxComputeWorkGroupSize[i];
    d.max_workgroup_count[i] = lim.maxComputeWorkGroupCount[i];
  }
  d.max_workgroup_invocations = lim.maxComputeWorkGroupInvocations;
  d.max_storage_buffer_range = lim.maxStorageBufferRange;
  d.timestamp_period_ns = lim.timestampPeriod;

  VkPhysicalDeviceMemoryProperties mem;
  vkGetPhysicalDeviceMemoryProperties(pd, &mem);
  for (uint32_t i = 0; i < mem.memoryHeapCount; ++i)
    if (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      d.device_local_bytes = std::max<uint64_t>(d.device_local_bytes, mem.memoryHeaps[i].size);
  if (d.device_local_bytes == 0)  // some CPU drivers expose only host heaps
    for (uint32_t i = 0; i < mem.memoryHeapCount; ++i)
      d.device_local_bytes = std::max<uint64_t>(d.device_local_bytes, mem.memoryHeaps[i].size);

  uint32_t nq = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, nullptr);
  std::vector<VkQueueFamilyProperties> qf(nq);
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, qf.data());
  // The first family with compute (the universal queue on every driver we know).
  for (uint32_t i = 0; i < nq && d.compute_queue_family == UINT32_MAX; ++i) {
    if (!(qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
    d.compute_queue_family = i;
    d.timestamp_valid_bits = qf[i].timestampValidBits;
  }
  for (uint32_t i = 0; i < nq && d.transfer_queue_family == UINT32_MAX; ++i) {
    const VkQueueFlags f = qf[i].queueFlags;
    if ((f & VK_QUEUE_TRANSFER_BIT) && !(f & (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT)) &&
        qf[i].queueCount > 0)
      d.transfer_queue_family = i;
  }

  if (has_extension(pd, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
    VkPhysicalDeviceExternalMemoryHostPropertiesEXT host{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT};
    VkPhysicalDeviceProperties2 ph{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    ph.pNext = &host;
    vkGetPhysicalDeviceProperties2(pd, &ph);
    d.host_import_alignment = host.minImportedHostPointerAlignment;
    // A power of two (the spec requires it); anything else is not trusted.
    const uint64_t a = d.host_import_alignment;
    d.host_import = a != 0 && (a & (a - 1)) == 0;
  }

  VkPhysicalDeviceVulkan13Properties p13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_PROPERTIES};
  if (d.api13()) {  // subgroup size control is core in 1.3
    VkPhysicalDeviceProperties2 props13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props13.pNext = &p13;
    vkGetPhysicalDeviceProperties2(pd, &props13);
    d.min_subgroup_size = p13.minSubgroupSize;
    d.max_subgroup_size = p13.maxSubgroupSize;
    d.max_compute_workgroup_subgroups = p13.maxComputeWorkgroupSubgroups;
  }

  if (d.api_version >= VK_API_VERSION_1_2) {
    VkPhysicalDeviceVulkan13Features f13{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    f11.pNext = &f12;
    void** tail = &f12.pNext;
    if (d.api13()) {
      *tail = &f13;
      tail = &f13.pNext;
    }
    VkPhysicalDeviceCooperativeMatrixFeaturesKHR fcm{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR};
    const bool cm_ext = has_extension(pd, VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME);
    if (cm_ext) *tail = &fcm;
    VkPhysicalDeviceCooperativeMatrix2FeaturesNV fcm2{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_2_FEATURES_NV};
    const bool cm2_ext = cm_ext && has_extension(pd, VK_NV_COOPERATIVE_MATRIX_2_EXTENSION_NAME);
    if (cm2_ext) fcm.pNext = &fcm2;
    VkPhysicalDeviceFeatures2 f{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    f.pNext = &f11;
    vkGetPhysicalDeviceFeatures2(pd, &f);
    d.fp16_arithmetic = f12.shaderFloat16;
    d.storage16 = f11.storageBuffer16BitAccess;
    d.vulkan_memory_model = f12.vulkanMemoryModel;
    d.vulkan_memory_model_device_scope = f12.vulkanMemoryModel && f12.vulkanMemoryModelDeviceScope;
    d.subgroup_size_control =
        f13.subgroupSizeControl && (p13.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT);
    d.compute_full_subgroups = f13.computeFullSubgroups;
    // The coopmat shaders declare CooperativeMatrixKHR, VulkanMemoryModel and
    // GroupNonUniform (gl_SubgroupID): all three or no cooperative matrices.
    d.has_coopmat = cm_ext && fcm.cooperativeMatrix && d.vulkan_memory_model && subgroup_basic_compute;
    // The COOPMAT2 GEMM's SPIR-V declares CooperativeMatrixKHR,
    // CooperativeMatrixPerElementOperationsNV, CooperativeMatrixTensorAddressingNV
    // and TensorAddressingNV, and uses workgroup-scope matrices of flexible size.
    d.has_coopmat2 = d.has_coopmat && cm2_ext && fcm2.cooperativeMatrixWorkgroupScope &&
                     fcm2.cooperativeMatrixFlexibleDimensions && fcm2.cooperativeMatrixTensorAddressing &&
                     fcm2.cooperativeMatrixPerElementOperations;
    if (cm2_ext) {
      VkPhysicalDeviceCooperativeMatrix2PropertiesNV p2{
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_2_PROPERTIES_NV};
      VkPhysicalDeviceProperties2 ph{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
      ph.pNext = &p2;
      vkGetPhysicalDeviceProperties2(pd, &ph);
      d.coopmat2_max_workgroup_size = p2.cooperativeMatrixWorkgroupScopeMaxWorkgroupSize;
      d.coopmat2_max_dimension = p2.cooperativeMatrixFlexibleDimensionsMaxDimension;
      d.coopmat2_reserved_shared = p2.cooperativeMatrixWorkgroupScopeReservedSharedMemory;
    }
  }
  if (d.has_coopmat2) {
    auto get = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixFlexibleDimensionsPropertiesNV>(
        vkGetInstanceProcAddr(instance,
                              "vkGetPhysicalDeviceCooperativeMatrixFlexibleDimensionsPropertiesNV"));
    uint32_t n = 0;
    if (get && get(pd, &n, nullptr) == VK_SUCCESS && n > 0) {
      std::vector<VkCooperativeMatrixFlexibleDimensionsPropertiesNV> fl(
          n, {VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_FLEXIBLE_DIMENSIONS_PROPERTIES_NV});
      if (get(pd, &n, fl.data()) == VK_SUCCESS) {
        for (uint32_t i = 0; i < n; ++i) {
          const auto& c = fl[i];
          CoopMatFlexShape s;
          s.m_granularity = c.MGranularity;
          s.n_granularity = c.NGranularity;
          s.k_granularity = c.KGranularity;
          s.a_type = component_name(c.AType);
          s.b_type = component_name(c.BType);
          s.c_type = component_name(c.CType);
          s.result_type = component_name(c.ResultType);
          s.scope = scope_name(c.scope);
          s.workgroup_invocations = c.workgroupInvocations;
          d.coopmat2_flexible.push_back(s);
        }
      }
    }
  }
  if (d.has_coopmat) {
    auto get = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR>(
        vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR"));
    uint32_t n = 0;
    if (get && get(pd, &n, nullptr) == VK_SUCCESS && n > 0) {
      std::vector<VkCooperativeMatrixPropertiesKHR> cm(n,
                                                       {VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR});
      if (get(pd, &n, cm.data()) == VK_SUCCESS) {
        for (uint32_t i = 0; i < n; ++i) {
          const auto& c = cm[i];
          d.coopmat_shapes.push_back({c.MSize, c.NSize, c.KSize, component_name(c.AType),
                                      component_name(c.BType), component_name(c.CType),
                                      component_name(c.ResultType), scope_name(c.scope)});
        }
      }
    }
  }
  return d;
}

bool DeviceInfo::can_require_subgroup_size(uint32_t size) const {
  return subgroup_size_control && size != 0 && (size & (size - 1)) == 0 && size >= min_subgroup_size &&
         size <= max_subgroup_size;
}

std::string DeviceInfo::line() const {
  return std::to_string(index) + ": " + name + " (" + type + ", " + driver + ", Vulkan " + api_version_str +
         ")";
}

std::string DeviceInfo::report() const {
  std::ostringstream o;
  o << "device " << index << ": " << name << "\n"
    << "  vendor: " << vendor << " (0x" << std::hex << vendor_id << ", device 0x" << device_id << std::dec
    << "), type: " << type << "\n"
    << "  driver: " << driver << ", Vulkan " << api_version_str
    << (usable() ? "" : " (not usable: needs 1.3 + compute)") << "\n"
    << "  subgroup size: " << subgroup_size << " (required sizes: "
    << (subgroup_size_control ? std::to_string(min_subgroup_size) + ".." + std::to_string(max_subgroup_size) +
                                    (compute_full_subgroups ? ", full subgroups" : "")
                              : std::string("no"))
    << "), shared memory: " << max_shared_memory << " B, max workgroup: " << max_workgroup_size[0] << "x"
    << max_workgroup_size[1] << "x" << max_workgroup_size[2] << " (" << max_workgroup_invocations
    << " invocations)\n"
    << "  fp16 arithmetic: " << (fp16_arithmetic ? "yes" : "no")
    << ", 16-bit storage: " << (storage16 ? "yes" : "no")
    << ", Vulkan memory model: " << (vulkan_memory_model ? "yes" : "no")
    << ", device-local memory: " << (device_local_bytes >> 20) << " MiB\n"
    << "  timestamps: " << (timestamp_valid_bits ? std::to_string(timestamp_period_ns) + " ns/tick" : "none")
    << ", queue families: compute " << compute_queue_family << ", transfer-only "
    << (transfer_queue_family == UINT32_MAX ? std::string("none") : std::to_string(transfer_queue_family))
    << ", host memory import: "
    << (host_import ? "yes (" + std::to_string(host_import_alignment) + " B aligned)" : std::string("no"))
    << "\n"
    << "  cooperative matrix: " << (has_coopmat ? "" : "no");
  for (size_t i = 0; i < coopmat_shapes.size(); ++i) o << (i ? ", " : "") << coopmat_shapes[i].str();
  o << "\n"
    << "  cooperative matrix 2 (workgroup scope): " << (has_coopmat2 ? "" : "no");
  if (has_coopmat2) {
    o << "max workgroup " << coopmat2_max_workgroup_size << " invocations, max dimension "
      << coopmat2_max_dimension << ", reserved shared memory " << coopmat2_reserved_shared << " B; flexible ";
    for (size_t i = 0; i < coopmat2_flexible.size(); ++i) o << (i ? ", " : "") << coopmat2_flexible[i].str();
  }
  o << "\n";
  return o.str();
}

}  // namespace effnet::vk
