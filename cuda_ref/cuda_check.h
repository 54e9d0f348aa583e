// Status checks for the CUDA runtime, cuDNN and cuBLAS. Every call into those
// libraries goes through one of the macros below, so a failure becomes a
// CudaError whose one-line message names the failing function and the
// library's name for the status, e.g.
//   "cudnnConvolutionForward failed: CUDNN_STATUS_NOT_SUPPORTED"
//   "cudaMalloc failed: cudaErrorMemoryAllocation (out of memory)"
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <string>

#include "cuda_ref/cuda_error.h"

namespace effnet::cuda_detail {

// `expr` is the source text of the call; the message keeps the function name only.
[[noreturn]] void throw_cuda(cudaError_t s, const char* expr);
[[noreturn]] void throw_cudnn(cudnnStatus_t s, const char* expr);
[[noreturn]] void throw_cublas(cublasStatus_t s, const char* expr);

// "cudaErrorNoDevice (no CUDA-capable device is detected)".
std::string cuda_status_text(cudaError_t s);

inline void check_cuda(cudaError_t s, const char* expr) {
  if (s != cudaSuccess) throw_cuda(s, expr);
}
inline void check_cudnn(cudnnStatus_t s, const char* expr) {
  if (s != CUDNN_STATUS_SUCCESS) throw_cudnn(s, expr);
}
inline void check_cublas(cublasStatus_t s, const char* expr) {
  if (s != CUBLAS_STATUS_SUCCESS) throw_cublas(s, expr);
}

}  // namespace effnet::cuda_detail

#define EFFNET_CUDA_CHECK(call) ::effnet::cuda_detail::check_cuda((call), #call)
#define EFFNET_CUDNN_CHECK(call) ::effnet::cuda_detail::check_cudnn((call), #call)
#define EFFNET_CUBLAS_CHECK(call) ::effnet::cuda_detail::check_cublas((call), #call)
