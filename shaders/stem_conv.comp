// Stem: dense 3x3 convolution, stride STRIDE (2), padding 1, with bias and
// activation; reads the user's NCHW fp32 input and writes NHWC.
//   in  [n][cin][h][w]    fp32 (NCHW)
//       -DINPUT_U8: [n][h][w][cin] bytes (NHWC, as image decoders write them;
//       four to a uint, little-endian), each byte v of channel c turned into
//       table[c][v] (the network input value, ImageNet normalisation
//       included: model/preprocess.h normalize_u8_table) as it is loaded.
//       Padding stays 0 after that: PyTorch pads the normalised tensor.
//   table [3][256]        fp32 (-DINPUT_U8 only, binding EFFNET_BIND_INPUT_TABLE; cin must be 3)
//   w   [cout][cin][3][3] fp32 (OIHW) (fp32 in both precisions: tiny, and
//                      fp16 rounding here costs end-to-end accuracy)
//   bias[cout]            fp32
//   out [n][ho][wo][cout] SFP (NHWC)
// Each invocation computes VEC output channels (all 32 of the network's stem)
// of PIX consecutive output pixels along W: each input column under them is
// read once per kernel row, each weight vec4 once for the PIX pixels, and the
// VEC channels leave in 16-byte stores. The weights are staged once per
// workgroup in shared memory as vec4 [cin][3][3][ceil(cout / 4)] (zero past
// cout), so every tap is a broadcast vec4 read. CIN and COUT are the push
// constant's cin and cout as specialization constants: every loop over input
// channels, taps and channel vectors unrolls and every shared-memory weight
// read has a constant offset (with VEC == COUT, one group: no per-invocation
// channel offset at all). SHARED = CIN * 9 * ceil(COUT / 4), VEC (a multiple
// of 4), PIX and STRIDE (the push constant's) are chosen in
// model/vk_stage_stem.cpp; PIX * VEC <= 64. Grid-stride loop over
// (PIX-pixel tile, channel group), groups fastest: any n, h, w, cin, cout.
//
// COOPMAT (with FP16; GL_KHR_cooperative_matrix 16x16x16 f16 -> f32): the stem
// as a GEMM on the tensor cores, C[m][n] = act(bias[n] + sum_k A[m][k] W[n][k])
// with M = n * ho * wo output pixels (NHWC order), N = COUT, K = CIN * 9
// (k = ci * 9 + ky * 3 + kx, the OIHW weight's own order) padded to KP. The
// fp32 operands are split, x = hi + lo with hi = fp16(x) and lo = fp16(x - hi),
// and the product is hi*hi + hi*lo + lo*hi with fp32 accumulation (the lo*lo
// term, ~2^-22 relative, dropped): fp16 storage of A alone would round every
// input to 11 bits (the reason the FMA path keeps fp32 weights), the split
// keeps about 22 (Markidis et al., "NVIDIA Tensor Core Programmability,
// Performance & Precision", IPDPSW 2018; Ootomo and Yokota, "Recovering
// single precision accuracy from Tensor Cores while surpassing the FP32
// theoretical peak performance", IJHPCA 2022). Inputs must fit fp16's range
// (|x| <= 65504): beyond it the result is not finite, which the run reports
// (model/vk_nonfinite.h). Each subgroup owns blocks of 16 output pixels in a
// grid-stride loop and needs no workgroup barrier inside it: it gathers the
// 3x3xCIN patches of its 16 pixels (8 taps per 16-byte chunk) split into its
// own A_hi / A_lo slice of shared memory [16][LDA] (LDA = KP / 8 rounded up to
// odd: conflict-free rows), multiplies by the split weights, held in registers
// for the whole loop (staged once per workgroup, then aliased by the slices),
// and stores each 16 x 16 fp16 result straight from the accumulators (a block
// past M through the slice, element by element). SHARED = max(SUBGROUPS *
// 2 * 16 * LDA, 2 * COUT * LDA) uvec4 slots; host-checked
// (model/vk_stage_stem.cpp): COUT % 16 == 0, COUT <= 64, CIN * 9 <= 64,
// WG_SIZE == SUBGROUPS * subgroup size.
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
#include "abi.h"
#include "types.glsl"
#define NO_NHWC_IN
#include "chan_io.glsl"

layout(local_size_x_id = EFFNET_SC_WG_SIZE) in;
layout(constant_id = EFFNET_SC_WG_SIZE) const uint WG_SIZE = 256;
layout(constant_id = EFFNET_SC_ACT) const uint ACT = EFFNET_ACT_RELU;
layout(constant_id = EFFNET_SC_VEC) const uint VEC = 4;       // output channels per invocation, multiple of 4
layout(constant_id = EFFNET_SC_SHARED) const uint SHARED = 1;  // vec4 slots: cin * 9 * ceil(cout / 4)
layout(constant_id = EFFNET_SC_PIX) const uint PIX = 1;        // output pixels per invocation along W
layout(constant_id = EFFNET_SC_STRIDE) const uint STRIDE = 2;  // equals the push constant's stride
layout(constant_id = EFFNET_SC_CIN) const uint CIN = 3;        // equals the push constant's cin
layout(constant_id = EFFNET_SC_COUT) const uint COUT = 32;     // equals the push constant's cout
layout(constant_id = EFFNET_SC_SUBGROUPS) const uint SUBGROUPS = 4;  // COOPMAT: WG_SIZE / subgroup size

#ifdef INPUT_U8
layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf { uint in_data[]; };
layout(std430, binding = EFFNET_BIND_INPUT_TABLE) readonly buffer TableBuf { float table_data[]; };
shared float table_s[3 * 256];
#else
layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf { float in_data[]; };
#endif
layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer WBuf { float w_data[]; };
layout(std430, binding = EFFNET_BIND_BIAS) readonly buffer BiasBuf { float bias_data[]; };
layout(push_constant) uniform Push { EFFNET_CONV_PUSH_FIELDS } pc;

#ifdef INPUT_U8
// The network input value of byte `byte` of the uint8 input, channel ci.
float u8_value(uint byte, uint ci) { return table_s[ci * 256 + ((in_data[byte / 4] >> (8 * (byte % 4))) & 0xffu)]; }
#endif

#ifdef COOPMAT
#include "stem_coopmat.glsl"
#else
shared vec4 w_s[SHARED];

const uint NCOL = (PIX - 1) * STRIDE + 3;  // input columns under PIX output pixels

void main() {
  const uint co4 = (COUT + 3) / 4;
  for (uint i = gl_LocalInvocationID.x; i < SHARED; i += WG_SIZE) {
    const uint q = i % co4, tap = i / co4;  // tap = ci * 9 + ky * 3 + kx
    vec4 a = vec4(0.0);
    [[unroll]] for (uint j = 0; j < 4; ++j) {
      const uint co = 4 * q + j;
      if (co < COUT) a[j] = w_data[co * CIN * 9 + tap];
    }
    w_s[i] = a;
  }
#ifdef INPUT_U8
  for (uint i = gl_LocalInvocationID.x; i < 3 * 256; i += WG_SIZE) table_s[i] = table_data[i];
#endif
  barrier();

  const uint groups = (COUT + VEC - 1) / VEC;
  const uint tiles = (pc.wo + PIX - 1) / PIX;  // PIX-pixel tiles per output row
  const uint total = pc.n * pc.ho * tiles * groups;
  for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += gl_NumWorkGroups.x * WG_SIZE) {
    const uint g = idx % groups;
    uint t = idx / groups;
    const uint ox0 = (t % tiles) * PIX;
    t /= tiles;
    const uint oy = t % pc.ho;
    const uint img = t / pc.ho;
    const uint c0 = g * VEC;

    vec4 acc[PIX * VEC / 4];  // [p][q]
    [[unroll]] for (uint q = 0; q < VEC / 4; ++q) {
      vec4 b;
      [[unroll]] for (uint j = 0; j < 4; ++j) b[j] = c0 + 4 * q + j < COUT ? bias_data[c0 + 4 * q + j] : 0.0;
      [[unroll]] for (uint p = 0; p < PIX; ++p) acc[p * (VEC / 4) + q] = b;
    }

    const int ix0 = int(ox0 * STRIDE) - 1;
    [[unroll]] for (uint ci = 0; ci < CIN; ++ci) {
      [[unroll]] for (uint ky = 0; ky < 3; ++ky) {
        const int iy = int(oy * STRIDE + ky) - 1;
        const bool row_inside = iy >= 0 && iy < int(pc.h);
#ifdef INPUT_U8
        // Pixel index of the row's column 0, clamped into the image: the byte
        // load below is unconditional (masked after), so it must stay in bounds.
        const uint row = (img * pc.h + uint(clamp(iy, 0, int(pc.h) - 1))) * pc.w;
#else
        const uint row = ((img * CIN + ci) * pc.h + uint(max(iy, 0))) * pc.w;
#endif
        float x[NCOL];  // the input columns under the PIX outputs, loaded once
        [[unroll]] for (uint j = 0; j < NCOL; ++j) {
          const int ix = ix0 + int(j);
          const bool inside = row_inside && ix >= 0 && ix < int(pc.w);
#ifdef INPUT_U8
          const float v = u8_value((row + uint(clamp(ix, 0, int(pc.w) - 1))) * CIN + ci, ci);
          x[j] = inside ? v : 0.0;
#else
          x[j] = inside ? in_data[row + uint(ix)] : 0.0;
#endif
        }
        [[unroll]] for (uint kx = 0; kx < 3; ++kx) {
          const uint wbase = (ci * 9 + ky * 3 + kx) * co4 + c0 / 4;
          [[unroll]] for (uint q = 0; q < VEC / 4; ++q) {
            const vec4 w = w_s[wbase + q];  // one broadcast read for PIX pixels
            [[unroll]] for (uint p = 0; p < PIX; ++p)
              acc[p * (VEC / 4) + q] = fma(vec4(x[p * STRIDE + kx]), w, acc[p * (VEC / 4) + q]);
          }
        }
      }
    }

    [[unroll]] for (uint p = 0; p < PIX; ++p) {
      if (ox0 + p >= pc.wo) break;
      const uint base = ((img * pc.ho + oy) * pc.wo + ox0 + p) * COUT + c0;
      float o[8];
      if (COUT % 8 == 0 && VEC % 8 == 0) {
        [[unroll]] for (uint h = 0; h < VEC / 8; ++h) {
          if (c0 + 8 * h >= COUT) break;
          [[unroll]] for (uint j = 0; j < 8; ++j) o[j] = apply_act(acc[p * (VEC / 4) + 2 * h + j / 4][j % 4], ACT);
          store_chans(base + 8 * h, 8, o);
        }
      } else if (COUT % 4 == 0) {
        [[unroll]] for (uint q = 0; q < VEC / 4; ++q) {
          if (c0 + 4 * q >= COUT) break;
          [[unroll]] for (uint j = 0; j < 4; ++j) o[j] = apply_act(acc[p * (VEC / 4) + q][j], ACT);
          store_chans(base + 4 * q, 4, o);
        }
      } else {
        [[unroll]] for (uint q = 0; q < VEC / 4; ++q)
          [[unroll]] for (uint j = 0; j < 4; ++j) {
            if (c0 + 4 * q + j >= COUT) break;
            o[0] = apply_act(acc[p * (VEC / 4) + q][j], ACT);
            store_chans(base + 4 * q + j, 1, o);
          }
      }
    }
  }
}
#endif  // !COOPMAT
