// The pipeline cache, kept on disk between runs so pipelines compile once per
// (device, driver). Failures to read or write the file are warnings on stderr,
// never errors.
//
// File: $EFFNET_PIPELINE_CACHE when set ("off" or "" disables the disk file),
// else $XDG_CACHE_HOME/effnet-vk/<vendor>-<device>-<driver>.bin, else
// ~/.cache/effnet-vk/<vendor>-<device>-<driver>.bin (ids in hex).
#pragma once
#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>

#include "vk_runtime/device_info.h"
#include "vk_runtime/handle.h"

namespace effnet::vk {

class PipelineCache {
 public:
  // Loads the file if it exists and its header matches this device
  // (vendor, device id, pipelineCacheUUID); otherwise starts empty.
  PipelineCache(VkDevice device, VkPhysicalDevice pd, const DeviceInfo& info);
  // Saves (see save()).
  ~PipelineCache();
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  VkPipelineCache get() const { return cache_.get(); }
  // Writes the cache to path() atomically (temporary file + rename). Warns on failure.
  void save();
  const std::string& path() const { return path_; }  // "" when disabled

 private:
  VkDevice device_;
  std::string path_;
  Handle<VkPipelineCache> cache_;
};

// The file the cache of this device lives in ("" when disabled by the environment).
std::string pipeline_cache_path(const DeviceInfo& info);

}  // namespace effnet::vk
