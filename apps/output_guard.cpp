#include "apps/output_guard.h"

#include <sys/stat.h>

#include <filesystem>

#include "model/errors.h"

namespace effnet::app {
namespace {

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

void refuse_overwriting_inputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const NamedPath& out = outputs[i];
    struct stat so {};
    if (out.path.empty() || out.path == "-" || ::stat(out.path.c_str(), &so) != 0) continue;
    const auto refuse = [&](const NamedPath& other, const char* what) {
      throw UsageError(out.option + " " + out.path + " is the same file as " + other.option + " " +
                       other.path + ": refusing to " + what);
    };
    for (const NamedPath& in : inputs) {
      struct stat si {};
      if (!in.path.empty() && in.path != "-" && ::stat(in.path.c_str(), &si) == 0 && same_file(so, si))
        refuse(in, "overwrite an input");
    }
  }
  // Two outputs into one file: by inode when both exist, else by the absolute path.
  for (size_t i = 0; i < outputs.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const NamedPath &a = outputs[i], &b = outputs[j];
      if (a.path.empty() || b.path.empty() || a.path == "-" || b.path == "-") continue;
      struct stat sa {
      }, sb{};
      std::error_code ec;
      const bool same = ::stat(a.path.c_str(), &sa) == 0 && ::stat(b.path.c_str(), &sb) == 0
                            ? same_file(sa, sb)
                            : std::filesystem::weakly_canonical(a.path, ec) ==
                                  std::filesystem::weakly_canonical(b.path, ec);
      if (same)
        throw UsageError(a.option + " " + a.path + " is the same file as " + b.option + " " + b.path +
                         ": refusing to write two outputs into one file");
    }
  }
}

void refuse_empty_path(bool given, const std::string& path, const std::string& option,
                       const std::string& hint) {
  if (given && path.empty()) throw UsageError(option + ": empty path (" + hint + ")");
}

}  // namespace effnet::app
