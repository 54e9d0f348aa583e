// cuBLAS fp16 GEMM timed with CUDA events: the peer of `effnet-bench gemm`
// (issue 3, deliverable 5). Same operands and layout as the Vulkan GEMM of a
// 1x1 conv in NHWC:
//   C [M, N] = A [M, K] x W^T,  A row-major (activations, NHWC rows),
//   W [N, K] row-major (weight [cout, cin]), C row-major; all fp16,
//   fp32 compute (cublasGemmEx, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT).
// No bias, activation or pooling epilogue: a plain GEMM.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "cuda_ref/cuda_error.h"

namespace effnet {

class CublasGemm {
 public:
  // a: M*K fp16 bits, w: N*K fp16 bits (row-major, as above). Uploads both and
  // allocates C. Throws ShapeError when a size is 0 or the vectors are too
  // short; CudaError when the device or cuBLAS fails (e.g. out of memory).
  CublasGemm(int64_t m, int64_t n, int64_t k, const std::vector<uint16_t>& a, const std::vector<uint16_t>& w,
             int device = 0);
  ~CublasGemm();
  CublasGemm(const CublasGemm&) = delete;
  CublasGemm& operator=(const CublasGemm&) = delete;

  // Runs `warmup` GEMMs, then `iters` GEMMs each between two CUDA events;
  // returns the `iters` GPU times in milliseconds. Throws CudaError.
  std::vector<double> time(int warmup, int iters);

  // C as fp16 bits (M*N), for checks. Throws CudaError.
  std::vector<uint16_t> result() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace effnet
