#include <thread>

#include "backends/backend_impl.h"
#include "model/cpu_reference.h"
#include "model/nonfinite.h"

namespace effnet::app {
namespace {

class CpuBackend final : public Backend {
 public:
  CpuBackend(const Network& net, const BackendOptions& opts)
      : Backend(opts.inflight, opts.normalize), net_(net), opts_(opts) {}
  using Backend::run;
  Tensor run(const Tensor& x) override { return cpu_forward(net_, x); }
  std::string device_line() const override {
    return "cpu: reference (float32 data, float64 accumulation, " +
           std::to_string(std::max(1u, std::thread::hardware_concurrency())) + " hardware threads)";
  }
  std::string variant_line() const override { return "fp32 reference (precision flag ignored on cpu)"; }
  std::string first_nonfinite_stage(const Tensor& x) override {
    return first_nonfinite_layer(net_.layers, x, cpu_layer);
  }

 private:
  const Network& net_;
  BackendOptions opts_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const Network& net, const BackendOptions& opts) {
  return std::make_unique<CpuBackend>(net, opts);
}

}  // namespace effnet::app
