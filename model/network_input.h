// The one check of a network input, for every entry point (effnet-infer's
// --input, effnet::Engine, the Python module).
#pragma once
#include "model/preprocess.h"
#include "model/tensor.h"

namespace effnet {

// x must be [N >= 1, 3, H, W] float32 NCHW with kMinImageSize <= H, W <=
// kMaxImageSize (model/arch.h) and every value finite. Throws ShapeError naming
// the shape, or the first non-finite value and its flat index. The finite scan
// runs on up to 4 threads (model/parallel.h) for large inputs.
void check_network_input(const Tensor& x);

// x must be a uint8 NHWC batch [N >= 1, H, W, 3] with data non-null and
// kMinImageSize <= H, W <= kMaxImageSize (every byte is a valid pixel).
// Throws ShapeError naming the shape.
void check_network_input(const ImagesU8& x);

}  // namespace effnet
