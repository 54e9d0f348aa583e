#include "model/network_input.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

#include "model/arch.h"
#include "model/errors.h"
#include "model/parallel.h"

namespace effnet {

void check_network_input(const Tensor& x) {
  if (x.rank() != 4 || x.dim(0) < 1 || x.dim(1) != kInChannels || x.dim(2) < kMinImageSize ||
      x.dim(3) < kMinImageSize || x.dim(2) > kMaxImageSize || x.dim(3) > kMaxImageSize ||
      x.data.size() != size_t(x.dim(0) * x.dim(1) * x.dim(2) * x.dim(3)))
    throw ShapeError("input must be [N>=1, 3, H>=" + std::to_string(kMinImageSize) +
                     ", W>=" + std::to_string(kMinImageSize) + "] float32 NCHW with H, W <= " +
                     std::to_string(kMaxImageSize) + ", got " + shape_str(x.shape));
  // The first non-finite index (the smallest over the chunks, so the message
  // does not depend on the threads).
  std::atomic<int64_t> first{int64_t(x.data.size())};
  const auto scan = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      if (!std::isfinite(x.data[size_t(i)])) {
        int64_t cur = first.load();
        while (i < cur && !first.compare_exchange_weak(cur, i)) {
        }
        return;
      }
  };
  if (x.data.size() < (size_t(1) << 20))
    scan(0, int64_t(x.data.size()));
  else
    parallel_for(int64_t(x.data.size()), scan);
  const int64_t i = first.load();
  if (i < int64_t(x.data.size()))
    throw ShapeError("input holds a non-finite value (" + std::to_string(x.data[size_t(i)]) +
                     ") at flat index " + std::to_string(i));
}

void check_network_input(const ImagesU8& x) {
  if (!x.data) throw ShapeError("uint8 input: null data pointer");
  if (x.n < 1 || x.h < kMinImageSize || x.w < kMinImageSize || x.h > kMaxImageSize || x.w > kMaxImageSize)
    throw ShapeError("uint8 input must be [N>=1, H>=" + std::to_string(kMinImageSize) +
                     ", W>=" + std::to_string(kMinImageSize) + ", 3] NHWC with H, W <= " +
                     std::to_string(kMaxImageSize) + ", got " + shape_str(x.shape()));
}

}  // namespace effnet
