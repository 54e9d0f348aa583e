// The 1x1 conv (LayerKind::Pointwise, kind name "pointwise") on Vulkan: a GEMM
// [M = N*H*W, K = cin] x [K, cout] in shaders/gemm.comp (SCALAR, COOPMAT or COOPMAT2),
// NHWC in and out, bias and activation fused.
// CPU reference: pointwise() in model/cpu_reference.cpp; CUDA: ConvStep in
// cuda_ref/cuda_steps.cpp; tests: tests/test_vk_layers.cpp, test_vk_coopmat.cpp.
#include "model/vk_stage_gemm.h"

namespace effnet {
namespace {

void choose(LayerVariant& v, const Layer& l, const vk::DeviceInfo& d, const GemmChoice& c) {
  set_gemm_dims(v, l);
  // The fp16 C stage applies where the kind table stores this output as fp16.
  const bool fp16_out = storage_bytes(LayerKind::Pointwise, TensorRole::Output, v.precision) == 2;
  choose_gemm_tile(v, l, {v.gemm_m, 1, v.gemm_n, v.gemm_k, false, fp16_out}, d, c);
  v.shader = layer_shader(LayerKind::Pointwise, v.precision, v.coopmat, v.tile.coopmat2);
  v.groups = gemm_row_groups(v, d);
  check_gemm_groups(v, d);
}

DispatchSpec dispatch(const LayerVariant& v, const Layer&, const StageBuffers& b) {
  return gemm_dispatch(v, b);
}

}  // namespace

const LayerStageCode kPointwiseStage{choose, dispatch};

}  // namespace effnet
