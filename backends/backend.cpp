#include "backends/backend.h"

#include "backends/backend_impl.h"
#include "model/errors.h"

namespace effnet::app {

Ticket Backend::submit(const Tensor& x) {
  const int slot = held_.free_slot("submit");
  held_logits_[size_t(slot)] = run(x);
  return held_.issue(slot);
}

Tensor Backend::run(const ImagesU8& x) { return run(images_u8_to_nchw(x, normalize_)); }
Ticket Backend::submit(const ImagesU8& x) { return submit(images_u8_to_nchw(x, normalize_)); }

Tensor Backend::wait(Ticket t) {
  const int slot = held_.slot_of(t, "wait");
  held_.release(t, "wait");
  return std::move(held_logits_[size_t(slot)]);
}

std::vector<std::string> available_backends() {
#ifdef EFFNET_HAVE_CUDA
  return {"vulkan", "cpu", "cuda"};
#else
  return {"vulkan", "cpu"};
#endif
}

std::unique_ptr<Backend> make_backend(const Network& net, const BackendOptions& opts) {
  if (opts.device == "cpu") return make_cpu_backend(net, opts);
  if (opts.device == "vulkan") return make_vulkan_backend(net, opts);
  if (opts.device == "cuda") {
#ifdef EFFNET_HAVE_CUDA
    return make_cuda_backend(net, opts);
#else
    throw UsageError(
        "--device cuda: this binary was built without the CUDA reference path (no CUDA toolkit at configure "
        "time)");
#endif
  }
  throw UsageError("unknown device '" + opts.device + "' (expected vulkan, cpu or cuda)");
}

}  // namespace effnet::app
