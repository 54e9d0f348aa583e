#include "cuda_ref/cuda_check.h"

#include <string_view>

namespace effnet::cuda_detail {
namespace {

// "cudaMalloc(&p, n)" -> "cudaMalloc".
std::string function_name(const char* expr) {
  const std::string_view s(expr);
  return std::string(s.substr(0, s.find('(')));
}

}  // namespace

std::string cuda_status_text(cudaError_t s) {
  return std::string(cudaGetErrorName(s)) + " (" + cudaGetErrorString(s) + ")";
}

void throw_cuda(cudaError_t s, const char* expr) {
  throw CudaError(function_name(expr) + " failed: " + cuda_status_text(s));
}

void throw_cudnn(cudnnStatus_t s, const char* expr) {
  throw CudaError(function_name(expr) + " failed: " + cudnnGetErrorString(s));
}

void throw_cublas(cublasStatus_t s, const char* expr) {
  throw CudaError(function_name(expr) + " failed: " + cublasGetStatusName(s));
}

}  // namespace effnet::cuda_detail
