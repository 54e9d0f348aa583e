#include "model/precision.h"

#include "model/errors.h"

namespace effnet {

const char* precision_name(Precision p) { return p == Precision::FP16 ? "fp16" : "fp32"; }

std::vector<std::string> precision_names() {
  return {precision_name(Precision::FP16), precision_name(Precision::FP32)};
}

Precision parse_precision(const std::string& s) {
  if (s == "fp16") return Precision::FP16;
  if (s == "fp32") return Precision::FP32;
  throw UsageError("precision '" + s + "': expected fp16 or fp32");
}

}  // namespace effnet
