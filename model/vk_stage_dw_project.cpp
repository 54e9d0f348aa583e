// The dw_project stage (StageKind::DwProject, kind name "dw_project"): a
// depthwise 3x3 layer and the pointwise (project) layer after it in one
// dispatch of shaders/gemm.comp -DDW_A. The GEMM's A tile is the depthwise
// output of its rows, computed from the hidden tensor while staging
// (shaders/gemm_dw_a.glsl), so the depthwise output never goes to device
// memory: at batch 256 that saves writing and reading it back (mbconv1: 236 MB
// each way in fp16). CPU reference: depthwise() then pointwise() in
// model/cpu_reference.cpp; tests: tests/test_vk_dw_project.cpp.
#include <algorithm>

#include "model/vk_stage_code.h"
#include "model/vk_stage_gemm.h"
#include "shaders/abi.h"

namespace effnet {

bool dw_project_fuse(const LayerVariant& dw, LayerVariant& pw) {
  if (dw.kind != LayerKind::Depthwise3x3 || pw.kind != LayerKind::Pointwise || !pw.gemm) return false;
  if (pw.tile.coopmat2) return false;  // no DW_A variant of COOPMAT2: the layers stay apart
  // 8-channel chunks of the hidden tensor (16-byte loads in fp16); one column
  // block, or the depthwise would be recomputed for each.
  if (pw.gemm_k % 8 != 0 || pw.gemm_n > pw.tile.bn || pw.in.n != dw.out.n || pw.in.h != dw.out.h ||
      pw.in.w != dw.out.w || pw.in.c != dw.out.c)
    return false;
  pw.shader = dw_project_shader(pw.precision, pw.coopmat);
  return true;
}

std::vector<std::vector<uint8_t>> dw_project_params(const Layer& dw, const Layer& pw, Precision p) {
  std::vector<std::vector<uint8_t>> out = layer_params(pw, p);
  std::vector<uint8_t> wb = depthwise_weight_tap_major(dw), bb(dw.bias.size() * 4);
  std::memcpy(bb.data(), dw.bias.data(), bb.size());
  out.push_back(std::move(wb));
  out.push_back(std::move(bb));
  return out;
}

DispatchSpec dw_project_dispatch(const LayerVariant& dw, const LayerVariant& pw, const Layer& dw_layer,
                                 const StageBuffers& b) {
  DispatchSpec s = gemm_dispatch(pw, b);
  s.bindings.resize(EFFNET_DW_PROJECT_BINDING_COUNT);
  s.bindings[EFFNET_BIND_DW_WEIGHT] = {b.params.at(2), false};
  s.bindings[EFFNET_BIND_DW_BIAS] = {b.params.at(3), false};
  s.spec.set(EFFNET_SC_DW_ACT, act_code(dw.act));
  s.push = push_words(shaders::GemmPush{pw.gemm_m, pw.gemm_n, pw.gemm_k, uint32_t(dw.out.h * dw.out.w),
                                        uint32_t(dw.in.h), uint32_t(dw.in.w), uint32_t(dw.out.w),
                                        uint32_t(dw_layer.stride)});
  return s;
}

}  // namespace effnet
