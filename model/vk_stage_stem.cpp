// The stem (LayerKind::StemConv3x3, kind name "stem") on Vulkan:
// shaders/stem_conv.comp reads the fp32 NCHW network input (or, -DINPUT_U8,
// uint8 NHWC images and the normalisation table) and writes NHWC.
// CPU reference: stem() in model/cpu_reference.cpp; CUDA: ConvStep in
// cuda_ref/cuda_steps.cpp; tests: tests/test_vk_layers.cpp.
#include <algorithm>

#include "model/errors.h"
#include "model/fp16_range.h"
#include "model/vk_stage_code.h"
#include "shaders/abi.h"
#include "vk_runtime/errors.h"

namespace effnet {
namespace {

// 16 output channels of a pixel per invocation (two invocations per pixel of
// the network's 32-channel stem), the weights staged in shared memory as vec4
// [cin][3][3][ceil(cout / 4)]; a grid-stride loop over the pixels. Measured on
// the H200 at batch 256 (`effnet-bench layers --stem-tile`, docs/PERFORMANCE.md
// "Stem and depthwise invocation tiles"): 16 x 1 344 us, 32 x 1 384, 32 x 2 370,
// 16 x 2 355, 8 x 4 376, 8 x 1 514.
//
// COOPMAT (ConvTile::coopmat, chosen only when forced or tuned: not yet
// measured against the FMA tiles; shaders/stem_coopmat.glsl): 4 subgroups per
// workgroup, each a grid-stride loop over blocks of 16 output pixels. Blocks
// per subgroup: blocks / 2048, clamped to 1..8, so the weights (staged once per
// workgroup) are amortised over 8 blocks at batch 256 (7200 workgroups) while
// batch 1 still spreads its 900 blocks over 225 workgroups.
void choose_coopmat(LayerVariant& v, const Layer& l, const vk::DeviceInfo& d) {
  const std::string what = "layer " + l.name + ": the cooperative-matrix stem";
  if (v.precision != Precision::FP16) throw vk::DeviceError(what + " runs in fp16 only");
  const auto shapes = gemm_coopmat_shapes(d);
  if (std::find(shapes.begin(), shapes.end(), std::array<uint32_t, 3>{16, 16, 16}) == shapes.end())
    throw vk::DeviceError(what + " needs 16x16x16 f16 x f16 -> f32 cooperative matrices, which " + d.name +
                          " does not report");
  if (l.cout % 16 || l.cout > 64 || l.cin * 9 > 64)
    throw vk::DeviceError(what +
                          " needs output channels a multiple of 16 up to 64 and at most 7 input "
                          "channels (has " +
                          std::to_string(l.cin) + " -> " + std::to_string(l.cout) + ")");
  // The split's hi part is fp16(w): a weight beyond fp16's range would be Inf
  // there (the FMA stem keeps fp32 weights and runs it).
  check_fp16_storable(l.weight, l.name + ".weight");
  v.coopmat = true;
  v.shader = v.input_u8 ? stem_u8_coopmat_shader() : stem_coopmat_shader();
  v.subgroup_size = d.subgroup_size;
  v.subgroups = 4;
  v.wg_size = v.subgroups * v.subgroup_size;
  if (v.subgroup_size == 0 || v.subgroup_size % 16 || v.wg_size > d.max_workgroup_invocations)
    throw vk::DeviceError(what + ": subgroups of " + std::to_string(d.subgroup_size) +
                          " invocations (needs a multiple of 16, 4 per workgroup)");
  // shaders/stem_coopmat.glsl: LDA = (KP / 8) | 1 chunks per row; an A_hi and
  // A_lo slice [16][LDA] per subgroup, aliasing the staged B_hi, B_lo [COUT][LDA].
  const uint32_t kp = (uint32_t(l.cin) * 9 + 15) / 16 * 16, lda = (kp / 8) | 1u;
  v.shared_vec4 = std::max(v.subgroups * 2 * 16 * lda, 2 * uint32_t(l.cout) * lda);
  const uint64_t table_bytes = v.input_u8 ? 3 * 256 * 4 : 0;
  if (uint64_t(v.shared_vec4) * 16 + table_bytes > d.max_shared_memory)
    throw vk::DeviceError(what + " needs " + std::to_string(v.shared_vec4 * 16 + table_bytes) +
                          " B of shared memory, " + d.name + " has " + std::to_string(d.max_shared_memory));
  const uint64_t blocks = (uint64_t(v.out.n) * v.out.h * v.out.w + 15) / 16;
  const uint64_t per_loop = std::clamp<uint64_t>(blocks / (uint64_t(v.subgroups) * 512), 1, 8);
  v.groups = grid_stride_groups((blocks + per_loop - 1) / per_loop, v.subgroups, d);  // subgroup loops / 4
}

void choose(LayerVariant& v, const Layer& l, const vk::DeviceInfo& d, const GemmChoice& choice) {
  v.input_u8 = choice.stem_input_u8;
  if (v.input_u8 && l.cin != 3)
    throw ShapeError("layer " + l.name + ": uint8 input needs 3 (RGB) channels, the stem takes " +
                     std::to_string(l.cin));
  if (choice.stem_tile && choice.stem_tile->coopmat) {
    choose_coopmat(v, l, d);
    return;
  }
  v.shader =
      v.input_u8 ? stem_u8_shader(v.precision) : layer_shader(LayerKind::StemConv3x3, v.precision, false);
  v.wg_size = std::min<uint32_t>(256, d.max_workgroup_invocations);
  const uint64_t c = uint64_t(v.out.c);
  v.vec = uint32_t(std::min<uint64_t>(16, (c + 3) / 4 * 4));
  v.pix = 1;
  if (const auto& t = choice.stem_tile) {
    // shaders/stem_conv.comp: VEC a multiple of 4; PIX * VEC <= 64 accumulators.
    if (t->vec % 4 || t->pix * t->vec > 64 || t->rows != 1)
      throw vk::DeviceError("layer " + l.name + ": stem tile " + t->str() +
                            " needs VEC a multiple of 4, PIX * VEC <= 64 and ROWS 1");
    v.vec = t->vec;
    v.pix = t->pix;
  }
  const uint64_t pixels = uint64_t(v.out.n) * v.out.h * ((uint64_t(v.out.w) + v.pix - 1) / v.pix);
  v.shared_vec4 = uint32_t(uint64_t(l.cin) * 9 * ((c + 3) / 4));
  if (uint64_t(v.shared_vec4) * 16 > d.max_shared_memory)
    throw vk::DeviceError("layer " + l.name + ": the stem's " + std::to_string(v.shared_vec4 * 16) +
                          " B of weights exceed the " + std::to_string(d.max_shared_memory) +
                          " B of shared memory of " + d.name);
  v.groups = grid_stride_groups(pixels * ((c + v.vec - 1) / v.vec), v.wg_size, d);
}

DispatchSpec dispatch(const LayerVariant& v, const Layer& l, const StageBuffers& b) {
  DispatchSpec s = conv_dispatch(v, l, b);
  // stem_conv.comp unrolls over the channel counts: CIN and COUT equal the push constant's.
  s.spec.set(EFFNET_SC_CIN, uint32_t(v.in.c)).set(EFFNET_SC_COUT, uint32_t(v.out.c));
  if (v.coopmat) {  // its subgroup slices assume SUBGROUPS subgroups of subgroup_size
    s.spec.set(EFFNET_SC_SUBGROUPS, v.subgroups);
    s.pipeline.required_subgroup_size = v.subgroup_size;
  }
  if (v.input_u8) {  // params: weight, bias, the normalisation table (VkPlan)
    s.bindings.resize(EFFNET_STEM_U8_BINDING_COUNT);
    s.bindings[EFFNET_BIND_INPUT_TABLE] = {b.params.at(2), false};
  }
  return s;
}

}  // namespace

const LayerStageCode kStemStage{choose, dispatch};

}  // namespace effnet
