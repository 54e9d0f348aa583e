#include "model/precision.h"

#include "model/errors.h"

namespace effnet {

const char* precision_name(Precision p) { return p == Precision::FP16 ? "fp16" : "fp32"; }

Precision parse_precision(const std::string& s) {
  if (s == "fp16") return Precision::FP16;
  if (s == "fp32") return Precision::FP32;
  throw UsageError("precision '" + s + "': expected fp16 or fp32");
}

}  // namespace effnet
