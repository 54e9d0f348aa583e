// The Vulkan code of a stage: what the plan (model/vk_plan.cpp) asks of a
// stage to build it, and the one file per kind that answers.
//
//   kind        shader (shaders/)             stage code (model/)
//   stem        stem_conv.comp [stem_coopmat] vk_stage_stem.cpp (COOPMAT: the split-fp16 GEMM, opt-in)
//   pointwise   gemm.comp                     vk_stage_pointwise.cpp
//   depthwise   depthwise.comp                vk_stage_depthwise.cpp
//   head_pool   gemm.comp -DHEAD_POOL         vk_stage_head_pool.cpp
//   linear      gemm.comp [-DOUT_F32]         vk_stage_linear.cpp
//   mbconv      mbconv.comp, mbconv_reduce    vk_stage_mbconv.cpp (the variant: vk_mbconv.cpp)
//   expand_dw   mbconv.comp -DEXPAND_DW       vk_stage_mbconv.cpp (expand + depthwise of a block)
//   dw_project  gemm.comp -DDW_A              vk_stage_dw_project.cpp (depthwise + pointwise)
//
// A layer kind's file decides its variant (shader, tile, grid) once and maps
// that variant to specialization constants, push constants and the shader
// variant (layer_shader / mbconv_shader below: constants of the generated
// shaders/variant_names.h); the GEMM kinds share model/vk_stage_gemm.h. The plan owns the buffers, uploads
// the parameters and records the dispatches in stage order.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "model/vk_mbconv.h"
#include "model/vk_variant.h"
#include "vk_runtime/algorithm.h"

namespace effnet {

// The device buffers a stage's dispatches bind; owned by the plan.
struct StageBuffers {
  const vk::Buffer* in = nullptr;         // the stage's input (the plan input or the previous stage's output)
  const vk::Buffer* out = nullptr;        // the stage's output
  std::vector<const vk::Buffer*> params;  // the stage's parameters, uploaded in *_params() order
  const vk::Buffer* partial = nullptr;    // fp32 partial sums of split fused blocks
  const vk::Buffer* dummy = nullptr;      // 16 B, bound where a binding is unused
};

// One dispatch as the stage code decides it.
struct DispatchSpec {
  std::string shader;  // a shaders::variant name
  std::vector<vk::Binding> bindings;
  vk::SpecConstants spec;
  std::vector<uint32_t> push;  // the push-constant block (shaders/abi.h) as words
  std::array<uint32_t, 3> groups{1, 1, 1};
  vk::PipelineOptions pipeline;
};

// A layer kind's stage code (vk_stage_<kind>.cpp).
struct LayerStageCode {
  // Fills the kind's part of v (shader, tile, workgroup size, grid, ...); the
  // caller (choose_variant) has set layer, kind, act, precision, in and out
  // and validated the layer. Throws DeviceError when the device cannot run it.
  void (*choose)(LayerVariant& v, const Layer& l, const vk::DeviceInfo& d, const GemmChoice& c);
  // The one dispatch of variant v of layer l on buffers b (params: weight, bias).
  DispatchSpec (*dispatch)(const LayerVariant& v, const Layer& l, const StageBuffers& b);
};
extern const LayerStageCode kStemStage, kPointwiseStage, kDepthwiseStage, kHeadPoolStage, kLinearStage;
const LayerStageCode& layer_stage_code(LayerKind k);

// ---- shared by the layer kinds (vk_stage_code.cpp) ----------------------------

// The shader variant (a shaders::variant constant of the generated
// shaders/variant_names.h) of layer kind k at precision p, COOPMAT or SCALAR:
//   stem       stem_conv_<p>
//   depthwise  depthwise_<p>
//   pointwise  gemm_[coopmat_]<p>
//   head_pool  gemm_head_pool_[coopmat_]<p>
//   linear     gemm_out_f32_[coopmat_]<p> where the kind table stores its
//              output wider than its input (fp16: fp32 logits), else gemm_[coopmat_]<p>
// COOPMAT variants exist for the GEMM kinds in fp16 only: std::logic_error otherwise.
// coopmat2: the workgroup-scope variant gemm_[out_f32_]coopmat2_fp16, for
// pointwise and linear in fp16 only (std::logic_error otherwise).
const char* layer_shader(LayerKind k, Precision p, bool coopmat, bool coopmat2 = false);
// The fused MBConv block's variant: mbconv_[coopmat_]<p> (COOPMAT: fp16 only,
// std::logic_error otherwise); project false: the expand_dw stage's,
// mbconv_ed_[coopmat_]<p> (mbconv.comp -DEXPAND_DW); a split block's
// reduction: mbconv_reduce_<p>.
const char* mbconv_shader(Precision p, bool coopmat, bool project = true);
// The dw_project stage (a depthwise layer fused into the pointwise layer after
// it, vk_stage_dw_project.cpp): gemm.comp -DDW_A.
const char* dw_project_shader(Precision p, bool coopmat);
const char* mbconv_reduce_shader(Precision p);
// The stem reading uint8 NHWC input: stem_conv_u8_<p> (stem_conv.comp -DINPUT_U8).
const char* stem_u8_shader(Precision p);
// The stem's COOPMAT variants (fp16 only; stem_conv.comp -DCOOPMAT, the
// split-fp16 GEMM of shaders/stem_coopmat.glsl): stem_conv_coopmat_fp16, and
// with uint8 input stem_conv_u8_coopmat_fp16.
const char* stem_coopmat_shader();
const char* stem_u8_coopmat_shader();

// n fp32 values as `bytes`-wide storage (4: a copy; 2: fp16, round to nearest even).
void pack_storage(const float* src, size_t n, int bytes, void* dst);
// The inverse of pack_storage (fp16 or fp32 storage -> fp32).
void unpack_storage(const void* src, size_t n, int bytes, float* dst);
// A depthwise layer's weight [c][3][3] as tap-major [9][c] fp32 bytes
// (tap = ky * 3 + kx): what depthwise.comp and gemm_dw_a.glsl read.
std::vector<uint8_t> depthwise_weight_tap_major(const Layer& dw);
// A layer's parameters in upload order: the weight in its storage type
// (storage_bytes(kind, Weight, p), model/layer_kind.h; a depthwise layer's
// tap-major, depthwise_weight_tap_major), the bias fp32.
std::vector<std::vector<uint8_t>> layer_params(const Layer& l, Precision p);
// Bindings of a layer stage: IN, WEIGHT, BIAS, OUT (shaders/abi.h).
std::vector<vk::Binding> layer_bindings(const StageBuffers& b);
uint32_t act_code(Act a);  // EFFNET_ACT_*
// The dispatch of a direct convolution stage (stem_conv.comp, depthwise.comp):
// layer bindings, spec constants WG_SIZE, ACT, VEC, PIX, STRIDE, SHARED and the
// ConvPush block (shaders/abi.h) from the chosen variant.
DispatchSpec conv_dispatch(const LayerVariant& v, const Layer& l, const StageBuffers& b);
// Workgroups of a grid-stride shader: ceil(invocations / wg), capped at the device's limit.
std::array<uint32_t, 3> grid_stride_groups(uint64_t invocations, uint32_t wg, const vk::DeviceInfo& d);

// A push-constant block (shaders/abi.h structs: 32-bit members only) as words.
template <class P>
std::vector<uint32_t> push_words(const P& p) {
  static_assert(sizeof(P) % 4 == 0);
  std::vector<uint32_t> w(sizeof(P) / 4);
  std::memcpy(w.data(), &p, sizeof(P));
  return w;
}

// ---- the fused MBConv stage (vk_stage_mbconv.cpp) ------------------------------

// The block's parameters in upload order: expand, vectors, project (pack_mbconv;
// expand_dw: no project).
std::vector<std::vector<uint8_t>> mbconv_params(const Layer& expand, const Layer& depthwise,
                                                const Layer& project, const MBConvVariant& v);
// The block's dispatches (params: expand, vectors, project): mbconv.comp, then
// for a split block mbconv_reduce.comp. skip: EFFNET_SC_SKIP (profiling; 0).
std::vector<DispatchSpec> mbconv_dispatches(const MBConvVariant& v, const StageBuffers& b,
                                            const vk::DeviceInfo& d, uint32_t skip);

// ---- dw_project: a depthwise layer and the pointwise layer after it, one dispatch
// (model/vk_stage_dw_project.cpp). The pointwise GEMM computes its A operand as
// the depthwise output while staging it (shaders/gemm_dw_a.glsl), so that
// tensor never reaches device memory.

// Whether variants dw (of a depthwise layer) and pw (of the pointwise layer that
// takes its output) run as one dw_project stage: a GEMM of one column block
// (each depthwise value computed once) on hidden channels that are a multiple
// of 8, not a COOPMAT2 tile. On true, pw.shader becomes the dw_project variant.
bool dw_project_fuse(const LayerVariant& dw, LayerVariant& pw);
// The stage's parameters, in binding order: pointwise weight and bias (as
// layer_params), depthwise weight fp32 tap-major [9][C], depthwise bias fp32.
std::vector<std::vector<uint8_t>> dw_project_params(const Layer& dw, const Layer& pw, Precision p);
// Its one dispatch: the pointwise GEMM's (gemm_dispatch) with the depthwise
// layer's bindings, activation and geometry.
DispatchSpec dw_project_dispatch(const LayerVariant& dw, const LayerVariant& pw, const Layer& dw_layer,
                                 const StageBuffers& b);

}  // namespace effnet
