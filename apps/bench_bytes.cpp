#include "apps/bench_bytes.h"

#include <algorithm>

namespace effnet::app {
namespace {
bool gemm_kind(LayerKind k) {
  return k == LayerKind::Pointwise || k == LayerKind::HeadPool || k == LayerKind::Linear;
}
int64_t round4(int64_t b) { return (b + 3) / 4 * 4; }
}  // namespace

LayerBytes layer_min_bytes(const Layer& l, const LayerVariant& v, Precision p) {
  const double act = p == Precision::FP16 ? 2 : 4;
  const double w = (p == Precision::FP16 && gemm_kind(l.kind)) ? 2 : 4;
  LayerBytes b;
  b.input = double(v.in.numel()) * (l.kind == LayerKind::StemConv3x3 ? 4 : act);
  b.weights = double(l.weight.size()) * w + double(l.bias.size()) * 4;
  b.output = double(v.out.numel()) * (l.kind == LayerKind::Linear ? 4 : act);
  return b;
}

LayerBytes stage_min_bytes(const std::vector<Layer>& layers, const Stage& st, Precision p) {
  if (st.layer) return layer_min_bytes(layers[st.first], *st.layer, p);
  LayerBytes b;
  for (size_t i = st.first; i < st.first + st.count; ++i) {
    const Layer& l = layers[i];
    const double w = (p == Precision::FP16 && gemm_kind(l.kind)) ? 2 : 4;
    b.weights += double(l.weight.size()) * w + double(l.bias.size()) * 4;
  }
  const double act = p == Precision::FP16 ? 2 : 4;
  b.input = double(st.in.numel()) * act;
  b.output = double(st.out.numel()) * act;
  return b;
}

int64_t plan_buffer_bytes(const std::vector<Layer>& layers, const std::vector<Stage>& v, Precision p) {
  if (v.empty()) return 0;
  const int64_t act = p == Precision::FP16 ? 2 : 4;
  int64_t act_max = 4, partial = 4;
  for (size_t i = 0; i + 1 < v.size(); ++i) act_max = std::max(act_max, v[i].out.numel() * act);
  for (const Stage& st : v)
    if (st.mbconv) partial = std::max(partial, int64_t(st.mbconv->partial_bytes()));
  const bool in_f32 = layers.front().kind == LayerKind::StemConv3x3;
  const bool out_f32 = layers.back().kind == LayerKind::Linear;
  int64_t total =
      round4(v.front().in.numel() * (in_f32 ? 4 : act)) + round4(v.back().out.numel() * (out_f32 ? 4 : act));
  total += partial + 16;  // the partial sums and the 16-byte placeholder binding
  if (v.size() > 1) total += 2 * round4(act_max);
  for (const Layer& l : layers) {
    const int64_t w = (p == Precision::FP16 && gemm_kind(l.kind)) ? 2 : 4;
    total += round4(int64_t(l.weight.size()) * w) + int64_t(l.bias.size()) * 4;
  }
  return total;
}

double rtx4090_floor_ms(double flops, double bytes) {
  return std::max(flops / kRtx4090Fp16Flops, bytes / kRtx4090Bytes) * 1e3;
}

}  // namespace effnet::app
