// Image input: decode (PNG and JPEG only, model/image_decode.h), resize, normalise.
#pragma once
#include <string>
#include <vector>

#include "model/preprocess.h"
#include "model/tensor.h"

namespace effnet {

// Loads images as one batch [N, 3, size, size] float32 NCHW, RGB.
// Each image is decoded (model/image_decode.h) and preprocessed by
// resize_normalize (model/preprocess.h: bilinear resize as PyTorch's
// interpolate(align_corners=False) without antialiasing, [0, 1], ImageNet mean
// and std when `normalize`). Throws FileError (naming the file) when a file is
// missing, not a regular file, not a PNG or JPEG, corrupt or outside the size
// limits (model/image_decode.h); ShapeError when `paths` is empty or size < 1.
Tensor load_images(const std::vector<std::string>& paths, int size, bool normalize = true);

}  // namespace effnet
