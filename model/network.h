// The network after loading and BatchNorm folding: a flat list of layers, the
// one description shared by the CPU reference, the Vulkan plan and the CUDA
// reference (so the three backends differ only in arithmetic).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/arch.h"

namespace effnet {

enum class Act { None, ReLU, ReLU6 };
const char* act_name(Act a);

enum class LayerKind {
  StemConv3x3,   // dense 3x3 conv, stride 2, pad 1. weight [cout][cin][3][3] (OIHW). in NCHW fp32 -> out NHWC
  Pointwise,     // 1x1 conv = GEMM.  weight [cout][cin]. in NHWC [N,H,W,cin] -> out NHWC [N,H,W,cout]
  Depthwise3x3,  // 3x3 depthwise conv, stride 1|2, pad 1. weight [c][3][3]. NHWC -> NHWC, cin == cout
  HeadPool,      // 1x1 conv + act + global average pool. weight [cout][cin]. NHWC [N,H,W,cin] -> [N,cout]
  Linear,        // fully connected. weight [cout][cin]. [N,cin] -> [N,cout]
};
const char* kind_name(LayerKind k);

// Storage of a kind's tensors on the GPU backends (the Vulkan plan, the
// benchmarks' byte counts), decided here once: bytes per element of its
// input, weight and output at precision fp16 (fp32: 4 for all; biases are
// always fp32). fp16 keeps the network input (stem) fp32 NCHW, the stem and
// depthwise weights fp32 (tiny; rounding them adds ~10% to the end-to-end
// fp16 error) and the logits (Linear output) fp32.
enum class TensorRole { Input, Weight, Output };
int fp16_storage_bytes(LayerKind k, TensorRole r);
// Bytes per element of role r of kind k at `fp16` (true) or fp32 storage.
inline int storage_bytes(LayerKind k, TensorRole r, bool fp16) { return fp16 ? fp16_storage_bytes(k, r) : 4; }

// One layer with BatchNorm folded into weight and bias (float32 values computed
// in float64: w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps)).
struct Layer {
  std::string name;  // state_dict prefix of the conv: "conv1", "mbconv3.0", "mbconv3.3", "conv2", "fc"
  LayerKind kind;
  int cin = 0, cout = 0, stride = 1;
  Act act = Act::None;
  std::vector<float> weight;  // layout per LayerKind above
  std::vector<float> bias;    // [cout]
};

struct Network {
  std::vector<Layer> layers;  // stem, 7 x (expand, depthwise, project), head, fc: 24 layers
  int classes = kDefaultClasses;
};

// Activation shape after a layer, for the full-network flow.
struct ActShape {
  int n = 0, h = 0, w = 0, c = 0;  // NHWC; HeadPool and Linear outputs have h = w = 1
  int64_t numel() const { return int64_t(n) * h * w * c; }
};
// For the stem, `in` describes the NCHW input as {n, h, w, c = 3}. Throws
// ShapeError when in.c != l.cin or a dimension is < 1.
// Throws ShapeError when `in` does not fit the layer (channels, non-empty).
ActShape layer_out_shape(const Layer& l, const ActShape& in);

// Checks a layer's own parameters, the same for every backend: cin, cout >= 1,
// stride >= 1, depthwise cin == cout, weight and bias sizes of its LayerKind.
// Throws ShapeError "layer <name> (<kind>): <what>".
void validate_layer(const Layer& l);

}  // namespace effnet
