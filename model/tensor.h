// Host tensor: float32, dense, row-major (C order). The meaning of the axes
// (NCHW, NHWC, [N, classes]) is stated by whoever produces the tensor.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace effnet {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> s) : shape(std::move(s)), data(numel_of(shape), 0.0f) {}
  Tensor(std::vector<int64_t> s, std::vector<float> d) : shape(std::move(s)), data(std::move(d)) {}

  // The product of the dimensions. Throws ShapeError when a dimension is
  // negative or the product does not fit in int64 (checked, never wraps).
  static int64_t numel_of(const std::vector<int64_t>& s);
  int64_t numel() const { return numel_of(shape); }
  int64_t dim(size_t i) const { return shape.at(i); }
  size_t rank() const { return shape.size(); }
};

// "[10, 3, 240, 240]"
std::string shape_str(const std::vector<int64_t>& shape);

}  // namespace effnet
