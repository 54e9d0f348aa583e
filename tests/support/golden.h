// The PyTorch golden cases of tests/data (tools/make_golden.py).
#pragma once
#include <string>

namespace effnet::test {

// Relative L2 of PyTorch's own fp16 forward against its float64 forward on a
// golden case ("photo" or "rand"), read from tests/data/golden_meta.json.
// Throws std::runtime_error when the file or the entry is missing.
double torch_fp16_rel_l2(const std::string& golden_case);

// Bound of an fp16 end-to-end result against the golden logits of a case:
// at least as accurate as PyTorch's own fp16 on that input, and within
// kTolFp16 where PyTorch is (tolerances.h says why).
double golden_fp16_tol(const std::string& golden_case);

}  // namespace effnet::test
