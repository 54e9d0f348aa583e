// What the device can do, measured by effnet-bench itself: copy bandwidth
// (vkCmdCopyBuffer between two device buffers, timed with timestamps, bytes
// read + written) and a single GEMM-shaped layer timed alone in its own plan
// (the 4096^3 square GEMM, and every network GEMM in `gemm` mode).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "apps/bench_util.h"
#include "model/network.h"
#include "model/vk_plan.h"

namespace effnet::app {

struct CopyCeiling {
  size_t bytes = 0;  // size of the buffer copied (read once, written once)
  Stats ms;
  double gbps() const { return 2.0 * double(bytes) / (ms.median * 1e-3) * 1e-9; }
};
// `bytes` is lowered to the device's maxStorageBufferRange (rounded to 4).
// Throws VulkanError, DeviceError; std::runtime_error when the queue has no timestamps.
CopyCeiling measure_copy_bandwidth(vk::Context& ctx, size_t bytes, int warmup, int iters);

// A Pointwise layer cin = cout = n, no activation, random non-zero weights:
// as a plan on input [1, 1, n, n] it is the square GEMM M = N = K = n.
Layer square_gemm_layer(int n, uint64_t seed);

struct LayerRun {
  LayerVariant variant;
  Stats ms;                  // GPU time from timestamps
  std::vector<float> input;  // the random input the plan ran on (for the cuBLAS peer)
};
// Builds a plan over {layer} on a random input of `shape` (cpu_layer layout),
// runs it once, replays `warmup` times, then times `iters` replays.
// Throws ShapeError, DeviceError, VulkanError.
LayerRun time_single_layer(vk::Context& ctx, const Layer& layer, const std::vector<int64_t>& shape,
                           const VkPlanOptions& opt, uint64_t seed, int warmup, int iters,
                           Progress& progress);

// The input shape of every layer of `net` at batch n and size x size, in its
// kind's input layout (kind_info(kind).in, model/layer_kind.h).
std::vector<std::vector<int64_t>> layer_input_shapes(const Network& net, int n, int size);

}  // namespace effnet::app
