#include "apps/bench_cuda.h"

#include <chrono>
#include <stdexcept>

#ifdef EFFNET_HAVE_CUDA
#include <cuda_runtime.h>

#include "cuda_ref/cublas_gemm.h"
#include "cuda_ref/cuda_check.h"
#include "cuda_ref/cuda_raii.h"
#include "cuda_ref/cuda_reference.h"
#endif

namespace effnet::app {

#ifdef EFFNET_HAVE_CUDA

bool cuda_peer_available(std::string* why) { return cuda_available(why, 0); }

std::string cuda_peer_description() { return cuda_device_name(0) + "; " + cuda_library_versions(); }

namespace {
int64_t cuda_free_bytes() {
  size_t free_b = 0, total_b = 0;
  if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) return -1;
  return int64_t(free_b);
}
}  // namespace

CudaNetResult time_cuda_reference(const Network& net, const std::string& mode,
                                  const std::vector<Tensor>& inputs, int warmup, int iters,
                                  Progress& progress) {
  const Tensor& x0 = inputs.at(0);
  CudaOptions o;
  o.batch = int(x0.dim(0));
  o.height = int(x0.dim(2));
  o.width = int(x0.dim(3));
  o.mode = parse_precision(mode);
  const int64_t free0 = cuda_free_bytes();
  CudaReference ref(net, o);
  const int64_t free1 = cuda_free_bytes();
  CudaNetResult r;
  r.graph = ref.uses_graph();
  if (free0 >= 0 && free1 >= 0) r.mem_bytes = free0 - free1;
  for (int i = 0; i < warmup; ++i) ref.run(inputs[size_t(i) % inputs.size()]);
  std::vector<double> gpu, host;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    ref.run(inputs[size_t(i) % inputs.size()]);
    host.push_back(ms_since(t0));
    gpu.push_back(ref.last_gpu_ms());
    progress.tick(i + 1, iters);
  }
  r.gpu = stats_of(gpu);
  r.host = stats_of(host);
  return r;
}

Stats time_cublas_gemm(int64_t m, int64_t n, int64_t k, const std::vector<uint16_t>& a,
                       const std::vector<uint16_t>& w, int warmup, int iters) {
  CublasGemm g(m, n, k, a, w);
  return stats_of(g.time(warmup, iters));
}

Stats time_cuda_copy(size_t bytes, int warmup, int iters) {
  using namespace cuda_detail;
  DeviceBuffer src(bytes), dst(bytes);
  EFFNET_CUDA_CHECK(cudaMemset(src.get(), 0x3c, bytes));  // non-zero data
  Stream stream = make_stream();
  Event start = make_event(), stop = make_event();
  std::vector<double> ms;
  for (int i = 0; i < warmup + iters; ++i) {
    EFFNET_CUDA_CHECK(cudaEventRecord(start.get(), stream.get()));
    EFFNET_CUDA_CHECK(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice, stream.get()));
    EFFNET_CUDA_CHECK(cudaEventRecord(stop.get(), stream.get()));
    EFFNET_CUDA_CHECK(cudaEventSynchronize(stop.get()));
    float t = 0;
    EFFNET_CUDA_CHECK(cudaEventElapsedTime(&t, start.get(), stop.get()));
    if (i >= warmup) ms.push_back(t);
  }
  return stats_of(ms);
}

#else  // built without CUDA

bool cuda_peer_available(std::string* why) {
  if (why) *why = "this binary was built without the CUDA reference path";
  return false;
}
std::string cuda_peer_description() { return "none (built without CUDA)"; }
CudaNetResult time_cuda_reference(const Network&, const std::string&, const std::vector<Tensor>&, int, int,
                                  Progress&) {
  throw std::logic_error("time_cuda_reference: built without CUDA");
}
Stats time_cublas_gemm(int64_t, int64_t, int64_t, const std::vector<uint16_t>&, const std::vector<uint16_t>&,
                       int, int) {
  throw std::logic_error("time_cublas_gemm: built without CUDA");
}
Stats time_cuda_copy(size_t, int, int) { throw std::logic_error("time_cuda_copy: built without CUDA"); }

#endif

}  // namespace effnet::app
