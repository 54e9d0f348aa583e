// The tools never write over a file they read: an output path is compared with
// every input by device and inode (stat), not by its spelling, so a symlink, a
// hard link or "./x" for "x" is caught too.
#pragma once
#include <string>
#include <vector>

namespace effnet::app {

// A path given on the command line and the option that named it ("--weights").
struct NamedPath {
  std::string option, path;
};

// Throws UsageError "--output <path> is the same file as --weights <path>:
// refusing to overwrite an input" when an output names an existing file that
// is one of the inputs, and "... refusing to write two outputs into one file"
// when two outputs name one file (by inode, or by absolute path when one does
// not exist yet). "-" (standard output) and files that do not exist are no input.
void refuse_overwriting_inputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs);

// Throws UsageError "<option>: empty path (<hint>)" when `given` (the option
// was on the command line) and path is empty: `--weights ''` must not mean
// "no weights".
void refuse_empty_path(bool given, const std::string& path, const std::string& option,
                       const std::string& hint);

}  // namespace effnet::app
