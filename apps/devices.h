// --list-devices: the Vulkan devices (and CUDA devices when built with CUDA).
#pragma once
#include <ostream>

#include "nlohmann/json.hpp"
#include "vk_runtime/device_info.h"

namespace effnet::app {
// The device's VK_NV_cooperative_matrix2 report as JSON: {"available": has_coopmat2,
// "max_workgroup_size", "max_dimension", "reserved_shared_memory" (bytes),
// "flexible": [CoopMatFlexShape::str(), ...]}; shown beside "coopmat_shapes".
nlohmann::json coopmat2_json(const vk::DeviceInfo& d);

// Human table, or one JSON object {"vulkan": [...], "cuda": [...]} when `json`.
void print_devices(std::ostream& os, bool json);
}  // namespace effnet::app
