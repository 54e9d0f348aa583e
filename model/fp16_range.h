// Whether folded values survive fp16 storage: fp16 mode stores some weights
// (and, in the CUDA reference, biases) as IEEE binary16, where |v| >= 65520
// rounds to Inf. Such a network fails with a message naming the tensor
// instead of running with Inf weights (README "Numbers"; --precision fp32
// runs it).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/network.h"

namespace effnet {

inline constexpr float kFp16Max = 65504.0f;  // the largest finite fp16 value

// Index of the first value of v that float_to_half turns into +-Inf or NaN, or -1.
int64_t first_fp16_overflow(const std::vector<float>& v);

// Throws ShapeError "<tensor>: folded value <v> at index <i> overflows fp16
// storage (largest finite fp16 65504); run with --precision fp32" when a value
// of v does not fit fp16. `tensor` names it, e.g. "mbconv3.6.weight".
void check_fp16_storable(const std::vector<float>& v, const std::string& tensor);

// Checks what fp16 mode stores of layer l as fp16: its weight (tensor
// "<name>.weight") and, when `bias` is true, its folded bias ("<name> folded
// bias"). Throws ShapeError as check_fp16_storable.
void check_fp16_layer(const Layer& l, bool bias);

}  // namespace effnet
