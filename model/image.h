// Image input: decode (stb_image: PNG, JPEG, BMP, ...), resize, normalise.
#pragma once
#include <string>
#include <vector>

#include "model/preprocess.h"
#include "model/tensor.h"

namespace effnet {

// Loads images as one batch [N, 3, size, size] float32 NCHW, RGB.
// Each image is decoded and preprocessed by resize_normalize (model/preprocess.h:
// bilinear resize as PyTorch's interpolate(align_corners=False) without
// antialiasing, [0, 1], ImageNet mean and std when `normalize`). Throws FileError (naming the file) when a
// file is missing or cannot be decoded; ShapeError when `paths` is empty or size < 1.
Tensor load_images(const std::vector<std::string>& paths, int size, bool normalize = true);

}  // namespace effnet
