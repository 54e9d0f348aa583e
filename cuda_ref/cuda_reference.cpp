#include "cuda_ref/cuda_reference.h"

#include <array>
#include <vector>

#include "cuda_ref/cuda_check.h"
#include "cuda_ref/cuda_kernels.h"
#include "cuda_ref/cuda_steps.h"

namespace effnet {

using namespace cuda_detail;

namespace {

// The reference network's layer kinds, in order (network.h).
std::vector<LayerKind> expected_kinds() {
  std::vector<LayerKind> k = {LayerKind::StemConv3x3};
  for (size_t i = 0; i < kMBConv.size(); ++i) {
    k.push_back(LayerKind::Pointwise);
    k.push_back(LayerKind::Depthwise3x3);
    k.push_back(LayerKind::Pointwise);
  }
  k.push_back(LayerKind::HeadPool);
  k.push_back(LayerKind::Linear);
  return k;
}

void check_network(const Network& net) {
  const std::vector<LayerKind> want = expected_kinds();
  if (net.layers.size() != want.size())
    throw ShapeError("CUDA reference: the network has " + std::to_string(net.layers.size()) +
                     " layers, expected " + std::to_string(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    if (net.layers[i].kind != want[i])
      throw ShapeError("CUDA reference: layer " + std::to_string(i) + " (" + net.layers[i].name + ") is " +
                       kind_name(net.layers[i].kind) + ", expected " + kind_name(want[i]));
  for (const Layer& l : net.layers) validate_layer(l);
}

void check_options(const CudaOptions& o) {
  if (o.batch < 1) throw ShapeError("CUDA reference: batch must be >= 1, got " + std::to_string(o.batch));
  if (o.height < kMinImageSize || o.width < kMinImageSize)
    throw ShapeError("CUDA reference: input size " + std::to_string(o.height) + "x" +
                     std::to_string(o.width) + " is below the minimum " + std::to_string(kMinImageSize) +
                     "x" + std::to_string(kMinImageSize));
}

// Throws CudaError unless `device` exists; then makes it current.
void select_device(int device) {
  std::string why;
  if (!cuda_available(&why, device)) throw CudaError("CUDA reference: " + why);
  EFFNET_CUDA_CHECK(cudaSetDevice(device));
}

std::string version_text(int v) {  // cuDNN 9: major * 10000 + minor * 100 + patch
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

// Host layout changes for the per-layer entry in Fp32 (NCHW) mode.
std::vector<float> nhwc_to_nchw(const std::vector<float>& x, int n, int h, int w, int c) {
  std::vector<float> y(x.size());
  for (int b = 0; b < n; ++b)
    for (int i = 0; i < h; ++i)
      for (int j = 0; j < w; ++j)
        for (int k = 0; k < c; ++k)
          y[((size_t(b) * c + k) * h + i) * w + j] = x[((size_t(b) * h + i) * w + j) * c + k];
  return y;
}
std::vector<float> nchw_to_nhwc(const std::vector<float>& x, int n, int c, int h, int w) {
  std::vector<float> y(x.size());
  for (int b = 0; b < n; ++b)
    for (int k = 0; k < c; ++k)
      for (int i = 0; i < h; ++i)
        for (int j = 0; j < w; ++j)
          y[((size_t(b) * h + i) * w + j) * c + k] = x[((size_t(b) * c + k) * h + i) * w + j];
  return y;
}

}  // namespace

bool cuda_available(std::string* why, int device) {
  auto fail = [&](const std::string& msg) {
    if (why) *why = msg;
    return false;
  };
  int count = 0;
  const cudaError_t s = cudaGetDeviceCount(&count);
  if (s != cudaSuccess) {
    (void)cudaGetLastError();  // clear, so later calls do not report it again
    return fail("cudaGetDeviceCount failed: " + cuda_status_text(s));
  }
  if (count == 0) return fail("no CUDA device");
  if (device < 0 || device >= count)
    return fail("CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(count) +
                " device(s))");
  const size_t cudnn = cudnnGetVersion();
  if (cudnn / 10000 != CUDNN_MAJOR)
    return fail("cuDNN " + version_text(int(cudnn)) + " is loaded, but this build needs cuDNN " +
                std::to_string(CUDNN_MAJOR) + ".x");
  return true;
}

std::string cuda_library_versions() {
  int runtime = 0, driver = 0, major = 0, minor = 0, patch = 0;
  EFFNET_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  EFFNET_CUDA_CHECK(cudaDriverGetVersion(&driver));
  EFFNET_CUBLAS_CHECK(cublasGetProperty(MAJOR_VERSION, &major));
  EFFNET_CUBLAS_CHECK(cublasGetProperty(MINOR_VERSION, &minor));
  EFFNET_CUBLAS_CHECK(cublasGetProperty(PATCH_LEVEL, &patch));
  auto cuda_ver = [](int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); };
  return "CUDA runtime " + cuda_ver(runtime) + ", driver API " + cuda_ver(driver) + ", cuDNN " +
         version_text(int(cudnnGetVersion())) + " (built with " + version_text(CUDNN_VERSION) + "), cuBLAS " +
         std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

// ---- CudaReference -------------------------------------------------------------

struct CudaReference::Impl {
  CudaOptions opt;
  int classes = 0;
  Context ctx;
  std::vector<std::unique_ptr<Step>> steps;
  DeviceBuffer input;               // [N, 3, H, W] fp32 NCHW, as the user passes it
  DeviceBuffer staged;              // Fp16: the input as [N, H, W, 3] half
  std::array<DeviceBuffer, 2> act;  // ping-pong activations
  DeviceBuffer workspace, logits;
  size_t workspace_size = 0;
  Event start, stop;
  GraphExec graph;
  std::string graph_note;
  float last_ms = 0.0f;

  // Enqueues the forward from `input` to `logits` on ctx.stream.
  void forward() {
    const void* x = input.get();
    if (opt.mode == Precision::FP16) {
      launch_nchw_f32_to_nhwc_f16(input.as<float>(), staged.get(), opt.batch, kInChannels, opt.height,
                                  opt.width, ctx.stream.get());
      x = staged.get();
    }
    for (size_t i = 0; i < steps.size(); ++i) {
      void* y = i + 1 == steps.size() ? logits.get() : act[i % 2].get();
      steps[i]->run(ctx, x, y, workspace.get(), workspace_size);
      x = y;
    }
  }

  // Captures forward() into a CUDA graph. On failure the forward stays eager
  // and graph_note says why (plan_summary shows it; the tests check it).
  void capture() {
    cudaStream_t s = ctx.stream.get();
    EFFNET_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
    std::string failure;
    try {
      forward();
    } catch (const Error& e) {
      failure = e.what();
    }
    cudaGraph_t g = nullptr;
    const cudaError_t end = cudaStreamEndCapture(s, &g);
    Graph owned(g);
    if (failure.empty() && end != cudaSuccess)
      failure = "cudaStreamEndCapture failed: " + cuda_status_text(end);
    if (failure.empty()) {
      cudaGraphExec_t exec = nullptr;
      const cudaError_t inst = cudaGraphInstantiate(&exec, g, 0);
      if (inst == cudaSuccess) {
        graph = GraphExec(exec);
        graph_note = "CUDA graph: captured once, replayed by every run";
        return;
      }
      failure = "cudaGraphInstantiate failed: " + cuda_status_text(inst);
    }
    (void)cudaGetLastError();
    graph_note = "CUDA graph: off, capture failed (" + failure + "); eager launches";
  }
};

CudaReference::CudaReference(const Network& net, const CudaOptions& opt) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  check_options(opt);
  check_network(net);
  select_device(opt.device);
  m.opt = opt;
  m.classes = net.layers.back().cout;
  m.ctx = make_context(opt.mode);

  Dims d{opt.batch, kInChannels, opt.height, opt.width};
  size_t act_elems = 0;
  for (const Layer& l : net.layers) {
    m.steps.push_back(make_step(m.ctx, l, d));
    d = m.steps.back()->out();
    act_elems = std::max(act_elems, size_t(d.numel()));
    m.workspace_size = std::max(m.workspace_size, m.steps.back()->workspace_bytes());
  }
  const size_t in_elems = size_t(opt.batch) * kInChannels * opt.height * opt.width;
  m.input = DeviceBuffer(in_elems * sizeof(float));
  if (opt.mode == Precision::FP16) m.staged = DeviceBuffer(in_elems * m.ctx.num.elem_bytes);
  for (DeviceBuffer& b : m.act) b = DeviceBuffer(act_elems * m.ctx.num.elem_bytes);
  m.workspace = DeviceBuffer(m.workspace_size);
  m.logits = DeviceBuffer(size_t(opt.batch) * m.classes * sizeof(float));
  m.start = make_event();
  m.stop = make_event();

  // One eager forward on the zero input: every step settles its epilogue, and
  // cuDNN and cuBLAS load their kernels outside any capture.
  m.forward();
  EFFNET_CUDA_CHECK(cudaStreamSynchronize(m.ctx.stream.get()));
  if (opt.mode == Precision::FP16)
    m.capture();
  else
    m.graph_note = "CUDA graph: off (fp32 reference runs eagerly)";
}

CudaReference::~CudaReference() = default;
CudaReference::CudaReference(CudaReference&&) noexcept = default;
CudaReference& CudaReference::operator=(CudaReference&&) noexcept = default;

Tensor CudaReference::run(const Tensor& x) {
  Impl& m = *impl_;
  const std::vector<int64_t> want = {m.opt.batch, kInChannels, m.opt.height, m.opt.width};
  if (x.shape != want)
    throw ShapeError("CUDA reference: input " + shape_str(x.shape) + " does not match the planned " +
                     shape_str(want));
  if (x.data.size() != size_t(x.numel()))
    throw ShapeError("CUDA reference: input holds " + std::to_string(x.data.size()) + " values for shape " +
                     shape_str(x.shape));
  EFFNET_CUDA_CHECK(cudaSetDevice(m.opt.device));
  cudaStream_t s = m.ctx.stream.get();
  EFFNET_CUDA_CHECK(
      cudaMemcpyAsync(m.input.get(), x.data.data(), m.input.bytes(), cudaMemcpyHostToDevice, s));
  EFFNET_CUDA_CHECK(cudaEventRecord(m.start.get(), s));
  if (m.graph)
    EFFNET_CUDA_CHECK(cudaGraphLaunch(m.graph.get(), s));
  else
    m.forward();
  EFFNET_CUDA_CHECK(cudaEventRecord(m.stop.get(), s));
  Tensor y({int64_t(m.opt.batch), int64_t(m.classes)});
  EFFNET_CUDA_CHECK(
      cudaMemcpyAsync(y.data.data(), m.logits.get(), m.logits.bytes(), cudaMemcpyDeviceToHost, s));
  EFFNET_CUDA_CHECK(cudaStreamSynchronize(s));
  EFFNET_CUDA_CHECK(cudaEventElapsedTime(&m.last_ms, m.start.get(), m.stop.get()));
  return y;
}

float CudaReference::last_gpu_ms() const { return impl_->last_ms; }
const CudaOptions& CudaReference::options() const { return impl_->opt; }
int CudaReference::classes() const { return impl_->classes; }
bool CudaReference::uses_graph() const { return bool(impl_->graph); }

std::string CudaReference::device_name() const { return cuda_device_name(impl_->opt.device); }

std::string cuda_device_name(int device) {
  select_device(device);
  cudaDeviceProp p{};
  EFFNET_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  int driver = 0;
  EFFNET_CUDA_CHECK(cudaDriverGetVersion(&driver));
  return std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
         std::to_string(p.multiProcessorCount) + " SMs, " + std::to_string(p.totalGlobalMem >> 20) +
         " MiB, driver API " + std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10) + ")";
}

std::string CudaReference::plan_summary() const {
  const Impl& m = *impl_;
  std::string s = std::string("CUDA reference ") + precision_name(m.opt.mode) + ", input [" +
                  std::to_string(m.opt.batch) + ", 3, " + std::to_string(m.opt.height) + ", " +
                  std::to_string(m.opt.width) + "], " + m.graph_note + "\n";
  for (const auto& st : m.steps) s += "  " + st->describe() + "\n";
  return s;
}

// ---- one layer ------------------------------------------------------------------

Tensor cuda_layer(const Layer& layer, const Tensor& in, Precision mode, int device) {
  const KindInfo& kind = kind_info(layer.kind);
  const bool stem = kind.in == Layout::NCHW;  // fp32 NCHW in: the host layout is cuDNN's
  const bool flat = kind.in == Layout::NC;
  const size_t rank = layout_rank(kind.in);
  const std::string what = "layer " + layer.name + " (" + kind.name + "): input " + shape_str(in.shape);
  if (in.rank() != rank || in.data.size() != size_t(in.numel()))
    throw ShapeError(what + " is not a " + std::to_string(rank) + "-d tensor");
  // Logical [n, c, h, w] of the input, whatever its host layout.
  const ActShape a = layout_shape(kind.in, in.shape, what);
  const int n = a.n, c = a.c, h = a.h, w = a.w;
  // ShapeError before touching the device.
  validate_layer(layer);
  (void)layer_out_shape(layer, ActShape{n, h, w, c});

  select_device(device);
  Context ctx = make_context(mode);
  std::unique_ptr<Step> step = make_step(ctx, layer, Dims{n, c, h, w});
  const Dims o = step->out();

  // The input in the context's layout and dtype.
  DeviceBuffer x;
  if (mode == Precision::FP32) {
    x = upload_f32(ctx, (stem || flat) ? in.data : nhwc_to_nchw(in.data, n, h, w, c));
  } else if (stem) {
    DeviceBuffer staging = upload_f32(ctx, in.data);
    x = DeviceBuffer(in.data.size() * ctx.num.elem_bytes);
    launch_nchw_f32_to_nhwc_f16(staging.as<float>(), x.get(), n, c, h, w, ctx.stream.get());
    EFFNET_CUDA_CHECK(cudaStreamSynchronize(ctx.stream.get()));
  } else {
    x = upload_values(ctx, in.data);
  }

  const size_t out_elems = size_t(o.numel());
  const int out_bytes = storage_bytes(layer.kind, TensorRole::Output, mode);  // Linear: fp32 logits
  DeviceBuffer y(out_elems * size_t(out_bytes));
  DeviceBuffer ws(step->workspace_bytes());
  step->run(ctx, x.get(), y.get(), ws.get(), ws.bytes());

  DeviceBuffer y32;
  const float* result = y.as<float>();
  if (out_bytes == 2) {
    y32 = DeviceBuffer(out_elems * sizeof(float));
    launch_f16_to_f32(y.get(), y32.as<float>(), int64_t(out_elems), ctx.stream.get());
    result = y32.as<float>();
  }
  std::vector<float> host(out_elems);
  EFFNET_CUDA_CHECK(cudaMemcpyAsync(host.data(), result, out_elems * sizeof(float), cudaMemcpyDeviceToHost,
                                    ctx.stream.get()));
  EFFNET_CUDA_CHECK(cudaStreamSynchronize(ctx.stream.get()));

  const std::vector<int64_t> out_dims = layout_dims(kind.out, ActShape{n, o.h, o.w, o.c});
  if (kind.out == Layout::NC) return Tensor(out_dims, std::move(host));
  if (mode == Precision::FP32) host = nchw_to_nhwc(host, n, o.c, o.h, o.w);
  return Tensor(out_dims, std::move(host));
}

}  // namespace effnet
