// The head 1x1 conv + activation + global average pool (LayerKind::HeadPool,
// kind name "head_pool") on Vulkan: shaders/gemm.comp with -DHEAD_POOL, one
// workgroup row per group of pool_images images (their pixels are the GEMM
// rows), NHWC in, [N, C] out.
// CPU reference: head_pool() in model/cpu_reference.cpp; CUDA: HeadPoolStep in
// cuda_ref/cuda_steps.cpp; tests: tests/test_vk_layers.cpp, test_vk_gemm_epilogue.cpp.
#include "model/vk_stage_gemm.h"

namespace effnet {
namespace {

uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

void choose(LayerVariant& v, const Layer& l, const vk::DeviceInfo& d, const GemmChoice& c) {
  set_gemm_dims(v, l);
  // The fp16 C stage applies where the kind table stores the pooled output as
  // fp16 (the pool then averages the fp16-rounded activations, as an unfused
  // head would store them).
  const bool fp16_out = storage_bytes(LayerKind::HeadPool, TensorRole::Output, v.precision) == 2;
  const uint32_t pixels = uint32_t(v.in.h * v.in.w);
  choose_gemm_tile(v, l, {pixels, uint32_t(v.in.n), v.gemm_n, v.gemm_k, true, fp16_out}, d, c);
  v.shader = layer_shader(LayerKind::HeadPool, v.precision, v.coopmat);
  v.groups = {ceil_div(v.gemm_n, v.tile.bn), ceil_div(uint32_t(v.in.n), pool_images(v.tile, pixels)), 1};
  check_gemm_groups(v, d);
}

DispatchSpec dispatch(const LayerVariant& v, const Layer&, const StageBuffers& b) {
  return gemm_dispatch(v, b);
}

}  // namespace

const LayerStageCode kHeadPoolStage{choose, dispatch};

}  // namespace effnet
