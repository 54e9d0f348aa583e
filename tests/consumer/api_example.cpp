// The example of docs/API.md (kept identical by ctest docs.api_example): classify
// one 64x64 image with the trained Fashion-MNIST checkpoint on Vulkan, else the CPU.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "backends/engine.h"

int main(int argc, char** argv) try {
  if (argc < 2) return std::fprintf(stderr, "usage: api_example WEIGHTS [cpu|vulkan]\n"), 2;
  effnet::EngineOptions opt;
  opt.device = argc > 2 ? argv[2] : "vulkan";
  opt.precision = effnet::Precision::FP32;
  effnet::Engine engine(argv[1], opt);
  std::vector<float> image(3 * 64 * 64, 0.5f);  // [1, 3, 64, 64] float32 NCHW, normalised
  const std::vector<float> logits = engine.run(image.data(), 1, 64, 64);
  const long best = std::max_element(logits.begin(), logits.end()) - logits.begin();
  std::printf("%s: class %ld of %d\n", engine.device_line().c_str(), best, engine.classes());
  return 0;
} catch (const std::exception& e) {  // effnet::Error: one line
  std::fprintf(stderr, "api_example: %s\n", e.what());
  return 1;
}
