#include "apps/input.h"

#include <cmath>

#include "model/arch.h"
#include "model/errors.h"
#include "model/image.h"
#include "model/npy.h"

namespace effnet::app {

void validate_input(const Tensor& x) {
  if (x.rank() != 4 || x.dim(0) < 1 || x.dim(1) != kInChannels || x.dim(2) < kMinImageSize ||
      x.dim(3) < kMinImageSize)
    throw ShapeError("input must be [N>=1, 3, H>=" + std::to_string(kMinImageSize) +
                     ", W>=" + std::to_string(kMinImageSize) + "] float32 NCHW, got " + shape_str(x.shape));
  for (size_t i = 0; i < x.data.size(); ++i)
    if (!std::isfinite(x.data[i]))
      throw ShapeError("input holds a non-finite value (" + std::to_string(x.data[i]) + ") at flat index " +
                       std::to_string(i));
}

Tensor load_input(const InputSpec& spec) {
  if (spec.images.empty() == spec.npy.empty())
    throw UsageError("give exactly one input source: --image PATH... or --input X.npy");
  if (spec.size < kMinImageSize) throw UsageError("--size must be at least " + std::to_string(kMinImageSize));
  Tensor x = spec.npy.empty() ? load_images(spec.images, spec.size, spec.normalize) : load_npy(spec.npy);
  validate_input(x);
  return x;
}

}  // namespace effnet::app
