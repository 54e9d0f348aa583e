// RAII owners for every CUDA, cuDNN and cuBLAS object the reference path
// creates: device memory, streams, events, graphs, library handles and cuDNN
// descriptors. Each is move-only and releases its object exactly once; the
// make_* functions throw CudaError (cuda_check.h) when creation fails.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <utility>

namespace effnet::cuda_detail {

// Owns one handle H released by Destroy(h). Destroy's status is ignored: a
// destructor cannot report, and a failing destroy means the context is gone.
template <typename H, auto Destroy>
class Owned {
 public:
  Owned() = default;
  explicit Owned(H h) : h_(h) {}
  ~Owned() { reset(); }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  Owned(Owned&& o) noexcept : h_(std::exchange(o.h_, H{})) {}
  Owned& operator=(Owned&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, H{});
    }
    return *this;
  }
  H get() const { return h_; }
  explicit operator bool() const { return h_ != H{}; }
  void reset() {
    if (h_ != H{}) (void)Destroy(h_);
    h_ = H{};
  }

 private:
  H h_{};
};

using Stream = Owned<cudaStream_t, cudaStreamDestroy>;
using Event = Owned<cudaEvent_t, cudaEventDestroy>;
using Graph = Owned<cudaGraph_t, cudaGraphDestroy>;
using GraphExec = Owned<cudaGraphExec_t, cudaGraphExecDestroy>;
using CudnnHandle = Owned<cudnnHandle_t, cudnnDestroy>;
using CublasHandle = Owned<cublasHandle_t, cublasDestroy>;
using TensorDesc = Owned<cudnnTensorDescriptor_t, cudnnDestroyTensorDescriptor>;
using FilterDesc = Owned<cudnnFilterDescriptor_t, cudnnDestroyFilterDescriptor>;
using ConvDesc = Owned<cudnnConvolutionDescriptor_t, cudnnDestroyConvolutionDescriptor>;
using ActivationDesc = Owned<cudnnActivationDescriptor_t, cudnnDestroyActivationDescriptor>;
using PoolingDesc = Owned<cudnnPoolingDescriptor_t, cudnnDestroyPoolingDescriptor>;

// Device memory from cudaMalloc (never managed memory), zero-filled at creation.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);  // bytes == 0 gives an empty buffer (null pointer)
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;

  void* get() const { return ptr_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

Stream make_stream();  // non-blocking stream
Event make_event();    // timing-enabled event
CudnnHandle make_cudnn(cudaStream_t stream);
CublasHandle make_cublas(cudaStream_t stream);

// 4-d tensor descriptor [n, c, h, w] in `format` (NCHW or NHWC) and `dtype`.
TensorDesc make_tensor_desc(cudnnTensorFormat_t format, cudnnDataType_t dtype, int n, int c, int h, int w);
// Filter [k, c, r, s] in `format` (NCHW = KCRS, NHWC = KRSC).
FilterDesc make_filter_desc(cudnnTensorFormat_t format, cudnnDataType_t dtype, int k, int c, int r, int s);
// 2-d cross-correlation with symmetric padding, stride and group count,
// accumulating in `compute` (CUDNN_DATA_FLOAT for both precisions here).
ConvDesc make_conv_desc(int pad, int stride, int groups, cudnnDataType_t compute);
// Activation; `coef` is the clip ceiling of CUDNN_ACTIVATION_CLIPPED_RELU.
ActivationDesc make_activation_desc(cudnnActivationMode_t mode, double coef);
// Average over a whole h x w plane (global average pool).
PoolingDesc make_global_avg_pool_desc(int h, int w);

}  // namespace effnet::cuda_detail
