// The fully connected layer (LayerKind::Linear, kind name "linear") on Vulkan:
// a GEMM [N, cin] x [cin, cout] in shaders/gemm.comp, [N, C] in and out. Where
// the kind table stores its output wider than its input (fp16: fp32 logits,
// model/layer_kind.h) it runs the -DOUT_F32 variant (layer_shader, vk_stage_code.h).
// CPU reference: linear() in model/cpu_reference.cpp; CUDA: LinearStep in
// cuda_ref/cuda_steps.cpp; tests: tests/test_vk_layers.cpp, test_vk_gemm_epilogue.cpp.
#include "model/vk_stage_gemm.h"

namespace effnet {
namespace {

void choose(LayerVariant& v, const Layer& l, const vk::DeviceInfo& d, const GemmChoice& c) {
  set_gemm_dims(v, l);
  // The fp16 C stage applies where the kind table stores this output as fp16.
  const bool fp16_out = storage_bytes(LayerKind::Linear, TensorRole::Output, v.precision) == 2;
  choose_gemm_tile(v, l, {v.gemm_m, 1, v.gemm_n, v.gemm_k, false, fp16_out}, d, c);
  v.shader = layer_shader(LayerKind::Linear, v.precision, v.coopmat, v.tile.coopmat2);
  v.groups = gemm_row_groups(v, d);
  check_gemm_groups(v, d);
}

DispatchSpec dispatch(const LayerVariant& v, const Layer&, const StageBuffers& b) {
  return gemm_dispatch(v, b);
}

}  // namespace

const LayerStageCode kLinearStage{choose, dispatch};

}  // namespace effnet
