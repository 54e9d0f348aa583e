#include "apps/input.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/arch.h"
#include "model/errors.h"
#include "model/image.h"
#include "model/npy.h"

namespace effnet::app {

void validate_input(const Tensor& x) {
  if (x.rank() != 4 || x.dim(0) < 1 || x.dim(1) != kInChannels || x.dim(2) < kMinImageSize ||
      x.dim(3) < kMinImageSize || x.dim(2) > kMaxImageSize || x.dim(3) > kMaxImageSize)
    throw ShapeError("input must be [N>=1, 3, H>=" + std::to_string(kMinImageSize) +
                     ", W>=" + std::to_string(kMinImageSize) + "] float32 NCHW with H, W <= " +
                     std::to_string(kMaxImageSize) + ", got " + shape_str(x.shape));
  for (size_t i = 0; i < x.data.size(); ++i)
    if (!std::isfinite(x.data[i]))
      throw ShapeError("input holds a non-finite value (" + std::to_string(x.data[i]) + ") at flat index " +
                       std::to_string(i));
}

InputBatches::InputBatches(const InputSpec& spec) : spec_(spec) {
  if (spec.images.empty() == spec.npy.empty())
    throw UsageError("give exactly one input source: --image PATH... (and/or --list FILE) or --input X.npy");
  if (spec.size < kMinImageSize || spec.size > kMaxImageSize)
    throw UsageError("--size " + std::to_string(spec.size) + ": must be " + std::to_string(kMinImageSize) +
                     ".." + std::to_string(kMaxImageSize));
  if (spec.npy.empty()) {
    count_ = int64_t(spec.images.size());
    h_ = w_ = spec.size;
    return;
  }
  npy_ = load_npy(spec.npy);
  validate_input(npy_);
  count_ = npy_.dim(0);
  h_ = int(npy_.dim(2));
  w_ = int(npy_.dim(3));
}

Tensor InputBatches::chunk(int64_t first, int64_t n) const {
  if (first < 0 || first >= count_ || n < 1)
    throw ShapeError("InputBatches::chunk: rows [" + std::to_string(first) + ", +" + std::to_string(n) +
                     ") of " + std::to_string(count_));
  const int64_t real = std::min(n, count_ - first);
  const size_t row = size_t(kInChannels) * size_t(h_) * size_t(w_);
  Tensor x({n, kInChannels, h_, w_});
  if (spec_.npy.empty()) {
    const std::vector<std::string> paths(spec_.images.begin() + first, spec_.images.begin() + first + real);
    const Tensor decoded = load_images(paths, spec_.size, spec_.normalize);
    std::copy(decoded.data.begin(), decoded.data.end(), x.data.begin());
  } else {
    std::memcpy(x.data.data(), npy_.data.data() + size_t(first) * row, size_t(real) * row * sizeof(float));
  }
  for (int64_t r = real; r < n; ++r)
    std::copy_n(x.data.begin() + (real - 1) * int64_t(row), row, x.data.begin() + r * int64_t(row));
  return x;
}

std::string InputBatches::row_name(int64_t i) const {
  if (spec_.npy.empty() && i >= 0 && i < count_) return spec_.images[size_t(i)];
  return spec_.npy + " row " + std::to_string(i);
}

}  // namespace effnet::app
