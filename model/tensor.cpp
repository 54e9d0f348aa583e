#include "model/tensor.h"

#include "model/errors.h"

namespace effnet {

int64_t Tensor::numel_of(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (const int64_t d : s) {
    if (d < 0) throw ShapeError("shape " + shape_str(s) + " has a negative dimension");
    if (__builtin_mul_overflow(n, d, &n))
      throw ShapeError("shape " + shape_str(s) + " has more than 2^63 elements");
  }
  return n;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace effnet
