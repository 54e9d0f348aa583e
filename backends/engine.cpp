#include "backends/engine.h"

#include <cstring>

#include "backends/backend.h"
#include "backends/logits_check.h"
#include "model/arch.h"
#include "model/errors.h"
#include "model/network_input.h"
#include "model/weights.h"

namespace effnet {

struct Engine::Impl {
  EngineOptions opt;
  Network net;
  std::unique_ptr<app::Backend> backend;  // planned for `shape`
  std::vector<int64_t> shape;
};

Engine::Engine(const std::string& weights, const EngineOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->opt = options;
  impl_->net = weights.empty() ? random_network(0, kDefaultClasses) : load_network(weights);
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Tensor Engine::run(const Tensor& x) {
  Impl& p = *impl_;
  check_network_input(x);  // shape and finite values, as effnet-infer checks its --input
  const auto& s = x.shape;
  if (!p.backend || p.shape != s) {
    app::BackendOptions bo;
    bo.device = p.opt.device;
    bo.precision = p.opt.precision;
    bo.gpu = p.opt.gpu;
    bo.allow_coopmat = p.opt.allow_coopmat;
    bo.fuse = p.opt.fuse;
    bo.batch = int(s[0]);
    bo.height = int(s[2]);
    bo.width = int(s[3]);
    bo.context.gpu = p.opt.gpu;
    bo.context.pipeline_cache_file = p.opt.pipeline_cache_file;
    p.backend.reset();  // one device context at a time
    p.backend = app::make_backend(p.net, bo);
    p.shape = s;
  }
  Tensor y = p.backend->run(x);
  app::check_logits_finite(*p.backend, x, y, [](int64_t row) { return "row " + std::to_string(row); });
  return y;
}

std::vector<float> Engine::run(const float* nchw, int n, int h, int w) {
  if (!nchw) throw ShapeError("Engine::run: null input pointer");
  if (n < 1 || h < 1 || w < 1) throw ShapeError("Engine::run: n, h, w must be >= 1");
  Tensor x({n, kInChannels, h, w});
  std::memcpy(x.data.data(), nchw, x.data.size() * sizeof(float));
  return run(x).data;
}

int Engine::classes() const { return impl_->net.classes; }
std::string Engine::device_line() const { return impl_->backend ? impl_->backend->device_line() : ""; }
std::string Engine::variant_line() const { return impl_->backend ? impl_->backend->variant_line() : ""; }

}  // namespace effnet
