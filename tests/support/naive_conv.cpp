#include "tests/support/naive_conv.h"

namespace effnet::test {

Nchw64 to_nchw64(const Tensor& t, bool nhwc) {
  Nchw64 a;
  a.n = t.dim(0);
  a.c = nhwc ? t.dim(3) : t.dim(1);
  a.h = nhwc ? t.dim(1) : t.dim(2);
  a.w = nhwc ? t.dim(2) : t.dim(3);
  a.v.resize(t.data.size());
  for (int64_t b = 0; b < a.n; ++b)
    for (int64_t ch = 0; ch < a.c; ++ch)
      for (int64_t y = 0; y < a.h; ++y)
        for (int64_t x = 0; x < a.w; ++x)
          a.at(b, ch, y, x) = nhwc ? t.data[size_t(((b * a.h + y) * a.w + x) * a.c + ch)]
                                   : t.data[size_t(((b * a.c + ch) * a.h + y) * a.w + x)];
  return a;
}

Tensor to_nhwc(const Nchw64& a) {
  Tensor t({a.n, a.h, a.w, a.c});
  for (int64_t b = 0; b < a.n; ++b)
    for (int64_t ch = 0; ch < a.c; ++ch)
      for (int64_t y = 0; y < a.h; ++y)
        for (int64_t x = 0; x < a.w; ++x)
          t.data[size_t(((b * a.h + y) * a.w + x) * a.c + ch)] = float(a.at(b, ch, y, x));
  return t;
}

Nchw64 naive_conv2d(const Nchw64& x, const std::vector<float>& w, int64_t cout, int64_t k, int64_t stride,
                    int64_t pad, int64_t groups) {
  const int64_t cin_g = x.c / groups, cout_g = cout / groups;
  Nchw64 y;
  y.n = x.n;
  y.c = cout;
  y.h = (x.h + 2 * pad - k) / stride + 1;
  y.w = (x.w + 2 * pad - k) / stride + 1;
  y.v.assign(size_t(y.n * y.c * y.h * y.w), 0.0);
  for (int64_t b = 0; b < y.n; ++b)
    for (int64_t o = 0; o < cout; ++o)
      for (int64_t oy = 0; oy < y.h; ++oy)
        for (int64_t ox = 0; ox < y.w; ++ox) {
          double s = 0.0;
          for (int64_t i = 0; i < cin_g; ++i)
            for (int64_t ky = 0; ky < k; ++ky)
              for (int64_t kx = 0; kx < k; ++kx) {
                const int64_t iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                s += x.at(b, (o / cout_g) * cin_g + i, iy, ix) *
                     double(w[size_t(((o * cin_g + i) * k + ky) * k + kx)]);
              }
          y.at(b, o, oy, ox) = s;
        }
  return y;
}

}  // namespace effnet::test
