#include "cuda_ref/cublas_gemm.h"

#include <string>

#include "cuda_ref/cuda_check.h"
#include "cuda_ref/cuda_raii.h"
#include "model/errors.h"

namespace effnet {

using namespace cuda_detail;

struct CublasGemm::Impl {
  int64_t m, n, k;
  Stream stream;
  CublasHandle blas;
  DeviceBuffer a, w, c;
  Event start, stop;

  void gemm() {
    const float alpha = 1.0f, beta = 0.0f;
    // Column-major view: C^T [N, M] = W [N, K] (row-major W read as K x N, so op T)
    // x A^T [K, M] (row-major A read as K x M, op N).
    EFFNET_CUBLAS_CHECK(cublasGemmEx(blas.get(), CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(m), int(k), &alpha,
                                     w.get(), CUDA_R_16F, int(k), a.get(), CUDA_R_16F, int(k), &beta, c.get(),
                                     CUDA_R_16F, int(n), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  }
};

CublasGemm::CublasGemm(int64_t m, int64_t n, int64_t k, const std::vector<uint16_t>& a,
                       const std::vector<uint16_t>& w, int device) {
  const std::string shape = std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
  if (m < 1 || n < 1 || k < 1 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX)
    throw ShapeError("cuBLAS GEMM " + shape + ": M, N, K must be in 1 .. 2^31-1");
  if (a.size() < size_t(m * k) || w.size() < size_t(n * k))
    throw ShapeError("cuBLAS GEMM " + shape + ": operand vectors too short");
  EFFNET_CUDA_CHECK(cudaSetDevice(device));
  impl_ = std::make_unique<Impl>();
  Impl& p = *impl_;
  p.m = m;
  p.n = n;
  p.k = k;
  p.stream = make_stream();
  p.blas = make_cublas(p.stream.get());
  EFFNET_CUBLAS_CHECK(cublasSetMathMode(p.blas.get(), CUBLAS_DEFAULT_MATH));
  p.a = DeviceBuffer(size_t(m * k) * 2);
  p.w = DeviceBuffer(size_t(n * k) * 2);
  p.c = DeviceBuffer(size_t(m * n) * 2);
  EFFNET_CUDA_CHECK(cudaMemcpy(p.a.get(), a.data(), p.a.bytes(), cudaMemcpyHostToDevice));
  EFFNET_CUDA_CHECK(cudaMemcpy(p.w.get(), w.data(), p.w.bytes(), cudaMemcpyHostToDevice));
  p.start = make_event();
  p.stop = make_event();
}

CublasGemm::~CublasGemm() = default;

std::vector<double> CublasGemm::time(int warmup, int iters) {
  Impl& p = *impl_;
  for (int i = 0; i < warmup; ++i) p.gemm();
  EFFNET_CUDA_CHECK(cudaStreamSynchronize(p.stream.get()));
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    EFFNET_CUDA_CHECK(cudaEventRecord(p.start.get(), p.stream.get()));
    p.gemm();
    EFFNET_CUDA_CHECK(cudaEventRecord(p.stop.get(), p.stream.get()));
    EFFNET_CUDA_CHECK(cudaEventSynchronize(p.stop.get()));
    float t = 0;
    EFFNET_CUDA_CHECK(cudaEventElapsedTime(&t, p.start.get(), p.stop.get()));
    ms.push_back(t);
  }
  return ms;
}

std::vector<uint16_t> CublasGemm::result() const {
  std::vector<uint16_t> c(size_t(impl_->m * impl_->n));
  EFFNET_CUDA_CHECK(cudaStreamSynchronize(impl_->stream.get()));
  EFFNET_CUDA_CHECK(cudaMemcpy(c.data(), impl_->c.get(), c.size() * 2, cudaMemcpyDeviceToHost));
  return c;
}

}  // namespace effnet
