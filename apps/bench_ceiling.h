// What the device can do, measured by effnet-bench itself: copy bandwidth
// (vkCmdCopyBuffer between two device buffers, timed with timestamps, bytes
// read + written; or from a host-visible staging buffer into device memory,
// the host-to-device ceiling of an upload) and a single GEMM-shaped layer timed alone in its own plan
// (the 4096^3 square GEMM, and every network GEMM in `gemm` mode).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "apps/bench_util.h"
#include "model/network.h"
#include "model/vk_plan.h"
#include "vk_runtime/buffer.h"

namespace effnet::app {

struct CopyCeiling {
  size_t bytes = 0;  // size of the buffer copied (read once, written once)
  Stats ms;
  // Device to device: bytes read + written per second, in GB/s.
  double gbps() const { return 2.0 * double(bytes) / (ms.median * 1e-3) * 1e-9; }
  // Bytes copied per second (host to device: what crosses the link).
  double bytes_per_s() const { return double(bytes) / (ms.median * 1e-3); }
};
// A device-local buffer copied into another (src = DeviceLocal), or a
// host-visible staging buffer (src = Upload, as VkPlan's upload buffers) into
// a device-local one; the source holds non-zero data. `bytes` is lowered to
// the device's maxStorageBufferRange (rounded to 4). Throws VulkanError,
// DeviceError; std::runtime_error when the queue has no timestamps.
CopyCeiling measure_copy_bandwidth(vk::Context& ctx, size_t bytes, int warmup, int iters,
                                   vk::MemoryKind src = vk::MemoryKind::DeviceLocal);

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
