// The network after loading and BatchNorm folding: a flat list of layers, the
// one description shared by the CPU reference, the Vulkan plan and the CUDA
// reference (so the three backends differ only in arithmetic).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/arch.h"
#include "model/layer_kind.h"

namespace effnet {

enum class Act { None, ReLU, ReLU6 };
const char* act_name(Act a);

// One layer with BatchNorm folded into weight and bias (float32 values computed
// in float64: w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps)).
struct Layer {
  std::string name;  // state_dict prefix of the conv: "conv1", "mbconv3.0", "mbconv3.3", "conv2", "fc"
  LayerKind kind;
  int cin = 0, cout = 0, stride = 1;
  Act act = Act::None;
  std::vector<float> weight;  // layout kind_info(kind).weight_layout (model/layer_kind.h)
  std::vector<float> bias;    // [cout]
};

struct Network {
  std::vector<Layer> layers;  // stem, 7 x (expand, depthwise, project), head, fc: 24 layers
  int classes = kDefaultClasses;
};

// Activation shape after a layer (kind_out_shape). For the stem, `in`
// describes the NCHW input as {n, h, w, c = 3}. Throws ShapeError when in.c !=
// l.cin or a dimension is < 1.
ActShape layer_out_shape(const Layer& l, const ActShape& in);

// Checks a layer's own parameters, the same for every backend: cin, cout >= 1,
// stride >= 1, depthwise cin == cout, weight (kind_weight_count) and bias sizes.
// Throws ShapeError "layer <name> (<kind>): <what>".
void validate_layer(const Layer& l);

}  // namespace effnet
