#include "apps/bench_bytes.h"

#include <algorithm>

namespace effnet::app {

MinBytes stage_min_bytes(const std::vector<Layer>& layers, const Stage& st, Precision p) {
  const Layer& first = layers[st.first];
  const Layer& last = layers[st.first + st.count - 1];
  if (st.count == 1) return kind_min_bytes(first.kind, first.cin, first.cout, st.in, st.out, p);
  MinBytes b;
  for (size_t i = st.first; i < st.first + st.count; ++i)
    b.weights += kind_param_bytes(layers[i].kind, layers[i].cin, layers[i].cout, p);
  b.input = double(st.in.numel()) * storage_bytes(first.kind, TensorRole::Input, p);
  b.output = double(st.out.numel()) * storage_bytes(last.kind, TensorRole::Output, p);
  return b;
}

double rtx4090_floor_ms(double flops, double bytes) {
  return std::max(flops / kRtx4090Fp16Flops, bytes / kRtx4090Bytes) * 1e3;
}

}  // namespace effnet::app
