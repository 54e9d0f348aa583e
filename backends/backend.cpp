#include "backends/backend.h"

#include "backends/backend_impl.h"
#include "model/errors.h"

namespace effnet::app {

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
