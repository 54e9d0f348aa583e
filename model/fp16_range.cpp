#include "model/fp16_range.h"

#include "model/errors.h"
#include "model/half.h"

namespace effnet {

int64_t first_fp16_overflow(const std::vector<float>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    if ((float_to_half(v[i]) & 0x7c00u) == 0x7c00u) return int64_t(i);
  return -1;
}

void check_fp16_storable(const std::vector<float>& v, const std::string& tensor) {
  const int64_t i = first_fp16_overflow(v);
  if (i < 0) return;
  throw ShapeError(tensor + ": folded value " + std::to_string(v[size_t(i)]) + " at index " +
                   std::to_string(i) +
                   " overflows fp16 storage (largest finite fp16 65504); run with --precision fp32");
}

void check_fp16_layer(const Layer& l, bool bias) {
  check_fp16_storable(l.weight, l.name + ".weight");
  if (bias) check_fp16_storable(l.bias, l.name + " folded bias");
}

}  // namespace effnet
