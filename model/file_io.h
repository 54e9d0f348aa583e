// Whole-file binary I/O with FileError messages that name the file.
// Private helper of model/ (safetensors, npy, image).
#pragma once
#include <string>
#include <vector>

namespace effnet {

// Returns the file's bytes. Throws FileError "<path>: cannot open (<reason>)"
// when it is missing or unreadable, or names a directory.
std::vector<unsigned char> read_file_bytes(const std::string& path);

// Writes (replacing) the file. Throws FileError "<path>: cannot write (<reason>)".
void write_file_bytes(const std::string& path, const std::vector<unsigned char>& bytes);

}  // namespace effnet
