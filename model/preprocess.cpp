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

// Bilinear interpolation of img to size x size (see resize_normalize): calls
// emit_row(y, s) for each output row y, s[x * 3 + c] the interpolated 0..255
// value (float64) of column x, channel c. Separable: each source row a tap
// needs is interpolated across once into r0 / r1, the inner term
// h.l0 * px[i0] + h.l1 * px[i1], and each output value is then
// v.l0 * r0 + v.l1 * r1: the same operations in the same order as the direct
// four-tap sum, so the same doubles bit for bit.
template <typename EmitRow>
void resize_bilinear(const ImageU8View& img, int size, EmitRow&& emit_row) {
  std::vector<Taps> ty(static_cast<size_t>(size)), tx(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i) {
    ty[size_t(i)] = taps(i, img.h, size);
    tx[size_t(i)] = taps(i, img.w, size);
  }
  const size_t ch = size_t(img.channels);
  const size_t n = size_t(size) * 3;
  const auto horizontal = [&](int y, double* out) {
    const uint8_t* row = img.px + size_t(y) * size_t(img.w) * ch;
    for (int x = 0; x < size; ++x) {
      const Taps& h = tx[size_t(x)];
      const uint8_t* a = row + size_t(h.i0) * ch;
      const uint8_t* b = row + size_t(h.i1) * ch;
      for (size_t c = 0; c < 3; ++c) {
        const size_t k = ch == 1 ? 0 : c;  // gray: R = G = B
        out[size_t(x) * 3 + c] = h.l0 * double(a[k]) + h.l1 * double(b[k]);
      }
    }
  };
  std::vector<double> r0(n), r1(n), s(n);
  int y0 = -1, y1 = -1;  // the source rows r0 and r1 hold
  for (int y = 0; y < size; ++y) {
    const Taps& v = ty[size_t(y)];
    if (v.i0 != y0) {
      if (v.i0 == y1) {
        std::swap(r0, r1);
        std::swap(y0, y1);
      } else {
        horizontal(v.i0, r0.data());
        y0 = v.i0;
      }
    }
    if (v.i1 != y1) {
      horizontal(v.i1, r1.data());
      y1 = v.i1;
    }
    for (size_t k = 0; k < n; ++k) s[k] = v.l0 * r0[k] + v.l1 * r1[k];
    emit_row(y, s.data());
  }
}

}  // namespace

void resize_normalize(const ImageU8View& img, int size, bool normalize, float* dst) {
  const size_t plane = size_t(size) * size_t(size);
  resize_bilinear(img, size, [&](int y, const double* s) {
    for (size_t c = 0; c < 3; ++c) {
      float* out = dst + c * plane + size_t(y) * size_t(size);
      for (int x = 0; x < size; ++x) out[x] = normalized(s[size_t(x) * 3 + c], int(c), normalize);
    }
  });
}

void resize_u8(const ImageU8View& img, int size, uint8_t* dst) {
  resize_bilinear(img, size, [&](int y, const double* s) {
    // s is a convex combination of bytes: in [0, 255] up to rounding, so the
    // truncation of s + 0.5 is the nearest integer (halves up); min() guards
    // the last ulp.
    uint8_t* out = dst + size_t(y) * size_t(size) * 3;
    for (size_t k = 0; k < size_t(size) * 3; ++k) out[k] = uint8_t(std::min(int(s[k] + 0.5), 255));
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
