// The on-disk form of the pipeline cache, apart from Vulkan so that it can be
// tested without a device: an 16-byte header (kPipelineCacheMagic, then the
// payload size as uint64 little-endian) followed by the driver's
// vkGetPipelineCacheData bytes. A file without that header is never read as a
// cache, and is written over only when it is itself a bare Vulkan pipeline
// cache (what effnet-vk wrote before the header existed, or another program's).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace effnet::vk {

inline constexpr char kPipelineCacheMagic[8] = {'E', 'F', 'V', 'K', 'P', 'C', '0', '1'};
inline constexpr uint64_t kMaxPipelineCacheBytes = uint64_t(256) << 20;  // 256 MiB

// VkPipelineCacheHeaderVersionOne (Vulkan spec): uint32 headerSize (32), uint32
// headerVersion (1), vendorID, deviceID, pipelineCacheUUID[16].
inline constexpr uint32_t kVulkanCacheHeaderOneBytes = 32;
inline constexpr uint32_t kVulkanCacheHeaderVersionOne = 1;

// True when the first 8 bytes `head` of a file of `size` bytes start a bare
// Vulkan pipeline cache: headerSize in [32, size] and headerVersion 1.
bool looks_like_vulkan_cache(const char* head, uint64_t size);

struct PipelineCacheFile {
  std::vector<char> data;  // the driver's bytes (empty: none usable)
  bool writable = false;   // the path may be (re)written: missing, or one of our cache files
  std::string warning;     // why nothing was read or why it will not be written ("" when all is well)
};

// Reads the cache file `path` without blocking (a FIFO or device is refused by
// fstat before any read). Never throws: a missing file is empty and writable; a
// directory, a special file, an unreadable file or one larger than
// kMaxPipelineCacheBytes is not writable, with a warning; a regular file
// without the magic header is left untouched (not writable, warning) unless it
// looks_like_vulkan_cache (then writable, data empty, a warning that it will be
// replaced); a cache file whose payload size disagrees with its length is
// writable, data empty.
PipelineCacheFile read_pipeline_cache_file(const std::string& path);

// Writes header + data to `path` atomically (a temporary file beside it, then
// rename), creating the parent directories. Refuses (returns false with
// *warning set) when `path` now exists as something other than one of our
// cache files. Never throws.
bool write_pipeline_cache_file(const std::string& path, const std::vector<char>& data, std::string* warning);

}  // namespace effnet::vk
