// Non-finite values, found after the fact: the fast path runs unchecked; only
// when the logits hold a NaN or Inf is the input re-run layer by layer (or
// stage by stage, model/vk_nonfinite.h), each output checked, to name the
// first layer that produced one.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/network.h"
#include "model/tensor.h"

namespace effnet {

// Index of the first NaN or Inf in t.data, or -1 when every value is finite.
int64_t first_nonfinite(const Tensor& t);

// Runs x (in layers[0]'s input layout, cpu_layer's convention) through the
// layers one at a time with run_layer and returns "<name> (<kind>)" of the
// first layer whose output holds a non-finite value, or "" when none does.
// Errors of run_layer propagate.
std::string first_nonfinite_layer(const std::vector<Layer>& layers, const Tensor& x,
                                  const std::function<Tensor(const Layer&, const Tensor&)>& run_layer);

}  // namespace effnet
