// NumPy .npy files (format 1.0/2.0/3.0,
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): float32, little-endian, C order
// only.
#pragma once
#include <string>

#include "model/tensor.h"

namespace effnet {

// Throws FileError on a missing/truncated file, a bad magic or header, a dtype
// other than '<f4', or fortran_order True.
Tensor load_npy(const std::string& path);

// Writes float32 C order, format 1.0. Throws FileError on I/O failure, ShapeError
// when t.data.size() != t.numel().
void save_npy(const std::string& path, const Tensor& t);

}  // namespace effnet
