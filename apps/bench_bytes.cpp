#include "apps/bench_bytes.h"

#include <algorithm>

namespace effnet::app {

LayerBytes layer_min_bytes(const Layer& l, const LayerVariant& v, Precision p) {
  const bool h = p == Precision::FP16;
  LayerBytes b;
  b.input = double(v.in.numel()) * storage_bytes(l.kind, TensorRole::Input, h);
  b.weights =
      double(l.weight.size()) * storage_bytes(l.kind, TensorRole::Weight, h) + double(l.bias.size()) * 4;
  b.output = double(v.out.numel()) * storage_bytes(l.kind, TensorRole::Output, h);
  return b;
}

LayerBytes stage_min_bytes(const std::vector<Layer>& layers, const Stage& st, Precision p) {
  if (st.layer) return layer_min_bytes(layers[st.first], *st.layer, p);
  LayerBytes b;
  for (size_t i = st.first; i < st.first + st.count; ++i) {
    const Layer& l = layers[i];
    b.weights += double(l.weight.size()) * storage_bytes(l.kind, TensorRole::Weight, p == Precision::FP16) +
                 double(l.bias.size()) * 4;
  }
  const bool h = p == Precision::FP16;
  b.input = double(st.in.numel()) * storage_bytes(layers[st.first].kind, TensorRole::Input, h);
  b.output =
      double(st.out.numel()) * storage_bytes(layers[st.first + st.count - 1].kind, TensorRole::Output, h);
  return b;
}

double rtx4090_floor_ms(double flops, double bytes) {
  return std::max(flops / kRtx4090Fp16Flops, bytes / kRtx4090Bytes) * 1e3;
}

}  // namespace effnet::app
