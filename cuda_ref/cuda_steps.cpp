#include "cuda_ref/cuda_steps.h"

#include <algorithm>
#include <array>
#include <vector>

#include "cuda_ref/cuda_check.h"
#include "cuda_ref/cuda_kernels.h"

namespace effnet::cuda_detail {
namespace {

constexpr size_t kMaxConvWorkspace = size_t(256) << 20;  // bytes; larger algorithms are skipped
constexpr size_t kCublasWorkspace = size_t(32) << 20;
constexpr double kRelu6Ceiling = 6.0;
const float kOne = 1.0f;
const float kZero = 0.0f;

[[noreturn]] void layer_error(const Layer& l, const std::string& msg) {
  throw ShapeError("layer " + l.name + " (" + kind_name(l.kind) + "): " + msg);
}

// Checks `in` against the layer with the model's own shape rule.
Dims out_dims(const Layer& l, Dims in) {
  const ActShape o = layer_out_shape(l, ActShape{in.n, in.h, in.w, in.c});
  return Dims{o.n, o.c, o.h, o.w};
}

const char* algo_name(cudnnConvolutionFwdAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM:
      return "IMPLICIT_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM:
      return "IMPLICIT_PRECOMP_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM:
      return "GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT:
      return "DIRECT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT:
      return "FFT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING:
      return "FFT_TILING";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD:
      return "WINOGRAD";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED:
      return "WINOGRAD_NONFUSED";
    default:
      return "?";
  }
}

const char* math_name(cudnnMathType_t m) {
  switch (m) {
    case CUDNN_DEFAULT_MATH:
      return "DEFAULT";
    case CUDNN_TENSOR_OP_MATH:
      return "TENSOR_OP";
    case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION:
      return "TENSOR_OP_ALLOW_CONVERSION";
    case CUDNN_FMA_MATH:
      return "FMA";
    default:
      return "?";
  }
}

// Algorithms whose arithmetic is a plain sum of products (no FFT, no
// Winograd transforms with their extra rounding).
bool is_direct_sum(cudnnConvolutionFwdAlgo_t a) {
  return a == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM || a == CUDNN_CONVOLUTION_FWD_ALGO_GEMM ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_DIRECT;
}

// OIHW [k][c][r][s] -> OHWI [k][r][s][c] (the NHWC filter layout KRSC).
std::vector<float> oihw_to_ohwi(const std::vector<float>& w, int k, int c, int r, int s) {
  std::vector<float> o(w.size());
  for (int ki = 0; ki < k; ++ki)
    for (int ci = 0; ci < c; ++ci)
      for (int ri = 0; ri < r; ++ri)
        for (int si = 0; si < s; ++si)
          o[((size_t(ki) * r + ri) * s + si) * c + ci] = w[((size_t(ki) * c + ci) * r + ri) * s + si];
  return o;
}

// How bias and activation are applied after the convolution.
enum class Epilogue {
  Unchosen,
  Fused,              // cudnnConvolutionBiasActivationForward with the layer's own activation
  FusedReluThenClip,  // ReLU6 only: fused with ReLU, then cudnnActivationForward(CLIPPED_RELU 6) in place
  Separate,           // cudnnConvolutionForward, cudnnAddTensor (bias), cudnnActivationForward
};

const char* native_act_name(Act a) {
  switch (a) {
    case Act::None:
      return "identity";
    case Act::ReLU:
      return "relu";
    case Act::ReLU6:
      return "clipped_relu(6)";
  }
  return "?";
}

class ConvStep final : public Step {
 public:
  ConvStep(Context& ctx, const Layer& l, Dims in) : name_(l.name), kind_(l.kind), act_(l.act), in_(in) {
    out_ = out_dims(l, in);  // validates `in` against the layer
    if (l.kind == LayerKind::HeadPool) out_ = Dims{in.n, l.cout, in.h, in.w};  // the conv before the pool
    const KindInfo& kind = kind_info(l.kind);
    if (kind.in == Layout::NC) layer_error(l, "not a convolution");
    const int ksize = kind.taps == 9 ? 3 : 1;
    const int groups = kind.dense ? 1 : l.cin;
    const int cpg = l.cin / groups;  // input channels per group
    validate_layer(l);

    const Numerics& nm = ctx.num;
    x_desc_ = make_tensor_desc(nm.format, nm.dtype, in.n, in.c, in.h, in.w);
    y_desc_ = make_tensor_desc(nm.format, nm.dtype, out_.n, out_.c, out_.h, out_.w);
    bias_desc_ = make_tensor_desc(nm.format, nm.dtype, 1, out_.c, 1, 1);
    w_desc_ = make_filter_desc(nm.format, nm.dtype, l.cout, cpg, ksize, ksize);
    conv_desc_ = make_conv_desc(ksize / 2, ksize == 3 ? l.stride : 1, groups, CUDNN_DATA_FLOAT);

    int on = 0, oc = 0, oh = 0, ow = 0;
    EFFNET_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(conv_desc_.get(), x_desc_.get(), w_desc_.get(),
                                                             &on, &oc, &oh, &ow));
    if (on != out_.n || oc != out_.c || oh != out_.h || ow != out_.w)
      layer_error(l, "cuDNN's output shape differs from the model's");

    // 1x1 and depthwise filters are the same bytes in KCRS and KRSC; the stem's are not.
    const bool transpose = nm.format == CUDNN_TENSOR_NHWC && ksize == 3 && cpg > 1;
    w_ = upload_values(ctx, transpose ? oihw_to_ohwi(l.weight, l.cout, cpg, ksize, ksize) : l.weight);
    b_ = upload_values(ctx, l.bias);

    const cudnnActivationMode_t native = act_ == Act::None   ? CUDNN_ACTIVATION_IDENTITY
                                         : act_ == Act::ReLU ? CUDNN_ACTIVATION_RELU
                                                             : CUDNN_ACTIVATION_CLIPPED_RELU;
    native_desc_ = make_activation_desc(native, kRelu6Ceiling);
    relu_desc_ = make_activation_desc(CUDNN_ACTIVATION_RELU, 0.0);
    clip_desc_ = make_activation_desc(CUDNN_ACTIVATION_CLIPPED_RELU, kRelu6Ceiling);
    choose_algorithm(ctx);
  }

  Dims out() const override { return out_; }
  size_t workspace_bytes() const override { return ws_bytes_; }

  void run(Context& ctx, const void* x, void* y, void* ws, size_t ws_size) override {
    if (ws_size < ws_bytes_) throw CudaError("layer " + name_ + ": workspace too small");
    if (epilogue_ != Epilogue::Unchosen) {
      const char* failed = nullptr;
      const cudnnStatus_t s = launch(ctx, epilogue_, x, y, ws, &failed);
      if (s != CUDNN_STATUS_SUCCESS) throw_cudnn(s, failed);
      return;
    }
    // First run: the first epilogue cuDNN accepts for this layer, algorithm and dtype.
    std::vector<Epilogue> order = {Epilogue::Fused};
    if (act_ == Act::ReLU6) order.push_back(Epilogue::FusedReluThenClip);
    order.push_back(Epilogue::Separate);
    for (Epilogue e : order) {
      const char* failed = nullptr;
      const cudnnStatus_t s = launch(ctx, e, x, y, ws, &failed);
      if (s == CUDNN_STATUS_SUCCESS) {
        epilogue_ = e;
        return;
      }
      if (e == Epilogue::Separate) throw_cudnn(s, failed);
      rejected_ += std::string(" [") + epilogue_name(e) + " rejected: " + cudnnGetErrorString(s) + "]";
    }
  }

  std::string describe() const override {
    return name_ + " " + kind_name(kind_) + " [" + std::to_string(in_.n) + "," + std::to_string(in_.c) + "," +
           std::to_string(in_.h) + "," + std::to_string(in_.w) + "]->[" + std::to_string(out_.c) + "," +
           std::to_string(out_.h) + "," + std::to_string(out_.w) + "] algo=" + algo_name(algo_) +
           " math=" + math_name(math_) + " workspace=" + std::to_string(ws_bytes_) +
           " epilogue=" + epilogue_name(epilogue_) + rejected_;
  }

 private:
  std::string epilogue_name(Epilogue e) const {
    switch (e) {
      case Epilogue::Unchosen:
        return "unchosen";
      case Epilogue::Fused:
        return std::string("fused(bias+") + native_act_name(act_) + ")";
      case Epilogue::FusedReluThenClip:
        return "fused(bias+relu)+activation(clipped_relu(6))";
      case Epilogue::Separate:
        return std::string("conv+add_tensor(bias)") + (act_ == Act::None ? "" : "+activation(") +
               (act_ == Act::None ? "" : std::string(native_act_name(act_)) + ")");
    }
    return "?";
  }

  // Fp32: cuDNN's heuristic order among plain-sum algorithms with FMA math
  //       (IMPLICIT_PRECOMP_GEMM preferred: cuDNN fuses bias and activation only with it).
  // Fp16: the fastest plain-sum algorithm measured by cudnnFindConvolutionForwardAlgorithm
  //       with tensor-op math allowed.
  void choose_algorithm(Context& ctx) {
    constexpr int kCount = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
    std::array<cudnnConvolutionFwdAlgoPerf_t, kCount> perf{};
    int returned = 0;
    const bool fp32 = ctx.num.mode == Precision::FP32;
    EFFNET_CUDNN_CHECK(
        cudnnSetConvolutionMathType(conv_desc_.get(), fp32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH));
    if (fp32) {
      EFFNET_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(ctx.cudnn.get(), x_desc_.get(), w_desc_.get(),
                                                                conv_desc_.get(), y_desc_.get(), kCount,
                                                                &returned, perf.data()));
    } else {
      EFFNET_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithm(ctx.cudnn.get(), x_desc_.get(), w_desc_.get(),
                                                              conv_desc_.get(), y_desc_.get(), kCount,
                                                              &returned, perf.data()));
    }
    std::vector<cudnnConvolutionFwdAlgoPerf_t> ok;
    for (int i = 0; i < returned; ++i) {
      const auto& p = perf[size_t(i)];
      if (p.status != CUDNN_STATUS_SUCCESS || !is_direct_sum(p.algo) || p.memory > kMaxConvWorkspace)
        continue;
      if (fp32 && p.mathType != CUDNN_FMA_MATH && p.mathType != CUDNN_DEFAULT_MATH) continue;
      ok.push_back(p);
    }
    algo_ = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
    math_ = fp32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
    if (!ok.empty()) {
      auto pick = ok.begin();
      if (fp32) {
        auto pre = std::find_if(ok.begin(), ok.end(), [](const cudnnConvolutionFwdAlgoPerf_t& p) {
          return p.algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
        });
        if (pre != ok.end()) pick = pre;
      } else {
        math_ = pick->mathType;
      }
      algo_ = pick->algo;
    }
    // Fp32 always runs with FMA math, whatever the heuristic listed: no TF32.
    EFFNET_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_desc_.get(), math_));
    EFFNET_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(
        ctx.cudnn.get(), x_desc_.get(), w_desc_.get(), conv_desc_.get(), y_desc_.get(), algo_, &ws_bytes_));
  }

  // Launches the convolution with epilogue `e`; returns the first non-success
  // status and names its call in *failed.
  cudnnStatus_t launch(Context& ctx, Epilogue e, const void* x, void* y, void* ws, const char** failed) {
    cudnnHandle_t h = ctx.cudnn.get();
    cudnnStatus_t s = CUDNN_STATUS_SUCCESS;
    switch (e) {
      case Epilogue::Unchosen:
        break;
      case Epilogue::Fused:
      case Epilogue::FusedReluThenClip: {
        *failed = "cudnnConvolutionBiasActivationForward";
        const cudnnActivationDescriptor_t a = e == Epilogue::Fused ? native_desc_.get() : relu_desc_.get();
        s = cudnnConvolutionBiasActivationForward(
            h, &kOne, x_desc_.get(), x, w_desc_.get(), w_.get(), conv_desc_.get(), algo_, ws, ws_bytes_,
            &kZero, y_desc_.get(), y, bias_desc_.get(), b_.get(), a, y_desc_.get(), y);
        if (s != CUDNN_STATUS_SUCCESS || e == Epilogue::Fused) return s;
        *failed = "cudnnActivationForward";
        return cudnnActivationForward(h, clip_desc_.get(), &kOne, y_desc_.get(), y, &kZero, y_desc_.get(), y);
      }
      case Epilogue::Separate: {
        *failed = "cudnnConvolutionForward";
        s = cudnnConvolutionForward(h, &kOne, x_desc_.get(), x, w_desc_.get(), w_.get(), conv_desc_.get(),
                                    algo_, ws, ws_bytes_, &kZero, y_desc_.get(), y);
        if (s != CUDNN_STATUS_SUCCESS) return s;
        *failed = "cudnnAddTensor";
        s = cudnnAddTensor(h, &kOne, bias_desc_.get(), b_.get(), &kOne, y_desc_.get(), y);
        if (s != CUDNN_STATUS_SUCCESS || act_ == Act::None) return s;
        *failed = "cudnnActivationForward";
        const cudnnActivationDescriptor_t a = act_ == Act::ReLU ? relu_desc_.get() : clip_desc_.get();
        return cudnnActivationForward(h, a, &kOne, y_desc_.get(), y, &kZero, y_desc_.get(), y);
      }
    }
    return s;
  }

  std::string name_;
  LayerKind kind_;
  Act act_;
  Dims in_, out_;
  TensorDesc x_desc_, y_desc_, bias_desc_;
  FilterDesc w_desc_;
  ConvDesc conv_desc_;
  ActivationDesc native_desc_, relu_desc_, clip_desc_;
  DeviceBuffer w_, b_;
  cudnnConvolutionFwdAlgo_t algo_ = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  cudnnMathType_t math_ = CUDNN_FMA_MATH;
  size_t ws_bytes_ = 0;
  Epilogue epilogue_ = Epilogue::Unchosen;
  std::string rejected_;  // what cuDNN refused on the first run, for describe()
};

// 1x1 conv + ReLU (ConvStep), then the average over the whole plane.
class HeadPoolStep final : public Step {
 public:
  HeadPoolStep(Context& ctx, const Layer& l, Dims in) : conv_(ctx, l, in) {
    const Dims mid = conv_.out();
    out_ = Dims{mid.n, mid.c, 1, 1};
    mid_ = DeviceBuffer(size_t(mid.numel()) * ctx.num.elem_bytes);
    mid_desc_ = make_tensor_desc(ctx.num.format, ctx.num.dtype, mid.n, mid.c, mid.h, mid.w);
    out_desc_ = make_tensor_desc(ctx.num.format, ctx.num.dtype, out_.n, out_.c, 1, 1);
    pool_ = make_global_avg_pool_desc(mid.h, mid.w);
  }
  Dims out() const override { return out_; }
  size_t workspace_bytes() const override { return conv_.workspace_bytes(); }
  void run(Context& ctx, const void* x, void* y, void* ws, size_t ws_size) override {
    conv_.run(ctx, x, mid_.get(), ws, ws_size);
    EFFNET_CUDNN_CHECK(cudnnPoolingForward(ctx.cudnn.get(), pool_.get(), &kOne, mid_desc_.get(), mid_.get(),
                                           &kZero, out_desc_.get(), y));
  }
  std::string describe() const override { return conv_.describe() + " + cudnnPoolingForward(average)"; }

 private:
  ConvStep conv_;
  Dims out_;
  DeviceBuffer mid_;
  TensorDesc mid_desc_, out_desc_;
  PoolingDesc pool_;
};

// y[n, cout] (float32) = x[n, cin] * W^T + b with cublasGemmEx (column-major
// view: y^T = W * x^T, W stored [cout][cin] row-major = cin x cout column-major).
class LinearStep final : public Step {
 public:
  LinearStep(Context& ctx, const Layer& l, Dims in) : name_(l.name), n_(in.n), cin_(l.cin), cout_(l.cout) {
    if (in.c != l.cin || in.h != 1 || in.w != 1)
      layer_error(l, "input [" + std::to_string(in.n) + "," + std::to_string(in.c) + "," +
                         std::to_string(in.h) + "," + std::to_string(in.w) + "] is not [n, " +
                         std::to_string(l.cin) + "]");
    validate_layer(l);
    w_ = upload_values(ctx, l.weight);
    b_ = upload_f32(ctx, l.bias);
    y_desc_ = make_tensor_desc(CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n_, cout_, 1, 1);
    bias_desc_ = make_tensor_desc(CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, cout_, 1, 1);
  }
  Dims out() const override { return Dims{n_, cout_, 1, 1}; }
  void run(Context& ctx, const void* x, void* y, void*, size_t) override {
    const bool fp32 = ctx.num.mode == Precision::FP32;
    const cudaDataType_t t = fp32 ? CUDA_R_32F : CUDA_R_16F;
    const cublasComputeType_t compute = fp32 ? CUBLAS_COMPUTE_32F_PEDANTIC : CUBLAS_COMPUTE_32F;
    EFFNET_CUBLAS_CHECK(cublasGemmEx(ctx.cublas.get(), CUBLAS_OP_T, CUBLAS_OP_N, cout_, n_, cin_, &kOne,
                                     w_.get(), t, cin_, x, t, cin_, &kZero, y, CUDA_R_32F, cout_, compute,
                                     CUBLAS_GEMM_DEFAULT));
    EFFNET_CUDNN_CHECK(
        cudnnAddTensor(ctx.cudnn.get(), &kOne, bias_desc_.get(), b_.get(), &kOne, y_desc_.get(), y));
  }
  std::string describe() const override {
    return name_ + " linear [" + std::to_string(n_) + "," + std::to_string(cin_) + "]->[" +
           std::to_string(cout_) + "] cublasGemmEx + cudnnAddTensor(bias)";
  }

 private:
  std::string name_;
  int n_, cin_, cout_;
  DeviceBuffer w_, b_;
  TensorDesc y_desc_, bias_desc_;
};

}  // namespace

Numerics numerics_for(Precision mode) {
  if (mode == Precision::FP16) return Numerics{mode, CUDNN_DATA_HALF, CUDNN_TENSOR_NHWC, 2};
  return Numerics{mode, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, 4};
}

Context make_context(Precision mode) {
  Context ctx;
  ctx.num = numerics_for(mode);
  ctx.stream = make_stream();
  ctx.cudnn = make_cudnn(ctx.stream.get());
  ctx.cublas = make_cublas(ctx.stream.get());
  ctx.cublas_workspace = DeviceBuffer(kCublasWorkspace);
  EFFNET_CUBLAS_CHECK(cublasSetWorkspace(ctx.cublas.get(), ctx.cublas_workspace.get(), kCublasWorkspace));
  EFFNET_CUBLAS_CHECK(cublasSetMathMode(
      ctx.cublas.get(), mode == Precision::FP32 ? CUBLAS_PEDANTIC_MATH : CUBLAS_DEFAULT_MATH));
  return ctx;
}

DeviceBuffer upload_f32(Context& ctx, const std::vector<float>& host) {
  DeviceBuffer d(host.size() * sizeof(float));
  if (host.empty()) return d;
  EFFNET_CUDA_CHECK(
      cudaMemcpyAsync(d.get(), host.data(), d.bytes(), cudaMemcpyHostToDevice, ctx.stream.get()));
  EFFNET_CUDA_CHECK(cudaStreamSynchronize(ctx.stream.get()));
  return d;
}

DeviceBuffer upload_values(Context& ctx, const std::vector<float>& host) {
  if (ctx.num.dtype == CUDNN_DATA_FLOAT) return upload_f32(ctx, host);
  DeviceBuffer staging = upload_f32(ctx, host);
  DeviceBuffer d(host.size() * ctx.num.elem_bytes);
  launch_f32_to_f16(staging.as<float>(), d.get(), int64_t(host.size()), ctx.stream.get());
  EFFNET_CUDA_CHECK(cudaStreamSynchronize(ctx.stream.get()));
  return d;
}

std::unique_ptr<Step> make_step(Context& ctx, const Layer& layer, Dims in) {
  switch (layer.kind) {
    case LayerKind::StemConv3x3:
    case LayerKind::Pointwise:
    case LayerKind::Depthwise3x3:
      return std::make_unique<ConvStep>(ctx, layer, in);
    case LayerKind::HeadPool:
      return std::make_unique<HeadPoolStep>(ctx, layer, in);
    case LayerKind::Linear:
      return std::make_unique<LinearStep>(ctx, layer, in);
  }
  layer_error(layer, "unknown layer kind");
}

}  // namespace effnet::cuda_detail
