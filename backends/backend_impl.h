// Factories of the concrete backends (private to backends/).
#pragma once
#include "backends/backend.h"

namespace effnet::app {
std::unique_ptr<Backend> make_cpu_backend(const Network& net, const BackendOptions& opts);
std::unique_ptr<Backend> make_vulkan_backend(const Network& net, const BackendOptions& opts);
#ifdef EFFNET_HAVE_CUDA
std::unique_ptr<Backend> make_cuda_backend(const Network& net, const BackendOptions& opts);
#endif
}  // namespace effnet::app
