// The few kernels of our own in the CUDA reference path: layout and dtype
// changes at the edges of the network, which cuDNN and cuBLAS do not offer in
// one call. No arithmetic of the network lives here. All launches are
// asynchronous on `stream`; a launch failure throws CudaError.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace effnet::cuda_detail {

// x: [n, c, h, w] fp32 NCHW -> y: [n, h, w, c] fp16 NHWC (round to nearest even).
// `y` points to __half storage (void* keeps cuda_fp16.h out of C++ headers).
void launch_nchw_f32_to_nhwc_f16(const float* x, void* y, int n, int c, int h, int w, cudaStream_t stream);

// count elements, same order: fp32 -> fp16 (round to nearest even) and back.
void launch_f32_to_f16(const float* x, void* y, int64_t count, cudaStream_t stream);
void launch_f16_to_f32(const void* x, float* y, int64_t count, cudaStream_t stream);

}  // namespace effnet::cuda_detail
