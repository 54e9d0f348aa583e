// The check of a run's logits: free when they are finite; otherwise the
// backend re-runs the input stage by stage to name where NaN or Inf began.
#pragma once
#include <functional>
#include <string>

#include "backends/backend.h"

namespace effnet::app {

// Nothing when every logit is finite. Otherwise throws ShapeError (exit 4)
// "logits of input <row> (<row_name(row)>) are non-finite (NaN or Inf); first
// produced by stage <stage>, ...", the stage from b.first_nonfinite_stage(x)
// (an error while re-running is reported in the message, not thrown).
// x: the input b.run() took; logits: its [N, classes] result.
void check_logits_finite(Backend& b, const Tensor& x, const Tensor& logits,
                         const std::function<std::string(int64_t)>& row_name);
// The same where the input is gone (an asynchronous wait): the message says
// that run() on that input names the stage.
void check_logits_finite(const Tensor& logits, const std::function<std::string(int64_t)>& row_name);

}  // namespace effnet::app
