#include "apps/image_list.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "model/errors.h"
#include "model/file_io.h"
#include "model/image_decode.h"

namespace fs = std::filesystem;

namespace effnet::app {

namespace {

constexpr uint64_t kMaxListBytes = uint64_t(1) << 30;  // 1 GiB: millions of paths

// False only when the file opens and its first bytes are no PNG or JPEG.
bool may_be_image(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return true;
  unsigned char head[kImageMagicBytes];
  const ssize_t n = ::read(fd, head, sizeof head);
  ::close(fd);
  return n < 0 || is_image_magic(head, size_t(n));
}

bool is_directory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

}  // namespace

std::vector<std::string> images_in_directory(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code ec_type;
    if (!it->is_regular_file(ec_type)) continue;
    if (may_be_image(it->path().string())) names.push_back(it->path().filename().string());
  }
  if (ec) throw FileError(dir + ": cannot read the directory (" + ec.message() + ")");
  if (names.empty()) throw FileError(dir + ": no PNG or JPEG file in the directory");
  std::sort(names.begin(), names.end());
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const std::string& n : names) paths.push_back((fs::path(dir) / n).string());
  return paths;
}

std::vector<std::string> read_image_list(const std::string& path) {
  std::vector<unsigned char> bytes;
  try {
    bytes = read_file_bytes(path, kMaxListBytes);
  } catch (const FileError& e) {
    throw FileError(std::string("--list ") + e.what());
  }
  const fs::path base = fs::path(path).parent_path();
  std::vector<std::string> paths;
  const std::string text(bytes.begin(), bytes.end());
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos || line[0] == '#') continue;
    const fs::path p(line);
    paths.push_back(p.is_absolute() ? line : (base / p).string());
  }
  if (paths.empty())
    throw FileError("--list " + path + ": no image paths in the list (only blank lines and # comments)");
  return paths;
}

std::vector<std::string> expand_images(const std::vector<std::string>& args, const std::string& list_file) {
  std::vector<std::string> named = args;
  if (!list_file.empty()) {
    const std::vector<std::string> listed = read_image_list(list_file);
    named.insert(named.end(), listed.begin(), listed.end());
  }
  std::vector<std::string> out;
  for (const std::string& p : named) {
    if (!is_directory(p)) {
      out.push_back(p);
      continue;
    }
    const std::vector<std::string> inside = images_in_directory(p);
    out.insert(out.end(), inside.begin(), inside.end());
  }
  return out;
}

}  // namespace effnet::app
