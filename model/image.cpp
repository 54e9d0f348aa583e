#include "model/image.h"

#include <algorithm>
#include <cmath>

#include "model/errors.h"
#include "model/image_decode.h"

namespace effnet {
namespace {

// Source taps of one output index for bilinear resizing with half-pixel centres,
// as PyTorch's upsample_bilinear2d(align_corners=False) without antialiasing:
// src = (dst + 0.5) * in/out - 0.5, clamped below at 0.
struct Taps {
  int i0, i1;
  double l0, l1;
};

Taps taps(int dst, int in, int out) {
  const double scale = double(in) / double(out);
  const double src = std::max((dst + 0.5) * scale - 0.5, 0.0);
  Taps t;
  t.i0 = std::min(int(src), in - 1);
  t.i1 = t.i0 < in - 1 ? t.i0 + 1 : t.i0;
  t.l1 = std::clamp(src - t.i0, 0.0, 1.0);
  t.l0 = 1.0 - t.l1;
  return t;
}

}  // namespace

Tensor load_images(const std::vector<std::string>& paths, int size, bool normalize) {
  if (paths.empty()) throw ShapeError("load_images: no image paths given (batch of 0)");
  if (size < 1) throw ShapeError("load_images: image size must be >= 1, got " + std::to_string(size));
  const int64_t n = int64_t(paths.size());
  Tensor out({n, 3, size, size});
  const size_t plane = size_t(size) * size_t(size);
  for (int64_t b = 0; b < n; ++b) {
    const Rgb8 img = decode_image_file(paths[size_t(b)]);
    std::vector<Taps> ty(static_cast<size_t>(size)), tx(static_cast<size_t>(size));
    for (int i = 0; i < size; ++i) {
      ty[size_t(i)] = taps(i, img.h, size);
      tx[size_t(i)] = taps(i, img.w, size);
    }
    const unsigned char* px = img.px.data();
    auto at = [&](int y, int x, int c) {
      return double(px[(size_t(y) * size_t(img.w) + size_t(x)) * 3 + size_t(c)]);
    };
    for (int c = 0; c < 3; ++c) {
      const double mean = normalize ? double(kImageNetMean[c]) : 0.0;
      const double inv_std = normalize ? 1.0 / double(kImageNetStd[c]) : 1.0;
      float* dst = out.data.data() + (size_t(b) * 3 + size_t(c)) * plane;
      for (int y = 0; y < size; ++y) {
        const Taps& v = ty[size_t(y)];
        for (int x = 0; x < size; ++x) {
          const Taps& h = tx[size_t(x)];
          const double s = v.l0 * (h.l0 * at(v.i0, h.i0, c) + h.l1 * at(v.i0, h.i1, c)) +
                           v.l1 * (h.l0 * at(v.i1, h.i0, c) + h.l1 * at(v.i1, h.i1, c));
          dst[size_t(y) * size_t(size) + size_t(x)] = float((s / 255.0 - mean) * inv_std);
        }
      }
    }
  }
  return out;
}

}  // namespace effnet
