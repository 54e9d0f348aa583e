#include "apps/input.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/arch.h"
#include "model/errors.h"
#include "model/image_decode.h"
#include "model/npy.h"
#include "model/preprocess.h"

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

namespace {
// "<path>: reason" -> "reason".
std::string reason_of(const std::string& what, const std::string& path) {
  const std::string prefix = path + ": ";
  return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
}
}  // namespace

bool InputBatches::next(int64_t n, Chunk& out) {
  if (n < 1) throw ShapeError("InputBatches::next: chunk of " + std::to_string(n) + " rows");
  out = Chunk{};
  if (taken_ >= count_) return false;
  const size_t row = size_t(kInChannels) * size_t(h_) * size_t(w_);
  std::vector<float> data;
  if (spec_.npy.empty()) {
    const size_t plane = size_t(spec_.size) * size_t(spec_.size);
    for (; taken_ < count_ && int64_t(out.rows.size()) < n; ++taken_) {
      const std::string& path = spec_.images[size_t(taken_)];
      Rgb8 img;
      try {
        img = decode_image_file(path);
      } catch (const FileError& e) {
        if (count_ == 1) throw;
        out.skipped.push_back({taken_, path, reason_of(e.what(), path)});
        continue;
      }
      if (data.empty()) data.resize(size_t(n) * row);
      resize_normalize({img.px.data(), img.w, img.h, 3}, spec_.size, spec_.normalize,
                       data.data() + out.rows.size() * 3 * plane);
      out.rows.push_back(taken_);
    }
  } else {
    const int64_t real = std::min(n, count_ - taken_);
    data.resize(size_t(n) * row);
    std::memcpy(data.data(), npy_.data.data() + size_t(taken_) * row, size_t(real) * row * sizeof(float));
    for (int64_t r = 0; r < real; ++r) out.rows.push_back(taken_ + r);
    taken_ += real;
  }
  if (out.rows.empty()) return true;
  const int64_t real = int64_t(out.rows.size());
  for (int64_t r = real; r < n; ++r)
    std::copy_n(data.begin() + (real - 1) * int64_t(row), row, data.begin() + r * int64_t(row));
  out.x = Tensor({n, kInChannels, h_, w_}, std::move(data));
  return true;
}

std::string InputBatches::row_name(int64_t i) const {
  if (spec_.npy.empty() && i >= 0 && i < count_) return spec_.images[size_t(i)];
  return spec_.npy + " row " + std::to_string(i);
}

}  // namespace effnet::app
