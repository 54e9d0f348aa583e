// NumPy .npy files (format 1.0/2.0/3.0,
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): float32, little-endian, C order
// only.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace effnet {

// Throws FileError (one line naming the file) on a missing, non-regular or
// truncated file, a bad magic, a header numpy would not write (exactly the keys
// descr, fortran_order and shape, each once, in Python dict syntax), a dtype
// other than '<f4', fortran_order True, or a shape whose data would exceed
// kMaxFileBytes (model/file_io.h; the product is computed with overflow checks).
Tensor load_npy(const std::string& path);

// The same on `size` bytes in memory (what load_npy reads); `path` only labels
// the errors. Same errors as load_npy. The fuzz target of tests/fuzz calls it.
Tensor parse_npy(const unsigned char* data, size_t size, const std::string& path);

// The bytes of t as an .npy file: float32 C order, format 1.0. Throws
// ShapeError when t.data.size() != t.numel().
std::vector<unsigned char> npy_bytes(const Tensor& t);

// Writes npy_bytes(t) to `path`. Throws FileError on I/O failure, ShapeError
// when t.data.size() != t.numel().
void save_npy(const std::string& path, const Tensor& t);

}  // namespace effnet
