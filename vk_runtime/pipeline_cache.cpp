#include "vk_runtime/pipeline_cache.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <utility>
#include <vector>

#include "vk_runtime/errors.h"
#include "vk_runtime/pipeline_cache_file.h"

namespace effnet::vk {
namespace {

void warn(const std::string& msg) { std::cerr << "effnet-vk: warning: pipeline cache: " << msg << "\n"; }

// True when `data` starts with a VkPipelineCacheHeaderVersionOne of this device.
bool header_matches(const std::vector<char>& data, VkPhysicalDevice pd, const DeviceInfo& info) {
  if (data.size() < sizeof(VkPipelineCacheHeaderVersionOne)) return false;
  VkPipelineCacheHeaderVersionOne h;
  std::memcpy(&h, data.data(), sizeof h);
  VkPhysicalDeviceProperties p;
  vkGetPhysicalDeviceProperties(pd, &p);
  return h.headerSize >= sizeof h && h.headerVersion == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
         h.vendorID == info.vendor_id && h.deviceID == info.device_id &&
         std::memcmp(h.pipelineCacheUUID, p.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

}  // namespace

std::string pipeline_cache_path(const std::string& file, const std::string& dir, const DeviceInfo& info) {
  if (!file.empty()) return file;
  if (dir.empty()) return {};
  char name[96];
  std::snprintf(name, sizeof name, "%04x-%04x-%08x.bin", info.vendor_id, info.device_id, info.driver_version);
  return (std::filesystem::path(dir) / name).string();
}

PipelineCache::PipelineCache(VkDevice device, VkPhysicalDevice pd, const DeviceInfo& info, std::string path)
    : device_(device), path_(std::move(path)) {
  std::vector<char> data;
  if (!path_.empty()) {
    PipelineCacheFile file = read_pipeline_cache_file(path_);
    if (!file.warning.empty()) warn(file.warning);
    writable_ = file.writable;
    data = std::move(file.data);
    if (!data.empty() && !header_matches(data, pd, info)) {
      warn("ignoring " + path_ + " (made by another device or driver)");
      data.clear();
    }
  }
  VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  ci.initialDataSize = data.size();
  ci.pInitialData = data.empty() ? nullptr : data.data();
  VkPipelineCache c = VK_NULL_HANDLE;
  VkResult r = vkCreatePipelineCache(device, &ci, nullptr, &c);
  if (r != VK_SUCCESS && !data.empty()) {  // a driver rejecting old data: start empty
    warn(std::string("driver rejected ") + path_ + " (" + result_name(r) + ")");
    ci.initialDataSize = 0;
    ci.pInitialData = nullptr;
    r = vkCreatePipelineCache(device, &ci, nullptr, &c);
  }
  check(r, "vkCreatePipelineCache");
  cache_ =
      Handle<VkPipelineCache>(c, [device](VkPipelineCache h) { vkDestroyPipelineCache(device, h, nullptr); });
}

PipelineCache::~PipelineCache() { save(); }

void PipelineCache::save() {
  if (path_.empty() || !writable_ || !cache_) return;
  size_t n = 0;
  if (vkGetPipelineCacheData(device_, cache_.get(), &n, nullptr) != VK_SUCCESS || n == 0) return;
  std::vector<char> data(n);
  if (vkGetPipelineCacheData(device_, cache_.get(), &n, data.data()) != VK_SUCCESS) return;
  data.resize(n);
  std::string why;
  if (!write_pipeline_cache_file(path_, data, &why)) warn(why);
}

}  // namespace effnet::vk
