#include <cuda_fp16.h>

#include "cuda_ref/cuda_check.h"
#include "cuda_ref/cuda_kernels.h"

namespace effnet::cuda_detail {
namespace {

constexpr int kThreads = 256;

int blocks_for(int64_t count) {
  const int64_t b = (count + kThreads - 1) / kThreads;
  return int(b < 65535 * 16 ? b : 65535 * 16);  // grid-stride loops cover the rest
}

// One thread per output element, in NHWC order (coalesced writes).
__global__ void nchw_f32_to_nhwc_f16(const float* __restrict__ x, __half* __restrict__ y, int n, int c, int h,
                                     int w) {
  const int64_t total = int64_t(n) * c * h * w;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int ci = int(i % c);
    const int64_t pix = i / c;  // (b * h + yy) * w + xx
    const int xx = int(pix % w);
    const int64_t rest = pix / w;
    const int yy = int(rest % h);
    const int64_t b = rest / h;
    y[i] = __float2half_rn(x[((b * c + ci) * h + yy) * w + xx]);
  }
}

__global__ void f32_to_f16(const float* __restrict__ x, __half* __restrict__ y, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = __float2half_rn(x[i]);
}

__global__ void f16_to_f32(const __half* __restrict__ x, float* __restrict__ y, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = __half2float(x[i]);
}

}  // namespace

void launch_nchw_f32_to_nhwc_f16(const float* x, void* y, int n, int c, int h, int w, cudaStream_t stream) {
  const int64_t total = int64_t(n) * c * h * w;
  if (total == 0) return;
  nchw_f32_to_nhwc_f16<<<blocks_for(total), kThreads, 0, stream>>>(x, static_cast<__half*>(y), n, c, h, w);
  EFFNET_CUDA_CHECK(cudaGetLastError());
}

void launch_f32_to_f16(const float* x, void* y, int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  f32_to_f16<<<blocks_for(count), kThreads, 0, stream>>>(x, static_cast<__half*>(y), count);
  EFFNET_CUDA_CHECK(cudaGetLastError());
}

void launch_f16_to_f32(const void* x, float* y, int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  f16_to_f32<<<blocks_for(count), kThreads, 0, stream>>>(static_cast<const __half*>(x), y, count);
  EFFNET_CUDA_CHECK(cudaGetLastError());
}

}  // namespace effnet::cuda_detail
