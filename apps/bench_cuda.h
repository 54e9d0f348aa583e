// The CUDA peers of effnet-bench, behind an interface that exists with or
// without CUDA in the build: the CUDA reference forward (fp16 CUDA graph and
// fp32) for `net`, and cuBLAS fp16 GEMM for `gemm`. Without CUDA,
// cuda_peer_available() says so and the timing functions are never called.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/bench_util.h"
#include "model/network.h"
#include "model/tensor.h"

namespace effnet::app {

// True when this binary has the CUDA path and device 0 can run it; otherwise
// false with *why set to one line. Never throws.
bool cuda_peer_available(std::string* why);
// "NVIDIA H200 (sm_90, ...); CUDA runtime 13.0, cuDNN 9.19.0, cuBLAS 13.1.0". Throws CudaError.
std::string cuda_peer_description();

struct CudaNetResult {
  Stats gpu;               // CUDA events around the forward (transfers excluded)
  Stats host;              // run(): host copy in, forward, logits back in host memory
  int64_t mem_bytes = -1;  // device memory taken by the plan (cudaMemGetInfo delta), -1 unknown
  bool graph = false;      // the forward replays a CUDA graph
};
// Times CudaReference(net, batch x 3 x size x size, mode "fp16" | "fp32"):
// `warmup` runs, then `iters` runs rotating over `inputs` (each [batch, 3, size, size]).
// Throws CudaError, ShapeError; std::logic_error when built without CUDA.
CudaNetResult time_cuda_reference(const Network& net, const std::string& mode,
                                  const std::vector<Tensor>& inputs, int warmup, int iters,
                                  Progress& progress);

// Times cuBLAS fp16 GEMM C[M,N] = A[M,K] x W[N,K]^T (cuda_ref/cublas_gemm.h).
// Throws CudaError; std::logic_error when built without CUDA.
Stats time_cublas_gemm(int64_t m, int64_t n, int64_t k, const std::vector<uint16_t>& a,
                       const std::vector<uint16_t>& w, int warmup, int iters);

// cudaMemcpyAsync device to device of `bytes` of non-zero data between two
// cudaMalloc buffers, each copy between two CUDA events. Throws CudaError;
// std::logic_error when built without CUDA.
Stats time_cuda_copy(size_t bytes, int warmup, int iters);

}  // namespace effnet::app
