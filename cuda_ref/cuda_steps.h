// The steps of the CUDA reference forward. One Step per network Layer:
//   ConvStep      stem 3x3 s2, 1x1 and depthwise 3x3 convolutions with bias
//                 and activation (cuDNN)
//   HeadPoolStep  1x1 conv + ReLU (a ConvStep) then the global average pool
//                 (cudnnPoolingForward)
//   LinearStep    fully connected (cublasGemmEx) + bias (cudnnAddTensor)
// Activations are 4-d tensors with logical dims [n, c, h, w] stored in the
// context's layout and dtype (Fp32: NCHW float; Fp16: NHWC half); a [n, c]
// tensor is [n, c, 1, 1] (the same bytes in both layouts). LinearStep writes
// float32 logits [n, c] in both modes.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "cuda_ref/cuda_raii.h"
#include "cuda_ref/cuda_reference.h"
#include "model/network.h"

namespace effnet::cuda_detail {

// Storage and arithmetic of one mode.
struct Numerics {
  Precision mode = Precision::FP32;
  cudnnDataType_t dtype = CUDNN_DATA_FLOAT;        // activations, weights, conv biases
  cudnnTensorFormat_t format = CUDNN_TENSOR_NCHW;  // activations and filters
  size_t elem_bytes = 4;
};
Numerics numerics_for(Precision mode);

// The handles every step uses, bound to one stream of the current device.
struct Context {
  Numerics num;
  Stream stream;
  CudnnHandle cudnn;
  CublasHandle cublas;
  DeviceBuffer cublas_workspace;  // set with cublasSetWorkspace, so graph capture allocates nothing
};
// Makes the stream and handles on the current device (cudaSetDevice first).
Context make_context(Precision mode);

struct Dims {
  int n = 0, c = 0, h = 0, w = 0;
  int64_t numel() const { return int64_t(n) * c * h * w; }
};

// Uploads float32 host values as the context's dtype (float or half), through
// ctx.stream. Synchronous.
DeviceBuffer upload_values(Context& ctx, const std::vector<float>& host);
// Uploads float32 host values as float32, through ctx.stream. Synchronous.
DeviceBuffer upload_f32(Context& ctx, const std::vector<float>& host);

class Step {
 public:
  virtual ~Step() = default;
  virtual Dims out() const = 0;
  // Scratch memory run() needs (a cuDNN workspace), in bytes.
  virtual size_t workspace_bytes() const { return 0; }
  // x: the input activation; y: the output (float32 for LinearStep, else the
  // context's dtype). Asynchronous on ctx.stream. The first call of a ConvStep
  // also decides how bias and activation are applied, so it must not be inside
  // a graph capture.
  virtual void run(Context& ctx, const void* x, void* y, void* workspace, size_t workspace_size) = 0;
  // "mbconv3.3 depthwise algo=IMPLICIT_PRECOMP_GEMM math=FMA epilogue=fused(clipped_relu)".
  virtual std::string describe() const = 0;
};

// The step for `layer` reading an activation of dims `in` ([n, cin, h, w]).
// Throws ShapeError when `in` or the layer's weight sizes do not fit its kind.
std::unique_ptr<Step> make_step(Context& ctx, const Layer& layer, Dims in);

}  // namespace effnet::cuda_detail
