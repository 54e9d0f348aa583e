#include "backends/logits_check.h"

#include "model/errors.h"
#include "model/nonfinite.h"

namespace effnet::app {
namespace {

// The row of the first non-finite logit, or -1.
int64_t first_nonfinite_row(const Tensor& logits) {
  const int64_t i = first_nonfinite(logits);
  if (i < 0) return -1;
  return logits.rank() == 2 && logits.dim(1) > 0 ? i / logits.dim(1) : 0;
}

std::string nonfinite_text(int64_t row, const std::function<std::string(int64_t)>& row_name) {
  return "logits of input " + std::to_string(row) + " (" + row_name(row) + ") are non-finite (NaN or Inf)";
}

}  // namespace

void check_logits_finite(const Tensor& logits, const std::function<std::string(int64_t)>& row_name) {
  const int64_t row = first_nonfinite_row(logits);
  if (row < 0) return;
  throw ShapeError(nonfinite_text(row, row_name) +
                   ": extreme weights or input values (run() on the same input names the first stage)");
}

void check_logits_finite(Backend& b, const Tensor& x, const Tensor& logits,
                         const std::function<std::string(int64_t)>& row_name) {
  const int64_t row = first_nonfinite_row(logits);
  if (row < 0) return;
  std::string stage;
  try {
    stage = b.first_nonfinite_stage(x);
  } catch (const std::exception& e) {
    stage = "unknown (re-running stage by stage failed: " + std::string(e.what()) + ")";
  }
  if (stage.empty()) stage = "unknown (every stage was finite when re-run one at a time)";
  throw ShapeError(nonfinite_text(row, row_name) + "; first produced by stage " + stage +
                   ", found by re-running stage by stage: extreme weights or input values");
}

}  // namespace effnet::app
