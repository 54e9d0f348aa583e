#include "backends/backend_impl.h"
#include "cuda_ref/cuda_reference.h"
#include "model/fp16_range.h"
#include "model/nonfinite.h"

namespace effnet::app {
namespace {

class CudaBackend final : public Backend {
 public:
  CudaBackend(const Network& net, const BackendOptions& o)
      : Backend(o.inflight, o.normalize),
        net_(checked(net, o.precision)),
        ref_(net, CudaOptions{o.batch, o.height, o.width, o.precision, o.gpu < 0 ? 0 : o.gpu}),
        precision_(o.precision),
        device_(o.gpu < 0 ? 0 : o.gpu) {}
  using Backend::run;
  Tensor run(const Tensor& x) override { return ref_.run(x); }
  std::string device_line() const override {
    return "cuda: " + ref_.device_name() + ", " + cuda_library_versions();
  }
  std::string variant_line() const override {
    return ref_.options().mode == Precision::FP32
               ? "fp32 reference (cuDNN FMA math, no TF32; cuBLAS pedantic), eager"
               : std::string("fp16 NHWC tensor cores (cuDNN, cuBLAS), ") +
                     (ref_.uses_graph() ? "CUDA graph replay" : "eager (graph capture failed)");
  }
  nlohmann::json variant_json() const override {
    nlohmann::json a = nlohmann::json::array();
    std::string s = ref_.plan_summary(), line;
    for (char c : s + "\n") {
      if (c != '\n') {
        line += c;
      } else if (!line.empty()) {
        a.push_back(line);
        line.clear();
      }
    }
    return a;
  }
  double last_gpu_ms() const override { return ref_.last_gpu_ms(); }
  std::string first_nonfinite_stage(const Tensor& x) override {
    return first_nonfinite_layer(net_.layers, x, [&](const Layer& l, const Tensor& in) {
      return cuda_layer(l, in, precision_, device_);
    });
  }

 private:
  // fp16 stores every weight and conv bias as half (cuda_ref/cuda_steps.cpp):
  // a value that overflows it fails here, naming the tensor.
  static const Network& checked(const Network& net, Precision p) {
    if (p == Precision::FP16)
      for (const Layer& l : net.layers) check_fp16_layer(l, l.kind != LayerKind::Linear);
    return net;
  }
  const Network& net_;
  CudaReference ref_;
  Precision precision_;
  int device_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(const Network& net, const BackendOptions& opts) {
  return std::make_unique<CudaBackend>(net, opts);
}

}  // namespace effnet::app
