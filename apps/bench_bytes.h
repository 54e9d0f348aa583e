// Byte and FLOP accounting of the benchmarks: the fewest bytes a stage must
// move (per layer: kind_min_bytes, model/layer_kind.h) and the RTX 4090
// roofline projection.
#pragma once
#include <vector>

#include "model/layer_kind.h"
#include "model/network.h"
#include "model/vk_stage.h"

namespace effnet::app {

// A stage's fewest bytes: its input, every weight of its layers and its output
// once (a fused block's hidden tensors do not touch device memory); a
// single-layer stage is kind_min_bytes of its layer.
MinBytes stage_min_bytes(const std::vector<Layer>& layers, const Stage& st, Precision p);

// The RTX 4090's datasheet ceilings, for the roofline PROJECTION (not a measurement).
inline constexpr double kRtx4090Fp16Flops = 165e12;  // fp16 tensor FLOP/s (issue 5)
inline constexpr double kRtx4090Bytes = 1008e9;      // GDDR6X bandwidth, bytes/s
// max(flops / 165 TFLOP/s, bytes / 1008 GB/s) in milliseconds.
double rtx4090_floor_ms(double flops, double bytes);

}  // namespace effnet::app
