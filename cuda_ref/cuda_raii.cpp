#include "cuda_ref/cuda_raii.h"

#include "cuda_ref/cuda_check.h"

namespace effnet::cuda_detail {

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  EFFNET_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
  // cudaMemset runs on the legacy default stream, which does not order the
  // non-blocking streams used later: wait for it here.
  cudaError_t s = cudaMemset(ptr_, 0, bytes);
  if (s == cudaSuccess) s = cudaStreamSynchronize(nullptr);
  if (s != cudaSuccess) {
    (void)cudaFree(ptr_);
    ptr_ = nullptr;
    throw_cuda(s, "cudaMemset");
  }
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) (void)cudaFree(ptr_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) (void)cudaFree(ptr_);
    ptr_ = std::exchange(o.ptr_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

Stream make_stream() {
  cudaStream_t s = nullptr;
  EFFNET_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return Stream(s);
}

Event make_event() {
  cudaEvent_t e = nullptr;
  EFFNET_CUDA_CHECK(cudaEventCreate(&e));
  return Event(e);
}

CudnnHandle make_cudnn(cudaStream_t stream) {
  cudnnHandle_t h = nullptr;
  EFFNET_CUDNN_CHECK(cudnnCreate(&h));
  CudnnHandle owned(h);
  EFFNET_CUDNN_CHECK(cudnnSetStream(h, stream));
  return owned;
}

CublasHandle make_cublas(cudaStream_t stream) {
  cublasHandle_t h = nullptr;
  EFFNET_CUBLAS_CHECK(cublasCreate(&h));
  CublasHandle owned(h);
  EFFNET_CUBLAS_CHECK(cublasSetStream(h, stream));
  return owned;
}

TensorDesc make_tensor_desc(cudnnTensorFormat_t format, cudnnDataType_t dtype, int n, int c, int h, int w) {
  cudnnTensorDescriptor_t d = nullptr;
  EFFNET_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d));
  TensorDesc owned(d);
  EFFNET_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, format, dtype, n, c, h, w));
  return owned;
}

FilterDesc make_filter_desc(cudnnTensorFormat_t format, cudnnDataType_t dtype, int k, int c, int r, int s) {
  cudnnFilterDescriptor_t d = nullptr;
  EFFNET_CUDNN_CHECK(cudnnCreateFilterDescriptor(&d));
  FilterDesc owned(d);
  EFFNET_CUDNN_CHECK(cudnnSetFilter4dDescriptor(d, dtype, format, k, c, r, s));
  return owned;
}

ConvDesc make_conv_desc(int pad, int stride, int groups, cudnnDataType_t compute) {
  cudnnConvolutionDescriptor_t d = nullptr;
  EFFNET_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d));
  ConvDesc owned(d);
  EFFNET_CUDNN_CHECK(
      cudnnSetConvolution2dDescriptor(d, pad, pad, stride, stride, 1, 1, CUDNN_CROSS_CORRELATION, compute));
  EFFNET_CUDNN_CHECK(cudnnSetConvolutionGroupCount(d, groups));
  return owned;
}

ActivationDesc make_activation_desc(cudnnActivationMode_t mode, double coef) {
  cudnnActivationDescriptor_t d = nullptr;
  EFFNET_CUDNN_CHECK(cudnnCreateActivationDescriptor(&d));
  ActivationDesc owned(d);
  EFFNET_CUDNN_CHECK(cudnnSetActivationDescriptor(d, mode, CUDNN_PROPAGATE_NAN, coef));
  return owned;
}

PoolingDesc make_global_avg_pool_desc(int h, int w) {
  cudnnPoolingDescriptor_t d = nullptr;
  EFFNET_CUDNN_CHECK(cudnnCreatePoolingDescriptor(&d));
  PoolingDesc owned(d);
  EFFNET_CUDNN_CHECK(cudnnSetPooling2dDescriptor(d, CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING,
                                                 CUDNN_PROPAGATE_NAN, h, w, 0, 0, h, w));
  return owned;
}

}  // namespace effnet::cuda_detail
