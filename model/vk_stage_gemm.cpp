#include "model/vk_stage_gemm.h"

#include <algorithm>

#include "shaders/abi.h"
#include "vk_runtime/errors.h"

namespace effnet {
namespace {

uint32_t ceil_div(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

}  // namespace

void set_gemm_dims(LayerVariant& v, const Layer& l) {
  v.gemm = true;
  v.gemm_m = uint32_t(int64_t(v.in.n) * v.in.h * v.in.w);
  v.gemm_n = uint32_t(l.cout);
  v.gemm_k = uint32_t(l.cin);
}

void choose_gemm_tile(LayerVariant& v, const Layer& l, const GemmShape& g, const vk::DeviceInfo& d,
                      const GemmChoice& choice) {
  const auto shapes = gemm_coopmat_shapes(d);
  if (choice.force_coopmat_shape &&
      (v.precision != Precision::FP16 || !choice.allow_coopmat ||
       std::find(shapes.begin(), shapes.end(), *choice.force_coopmat_shape) == shapes.end()))
    throw vk::DeviceError("layer " + l.name + ": forced cooperative-matrix shape " +
                          std::to_string((*choice.force_coopmat_shape)[0]) + "x" +
                          std::to_string((*choice.force_coopmat_shape)[1]) + "x" +
                          std::to_string((*choice.force_coopmat_shape)[2]) + " is not an f16 shape of " +
                          d.name + " (or coopmat is off, or precision is fp32)");
  // COOPMAT2 (opt-in): fp16 pointwise and linear layers on a device with
  // workgroup-scope matrices; the head + pool keeps COOPMAT.
  const bool coopmat2 = v.precision == Precision::FP16 && choice.allow_coopmat && choice.allow_coopmat2 &&
                        d.has_coopmat2 && !g.head_pool &&
                        (v.kind == LayerKind::Pointwise || v.kind == LayerKind::Linear);
  if (choice.force_tile)
    v.tile = *choice.force_tile;
  else if (coopmat2 && !choice.force_coopmat_shape)
    v.tile = coopmat2_tile(g, d);
  else if (v.precision == Precision::FP16 && choice.allow_coopmat && !shapes.empty())
    v.tile =
        coopmat_tile(choice.force_coopmat_shape ? *choice.force_coopmat_shape : least_waste_shape(shapes, g),
                     g, d, choice.epilogue);
  else
    v.tile = scalar_tile(g);
  if (!choice.force_tile && !v.tile.coopmat() && v.tile.shared_bytes(g.head_pool) > d.max_shared_memory)
    v.tile = scalar_tile({32, 1, 32, v.gemm_k, g.head_pool});
  if (v.tile.coopmat() && v.precision != Precision::FP16)
    throw vk::DeviceError("layer " + l.name + ": cooperative-matrix tiles need precision fp16");
  if (v.tile.coopmat2 && v.kind != LayerKind::Pointwise && v.kind != LayerKind::Linear)
    throw vk::DeviceError("layer " + l.name + ": GEMM tile " + v.tile.str() + ": " + kind_name(v.kind) +
                          " has no COOPMAT2 variant");
  check_gemm_tile(v.tile, g.head_pool, d, l.name);
  if (v.tile.epilogue != GemmEpilogue::StageF32 && v.gemm_n % v.tile.cm_n)
    throw vk::DeviceError("layer " + l.name + ": GEMM tile " + v.tile.str() +
                          " starts at the bias, which needs N (" + std::to_string(v.gemm_n) +
                          ") to be a multiple of " + std::to_string(v.tile.cm_n));
  if (v.tile.epilogue == GemmEpilogue::StageF16 && !g.fp16_out)
    throw vk::DeviceError("layer " + l.name + ": GEMM tile " + v.tile.str() + " needs an fp16 output");
  v.coopmat = v.tile.coopmat();
  v.wg_size = v.tile.invocations();
}

std::array<uint32_t, 3> gemm_row_groups(const LayerVariant& v, const vk::DeviceInfo& d) {
  const uint32_t gx = ceil_div(v.gemm_n, v.tile.bn);
  const uint32_t mt = ceil_div(v.gemm_m, v.tile.bm);
  const uint32_t gy = std::min(mt, d.max_workgroup_count[1]);
  return {gx, gy, ceil_div(mt, gy)};
}

void check_gemm_groups(const LayerVariant& v, const vk::DeviceInfo& d) {
  const auto& maxg = d.max_workgroup_count;
  if (v.groups[0] > maxg[0] || v.groups[1] > maxg[1] || v.groups[2] > maxg[2])
    throw vk::DeviceError("layer " + v.layer + ": dispatch grid " + std::to_string(v.groups[0]) + "x" +
                          std::to_string(v.groups[1]) + "x" + std::to_string(v.groups[2]) +
                          " exceeds maxComputeWorkGroupCount of " + d.name);
}

DispatchSpec gemm_dispatch(const LayerVariant& v, const StageBuffers& b) {
  DispatchSpec s;
  s.shader = v.shader;
  s.bindings = layer_bindings(b);
  s.spec.set(EFFNET_SC_WG_SIZE, v.wg_size).set(EFFNET_SC_ACT, act_code(v.act));
  s.spec.set(EFFNET_SC_BM, v.tile.bm).set(EFFNET_SC_BN, v.tile.bn).set(EFFNET_SC_BK, v.tile.bk);
  s.spec.set(EFFNET_SC_TM, v.tile.tm).set(EFFNET_SC_TN, v.tile.tn);
  if (v.tile.coopmat() && !v.tile.coopmat2) {  // COOPMAT2: BM, BN, BK and WG_SIZE only
    s.spec.set(EFFNET_SC_CM_M, v.tile.cm_m).set(EFFNET_SC_CM_N, v.tile.cm_n).set(EFFNET_SC_CM_K, v.tile.cm_k);
    s.spec.set(EFFNET_SC_WARPS_M, v.tile.warps_m).set(EFFNET_SC_WARPS_N, v.tile.warps_n);
    s.spec.set(EFFNET_SC_WARPS_K, v.tile.warps_k).set(EFFNET_SC_EPILOGUE, uint32_t(v.tile.epilogue));
    s.spec.set(EFFNET_SC_STAGES, v.tile.stages);
  }
  if (v.kind == LayerKind::HeadPool)
    s.spec.set(EFFNET_SC_POOL_IMAGES, pool_images(v.tile, uint32_t(v.in.h * v.in.w)));
  s.push = push_words(shaders::GemmPush{v.gemm_m, v.gemm_n, v.gemm_k, uint32_t(v.in.h * v.in.w), 0, 0, 0, 0});
  s.groups = v.groups;
  // COOPMAT: the tile's subgroup split assumes the subgroup size it was made for
  // (COOPMAT2: the driver splits the tile; no size required).
  s.pipeline = {v.tile.coopmat() && !v.tile.coopmat2 ? v.tile.subgroup : 0, {v.wg_size, 1, 1}};
  return s;
}

}  // namespace effnet
