// The tolerance table of the cross-backend tests: the one place that says how
// close two backends must be (DESIGN.md "Validation chain").
//
// Metric: relative L2 error ||y - ref||_2 / ||ref||_2 over the whole tensor,
// accumulated in float64 (test_util.h rel_l2). A comparison uses the
// tolerance of the less precise of its two sides.
//
// Per-layer fp16 comparisons use kTolFp16; end-to-end ones see below.
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
// fp16 storage with fp32 accumulation (CUDA fp16, Vulkan fp16), one layer
// (or a few): fp16 rounding of the input and output alone costs ~3.3e-4 per
// layer (CUDA fp16 vs CPU on every layer, H200).
inline constexpr double kTolFp16 = 2e-3;
// fp16 storage, the whole 24-layer network. The 2e-3 end to end is
// below what fp16 storage reaches on this network with realistic BatchNorm
// statistics: the rounding of 23 stored activations adds up and the plain
// (residual-free) network amplifies early rounding. Evidence: PyTorch's own
// fp16 forward is 1.7e-3 (photo) and 2.8e-3 (rand 112x112) off float64
// (tests/data/golden_meta.json); a CPU simulation that only rounds weights and
// activations to fp16 gives 2.3e-3 on the rand case and 4.5e-3 on
// random_network(7) at 67x45. So:
//  - against the PyTorch golden logits, effnet-vk's fp16 must be at least as
//    accurate as PyTorch's own fp16 on the same input, and within kTolFp16
//    wherever PyTorch's fp16 is: golden_fp16_tol() (tests/support/golden.h);
//  - our fp16 end to end on random networks (no PyTorch value to compare with):
inline constexpr double kTolFp16Network = 5e-3;
// cuDNN's fp16 path (the CUDA performance peer, not our arithmetic) rounds more
// often (separate clip pass, fp16 between steps): 1.8e-3 .. 2.2e-3 at 224-240
// and up to 5.8e-3 at 96x96 on random weights (H200), 3.0e-3 on golden rand.
inline constexpr double kTolCudnnFp16Network = 1e-2;
// The factor of the top-1 rule above.
inline constexpr double kTop1MarginFactor = 2.0;

}  // namespace effnet::test
