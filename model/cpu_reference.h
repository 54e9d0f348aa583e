// CPU reference forward: float32 data, float64 accumulation. The slow, obvious
// implementation every other backend is checked against.
#pragma once
#include "model/network.h"
#include "model/tensor.h"

namespace effnet {

// x: [N, 3, H, W] float32 NCHW (H, W >= kMinImageSize); returns logits [N, classes].
// Throws ShapeError on a wrong input shape.
Tensor cpu_forward(const Network& net, const Tensor& x_nchw);

// One layer, float32 in the kind's input layout -> float32 in its output
// layout (kind_info(kind).in / .out, model/layer_kind.h: the stem takes
// [N, cin, H, W] NCHW and writes NHWC; HeadPool writes and Linear takes and
// writes [N, C]), shapes by kind_out_shape. Throws ShapeError on a wrong input shape.
Tensor cpu_layer(const Layer& layer, const Tensor& in);

}  // namespace effnet
