// 3x3 depthwise convolution, stride STRIDE, padding 1, with bias and activation.
//   in  [n][h][w][c]   SFP (NHWC)
//   w   [c][3][3]      fp32 (fp32 in both precisions: tiny, and
//                      fp16 rounding here costs end-to-end accuracy)
//   bias[c]            fp32
//   out [n][ho][wo][c] SFP, ho = (h - 1) / stride + 1
// Memory bound: each invocation owns VEC consecutive channels (one 8-byte fp16
// or 16-byte fp32 load at VEC = 4) of PIX consecutive output pixels along W,
// so each input column under the PIX outputs is loaded once per kernel row and
// reused from registers. Channel groups are fastest across invocations: a
// subgroup reads and writes contiguous memory. VEC (1, 2 or 4) must divide c,
// PIX <= 8, STRIDE equals the push constant's stride; all are chosen in
// model/vk_variant.cpp. Grid-stride loop: any n, h, w, c.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "abi.h"
#include "types.glsl"
#include "chan_io.glsl"

layout(local_size_x_id = EFFNET_SC_WG_SIZE) in;
layout(constant_id = EFFNET_SC_WG_SIZE) const uint WG_SIZE = 256;
layout(constant_id = EFFNET_SC_ACT) const uint ACT = EFFNET_ACT_RELU6;
layout(constant_id = EFFNET_SC_VEC) const uint VEC = 1;        // 1, 2 or 4
layout(constant_id = EFFNET_SC_PIX) const uint PIX = 1;        // 1..8
layout(constant_id = EFFNET_SC_STRIDE) const uint STRIDE = 1;  // 1 or 2 (any >= 1)

layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer WBuf { float w_data[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer WBuf4 { vec4 w_x4[]; };
layout(std430, binding = EFFNET_BIND_BIAS) readonly buffer BiasBuf { float bias_data[]; };
layout(push_constant) uniform Push { EFFNET_CONV_PUSH_FIELDS } pc;

const uint NCOL = (PIX - 1) * STRIDE + 3;  // input columns under PIX output pixels

void main() {
  const uint c_n = pc.cout;
  const uint groups = c_n / VEC;                 // channel groups per pixel
  const uint tiles = (pc.wo + PIX - 1) / PIX;    // PIX-pixel tiles per output row
  const uint total = pc.n * pc.ho * tiles * groups;
  for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += gl_NumWorkGroups.x * WG_SIZE) {
    const uint c0 = (idx % groups) * VEC;
    uint t = idx / groups;
    const uint ox0 = (t % tiles) * PIX;
    t /= tiles;
    const uint oy = t % pc.ho;
    const uint img = t / pc.ho;

    // The 9 * VEC weights of channels c0.. are contiguous: [v][ky][kx].
    float wt[9 * 4];
    if (VEC % 4 == 0) {
      [[unroll]] for (uint q = 0; q < 9 * VEC / 4; ++q) {
        const vec4 a = w_x4[c0 * 9 / 4 + q];
        wt[4 * q] = a.x; wt[4 * q + 1] = a.y; wt[4 * q + 2] = a.z; wt[4 * q + 3] = a.w;
      }
    } else {
      [[unroll]] for (uint q = 0; q < 9 * VEC; ++q) wt[q] = w_data[c0 * 9 + q];
    }
    float acc[8 * 4];  // [p][v]
    [[unroll]] for (uint v = 0; v < VEC; ++v) {
      const float b = bias_data[c0 + v];
      [[unroll]] for (uint p = 0; p < PIX; ++p) acc[p * 4 + v] = b;
    }

    const int ix0 = int(ox0 * STRIDE) - 1;
    [[unroll]] for (uint ky = 0; ky < 3; ++ky) {
      const int iy = int(oy * STRIDE + ky) - 1;
      if (iy < 0 || iy >= int(pc.h)) continue;
      const uint row = (img * pc.h + uint(iy)) * pc.w;
      [[unroll]] for (uint j = 0; j < NCOL; ++j) {
        const int ix = ix0 + int(j);
        float x[4];
        if (ix >= 0 && ix < int(pc.w)) {
          load_chans((row + uint(ix)) * c_n + c0, VEC, x);
        } else {
          [[unroll]] for (uint v = 0; v < 4; ++v) x[v] = 0.0;
        }
        [[unroll]] for (uint p = 0; p < PIX; ++p) {
          const int kx = int(j) - int(p * STRIDE);
          if (kx < 0 || kx > 2) continue;
          [[unroll]] for (uint v = 0; v < VEC; ++v)
            acc[p * 4 + v] = fma(x[v], wt[v * 9 + ky * 3 + uint(kx)], acc[p * 4 + v]);
        }
      }
    }

    const uint out_row = (img * pc.ho + oy) * pc.wo;
    [[unroll]] for (uint p = 0; p < PIX; ++p) {
      if (ox0 + p >= pc.wo) break;
      float o[8];
      [[unroll]] for (uint v = 0; v < 8; ++v) o[v] = 0.0;
      [[unroll]] for (uint v = 0; v < VEC; ++v) o[v] = apply_act(acc[p * 4 + v], ACT);
      store_chans((out_row + ox0 + p) * c_n + c0, VEC, o);
    }
  }
}
