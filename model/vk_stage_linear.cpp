// The fully connected layer (LayerKind::Linear, kind name "linear") on Vulkan:
// a GEMM [N, cin] x [cin, cout] in shaders/gemm.comp, [N, C] in and out. Where
// the kind table stores its output wider than its input (fp16: fp32 logits,
// model/layer_kind.h) it runs the -DOUT_F32 variant.
// CPU reference: linear() in model/cpu_reference.cpp; CUDA: LinearStep in
// cuda_ref/cuda_steps.cpp; tests: tests/test_vk_layers.cpp, test_vk_gemm_epilogue.cpp.
#include "model/vk_stage_gemm.h"
#include "shaders/variant_names.h"

namespace effnet {
namespace {

void choose(LayerVariant& v, const Layer& l, const vk::DeviceInfo& d, const GemmChoice& c) {
  namespace sv = shaders::variant;
  set_gemm_dims(v, l);
  const Precision p = v.precision;
  const bool out_f32 = storage_bytes(LayerKind::Linear, TensorRole::Output, p) >
                       storage_bytes(LayerKind::Linear, TensorRole::Input, p);
  choose_gemm_tile(v, l, {v.gemm_m, 1, v.gemm_n, v.gemm_k, false, p == Precision::FP16 && !out_f32}, d, c);
  if (p == Precision::FP32)
    v.shader = out_f32 ? sv::gemm_out_f32_fp32 : sv::gemm_fp32;
  else if (v.coopmat)
    v.shader = out_f32 ? sv::gemm_out_f32_coopmat_fp16 : sv::gemm_coopmat_fp16;
  else
    v.shader = out_f32 ? sv::gemm_out_f32_fp16 : sv::gemm_fp16;
  v.groups = gemm_row_groups(v, d);
  check_gemm_groups(v, d);
}

DispatchSpec dispatch(const LayerVariant& v, const Layer&, const StageBuffers& b) {
  return gemm_dispatch(v, b);
}

}  // namespace

const LayerStageCode kLinearStage{choose, dispatch};

}  // namespace effnet
