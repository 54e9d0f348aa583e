// The on-disk form of the pipeline cache, apart from Vulkan so that it can be
// tested without a device: an 16-byte header (kPipelineCacheMagic, then the
// payload size as uint64 little-endian) followed by the driver's
// vkGetPipelineCacheData bytes. A file without that header is never read as a
// cache and never written over.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace effnet::vk {

inline constexpr char kPipelineCacheMagic[8] = {'E', 'F', 'V', 'K', 'P', 'C', '0', '1'};
inline constexpr uint64_t kMaxPipelineCacheBytes = uint64_t(256) << 20;  // 256 MiB

struct PipelineCacheFile {
  std::vector<char> data;  // the driver's bytes (empty: none usable)
  bool writable = false;   // the path may be (re)written: missing, or one of our cache files
  std::string warning;     // why nothing was read or why it will not be written ("" when all is well)
};

// Reads the cache file `path` without blocking (a FIFO or device is refused by
// fstat before any read). Never throws: a missing file is empty and writable; a
// directory, a special file, an unreadable file or one larger than
// kMaxPipelineCacheBytes is not writable, with a warning; a regular file
// without the magic header is left untouched (not writable, warning); a cache
// file whose payload size disagrees with its length is writable, data empty.
PipelineCacheFile read_pipeline_cache_file(const std::string& path);

// Writes header + data to `path` atomically (a temporary file beside it, then
// rename), creating the parent directories. Refuses (returns false with
// *warning set) when `path` now exists as something other than one of our
// cache files. Never throws.
bool write_pipeline_cache_file(const std::string& path, const std::vector<char>& data, std::string* warning);

}  // namespace effnet::vk
