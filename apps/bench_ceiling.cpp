#include "apps/bench_ceiling.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "vk_runtime/buffer.h"
#include "vk_runtime/sequence.h"

namespace effnet::app {

CopyCeiling measure_copy_bandwidth(vk::Context& ctx, size_t bytes, int warmup, int iters,
                                   vk::MemoryKind src_kind) {
  bytes = std::min<size_t>(bytes, ctx.info().max_storage_buffer_range) / 4 * 4;
  vk::Buffer src(ctx, bytes, src_kind), dst(ctx, bytes, vk::MemoryKind::DeviceLocal);
  vk::Sequence seq(ctx, 2);
  if (!seq.has_timestamps()) throw std::runtime_error("the compute queue has no timestamps");
  seq.begin();
  seq.fill(src, 0x3c003c01u);  // non-zero data (fp16 1.0 and 1.0001), outside the timed region
  seq.timestamp(0);
  seq.copy(src, dst, bytes);
  seq.timestamp(1);
  seq.end();
  std::vector<double> ms;
  for (int i = 0; i < warmup + iters; ++i) {
    seq.submit_and_wait();
    const std::vector<double> ns = seq.timestamps_ns();
    if (i >= warmup && ns.size() == 2) ms.push_back((ns[1] - ns[0]) * 1e-6);
  }
  CopyCeiling c;
  c.bytes = bytes;
  c.ms = stats_of(ms);
  return c;
}

Layer square_gemm_layer(int n, uint64_t seed) {
  Layer l;
  l.name = "square" + std::to_string(n);
  l.kind = LayerKind::Pointwise;
  l.cin = l.cout = n;
  l.act = Act::None;
  const Tensor w = random_tensor({n, n}, seed), b = random_tensor({n}, seed + 1);
  l.weight.resize(w.data.size());
  // Centred and scaled by 1/sqrt(K), as PyTorch's default init: outputs stay O(1) in fp16.
  const float scale = 2.0f / std::sqrt(float(n));
  for (size_t i = 0; i < w.data.size(); ++i) l.weight[i] = (w.data[i] - 0.51f) * scale;
  l.bias = b.data;
  return l;
}

LayerRun time_single_layer(vk::Context& ctx, const Layer& layer, const std::vector<int64_t>& shape,
                           const VkPlanOptions& opt, uint64_t seed, int warmup, int iters,
                           Progress& progress) {
  VkPlan plan(ctx, std::vector<Layer>{layer}, shape, opt);
  Tensor x = random_tensor(shape, seed);
  plan.run(x);  // uploads the input; replay() re-uses it
  for (int i = 0; i < warmup; ++i) plan.replay();
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    plan.replay();
    const PlanTiming t = plan.last_timing();
    if (!t.available) throw std::runtime_error("the compute queue has no timestamps");
    ms.push_back(t.total_ms);
    progress.tick(i + 1, iters);
  }
  return {plan.variants().front(), stats_of(ms), std::move(x.data)};
}

std::vector<std::vector<int64_t>> layer_input_shapes(const Network& net, int n, int size) {
  std::vector<std::vector<int64_t>> shapes;
  ActShape cur{n, size, size, kInChannels};
  for (const Layer& l : net.layers) {
    shapes.push_back(layout_dims(kind_info(l.kind).in, cur));
    cur = layer_out_shape(l, cur);
  }
  return shapes;
}

}  // namespace effnet::app
