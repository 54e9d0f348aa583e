// Input of the tools: images or an .npy batch, validated.
#pragma once
#include <string>
#include <vector>

#include "model/tensor.h"

namespace effnet::app {

struct InputSpec {
  std::vector<std::string> images;  // decoded, resized to `size`, normalised unless `normalize` is false
  std::string npy;                  // [N, 3, H, W] float32 NCHW
  int size = 240;
  bool normalize = true;
};

// Returns x [N, 3, H, W] float32 NCHW. Throws UsageError when neither or both
// sources are given, FileError for unreadable files, ShapeError when the .npy is
// not [N>=1, 3, H>=32, W>=32] or holds a non-finite value.
Tensor load_input(const InputSpec& spec);

// Throws ShapeError unless x is [N>=1, 3, H>=kMinImageSize, W>=kMinImageSize] and finite.
void validate_input(const Tensor& x);

}  // namespace effnet::app
