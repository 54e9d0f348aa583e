// Input of the tools: images or an .npy batch, validated, taken in chunks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace effnet::app {

struct InputSpec {
  std::vector<std::string> images;  // decoded, resized to `size`, normalised unless `normalize` is false
  std::string npy;                  // [N, 3, H, W] float32 NCHW
  int size = 240;
  bool normalize = true;
};

// The rows of the input (one per image, or the .npy's N), taken chunk by chunk:
// an image is decoded only when its chunk is taken, so memory stays that of
// one chunk whatever the number of images; an .npy is read and validated
// whole when constructed.
class InputBatches {
 public:
  // Throws UsageError when neither or both sources are given or spec.size is
  // outside [kMinImageSize, kMaxImageSize] (model/arch.h); for an .npy,
  // FileError (unreadable, malformed) and ShapeError (validate_input).
  explicit InputBatches(const InputSpec& spec);

  int64_t count() const { return count_; }
  int height() const { return h_; }
  int width() const { return w_; }
  // Rows [first, first + n) as [n, 3, H, W] float32 NCHW; rows at or past
  // count() repeat the last row (a short last chunk padded to the plan's
  // batch). Throws FileError naming an image that cannot be decoded,
  // ShapeError when first is outside [0, count()) or n < 1.
  Tensor chunk(int64_t first, int64_t n) const;
  // An image's path, or "<npy> row <i>".
  std::string row_name(int64_t i) const;

 private:
  InputSpec spec_;
  Tensor npy_;
  int64_t count_ = 0;
  int h_ = 0, w_ = 0;
};

// Throws ShapeError unless x is [N>=1, 3, H, W] with H, W in [kMinImageSize,
// kMaxImageSize] and every value finite.
void validate_input(const Tensor& x);

}  // namespace effnet::app
