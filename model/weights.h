// From a PyTorch state_dict to the folded Network.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "model/network.h"
#include "model/safetensors.h"

namespace effnet {

// Validates a state_dict of the reference model and folds every BatchNorm
// into the conv before it, in float64 with eps = kBnEps (DESIGN.md "Data layout
// and precision"). The class count is taken from fc.weight [classes, 1280].
// `num_batches_tracked` entries are ignored; unknown extra entries are ignored.
// Throws ShapeError (one line naming the tensor) when a tensor is missing, has
// a dtype other than F32/F16/BF16, a wrong shape, a non-finite value, a
// negative running_var, or when a folded weight or bias is not finite in
// float32 (extreme but finite inputs, e.g. gamma 1e38).
Network fold_state_dict(const StateDict& sd);

// load_safetensors + fold_state_dict.
Network load_network(const std::string& safetensors_path);

// A deterministic, untrained state_dict for the reference model (no trained
// checkpoint exists), F32 tensors under the state_dict names (no
// num_batches_tracked): conv and fc weights and fc.bias ~ U(-b, b) with PyTorch's
// default bound b = 1/sqrt(fan_in), BN gamma ~ U(0.5, 1.5), beta ~ U(-0.2, 0.2).
// The BN running statistics are calibrated so that activations stay O(1) through
// the 24 layers (with plain random statistics the signal dies or explodes and the
// logits are just fc.bias): each conv's per-channel output mean m and variance v
// are measured with the CPU reference on a fixed pseudo-random [2, 3, 64, 64]
// input, then running_mean = m + U(-0.2, 0.2) * sqrt(v), running_var = v * U(0.7, 1.3).
// Own generator (splitmix64), not std:: distributions: the same seed gives the
// same values on every platform (the calibrated statistics up to float rounding
// where a platform contracts multiply-adds differently). Throws ShapeError when
// classes < 1.
std::map<std::string, Tensor> random_state_dict(uint64_t seed, int classes = kDefaultClasses);

// random_state_dict, wrapped as a StateDict of F32 tensors, then folded.
Network random_network(uint64_t seed, int classes = kDefaultClasses);

}  // namespace effnet
