// Which stage of a Vulkan plan produced non-finite values: the plan's stages
// re-run one at a time (each as its own plan, with the same variant), each
// output checked. Slow (a plan per stage); only called after a run whose
// output held a NaN or Inf, so the fast path pays nothing.
#pragma once
#include <string>
#include <vector>

#include "model/network.h"
#include "model/vk_plan.h"

namespace effnet {

// plan: built from `layers` with `opt`; x: the fp32 input plan.run() took (for
// a plan with uint8 input: images_u8_to_nchw of its images, the same values).
// Returns "<stage> (<kind>)" of the first stage whose output holds a NaN or Inf
// ("mbconv3 (fused MBConv block)", "mbconv3.6 (pointwise)"), or "" when none
// does. Throws what VkPlan's constructor and run() throw.
std::string vk_first_nonfinite_stage(vk::Context& ctx, const std::vector<Layer>& layers, const VkPlan& plan,
                                     const VkPlanOptions& opt, const Tensor& x);

}  // namespace effnet
