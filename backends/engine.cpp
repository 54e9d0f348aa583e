#include "backends/engine.h"

#include <cstring>

#include "backends/backend.h"
#include "backends/logits_check.h"
#include "model/arch.h"
#include "model/errors.h"
#include "model/network_input.h"
#include "model/nonfinite.h"
#include "model/weights.h"

namespace effnet {

struct Engine::Impl {
  EngineOptions opt;
  Network net;
  std::unique_ptr<app::Backend> backend;  // planned for `shape`
  std::vector<int64_t> shape;
  bool u8 = false;  // the backend takes uint8 images
  // Engine tickets are the backend's ids plus `base`, the last id issued
  // before the backend was replaced: ids never repeat across plans.
  uint64_t base = 0, last = 0;
  // The backend for x's shape (checked), planned when the shape is new.
  app::Backend& backend_for(const Tensor& x);
  app::Backend& backend_for(const ImagesU8& x);
  // The backend for an input of shape s (NCHW; uint8: NHWC), planned when new.
  app::Backend& backend_for(const std::vector<int64_t>& s, bool input_u8);
};

app::Backend& Engine::Impl::backend_for(const Tensor& x) {
  check_network_input(x);  // shape and finite values, as effnet-infer checks its --input
  return backend_for(x.shape, false);
}

app::Backend& Engine::Impl::backend_for(const ImagesU8& x) {
  check_network_input(x);
  return backend_for(x.shape(), true);
}

app::Backend& Engine::Impl::backend_for(const std::vector<int64_t>& s, bool input_u8) {
  if (backend && shape == s && u8 == input_u8) return *backend;
  const auto what = [](const std::vector<int64_t>& d, bool b) { return (b ? "uint8 " : "") + shape_str(d); };
  if (backend && backend->outstanding() > 0)
    throw TicketError("Engine: input " + what(s, input_u8) + " while " +
                      std::to_string(backend->outstanding()) + " batch(es) of " + what(shape, u8) +
                      " are in flight: wait for them first");
  app::BackendOptions bo;
  bo.device = opt.device;
  bo.precision = opt.precision;
  bo.gpu = opt.gpu;
  bo.allow_coopmat = opt.allow_coopmat;
  bo.fuse = opt.fuse;
  bo.inflight = opt.inflight;
  bo.batch = int(s[0]);
  bo.height = int(input_u8 ? s[1] : s[2]);
  bo.width = int(input_u8 ? s[2] : s[3]);
  bo.input_u8 = input_u8;
  bo.normalize = opt.normalize;
  bo.context.gpu = opt.gpu;
  bo.context.pipeline_cache_file = opt.pipeline_cache_file;
  backend.reset();  // one device context at a time
  base = last;
  backend = app::make_backend(net, bo);
  shape = s;
  u8 = input_u8;
  return *backend;
}

Engine::Engine(const std::string& weights, const EngineOptions& options) : impl_(std::make_unique<Impl>()) {
  if (options.inflight < 1 || options.inflight > 4)
    throw UsageError("EngineOptions::inflight " + std::to_string(options.inflight) + ": must be 1..4");
  impl_->opt = options;
  impl_->net = weights.empty() ? random_network(0, kDefaultClasses) : load_network(weights);
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Tensor Engine::run(const Tensor& x) {
  app::Backend& b = impl_->backend_for(x);
  Tensor y = b.run(x);
  app::check_logits_finite(b, x, y, [](int64_t row) { return "row " + std::to_string(row); });
  return y;
}

Tensor Engine::run(const ImagesU8& x) {
  app::Backend& b = impl_->backend_for(x);
  Tensor y = b.run(x);
  if (first_nonfinite(y) >= 0)  // name the stage: re-run the same values as float32
    app::check_logits_finite(b, images_u8_to_nchw(x, impl_->opt.normalize), y,
                             [](int64_t row) { return "row " + std::to_string(row); });
  return y;
}

Ticket Engine::submit(const ImagesU8& x) {
  Impl& p = *impl_;
  const Ticket t = p.backend_for(x).submit(x);
  p.last = p.base + t.id;
  return Ticket{p.last};
}

Ticket Engine::submit(const Tensor& x) {
  Impl& p = *impl_;
  const Ticket t = p.backend_for(x).submit(x);
  p.last = p.base + t.id;
  return Ticket{p.last};
}

Tensor Engine::wait(Ticket t) {
  Impl& p = *impl_;
  if (t.id == 0 || t.id > p.last)
    throw TicketError("Engine::wait: ticket " + std::to_string(t.id) + " was never issued");
  if (t.id <= p.base)
    throw TicketError("Engine::wait: ticket " + std::to_string(t.id) + " was waited already");
  Tensor y = p.backend->wait(Ticket{t.id - p.base});
  app::check_logits_finite(y, [](int64_t row) { return "row " + std::to_string(row); });
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
