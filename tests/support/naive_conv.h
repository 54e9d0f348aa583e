// Direct float64 convolution in PyTorch's own convention (NCHW activations,
// OIHW weights, groups), written independently of the CPU reference so tests
// can check its NHWC kernels and the BatchNorm folding against it.
#pragma once
#include <cstdint>
#include <vector>

#include "model/tensor.h"

namespace effnet::test {

// A float64 NCHW activation.
struct Nchw64 {
  int64_t n = 0, c = 0, h = 0, w = 0;
  std::vector<double> v;  // [n][c][h][w]
  double& at(int64_t b, int64_t ch, int64_t y, int64_t x) {
    return v[size_t(((b * c + ch) * h + y) * w + x)];
  }
  double at(int64_t b, int64_t ch, int64_t y, int64_t x) const {
    return v[size_t(((b * c + ch) * h + y) * w + x)];
  }
};

// From a float32 tensor: [N, C, H, W] when !nhwc, [N, H, W, C] when nhwc.
Nchw64 to_nchw64(const Tensor& t, bool nhwc);
// To a float32 [N, H, W, C] tensor.
Tensor to_nhwc(const Nchw64& a);

// y[b][o][oy][ox] = sum over the group's input channels and the k x k window of
// x[b][ci][oy*stride - pad + ky][ox*stride - pad + kx] * w[o][ci % (C/groups)][ky][kx]
// (zero outside the input). w: [cout][C/groups][k][k].
Nchw64 naive_conv2d(const Nchw64& x, const std::vector<float>& w, int64_t cout, int64_t k, int64_t stride,
                    int64_t pad, int64_t groups);

}  // namespace effnet::test
