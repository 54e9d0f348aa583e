#include "model/file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "model/errors.h"

namespace effnet {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

std::vector<unsigned char> read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FileError(path + ": cannot open (is a directory)");
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw FileError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<unsigned char> bytes;
  unsigned char buf[1 << 16];
  size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof buf, f.get())) > 0) bytes.insert(bytes.end(), buf, buf + got);
  if (std::ferror(f.get())) throw FileError(path + ": read error");
  return bytes;
}

void write_file_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  FilePtr f(std::fopen(path.c_str(), "wb"));
  if (!f) throw FileError(path + ": cannot write (" + std::strerror(errno) + ")");
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) {
    throw FileError(path + ": cannot write (" + std::strerror(errno) + ")");
  }
  if (std::fclose(f.release()) != 0) throw FileError(path + ": cannot write (close failed)");
}

}  // namespace effnet
