// Uses the installed effnet_vk package: the CPU reference and, where a Vulkan
// device exists, a VkPlan on one 64x64 input. Prints the top-1 class of each.
// Usage: effnet_consumer [weights.safetensors]   (default: built-in random weights)
#include <algorithm>
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "model/cpu_reference.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "vk_runtime/context.h"

static long top1(const effnet::Tensor& t) {
  return std::max_element(t.data.begin(), t.data.end()) - t.data.begin();
}

int main(int argc, char** argv) try {
  const effnet::Network net = argc > 1 ? effnet::load_network(argv[1]) : effnet::random_network(1);
  effnet::Tensor x({1, 3, 64, 64});
  for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = float(i % 251) / 250.0f;
  const long cpu = top1(effnet::cpu_forward(net, x));
  std::printf("cpu top-1: %ld\n", cpu);
  try {
    if (effnet::vk::list_devices().empty()) throw std::runtime_error("no device");
  } catch (const std::exception& e) {
    return std::printf("no Vulkan: %s\n", e.what()), 0;
  }
  effnet::vk::Context ctx(effnet::vk::ContextOptions{});  // the default device, no cache file
  effnet::VkPlanOptions opt;
  opt.height = opt.width = 64;
  opt.precision = effnet::Precision::FP32;
  effnet::VkPlan plan(ctx, net, opt);
  const long vk = top1(plan.run(x));
  std::printf("vulkan top-1: %ld (%s)\n", vk, ctx.info().name.c_str());
  return vk == cpu ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "effnet_consumer: %s\n", e.what());
  return 1;
}
