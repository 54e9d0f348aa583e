// What a physical device can do, as far as this project cares: the capability
// report printed by `effnet-infer --list-devices` and used by the plan to pick
// shader variants and tile sizes.
#pragma once
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace effnet::vk {

// One cooperative-matrix configuration (VkCooperativeMatrixPropertiesKHR),
// e.g. M16 N16 K16 f16 x f16 + f32 -> f32, subgroup scope.
struct CoopMatShape {
  uint32_t m = 0, n = 0, k = 0;
  std::string a_type, b_type, c_type, result_type;  // "f16", "f32", "s8", "bf16", ...
  std::string scope;                                // "subgroup", "workgroup", ...
  std::string str() const;                          // "16x16x16 f16*f16+f32->f32 (subgroup)"
};

// One flexible-dimension configuration of workgroup-scope (or other scope)
// cooperative matrices (VkCooperativeMatrixFlexibleDimensionsPropertiesNV,
// VK_NV_cooperative_matrix2): any M, N, K that are multiples of the
// granularities, for a workgroup of `workgroup_invocations` invocations.
struct CoopMatFlexShape {
  uint32_t m_granularity = 0, n_granularity = 0, k_granularity = 0;
  std::string a_type, b_type, c_type, result_type;  // as CoopMatShape
  std::string scope;                                // "workgroup", "subgroup", ...
  uint32_t workgroup_invocations = 0;
  std::string str() const;  // "16x16x16 f16*f16+f32->f32 (workgroup, 256 invocations)"
};

struct DeviceInfo {
  uint32_t index = 0;  // position in vkEnumeratePhysicalDevices order
  std::string name;    // "NVIDIA H200", "llvmpipe (LLVM 19.1.7, 256 bits)"
  uint32_t vendor_id = 0, device_id = 0;
  std::string vendor;  // "NVIDIA", "AMD", "Intel", "Mesa", or hex id
  std::string type;    // "discrete", "integrated", "virtual", "cpu", "other"
  VkPhysicalDeviceType vk_type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  std::string driver;           // driverName + " " + driverInfo, e.g. "NVIDIA 580.159.04"
  uint32_t driver_version = 0;  // raw VkPhysicalDeviceProperties::driverVersion
  uint32_t api_version = 0;     // VK_MAKE_API_VERSION
  std::string api_version_str;  // "1.4.312"
  uint32_t subgroup_size = 0;   // the default (VkPhysicalDeviceSubgroupProperties::subgroupSize)
  // Subgroup size control (Vulkan 1.3): a pipeline may require a size in
  // [min_subgroup_size, max_subgroup_size] when subgroup_size_control
  // (the feature, with compute in requiredSubgroupSizeStages).
  uint32_t min_subgroup_size = 0, max_subgroup_size = 0;
  uint32_t max_compute_workgroup_subgroups = 0;
  bool subgroup_size_control = false;
  bool compute_full_subgroups = false;  // computeFullSubgroups (REQUIRE_FULL_SUBGROUPS)
  uint32_t max_shared_memory = 0;       // maxComputeSharedMemorySize, bytes
  std::array<uint32_t, 3> max_workgroup_size{};
  uint32_t max_workgroup_invocations = 0;
  std::array<uint32_t, 3> max_workgroup_count{};
  uint32_t max_storage_buffer_range = 0;          // bytes
  uint64_t device_local_bytes = 0;                // size of the largest device-local heap
  bool fp16_arithmetic = false;                   // shaderFloat16
  bool storage16 = false;                         // storageBuffer16BitAccess
  bool vulkan_memory_model = false;               // vulkanMemoryModel
  bool vulkan_memory_model_device_scope = false;  // vulkanMemoryModelDeviceScope
  // Cooperative matrices this project can use: VK_KHR_cooperative_matrix with
  // its feature, vulkanMemoryModel (the coopmat shaders declare the
  // VulkanMemoryModel capability) and basic subgroup operations in compute.
  bool has_coopmat = false;
  std::vector<CoopMatShape> coopmat_shapes;
  // Workgroup-scope cooperative matrices with tensor addressing (the COOPMAT2
  // GEMM, shaders/gemm_coopmat2.glsl): has_coopmat and VK_NV_cooperative_matrix2
  // with the features its SPIR-V needs: cooperativeMatrixWorkgroupScope,
  // cooperativeMatrixFlexibleDimensions, cooperativeMatrixTensorAddressing,
  // cooperativeMatrixPerElementOperations (Context enables exactly these).
  bool has_coopmat2 = false;
  // VkPhysicalDeviceCooperativeMatrix2PropertiesNV (0 without the extension):
  // the most invocations of a workgroup using workgroup-scope matrices, the
  // largest flexible matrix dimension, and the shared memory (bytes) the
  // driver reserves for a workgroup using them (taken from maxComputeSharedMemorySize).
  uint32_t coopmat2_max_workgroup_size = 0;
  uint32_t coopmat2_max_dimension = 0;
  uint32_t coopmat2_reserved_shared = 0;
  // vkGetPhysicalDeviceCooperativeMatrixFlexibleDimensionsPropertiesNV (with has_coopmat2).
  std::vector<CoopMatFlexShape> coopmat2_flexible;
  float timestamp_period_ns = 0.0f;            // ns per timestamp tick
  uint32_t timestamp_valid_bits = 0;           // of the chosen compute queue family (0: no timestamps)
  uint32_t compute_queue_family = UINT32_MAX;  // UINT32_MAX: no compute queue
  // A family with transfer but neither graphics nor compute: a copy (DMA)
  // engine that moves data while the compute queue runs (VkPlan's uploads).
  // UINT32_MAX: none (lavapipe, most integrated GPUs).
  uint32_t transfer_queue_family = UINT32_MAX;
  // VK_EXT_external_memory_host: host memory the application allocated can be
  // imported as device-visible memory (vk::HostImport), its pointer and size
  // multiples of host_import_alignment (minImportedHostPointerAlignment; 4096
  // on NVIDIA and lavapipe).
  bool host_import = false;
  uint64_t host_import_alignment = 0;

  bool api13() const { return api_version >= VK_API_VERSION_1_3; }
  // A pipeline may require subgroups of `size` invocations (a power of two in
  // [min_subgroup_size, max_subgroup_size], with subgroup_size_control).
  bool can_require_subgroup_size(uint32_t size) const;
  // The device can run this project's shaders (Vulkan 1.3 and a compute queue).
  bool usable() const { return api13() && compute_queue_family != UINT32_MAX; }
  // Multi-line human-readable report.
  std::string report() const;
  // One line: "0: NVIDIA H200 (discrete, NVIDIA 580.159.04, Vulkan 1.4.312)".
  std::string line() const;
};

// Fills every field of DeviceInfo for `pd` of `instance` (index is the caller's).
DeviceInfo query_device_info(VkInstance instance, VkPhysicalDevice pd, uint32_t index);

// Whether the device offers the extension `name` (vkEnumerateDeviceExtensionProperties).
bool has_extension(VkPhysicalDevice pd, const char* name);

}  // namespace effnet::vk
