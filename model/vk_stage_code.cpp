#include "model/vk_stage_code.h"

#include <algorithm>
#include <stdexcept>

#include "model/half.h"
#include "shaders/abi.h"
#include "shaders/variant_names.h"

namespace effnet {

const LayerStageCode& layer_stage_code(LayerKind k) {
  switch (k) {
    case LayerKind::StemConv3x3:
      return kStemStage;
    case LayerKind::Pointwise:
      return kPointwiseStage;
    case LayerKind::Depthwise3x3:
      return kDepthwiseStage;
    case LayerKind::HeadPool:
      return kHeadPoolStage;
    case LayerKind::Linear:
      return kLinearStage;
  }
  return kPointwiseStage;
}

namespace {

// The variant of one shader family: COOPMAT (fp16 only) or SCALAR at p.
const char* pick(Precision p, bool coopmat, const char* coopmat_fp16, const char* fp16, const char* fp32,
                 const char* what) {
  if (coopmat && (p != Precision::FP16 || coopmat_fp16 == nullptr))
    throw std::logic_error(std::string("no COOPMAT ") + precision_name(p) + " variant of " + what);
  return coopmat ? coopmat_fp16 : p == Precision::FP16 ? fp16 : fp32;
}

}  // namespace

const char* layer_shader(LayerKind k, Precision p, bool coopmat, bool coopmat2) {
  namespace sv = shaders::variant;
  if (coopmat2 && (p != Precision::FP16 || (k != LayerKind::Pointwise && k != LayerKind::Linear)))
    throw std::logic_error(std::string("no COOPMAT2 ") + precision_name(p) + " variant of " + kind_name(k));
  switch (k) {
    case LayerKind::StemConv3x3:
      return pick(p, coopmat, nullptr, sv::stem_conv_fp16, sv::stem_conv_fp32, kind_name(k));
    case LayerKind::Depthwise3x3:
      return pick(p, coopmat, nullptr, sv::depthwise_fp16, sv::depthwise_fp32, kind_name(k));
    case LayerKind::Pointwise:
      if (coopmat2) return sv::gemm_coopmat2_fp16;
      return pick(p, coopmat, sv::gemm_coopmat_fp16, sv::gemm_fp16, sv::gemm_fp32, kind_name(k));
    case LayerKind::HeadPool:
      return pick(p, coopmat, sv::gemm_head_pool_coopmat_fp16, sv::gemm_head_pool_fp16,
                  sv::gemm_head_pool_fp32, kind_name(k));
    case LayerKind::Linear:
      if (storage_bytes(k, TensorRole::Output, p) > storage_bytes(k, TensorRole::Input, p)) {
        if (coopmat2) return sv::gemm_out_f32_coopmat2_fp16;
        return pick(p, coopmat, sv::gemm_out_f32_coopmat_fp16, sv::gemm_out_f32_fp16, sv::gemm_out_f32_fp32,
                    kind_name(k));
      }
      if (coopmat2) return sv::gemm_coopmat2_fp16;
      return pick(p, coopmat, sv::gemm_coopmat_fp16, sv::gemm_fp16, sv::gemm_fp32, kind_name(k));
  }
  throw std::logic_error("layer_shader: unknown layer kind");
}

const char* mbconv_shader(Precision p, bool coopmat, bool project) {
  namespace sv = shaders::variant;
  if (!project)
    return pick(p, coopmat, sv::mbconv_ed_coopmat_fp16, sv::mbconv_ed_fp16, sv::mbconv_ed_fp32, "expand_dw");
  return pick(p, coopmat, sv::mbconv_coopmat_fp16, sv::mbconv_fp16, sv::mbconv_fp32, "mbconv");
}

const char* dw_project_shader(Precision p, bool coopmat) {
  namespace sv = shaders::variant;
  return pick(p, coopmat, sv::gemm_dw_coopmat_fp16, sv::gemm_dw_fp16, sv::gemm_dw_fp32, "dw_project");
}

const char* stem_u8_shader(Precision p) {
  namespace sv = shaders::variant;
  return pick(p, false, nullptr, sv::stem_conv_u8_fp16, sv::stem_conv_u8_fp32, "stem (uint8 input)");
}

const char* stem_coopmat_shader() { return shaders::variant::stem_conv_coopmat_fp16; }
const char* stem_u8_coopmat_shader() { return shaders::variant::stem_conv_u8_coopmat_fp16; }

const char* mbconv_reduce_shader(Precision p) {
  namespace sv = shaders::variant;
  return pick(p, false, nullptr, sv::mbconv_reduce_fp16, sv::mbconv_reduce_fp32, "mbconv_reduce");
}

void pack_storage(const float* src, size_t n, int bytes, void* dst) {
  if (bytes == 4) {
    std::memcpy(dst, src, n * sizeof(float));
    return;
  }
  auto* h = static_cast<uint16_t*>(dst);
  for (size_t i = 0; i < n; ++i) h[i] = float_to_half(src[i]);
}

void unpack_storage(const void* src, size_t n, int bytes, float* dst) {
  if (bytes == 4) {
    std::memcpy(dst, src, n * sizeof(float));
    return;
  }
  const auto* h = static_cast<const uint16_t*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = half_to_float(h[i]);
}

std::vector<uint8_t> depthwise_weight_tap_major(const Layer& dw) {
  const size_t c = size_t(dw.cout);
  std::vector<float> w(9 * c);
  for (size_t ch = 0; ch < c; ++ch)
    for (size_t t = 0; t < 9; ++t) w[t * c + ch] = dw.weight.at(ch * 9 + t);
  std::vector<uint8_t> out(w.size() * 4);
  std::memcpy(out.data(), w.data(), out.size());
  return out;
}

std::vector<std::vector<uint8_t>> layer_params(const Layer& l, Precision p) {
  const int wb = storage_bytes(l.kind, TensorRole::Weight, p);
  std::vector<std::vector<uint8_t>> out(2);
  if (l.kind == LayerKind::Depthwise3x3) {
    static_assert(kind_info(LayerKind::Depthwise3x3).fp16_weight == 4);  // fp32 in both precisions
    out[0] = depthwise_weight_tap_major(l);
  } else {
    out[0].resize(l.weight.size() * size_t(wb));
    pack_storage(l.weight.data(), l.weight.size(), wb, out[0].data());
  }
  out[1].resize(l.bias.size() * 4);
  std::memcpy(out[1].data(), l.bias.data(), out[1].size());
  return out;
}

std::vector<vk::Binding> layer_bindings(const StageBuffers& b) {
  std::vector<vk::Binding> v(EFFNET_BINDING_COUNT);
  v[EFFNET_BIND_IN] = {b.in, false};
  v[EFFNET_BIND_WEIGHT] = {b.params.at(0), false};
  v[EFFNET_BIND_BIAS] = {b.params.at(1), false};
  v[EFFNET_BIND_OUT] = {b.out, true};
  return v;
}

DispatchSpec conv_dispatch(const LayerVariant& v, const Layer& l, const StageBuffers& b) {
  DispatchSpec s;
  s.shader = v.shader;
  s.bindings = layer_bindings(b);
  s.spec.set(EFFNET_SC_WG_SIZE, v.wg_size).set(EFFNET_SC_ACT, act_code(v.act));
  s.spec.set(EFFNET_SC_VEC, v.vec).set(EFFNET_SC_PIX, v.pix).set(EFFNET_SC_ROWS, v.rows);
  s.spec.set(EFFNET_SC_STRIDE, uint32_t(l.stride)).set(EFFNET_SC_SHARED, std::max(1u, v.shared_vec4));
  s.push = push_words(shaders::ConvPush{uint32_t(v.in.n), uint32_t(v.in.h), uint32_t(v.in.w),
                                        uint32_t(v.in.c), uint32_t(v.out.h), uint32_t(v.out.w),
                                        uint32_t(v.out.c), uint32_t(l.stride)});
  s.groups = v.groups;
  s.pipeline = {0, {v.wg_size, 1, 1}};
  return s;
}

uint32_t act_code(Act a) {
  switch (a) {
    case Act::ReLU:
      return EFFNET_ACT_RELU;
    case Act::ReLU6:
      return EFFNET_ACT_RELU6;
    case Act::None:
      return EFFNET_ACT_NONE;
  }
  return EFFNET_ACT_NONE;
}

std::array<uint32_t, 3> grid_stride_groups(uint64_t invocations, uint32_t wg, const vk::DeviceInfo& d) {
  return {std::min(uint32_t((invocations + wg - 1) / wg), d.max_workgroup_count[0]), 1, 1};
}

}  // namespace effnet
