// The fused MBConv stages on Vulkan (expand, depthwise, project in one
// dispatch: shaders/mbconv.comp; a split block adds mbconv_reduce.comp; the
// expand_dw stage: expand and depthwise, mbconv.comp -DEXPAND_DW): the
// variant (tile, chunk, split) is decided in model/vk_mbconv.cpp; this file
// maps it to bindings, specialization constants, push constants and shaders.
// CPU reference: the three layers' (model/cpu_reference.cpp); tests:
// tests/test_vk_mbconv.cpp.
#include <algorithm>

#include "model/vk_stage_code.h"
#include "shaders/abi.h"

namespace effnet {

std::vector<std::vector<uint8_t>> mbconv_params(const Layer& expand, const Layer& depthwise,
                                                const Layer& project, const MBConvVariant& v) {
  MBConvWeights w = pack_mbconv(expand, depthwise, project, v);
  std::vector<std::vector<uint8_t>> out;
  out.push_back(std::move(w.expand));
  out.push_back(std::move(w.vectors));
  if (v.project) out.push_back(std::move(w.project));  // expand_dw: none
  return out;
}

std::vector<DispatchSpec> mbconv_dispatches(const MBConvVariant& v, const StageBuffers& b,
                                            const vk::DeviceInfo& d, uint32_t skip) {
  const vk::Buffer &we = *b.params.at(0), &vec = *b.params.at(1);
  const vk::Buffer& wp = v.project ? *b.params.at(2) : *b.dummy;
  const bool split = v.tile.split > 1 && v.project;  // expand_dw slices store their own channels
  std::vector<DispatchSpec> out;
  DispatchSpec m;
  m.shader = v.shader;
  m.bindings.resize(EFFNET_MBCONV_BINDING_COUNT);
  m.bindings[EFFNET_BIND_IN] = {b.in, false};
  m.bindings[EFFNET_BIND_WEIGHT] = {&we, false};
  m.bindings[EFFNET_BIND_BIAS] = {&vec, false};
  m.bindings[EFFNET_BIND_OUT] = {split ? b.dummy : b.out, !split};
  m.bindings[EFFNET_BIND_WEIGHT2] = {&wp, false};
  m.bindings[EFFNET_BIND_PARTIAL] = {split ? b.partial : b.dummy, split};
  vk::SpecConstants& sc = m.spec;
  sc.set(EFFNET_SC_WG_SIZE, v.wg_size).set(EFFNET_SC_STRIDE, uint32_t(v.stride));
  sc.set(EFFNET_SC_TILE_H, v.tile.th).set(EFFNET_SC_TILE_W, v.tile.tw).set(EFFNET_SC_CIN, v.cin_pack);
  sc.set(EFFNET_SC_HC, v.tile.hc).set(EFFNET_SC_HIDDEN, v.hidden_pad).set(EFFNET_SC_COUT, v.cout_pack);
  sc.set(EFFNET_SC_SPLIT, v.tile.split).set(EFFNET_SC_SUBGROUPS, v.subgroups);
  if (skip) sc.set(EFFNET_SC_SKIP, skip);
  m.push =
      push_words(shaders::MBConvPush{uint32_t(v.in.n), uint32_t(v.in.h), uint32_t(v.in.w), uint32_t(v.out.h),
                                     uint32_t(v.out.w), uint32_t(v.cin), uint32_t(v.cout), v.tiles_x});
  m.groups = v.groups;
  // COOPMAT: the subgroup count is a specialization constant, so the subgroup
  // size the plan assumed is required.
  const uint32_t sg = v.coopmat ? v.wg_size / v.subgroups : 0;
  m.pipeline = {sg, {v.wg_size, 1, 1}};
  out.push_back(std::move(m));
  if (split) {
    DispatchSpec r;
    r.shader = mbconv_reduce_shader(v.precision);
    r.bindings.resize(EFFNET_BINDING_COUNT);
    r.bindings[EFFNET_BIND_IN] = {b.partial, false};
    r.bindings[EFFNET_BIND_WEIGHT] = {b.dummy, false};
    r.bindings[EFFNET_BIND_BIAS] = {b.dummy, false};
    r.bindings[EFFNET_BIND_OUT] = {b.out, true};
    const uint32_t wg = std::min(256u, d.max_workgroup_invocations);
    r.spec.set(EFFNET_SC_WG_SIZE, wg).set(EFFNET_SC_TILE_H, v.tile.th).set(EFFNET_SC_TILE_W, v.tile.tw);
    r.spec.set(EFFNET_SC_COUT, v.cout_pack).set(EFFNET_SC_SPLIT, v.tile.split);
    r.push = out.front().push;  // the reduction takes the same block
    r.groups = {
        std::min<uint32_t>(uint32_t((uint64_t(v.out.numel()) + wg - 1) / wg), d.max_workgroup_count[0]), 1,
        1};
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace effnet
