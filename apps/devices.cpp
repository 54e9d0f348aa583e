#include "apps/devices.h"

#include "model/vk_variant.h"
#include "nlohmann/json.hpp"
#include "vk_runtime/context.h"
#ifdef EFFNET_HAVE_CUDA
#include "cuda_ref/cuda_reference.h"
#endif

namespace effnet::app {

nlohmann::json coopmat2_json(const vk::DeviceInfo& d) {
  std::vector<std::string> flex;
  for (const vk::CoopMatFlexShape& s : d.coopmat2_flexible) flex.push_back(s.str());
  return {{"available", d.has_coopmat2},
          {"max_workgroup_size", d.coopmat2_max_workgroup_size},
          {"max_dimension", d.coopmat2_max_dimension},
          {"reserved_shared_memory", d.coopmat2_reserved_shared},
          {"flexible", flex}};
}

void print_devices(std::ostream& os, bool json) {
  const std::vector<vk::DeviceInfo> devs = vk::list_devices();
  const uint32_t def = devs.empty() ? 0 : vk::default_device_index(devs);
  nlohmann::json j;
  j["vulkan"] = nlohmann::json::array();
  if (!json)
    os << "Vulkan devices (default: " << (devs.empty() ? std::string("none") : std::to_string(def)) << "):\n";
  for (const vk::DeviceInfo& d : devs) {
    std::vector<std::string> shapes;
    for (const vk::CoopMatShape& s : d.coopmat_shapes) shapes.push_back(s.str());
    j["vulkan"].push_back({{"index", d.index},
                           {"name", d.name},
                           {"type", d.type},
                           {"driver", d.driver},
                           {"api", d.api_version_str},
                           {"usable", d.usable()},
                           {"subgroup_size", d.subgroup_size},
                           {"max_shared_memory", d.max_shared_memory},
                           {"fp16", precision_supported(d, Precision::FP16)},
                           {"coopmat_shapes", shapes},
                           {"coopmat2", coopmat2_json(d)}});
    if (!json) os << (d.index == def ? "* " : "  ") << d.report() << "\n";
  }
#ifdef EFFNET_HAVE_CUDA
  std::string why;
  if (cuda_available(&why)) {
    j["cuda"] = {{"device", cuda_device_name(0)}, {"libraries", cuda_library_versions()}};
    if (!json) os << "CUDA device 0: " << cuda_device_name(0) << "\n  " << cuda_library_versions() << "\n";
  } else {
    j["cuda"] = {{"available", false}, {"why", why}};
    if (!json) os << "CUDA: not available (" << why << ")\n";
  }
#else
  j["cuda"] = {{"available", false}, {"why", "built without CUDA"}};
  if (!json) os << "CUDA: this binary was built without the CUDA reference path\n";
#endif
  if (json) os << j.dump(1) << "\n";
}

}  // namespace effnet::app
