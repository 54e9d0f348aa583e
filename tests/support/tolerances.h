// The tolerance table of the cross-backend tests: the one place that says how
// close two backends must be (DESIGN.md "Validation chain").
//
// Metric: relative L2 error ||y - ref||_2 / ||ref||_2 over the whole tensor,
// accumulated in float64 (test_util.h rel_l2). A comparison uses the
// tolerance of the less precise of its two sides.
//
// Top-1 rule (for [N, C] outputs such as logits): row i of the reference must
// have the same arg-max in y whenever its top-2 margin is larger than what an
// error within tolerance could close:
//     margin_i = ref[i, top1] - ref[i, top2]  >  2 * tol * ||ref[i, :]||_2
// (if row i's own error is at most tol * ||ref[i, :]||_2, no logit moves by
// more than that, so the gap shrinks by at most twice that). Rows with a
// smaller margin are near-ties: their agreement is reported, not required.
#pragma once

namespace effnet::test {

// fp32 storage and arithmetic (CPU reference, CUDA fp32, Vulkan fp32).
inline constexpr double kTolFp32 = 1e-5;
// fp16 storage with fp32 accumulation (CUDA fp16, Vulkan fp16).
// PyTorch's own fp16 forward reaches 5e-4 to 1.7e-3 on the golden cases.
inline constexpr double kTolFp16 = 2e-3;
// The factor of the top-1 rule above.
inline constexpr double kTop1MarginFactor = 2.0;

}  // namespace effnet::test
