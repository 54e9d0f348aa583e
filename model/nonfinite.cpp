#include "model/nonfinite.h"

#include <cmath>

namespace effnet {

int64_t first_nonfinite(const Tensor& t) {
  for (size_t i = 0; i < t.data.size(); ++i)
    if (!std::isfinite(t.data[i])) return int64_t(i);
  return -1;
}

std::string first_nonfinite_layer(const std::vector<Layer>& layers, const Tensor& x,
                                  const std::function<Tensor(const Layer&, const Tensor&)>& run_layer) {
  Tensor cur = x;
  for (const Layer& l : layers) {
    cur = run_layer(l, cur);
    if (first_nonfinite(cur) >= 0) return l.name + " (" + kind_name(l.kind) + ")";
  }
  return "";
}

}  // namespace effnet
