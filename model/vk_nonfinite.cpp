#include "model/vk_nonfinite.h"

#include "model/nonfinite.h"

namespace effnet {

std::string vk_first_nonfinite_stage(vk::Context& ctx, const std::vector<Layer>& layers, const VkPlan& plan,
                                     const VkPlanOptions& opt, const Tensor& x) {
  Tensor cur = x;
  for (const Stage& st : plan.stages()) {
    const std::vector<Layer> sub(layers.begin() + long(st.first), layers.begin() + long(st.first + st.count));
    // The same variant as in the plan: a fused block with its tile, or the single layer.
    VkPlanOptions o = opt;
    o.fuse = st.mbconv ? FusePolicy::Always : FusePolicy::Never;
    o.force_mbconv_tile = st.mbconv ? std::optional<MBConvTile>(st.mbconv->tile) : std::nullopt;
    o.profile_layers = false;
    o.inflight = 1;  // one run: no second input buffer
    o.input = InputFormat::F32NCHW;
    VkPlan one(ctx, sub, layout_dims(kind_info(sub.front().kind).in, st.in), o);
    cur = one.run(cur);
    if (first_nonfinite(cur) >= 0)
      return st.name + " (" + (st.mbconv ? std::string("fused MBConv block") : kind_name(sub.front().kind)) +
             ")";
  }
  return "";
}

}  // namespace effnet
