#include "model/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "model/parallel.h"

namespace effnet {
namespace {

// Source taps of one output index (see resize_normalize).
struct Taps {
  int i0, i1;
  double l0, l1;
};

// The one expression from a 0..255 value (float64) to the network's input value.
float normalized(double s, int c, bool normalize) {
  const double mean = normalize ? double(kImageNetMean[c]) : 0.0;
  const double inv_std = normalize ? 1.0 / double(kImageNetStd[c]) : 1.0;
  return float((s / 255.0 - mean) * inv_std);
}

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

// Bilinear interpolation of img to size x size (see resize_normalize); calls
// emit(c, y, x, s) with the interpolated 0..255 value s (float64) of every
// output channel c, row y and column x, channel-major.
template <typename Emit>
void resize_bilinear(const ImageU8View& img, int size, Emit&& emit) {
  std::vector<Taps> ty(static_cast<size_t>(size)), tx(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i) {
    ty[size_t(i)] = taps(i, img.h, size);
    tx[size_t(i)] = taps(i, img.w, size);
  }
  const size_t ch = size_t(img.channels);
  for (int c = 0; c < 3; ++c) {
    const size_t src_c = img.channels == 1 ? 0 : size_t(c);
    auto at = [&](int y, int x) {
      return double(img.px[(size_t(y) * size_t(img.w) + size_t(x)) * ch + src_c]);
    };
    for (int y = 0; y < size; ++y) {
      const Taps& v = ty[size_t(y)];
      for (int x = 0; x < size; ++x) {
        const Taps& h = tx[size_t(x)];
        emit(c, y, x,
             v.l0 * (h.l0 * at(v.i0, h.i0) + h.l1 * at(v.i0, h.i1)) +
                 v.l1 * (h.l0 * at(v.i1, h.i0) + h.l1 * at(v.i1, h.i1)));
      }
    }
  }
}

}  // namespace

void resize_normalize(const ImageU8View& img, int size, bool normalize, float* dst) {
  const size_t plane = size_t(size) * size_t(size);
  resize_bilinear(img, size, [&](int c, int y, int x, double s) {
    dst[size_t(c) * plane + size_t(y) * size_t(size) + size_t(x)] = normalized(s, c, normalize);
  });
}

void resize_u8(const ImageU8View& img, int size, uint8_t* dst) {
  resize_bilinear(img, size, [&](int c, int y, int x, double s) {
    dst[(size_t(y) * size_t(size) + size_t(x)) * 3 + size_t(c)] =
        uint8_t(std::clamp(std::floor(s + 0.5), 0.0, 255.0));
  });
}

float normalize_u8(uint8_t v, int c, bool normalize) { return normalized(double(v), c, normalize); }

std::vector<float> normalize_u8_table(bool normalize) {
  std::vector<float> t(3 * 256);
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 256; ++v) t[size_t(c * 256 + v)] = normalize_u8(uint8_t(v), c, normalize);
  return t;
}

void images_u8_to_nchw(const ImagesU8& x, bool normalize, float* dst) {
  const std::vector<float> t = normalize_u8_table(normalize);
  const size_t plane = size_t(x.h) * size_t(x.w);
  const auto run = [&](int64_t b, int64_t e) {  // images b..e
    for (int64_t i = b; i < e; ++i) {
      const uint8_t* src = x.data + size_t(i) * plane * 3;
      float* out = dst + size_t(i) * plane * 3;
      for (size_t p = 0; p < plane; ++p)
        for (size_t c = 0; c < 3; ++c) out[c * plane + p] = t[c * 256 + src[p * 3 + c]];
    }
  };
  if (x.bytes() < (size_t(4) << 20))
    run(0, x.n);
  else
    parallel_for(x.n, run);
}

Tensor images_u8_to_nchw(const ImagesU8& x, bool normalize) {
  Tensor t({x.n, 3, x.h, x.w});
  images_u8_to_nchw(x, normalize, t.data.data());
  return t;
}

}  // namespace effnet
