// CPU reference forward: float32 data, float64 accumulation. The slow, obvious
// implementation every other backend is checked against.
#pragma once
#include "model/network.h"
#include "model/tensor.h"

namespace effnet {

// x: [N, 3, H, W] float32 NCHW (H, W >= kMinImageSize); returns logits [N, classes].
// Throws ShapeError on a wrong input shape.
Tensor cpu_forward(const Network& net, const Tensor& x_nchw);

// One layer, with the layouts of LayerKind (network.h):
//   StemConv3x3: in [N, cin, H, W] NCHW  -> out [N, Ho, Wo, cout] NHWC
//   Pointwise:   in [N, H, W, cin] NHWC  -> out [N, H, W, cout]
//   Depthwise3x3:in [N, H, W, c]         -> out [N, Ho, Wo, c]
//   HeadPool:    in [N, H, W, cin]       -> out [N, cout]
//   Linear:      in [N, cin]             -> out [N, cout]
// Throws ShapeError on a wrong input shape.
Tensor cpu_layer(const Layer& layer, const Tensor& in);

}  // namespace effnet
