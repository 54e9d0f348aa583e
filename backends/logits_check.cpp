#include "backends/logits_check.h"

#include "model/errors.h"
#include "model/nonfinite.h"

namespace effnet::app {

void check_logits_finite(Backend& b, const Tensor& x, const Tensor& logits,
                         const std::function<std::string(int64_t)>& row_name) {
  const int64_t i = first_nonfinite(logits);
  if (i < 0) return;
  const int64_t row = logits.rank() == 2 && logits.dim(1) > 0 ? i / logits.dim(1) : 0;
  std::string stage;
  try {
    stage = b.first_nonfinite_stage(x);
  } catch (const std::exception& e) {
    stage = "unknown (re-running stage by stage failed: " + std::string(e.what()) + ")";
  }
  if (stage.empty()) stage = "unknown (every stage was finite when re-run one at a time)";
  throw ShapeError("logits of input " + std::to_string(row) + " (" + row_name(row) +
                   ") are non-finite (NaN or Inf); first produced by stage " + stage +
                   ", found by re-running stage by stage: extreme weights or input values");
}

}  // namespace effnet::app
