#include "model/cpu_reference.h"

#include <algorithm>
#include <vector>

#include "model/errors.h"
#include "model/parallel.h"

namespace effnet {
namespace {

double activate(Act a, double v) {
  switch (a) {
    case Act::None:
      return v;
    case Act::ReLU:
      return std::max(v, 0.0);
    case Act::ReLU6:
      return std::min(std::max(v, 0.0), 6.0);
  }
  return v;
}

// dst[o] = act(acc[o] + bias[o]) for the layer's cout outputs of one pixel.
void store_biased(const Layer& l, const std::vector<double>& acc, float* dst) {
  for (size_t o = 0; o < acc.size(); ++o) dst[o] = float(activate(l.act, acc[o] + double(l.bias[o])));
}

[[noreturn]] void fail(const Layer& l, const std::string& msg) {
  throw ShapeError("layer " + l.name + " (" + kind_name(l.kind) + "): " + msg);
}

// `in` in the layer kind's input layout (layer_kind.h), with cin channels, non-empty.
void check_input(const Layer& l, const Tensor& in) {
  const Layout layout = kind_info(l.kind).in;
  const size_t rank = layout_rank(layout), channel_axis = layout_channel_axis(layout);
  if (in.rank() != rank || in.data.size() != size_t(in.numel()) || in.numel() == 0 ||
      in.dim(channel_axis) != l.cin) {
    fail(l, "input " + shape_str(in.shape) + " does not fit cin=" + std::to_string(l.cin) + " (rank " +
                std::to_string(rank) + ", channels on axis " + std::to_string(channel_axis) + ", non-empty)");
  }
}

// Transposes [cout][k] to [k][cout], so that inner loops run over contiguous cout.
std::vector<float> transpose(const std::vector<float>& w, int64_t cout, int64_t k) {
  std::vector<float> t(w.size());
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t i = 0; i < k; ++i) t[size_t(i * cout + o)] = w[size_t(o * k + i)];
  return t;
}

// acc[cout] += sum_k x[k] * wt[k][cout]  (wt transposed weight), in float64.
void gemv_acc(const float* x, const float* wt, int64_t k, int64_t cout, double* acc) {
  for (int64_t i = 0; i < k; ++i) {
    const double v = x[i];
    if (v == 0.0) continue;  // post-ReLU zeros: skipping them does not change the sum
    const float* w = wt + i * cout;
    for (int64_t o = 0; o < cout; ++o) acc[o] += v * double(w[o]);
  }
}

Tensor stem(const Layer& l, const Tensor& x) {
  check_input(l, x);
  const int64_t n = x.dim(0), c = l.cin, h = x.dim(2), w = x.dim(3), co = l.cout, s = l.stride;
  const int64_t ho = conv3x3_out(int(h), int(s)), wo = conv3x3_out(int(w), int(s));
  const std::vector<float> wt = transpose(l.weight, co, c * 9);  // [ci][ky][kx][co]
  Tensor out({n, ho, wo, co});
  parallel_for(n * ho, [&](int64_t r0, int64_t r1) {
    std::vector<double> acc(static_cast<size_t>(co));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / ho, oy = r % ho;
      for (int64_t ox = 0; ox < wo; ++ox) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t ci = 0; ci < c; ++ci) {
          for (int64_t ky = 0; ky < 3; ++ky) {
            const int64_t iy = oy * s - 1 + ky;
            if (iy < 0 || iy >= h) continue;
            for (int64_t kx = 0; kx < 3; ++kx) {
              const int64_t ix = ox * s - 1 + kx;
              if (ix < 0 || ix >= w) continue;
              const double v = x.data[size_t(((b * c + ci) * h + iy) * w + ix)];
              const float* wp = wt.data() + ((ci * 3 + ky) * 3 + kx) * co;
              for (int64_t o = 0; o < co; ++o) acc[size_t(o)] += v * double(wp[o]);
            }
          }
        }
        store_biased(l, acc, out.data.data() + (r * wo + ox) * co);
      }
    }
  });
  return out;
}

Tensor pointwise(const Layer& l, const Tensor& x) {
  check_input(l, x);
  const int64_t pixels = x.dim(0) * x.dim(1) * x.dim(2), ci = l.cin, co = l.cout;
  const std::vector<float> wt = transpose(l.weight, co, ci);
  Tensor out({x.dim(0), x.dim(1), x.dim(2), co});
  parallel_for(pixels, [&](int64_t p0, int64_t p1) {
    std::vector<double> acc(static_cast<size_t>(co));
    for (int64_t p = p0; p < p1; ++p) {
      std::fill(acc.begin(), acc.end(), 0.0);
      gemv_acc(x.data.data() + p * ci, wt.data(), ci, co, acc.data());
      store_biased(l, acc, out.data.data() + p * co);
    }
  });
  return out;
}

Tensor depthwise(const Layer& l, const Tensor& x) {
  check_input(l, x);
  const int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), c = l.cin, s = l.stride;
  const int64_t ho = conv3x3_out(int(h), int(s)), wo = conv3x3_out(int(w), int(s));
  const std::vector<float> wt = transpose(l.weight, c, 9);  // [tap][c]
  Tensor out({n, ho, wo, c});
  parallel_for(n * ho, [&](int64_t r0, int64_t r1) {
    std::vector<double> acc(static_cast<size_t>(c));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / ho, oy = r % ho;
      for (int64_t ox = 0; ox < wo; ++ox) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t ky = 0; ky < 3; ++ky) {
          const int64_t iy = oy * s - 1 + ky;
          if (iy < 0 || iy >= h) continue;
          for (int64_t kx = 0; kx < 3; ++kx) {
            const int64_t ix = ox * s - 1 + kx;
            if (ix < 0 || ix >= w) continue;
            const float* src = x.data.data() + ((b * h + iy) * w + ix) * c;
            const float* wp = wt.data() + (ky * 3 + kx) * c;
            for (int64_t ch = 0; ch < c; ++ch) acc[size_t(ch)] += double(src[ch]) * double(wp[ch]);
          }
        }
        store_biased(l, acc, out.data.data() + (r * wo + ox) * c);
      }
    }
  });
  return out;
}

// 1x1 conv + act per pixel, then the mean over H*W. Rows are summed separately and
// then in order, so the result does not depend on the thread count.
Tensor head_pool(const Layer& l, const Tensor& x) {
  check_input(l, x);
  const int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), ci = l.cin, co = l.cout;
  const std::vector<float> wt = transpose(l.weight, co, ci);
  std::vector<double> row_sum(size_t(n * h * co), 0.0);
  parallel_for(n * h, [&](int64_t r0, int64_t r1) {
    std::vector<double> acc(static_cast<size_t>(co));
    for (int64_t r = r0; r < r1; ++r) {
      double* sum = row_sum.data() + r * co;
      for (int64_t xw = 0; xw < w; ++xw) {
        std::fill(acc.begin(), acc.end(), 0.0);
        gemv_acc(x.data.data() + (r * w + xw) * ci, wt.data(), ci, co, acc.data());
        for (int64_t o = 0; o < co; ++o)
          sum[o] += activate(l.act, acc[size_t(o)] + double(l.bias[size_t(o)]));
      }
    }
  });
  Tensor out({n, co});
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t o = 0; o < co; ++o) {
      double s = 0.0;
      for (int64_t y = 0; y < h; ++y) s += row_sum[size_t((b * h + y) * co + o)];
      out.data[size_t(b * co + o)] = float(s / double(h * w));
    }
  }
  return out;
}

Tensor linear(const Layer& l, const Tensor& x) {
  check_input(l, x);
  const int64_t n = x.dim(0), ci = l.cin, co = l.cout;
  Tensor out({n, co});
  parallel_for(n * co, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float* xs = x.data.data() + (i / co) * ci;
      const float* ws = l.weight.data() + (i % co) * ci;
      double acc = 0.0;
      for (int64_t k = 0; k < ci; ++k) acc += double(xs[k]) * double(ws[k]);
      out.data[size_t(i)] = float(activate(l.act, acc + double(l.bias[size_t(i % co)])));
    }
  });
  return out;
}

}  // namespace

Tensor cpu_layer(const Layer& layer, const Tensor& in) {
  validate_layer(layer);
  switch (layer.kind) {
    case LayerKind::StemConv3x3:
      return stem(layer, in);
    case LayerKind::Pointwise:
      return pointwise(layer, in);
    case LayerKind::Depthwise3x3:
      return depthwise(layer, in);
    case LayerKind::HeadPool:
      return head_pool(layer, in);
    case LayerKind::Linear:
      return linear(layer, in);
  }
  fail(layer, "unknown layer kind");
}

Tensor cpu_forward(const Network& net, const Tensor& x_nchw) {
  const auto& s = x_nchw.shape;
  if (s.size() != 4 || s[0] < 1 || s[1] != kInChannels || s[2] < kMinImageSize || s[3] < kMinImageSize ||
      x_nchw.data.size() != size_t(x_nchw.numel())) {
    throw ShapeError("cpu_forward: input " + shape_str(s) + " is not [N >= 1, 3, H >= " +
                     std::to_string(kMinImageSize) + ", W >= " + std::to_string(kMinImageSize) + "] NCHW");
  }
  if (net.layers.empty() || net.layers.front().kind != LayerKind::StemConv3x3 ||
      net.layers.back().kind != LayerKind::Linear) {
    throw ShapeError("cpu_forward: the network must start with a stem conv and end with a linear layer");
  }
  Tensor x = cpu_layer(net.layers.front(), x_nchw);
  for (size_t i = 1; i < net.layers.size(); ++i) x = cpu_layer(net.layers[i], x);
  return x;
}

}  // namespace effnet
