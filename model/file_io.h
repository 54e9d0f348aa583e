// Whole-file binary I/O with FileError messages that name the file.
// Private helper of model/ (safetensors, npy, image).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace effnet {

// Default bound of read_file_bytes: 4 GiB (the largest input any loader here
// accepts; the reference model's fp32 weights are 11 MB).
inline constexpr uint64_t kMaxFileBytes = uint64_t(4) << 30;

// Returns the bytes of the regular file `path`. The file is opened without
// blocking (O_NONBLOCK) and checked with fstat before anything is read, so a
// FIFO, a device such as /dev/zero or a socket is refused at once. Throws
// FileError naming the file: "cannot open (<reason>)" when it is missing or
// unreadable, "is a directory", "is not a regular file (<kind>)", "is N bytes,
// more than the limit of M" when larger than `max_bytes`, or a read error.
std::vector<unsigned char> read_file_bytes(const std::string& path, uint64_t max_bytes = kMaxFileBytes);

// Writes (replacing) the file; opened without blocking, so a FIFO without a
// reader fails at once instead of hanging. Throws FileError "<path>: cannot
// write (<reason>)".
void write_file_bytes(const std::string& path, const std::vector<unsigned char>& bytes);

}  // namespace effnet
