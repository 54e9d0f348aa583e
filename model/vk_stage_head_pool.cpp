// The head 1x1 conv + activation + global average pool (LayerKind::HeadPool,
// kind name "head_pool") on Vulkan: shaders/gemm.comp with -DHEAD_POOL, one
// workgroup column per image (its pixels are the GEMM rows), NHWC in, [N, C] out.
// CPU reference: head_pool() in model/cpu_reference.cpp; CUDA: HeadPoolStep in
// cuda_ref/cuda_steps.cpp; tests: tests/test_vk_layers.cpp, test_vk_gemm_epilogue.cpp.
#include "model/vk_stage_gemm.h"

namespace effnet {
namespace {

uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

void choose(LayerVariant& v, const Layer& l, const vk::DeviceInfo& d, const GemmChoice& c) {
  set_gemm_dims(v, l);
  choose_gemm_tile(v, l, {uint32_t(v.in.h * v.in.w), uint32_t(v.in.n), v.gemm_n, v.gemm_k, true}, d, c);
  v.shader = layer_shader(LayerKind::HeadPool, v.precision, v.coopmat);
  v.groups = {ceil_div(v.gemm_n, v.tile.bn), uint32_t(v.in.n), 1};
  check_gemm_groups(v, d);
}

DispatchSpec dispatch(const LayerVariant& v, const Layer&, const StageBuffers& b) {
  return gemm_dispatch(v, b);
}

}  // namespace

const LayerStageCode kHeadPoolStage{choose, dispatch};

}  // namespace effnet
