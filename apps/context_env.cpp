#include "apps/context_env.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "vk_runtime/errors.h"

namespace effnet::app {

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

vk::ContextOptions context_options_from_env(int gpu_flag) {
  vk::ContextOptions o;
  o.gpu = gpu_flag;
  if (gpu_flag == -1)
    if (const char* env = std::getenv("EFFNET_GPU"); env && *env) {
      char* end = nullptr;
      const long v = std::strtol(env, &end, 10);
      if (*end != '\0' || v < 0 || v > 1000000)
        throw vk::DeviceError(std::string("EFFNET_GPU='") + env + "' is not a device index; " +
                              vk::device_list_line(vk::list_devices()));
      o.gpu = int(v);
    }
  o.validation = env_flag("EFFNET_VK_VALIDATION");
  o.no_fp16 = env_flag("EFFNET_VK_NO_FP16");
  o.pipeline_stats = env_flag("EFFNET_VK_PIPELINE_STATS");
  if (const char* env = std::getenv("EFFNET_PIPELINE_CACHE")) {
    const std::string s = env;
    if (s != "off" && s != "0") o.pipeline_cache_file = s;  // "" also means none
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    o.pipeline_cache_dir = (std::filesystem::path(xdg) / "effnet-vk").string();
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    o.pipeline_cache_dir = (std::filesystem::path(home) / ".cache" / "effnet-vk").string();
  }
  return o;
}

std::string env_tuning() {
  const char* v = std::getenv("EFFNET_TUNING");
  return v && *v ? std::string(v) : std::string("auto");
}

}  // namespace effnet::app
