// The depthwise 3x3 conv (LayerKind::Depthwise3x3, kind name "depthwise")
// on Vulkan: shaders/depthwise.comp, NHWC in and out.
// CPU reference: depthwise() in model/cpu_reference.cpp; CUDA: ConvStep in
// cuda_ref/cuda_steps.cpp; tests: tests/test_vk_layers.cpp.
#include <algorithm>

#include "model/vk_stage_code.h"
#include "shaders/abi.h"
#include "vk_runtime/errors.h"

namespace effnet {
namespace {

// 4 channels per invocation (fewer when C is not a multiple of 4) and 4
// output pixels along W (fewer when Wo < 4), their input columns shared in
// registers; a grid-stride loop. Measured on the H200 (docs/PERFORMANCE.md,
// "Depthwise and stem"): fp16 4 x 4 matched or beat 8 channels (16-byte loads)
// and 1, 2 or 8 pixels on every layer of the network (within 0.5 us), small ones too.
void choose(LayerVariant& v, const Layer& l, const vk::DeviceInfo& d, const GemmChoice& choice) {
  v.shader = layer_shader(LayerKind::Depthwise3x3, v.precision, false);
  v.wg_size = std::min<uint32_t>(256, d.max_workgroup_invocations);
  const uint64_t c = uint64_t(v.out.c);
  v.vec = c % 4 == 0 ? 4 : c % 2 == 0 ? 2 : 1;
  v.pix = uint32_t(std::min<uint64_t>(4, uint64_t(v.out.w)));
  v.rows = 1;
  if (const auto& t = choice.depthwise_tile) {
    if (t->coopmat)
      throw vk::DeviceError("layer " + l.name +
                            ": depthwise tile coopmat: only the stem has a cooperative-matrix "
                            "variant");
    // shaders/depthwise.comp: VEC in {1, 2, 4, 8} dividing C; ROWS * PIX * VEC <= 32 accumulators.
    if ((t->vec != 1 && t->vec != 2 && t->vec != 4 && t->vec != 8) || c % t->vec ||
        uint64_t(t->rows) * t->pix * t->vec > 32)
      throw vk::DeviceError("layer " + l.name + ": depthwise tile " + t->str() +
                            " needs VEC 1, 2, 4 or 8 dividing " + std::to_string(c) +
                            " channels and VEC * PIX * ROWS <= 32");
    v.vec = t->vec;
    v.pix = t->pix;
    v.rows = t->rows;
  }
  const uint64_t invocations = uint64_t(v.out.n) * ((uint64_t(v.out.h) + v.rows - 1) / v.rows) *
                               ((uint64_t(v.out.w) + v.pix - 1) / v.pix) * (c / v.vec);
  v.groups = grid_stride_groups(invocations, v.wg_size, d);
}

DispatchSpec dispatch(const LayerVariant& v, const Layer& l, const StageBuffers& b) {
  return conv_dispatch(v, l, b);
}

}  // namespace

const LayerStageCode kDepthwiseStage{choose, dispatch};

}  // namespace effnet
