// The convolutions of the reference model in network order, with their
// PyTorch state_dict names and shapes (model/arch.h). Private helper of model/,
// shared by the weight loader and the built-in random weights so both walk the
// same table.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/network.h"

namespace effnet {

// One conv followed by a BatchNorm.
struct ConvEntry {
  std::string conv;  // state_dict prefix of the conv: "conv1", "mbconv3.0", "mbconv3.3", "conv2"
  std::string bn;    // prefix of its BatchNorm: "bn1", "mbconv3.1", "mbconv3.4", "bn2"
  LayerKind kind;
  int cin, cout, stride;
  Act act;
  std::vector<int64_t> weight_shape;  // as stored: kind_torch_weight_shape (model/layer_kind.h)
  int64_t fan_in() const { return kind_fan_in(kind, cin); }
};

// 23 entries: conv1, 7 x (expand, depthwise, project), conv2. The fc layer is not a conv.
std::vector<ConvEntry> conv_table();

// The folded Layer of `e`: weight' = w * gamma / sqrt(var + kBnEps), bias' = beta -
// mean * gamma / sqrt(var + kBnEps), computed in float64 and rounded to float32.
// w has e.weight_shape (its memory layout is already the Layer layout); the BN
// vectors have e.cout values. No validation: callers check shapes and values.
Layer fold_conv_bn(const ConvEntry& e, const std::vector<float>& w, const std::vector<float>& gamma,
                   const std::vector<float>& beta, const std::vector<float>& mean,
                   const std::vector<float>& var);

}  // namespace effnet
