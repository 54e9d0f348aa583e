// Class names for printed results: a text file with one name per line, in
// class-index order (e.g. tests/data/fashion_classes.txt).
#pragma once
#include <string>
#include <vector>

namespace effnet::app {

// Reads `path` (empty lines are skipped; trailing '\r' removed). Throws
// FileError when the file cannot be read or holds a number of names other
// than `classes`.
std::vector<std::string> load_labels(const std::string& path, int classes);

}  // namespace effnet::app
