// The CUDA reference forward of the network: cuDNN for every convolution and
// the global average pool, cuBLAS for the fully connected layer, from the same
// folded Network the CPU reference and the Vulkan plan use. It shares no
// arithmetic code with them, so it is an independent check.
//
// Two modes:
//   Precision::FP32  the reference. fp32 storage, NCHW, fp32 arithmetic with
//                   TF32 and every other reduced-precision math off
//                   (CUDNN_FMA_MATH, only implicit-GEMM / GEMM / direct
//                   convolution algorithms, never FFT or Winograd;
//                   CUBLAS_PEDANTIC_MATH). Runs eagerly, layer by layer.
//   Precision::FP16  a performance peer for the benchmarks. fp16 storage, NHWC,
//                   tensor cores (CUDNN_TENSOR_OP_MATH) with fp32 accumulation
//                   (convolution compute type float, cuBLAS CUBLAS_COMPUTE_32F);
//                   algorithms timed once by cudnnFindConvolutionForwardAlgorithm;
//                   the whole forward captured once in a CUDA graph and replayed.
//
// Every CUDA, cuDNN and cuBLAS status is checked; a failure throws CudaError
// with one line naming the call and the status (cuda_check.h).
#pragma once
#include <memory>
#include <string>

#include "cuda_ref/cuda_error.h"
#include "model/network.h"
#include "model/precision.h"
#include "model/tensor.h"

namespace effnet {

// The CUDA reference runs in the project's one Precision (model/precision.h):
// FP32 is the reference, FP16 the performance peer (see above).

// True when CUDA device `device` exists and cuDNN and cuBLAS can be loaded.
// Otherwise false, and *why (if given) says why in one line, e.g.
// "cudaGetDeviceCount failed: cudaErrorNoDevice (no CUDA-capable device is detected)".
// Never throws.
bool cuda_available(std::string* why = nullptr, int device = 0);

// "CUDA runtime 13.0, driver 13.0, cuDNN 9.19.0 (built with 9.19.0), cuBLAS 13.1.0".
// Throws CudaError when a version cannot be read.
std::string cuda_library_versions();

// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 81079 MiB, driver API 13.0)".
// Throws CudaError when the device does not exist.
std::string cuda_device_name(int device = 0);

struct CudaOptions {
  int batch = 1;                   // N >= 1
  int height = kDefaultImageSize;  // H >= kMinImageSize
  int width = kDefaultImageSize;   // W >= kMinImageSize
  Precision mode = Precision::FP32;
  int device = 0;  // CUDA device ordinal
};

// The network planned for one input shape [batch, 3, height, width] and one
// mode: device buffers, weights, cuDNN descriptors and algorithms (and in
// Fp16 mode the CUDA graph) are made once here and reused by every run().
class CudaReference {
 public:
  // Throws ShapeError when the options are out of range or the network is not
  // the 24-layer reference network (wrong kinds, channels or weight sizes);
  // CudaError when the device is missing or a library call fails.
  CudaReference(const Network& net, const CudaOptions& opt);
  ~CudaReference();
  CudaReference(CudaReference&&) noexcept;
  CudaReference& operator=(CudaReference&&) noexcept;
  CudaReference(const CudaReference&) = delete;
  CudaReference& operator=(const CudaReference&) = delete;

  // x: [batch, 3, height, width] float32 NCHW; returns logits [batch, classes]
  // float32. Synchronous. Throws ShapeError when x's shape differs from the
  // planned one, CudaError on a device failure.
  Tensor run(const Tensor& x_nchw);

  // GPU time of the last run()'s forward in milliseconds (CUDA events around
  // the forward only: the host-to-device copy of the input and the copy of the
  // logits back are outside). 0 before the first run().
  float last_gpu_ms() const;

  // cuda_device_name() of the planned device.
  std::string device_name() const;
  // One line per step: the layer, the cuDNN algorithm, the math type, how bias
  // and activation were applied, and whether a CUDA graph replays the forward.
  std::string plan_summary() const;
  const CudaOptions& options() const;
  int classes() const;
  // True when run() replays a CUDA graph (Fp16 mode, unless the capture
  // failed: plan_summary() then says why and the forward runs eagerly).
  bool uses_graph() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One layer on the GPU, with the layouts of cpu_layer (model/cpu_reference.h):
//   StemConv3x3: in [N, cin, H, W] NCHW  -> out [N, Ho, Wo, cout] NHWC
//   Pointwise:   in [N, H, W, cin] NHWC  -> out [N, H, W, cout]
//   Depthwise3x3:in [N, H, W, c]         -> out [N, Ho, Wo, c]
//   HeadPool:    in [N, H, W, cin]       -> out [N, cout]
//   Linear:      in [N, cin]             -> out [N, cout]
// All float32 on the host; in Fp16 mode the input is rounded to fp16 on the
// device and the output converted back. For the per-layer tests (slow: it
// plans, runs once and frees). Throws ShapeError on a wrong input shape or a
// layer whose weights do not fit its kind, CudaError on a device failure.
Tensor cuda_layer(const Layer& layer, const Tensor& in, Precision mode, int device = 0);

}  // namespace effnet
