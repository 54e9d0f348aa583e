#include "vk_runtime/pipeline_cache_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace effnet::vk {
namespace {

constexpr size_t kHeaderBytes = sizeof kPipelineCacheMagic + 8;
static_assert(kHeaderBytes >= 8, "looks_like_vulkan_cache reads the first 8 bytes");

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

bool read_all(int fd, char* p, size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

}  // namespace

bool looks_like_vulkan_cache(const char* head, uint64_t size) {
  uint32_t header_size = 0, header_version = 0;
  std::memcpy(&header_size, head, 4);
  std::memcpy(&header_version, head + 4, 4);
  return header_size >= kVulkanCacheHeaderOneBytes && header_size <= size &&
         header_version == kVulkanCacheHeaderVersionOne;
}

PipelineCacheFile read_pipeline_cache_file(const std::string& path) {
  PipelineCacheFile out;
  Fd f(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (f.fd < 0) {
    if (errno == ENOENT) {
      out.writable = true;
    } else {
      out.warning = "cannot open " + path + " (" + std::strerror(errno) + "); the cache stays in memory";
    }
    return out;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    out.warning = path + (S_ISDIR(st.st_mode) ? " is a directory" : " is not a regular file") +
                  "; the cache stays in memory (name a file)";
    return out;
  }
  const uint64_t size = uint64_t(st.st_size);
  if (size == 0) {  // e.g. made by mktemp: nothing to lose
    out.writable = true;
    return out;
  }
  if (size > kMaxPipelineCacheBytes) {
    out.warning = path + " is larger than " + std::to_string(kMaxPipelineCacheBytes) +
                  " bytes, not a pipeline cache; left untouched, the cache stays in memory";
    return out;
  }
  char head[kHeaderBytes];
  const bool whole_head = size >= kHeaderBytes && read_all(f.fd, head, kHeaderBytes);
  if (!whole_head || std::memcmp(head, kPipelineCacheMagic, sizeof kPipelineCacheMagic) != 0) {
    if (whole_head && looks_like_vulkan_cache(head, size)) {
      out.writable = true;
      out.warning = path +
                    " is a Vulkan pipeline cache without the effnet-vk header (an older effnet-vk or " +
                    "another program); it will be replaced";
      return out;
    }
    out.warning = path + " is not an effnet-vk pipeline cache; left untouched, the cache stays in memory";
    return out;
  }
  out.writable = true;
  uint64_t payload = 0;
  std::memcpy(&payload, head + sizeof kPipelineCacheMagic, 8);
  if (payload != size - kHeaderBytes) {
    out.warning = "ignoring " + path + " (truncated)";
    return out;
  }
  out.data.resize(size_t(payload));
  if (!read_all(f.fd, out.data.data(), out.data.size())) {
    out.data.clear();
    out.warning = "ignoring " + path + " (read error)";
  }
  return out;
}

bool write_pipeline_cache_file(const std::string& path, const std::vector<char>& data, std::string* warning) {
  const PipelineCacheFile now = read_pipeline_cache_file(path);
  if (!now.writable) {
    *warning = now.warning;
    return false;
  }
  std::error_code ec;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::string tmp = path + ".tmpXXXXXX";
  Fd f(::mkstemp(tmp.data()));
  if (f.fd < 0) {
    *warning = "cannot write " + path + " (" + std::strerror(errno) + ")";
    return false;
  }
  char head[kHeaderBytes];
  std::memcpy(head, kPipelineCacheMagic, sizeof kPipelineCacheMagic);
  const uint64_t n = data.size();
  std::memcpy(head + sizeof kPipelineCacheMagic, &n, 8);
  bool ok = write_all(f.fd, head, kHeaderBytes) && write_all(f.fd, data.data(), data.size());
  const int fd = f.fd;
  f.fd = -1;
  ok = (::close(fd) == 0) && ok;
  if (ok) std::filesystem::rename(tmp, p, ec);
  if (!ok || ec) {
    *warning = "cannot write " + path + (ec ? ": " + ec.message() : std::string());
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace effnet::vk
