// The fused MBConv block: 1x1 expand (BN folded, ReLU6) -> 3x3 depthwise,
// stride STRIDE, pad 1 (BN folded, ReLU6) -> 1x1 project (BN folded, no
// activation), in one dispatch. The expanded (hidden) tensor never leaves the
// workgroup.
//   in   [n][h][w][cin]        SFP, NHWC
//   we   [HIDDEN][CIN]         SFP, expand weight as packed (zero rows/columns of padding)
//   vec  fp32 vectors          mbconv_layout.h (expand bias, depthwise weight and bias, project bias)
//   wp   [COUT][HIDDEN]        SFP, project weight as packed
//   out  [n][ho][wo][cout]     SFP, NHWC, ho = (h - 1) / STRIDE + 1
//   part [SPLIT][n][tiles][MP_PAD][COUT] fp32 partial project sums (SPLIT > 1)
//
// Workgroup (tile, image, slice): output pixels [oy0, oy0 + TH) x [ox0, ox0 + TW)
// of one image, hidden channels of slice `slice` in chunks of HC. Per chunk:
//   expand:    H[p][c] = ReLU6(X[p][:] . we[c][:] + be[c]) over the input tile
//              plus its halo (IH x IW pixels, IH = (TH - 1) * STRIDE + 3);
//   depthwise: D[q][c] = ReLU6(sum of 9 taps of H + bd[c]); taps outside the
//              image are skipped. This is PyTorch's zero padding of the
//              *hidden* tensor: expand(0) = ReLU6(be) != 0, so padding the
//              block input instead would be wrong;
//   project:   acc[q][:] += D[q][c] . wp[:][c] (fp32 accumulators over chunks).
// Epilogue (SPLIT == 1): out = acc (the accumulators start from the project
// bias); SPLIT > 1: each slice writes its fp32 sums to `part` (slice 0 with the
// bias) and mbconv_reduce.comp adds the slices in fixed order (deterministic).
//
// EXPAND_DW (the expand_dw stage, model/vk_mbconv.h): expand and depthwise
// only; the depthwise step stores its chunk straight to `out`, the hidden
// tensor at the output resolution [n][ho][wo][cout] with cout = the real hidden
// channel count (HIDDEN is it padded). No project, no D tile, no partial sums:
// the slices of a split write disjoint channels. The expanded tensor at the
// input resolution never leaves the workgroup.
//
// Variants (defines): FP16 (fp16 storage, fp32 arithmetic), COOPMAT (with FP16:
// GL_KHR_cooperative_matrix 16x16x16 f16 -> f32; the input tile staged in
// shared memory; CIN, HC, COUT multiples of 16). The SCALAR variant reads the
// input from device memory and keeps the project sums in registers. The
// depthwise step, tile geometry and chunk loop are shared. Host-checked
// (model/vk_mbconv.cpp): HIDDEN == HC * SPLIT * chunks, HC in {16, 32, 64},
// COOPMAT: WG_SIZE == SUBGROUPS * subgroup size, cin % 8 == 0, cout % 8 == 0.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#ifdef COOPMAT
#ifndef FP16
#error COOPMAT needs FP16 (fp16 operands)
#endif
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#endif
#ifdef PROFILE
// Profiling variant (effnet-bench mbconv-profile, never in a real plan):
// invocation 0 of each workgroup writes EFFNET_MBCONV_PROF_WORDS words of
// phase timings (SM clock cycles, VK_KHR_shader_clock) and its start and end
// on the device clock (ns) to the PARTIAL binding; SPLIT must be 1.
#extension GL_ARB_shader_clock : require
#extension GL_EXT_shader_realtime_clock : require
#extension GL_NV_shader_sm_builtins : require
#endif
#include "abi.h"
#include "types.glsl"
#include "mbconv_layout.h"

layout(local_size_x_id = EFFNET_SC_WG_SIZE) in;
layout(constant_id = EFFNET_SC_WG_SIZE) const uint WG_SIZE = 256;
layout(constant_id = EFFNET_SC_STRIDE) const uint STRIDE = 1;
layout(constant_id = EFFNET_SC_TILE_H) const uint TH = 8;
layout(constant_id = EFFNET_SC_TILE_W) const uint TW = 8;
layout(constant_id = EFFNET_SC_CIN) const uint CIN = 16;
layout(constant_id = EFFNET_SC_HC) const uint HC = 16;
layout(constant_id = EFFNET_SC_HIDDEN) const uint HIDDEN = 16;
layout(constant_id = EFFNET_SC_COUT) const uint COUT = 16;
layout(constant_id = EFFNET_SC_SPLIT) const uint SPLIT = 1;
layout(constant_id = EFFNET_SC_SUBGROUPS) const uint SUBGROUPS = 8;
layout(constant_id = EFFNET_SC_SKIP) const uint SKIP = 0;  // profiling only (abi.h)

layout(std430, binding = EFFNET_BIND_IN) readonly buffer XBuf { SFP x_data[]; };
layout(std430, binding = EFFNET_BIND_IN) readonly buffer XVec { uvec4 x_vec[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer WeBuf { SFP we_data[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer WeVec { uvec4 we_vec[]; };
layout(std430, binding = EFFNET_BIND_BIAS) readonly buffer VecBuf { float vf[]; };
layout(std430, binding = EFFNET_BIND_BIAS) readonly buffer VecBuf4 { vec4 vf4[]; };
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf { SFP out_data[]; };
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutVec { uvec4 out_vec[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT2) readonly buffer WpBuf { SFP wp_data[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT2) readonly buffer WpVec { uvec4 wp_vec[]; };
layout(std430, binding = EFFNET_BIND_PARTIAL) writeonly buffer PartBuf { float part[]; };
#ifdef PROFILE
layout(std430, binding = EFFNET_BIND_PARTIAL) writeonly buffer ProfBuf { uint prof[]; };
#define PROF_CLOCK() clock2x32ARB().x
#define PROF_ADD(slot, t_from) { const uint t_ = PROF_CLOCK(); cyc[slot] += t_ - t_from; t_from = t_; }
#else
#define PROF_CLOCK() 0u
#define PROF_ADD(slot, t_from)
#endif
layout(push_constant) uniform Push { EFFNET_MBCONV_PUSH_FIELDS } pc;

const uint IH = EFFNET_MBCONV_IN_DIM(TH, STRIDE);
const uint IW = EFFNET_MBCONV_IN_DIM(TW, STRIDE);
const uint PIN = IH * IW;  // input-tile pixels
const uint MP = TH * TW;   // output-tile pixels
const uint PIN_PAD = EFFNET_ROUND16(PIN);
const uint MP_PAD = EFFNET_ROUND16(MP);
const uint BE_OFF = EFFNET_MBCONV_BE_OFF(HIDDEN);
const uint DW_OFF = EFFNET_MBCONV_DW_OFF(HIDDEN);
const uint DB_OFF = EFFNET_MBCONV_DB_OFF(HIDDEN);
const uint BP_OFF = EFFNET_MBCONV_BP_OFF(HIDDEN);

#ifdef COOPMAT
#include "mbconv_coopmat.glsl"
#else
#include "mbconv_scalar.glsl"
#endif

// Depthwise 3x3 of chunk hc0 from H into D, 8 channels per item (one 16-byte
// row chunk of the fp16 tiles) through the variant's h_load8 / d_store8 and
// dw_weight8 / dw_bias8. (iy0, ix0): image position of input-tile pixel (0, 0),
// (oy0, ox0) that of output pixel (0, 0). Taps outside the image are skipped
// (the hidden tensor's zero padding). Rows of D past MP are set to 0;
// EXPAND_DW: the pixels inside the image go to `out` instead (out_store8).
void depthwise_chunk(uint hc0, uint img, uint oy0, uint ox0, int iy0, int ix0) {
  const uint G8 = HC / 8;
  for (uint i = gl_LocalInvocationIndex; i < D_ROWS * G8; i += WG_SIZE) {
    const uint q = i / G8, g = i % G8;
    vec4 lo = vec4(0.0), hi = vec4(0.0);
    if (q < MP) {
      dw_bias8(hc0, g, lo, hi);
      const uint oy = q / TW, ox = q % TW;
      [[unroll]] for (uint ky = 0; ky < 3; ++ky) {
        const uint ty = oy * STRIDE + ky;
        const int gy = iy0 + int(ty);
        if (gy < 0 || gy >= int(pc.h)) continue;
        [[unroll]] for (uint kx = 0; kx < 3; ++kx) {
          const uint tx = ox * STRIDE + kx;
          const int gx = ix0 + int(tx);
          if (gx < 0 || gx >= int(pc.w)) continue;
          vec4 hl, hh, wl, wh;
          h_load8(ty * IW + tx, g, hl, hh);
          dw_weight8(hc0, ky * 3 + kx, g, wl, wh);
          lo = fma(hl, wl, lo);
          hi = fma(hh, wh, hi);
        }
      }
      lo = clamp(lo, vec4(0.0), vec4(6.0));
      hi = clamp(hi, vec4(0.0), vec4(6.0));
    }
#ifdef EXPAND_DW
    const uint c = hc0 + 8 * g, oy = oy0 + q / TW, ox = ox0 + q % TW;
    if (q < MP && c < pc.cout && oy < pc.ho && ox < pc.wo)
      out_store8(((img * pc.ho + oy) * pc.wo + ox) * pc.cout + c, lo, hi);
#else
    d_store8(q, g, lo, hi);
#endif
  }
}

void main() {
  const uint tile = gl_WorkGroupID.x, img = gl_WorkGroupID.y, slice = gl_WorkGroupID.z;
  const uint oy0 = (tile / pc.tiles_x) * TH, ox0 = (tile % pc.tiles_x) * TW;
  const int iy0 = int(oy0 * STRIDE) - 1, ix0 = int(ox0 * STRIDE) - 1;
  const uint chunks = HIDDEN / HC / SPLIT;
#ifdef PROFILE
  const uvec2 rt0 = clockRealtime2x32EXT();
  uint cyc[EFFNET_MBCONV_PROF_PHASES];
  [[unroll]] for (uint i = 0; i < EFFNET_MBCONV_PROF_PHASES; ++i) cyc[i] = 0;
#endif
  uint t = PROF_CLOCK();
  const uint t_begin = t;
  if ((SKIP & 8) == 0) stage_input(img, iy0, ix0);
#ifndef EXPAND_DW
  project_init(slice == 0);
#endif
  if ((SKIP & 16) == 0) {
    stage_weights(slice * chunks * HC);
    stage_dw_weights(slice * chunks * HC);
  }
  barrier();  // the input tile and the first chunk's weights are staged
  PROF_ADD(0, t);
  // Two barriers per chunk: expand(ch + 1) writes H, last read by
  // depthwise(ch) before the barrier ahead of project(ch), and reads the
  // expand weights staged beside depthwise(ch) (their last reader, expand(ch),
  // is behind the first barrier); depthwise(ch + 1) writes D, last read by
  // project(ch), and reads the depthwise weights staged beside project(ch)
  // (their last reader, depthwise(ch), is behind the second barrier); both
  // behind the barrier after expand(ch + 1).
  for (uint ch = 0; ch < chunks; ++ch) {
    const uint hc0 = (slice * chunks + ch) * HC;
    if ((SKIP & 1) == 0) expand_chunk(hc0, img, iy0, ix0);
    PROF_ADD(1, t);
    barrier();
    PROF_ADD(2, t);
    if ((SKIP & 2) == 0) depthwise_chunk(hc0, img, oy0, ox0, iy0, ix0);
    PROF_ADD(3, t);
    if (ch + 1 < chunks && (SKIP & 16) == 0) stage_weights(hc0 + HC);
    PROF_ADD(4, t);
    barrier();
    PROF_ADD(5, t);
    if (ch + 1 < chunks && (SKIP & 16) == 0) stage_dw_weights(hc0 + HC);
    PROF_ADD(6, t);
#ifndef EXPAND_DW
    if ((SKIP & 4) == 0) project_chunk(hc0);
#endif
    PROF_ADD(7, t);
  }
  const uint tiles = gl_NumWorkGroups.x;
  const uint part_base = ((slice * pc.n + img) * tiles + tile) * MP_PAD * COUT;
#ifdef PROFILE
  finish(img, oy0, ox0, 0);
  PROF_ADD(8, t);
  const uvec2 rt1 = clockRealtime2x32EXT();
  if (gl_LocalInvocationIndex == 0) {
    const uint at = ((slice * pc.n + img) * tiles + tile) * EFFNET_MBCONV_PROF_WORDS;
    prof[at + 0] = gl_SMIDNV;
    prof[at + 1] = rt0.x;
    prof[at + 2] = rt0.y;
    prof[at + 3] = rt1.x;
    prof[at + 4] = rt1.y;
    prof[at + 5] = t - t_begin;
    [[unroll]] for (uint i = 0; i < EFFNET_MBCONV_PROF_PHASES; ++i) prof[at + 6 + i] = cyc[i];
  }
#elif !defined(EXPAND_DW)  // EXPAND_DW: every chunk was stored by its depthwise step
  finish(img, oy0, ox0, part_base);
#endif
}
