// The precision of a forward pass, one type for every backend (CPU reference,
// Vulkan plan, CUDA reference) and the tools.
#pragma once
#include <string>
#include <vector>

namespace effnet {

enum class Precision {
  FP32,  // fp32 storage and arithmetic
  FP16,  // fp16 storage of activations and GEMM weights, fp32 accumulation (biases and logits fp32)
};
const char* precision_name(Precision p);  // "fp32" | "fp16"
// Every precision's name, default first: {"fp16", "fp32"} (command-line choices).
std::vector<std::string> precision_names();
// "fp32" | "fp16"; throws UsageError otherwise.
Precision parse_precision(const std::string& s);

}  // namespace effnet
