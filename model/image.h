// Image input: decode (PNG and JPEG only, model/image_decode.h), resize, normalise.
#pragma once
#include <string>
#include <vector>

#include "model/tensor.h"

namespace effnet {

inline constexpr float kImageNetMean[3] = {0.485f, 0.456f, 0.406f};
inline constexpr float kImageNetStd[3] = {0.229f, 0.224f, 0.225f};

// Loads images as one batch [N, 3, size, size] float32 NCHW, RGB.
// Each image is decoded, resized to size x size with bilinear interpolation
// (pixel centres aligned, as PyTorch's interpolate(align_corners=False) without
// antialiasing), scaled to [0, 1], and, when `normalize`, standardised with the
// ImageNet mean and std. Throws FileError (naming the file) when a file is
// missing, not a regular file, not a PNG or JPEG, corrupt or outside the size
// limits (model/image_decode.h); ShapeError when `paths` is empty or size < 1.
Tensor load_images(const std::vector<std::string>& paths, int size, bool normalize = true);

}  // namespace effnet
