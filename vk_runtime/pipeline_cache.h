// The pipeline cache, kept on disk between runs so pipelines compile once per
// (device, driver). Failures to read or write the file are warnings on stderr,
// never errors.
//
// The file is the caller's choice (ContextOptions; apps/context_env.h maps
// EFFNET_PIPELINE_CACHE, XDG_CACHE_HOME and HOME to it); "" keeps the cache in
// memory only.
#pragma once
#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>

#include "vk_runtime/device_info.h"
#include "vk_runtime/handle.h"

namespace effnet::vk {

class PipelineCache {
 public:
  // Loads the file `path` (vk_runtime/pipeline_cache_file.h: our magic header,
  // then the driver's data) if it exists and the driver's header matches this
  // device (vendor, device id, pipelineCacheUUID); otherwise starts empty.
  // "": no file. A path that is a directory, a special file or a file that is
  // not one of our caches is warned about and never written.
  PipelineCache(VkDevice device, VkPhysicalDevice pd, const DeviceInfo& info, std::string path);
  // Saves (see save()).
  ~PipelineCache();
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  VkPipelineCache get() const { return cache_.get(); }
  // Writes the cache to path() atomically (temporary file + rename) unless the
  // path was found unwritable at load. Warns on failure.
  void save();
  const std::string& path() const { return path_; }  // "" when disabled

 private:
  VkDevice device_;
  std::string path_;
  bool writable_ = false;
  Handle<VkPipelineCache> cache_;
};

// The cache file of this device: `file` when not empty; else
// <dir>/<vendor>-<device>-<driver>.bin (ids in hex) when `dir` is not empty;
// else "" (no file).
std::string pipeline_cache_path(const std::string& file, const std::string& dir, const DeviceInfo& info);

}  // namespace effnet::vk
