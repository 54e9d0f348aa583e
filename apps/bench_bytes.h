// Byte and FLOP accounting of the benchmarks: the fewest bytes a layer must
// move (each input, weight and output once, in the plan's storage types) and
// the device memory of a plan's buffers.
#pragma once
#include <cstdint>
#include <vector>

#include "model/network.h"
#include "model/vk_stage.h"
#include "model/vk_variant.h"

namespace effnet::app {

// Storage types per kind: model/network.h storage_bytes (the one rule the plan uses).
struct LayerBytes {
  double input = 0, weights = 0, output = 0;  // weights include the bias
  double total() const { return input + weights + output; }
};
LayerBytes layer_min_bytes(const Layer& l, const LayerVariant& v, Precision p);
// A stage's fewest bytes: its input, every weight of its layers and its output
// once (a fused block's hidden tensors do not touch device memory).
LayerBytes stage_min_bytes(const std::vector<Layer>& layers, const Stage& st, Precision p);

// The RTX 4090's datasheet ceilings, for the roofline PROJECTION (not a measurement).
inline constexpr double kRtx4090Fp16Flops = 165e12;  // fp16 tensor FLOP/s (issue 5)
inline constexpr double kRtx4090Bytes = 1008e9;      // GDDR6X bandwidth, bytes/s
// max(flops / 165 TFLOP/s, bytes / 1008 GB/s) in milliseconds.
double rtx4090_floor_ms(double flops, double bytes);

}  // namespace effnet::app
