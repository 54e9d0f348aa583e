#include "apps/labels.h"

#include <fstream>

#include "model/errors.h"

namespace effnet::app {

std::vector<std::string> load_labels(const std::string& path, int classes) {
  std::ifstream f(path);
  if (!f) throw FileError(path + ": cannot open the class names");
  std::vector<std::string> names;
  for (std::string line; std::getline(f, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (int(names.size()) != classes)
    throw FileError(path + ": " + std::to_string(names.size()) + " class names for a network of " +
                    std::to_string(classes) + " classes");
  return names;
}

}  // namespace effnet::app
