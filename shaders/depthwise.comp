// 3x3 depthwise convolution, stride STRIDE, padding 1, with bias and activation.
//   in  [n][h][w][c]   SFP (NHWC)
//   w   [9][c]         fp32, tap-major (tap = ky * 3 + kx; fp32 in both
//                      precisions: tiny, and fp16 rounding here costs
//                      end-to-end accuracy). Tap-major, a subgroup's weight
//                      loads of one tap are one contiguous run, like its
//                      activation loads (channel-major [c][9] made each
//                      invocation read its own 36-float run: 8x the L1 wavefronts).
//   bias[c]            fp32
//   out [n][ho][wo][c] SFP, ho = (h - 1) / stride + 1
// Memory bound: each invocation owns VEC consecutive channels (one 16-byte
// load at fp16 VEC = 8 or fp32 VEC = 4) of a ROWS x PIX block of output pixels
// (PIX consecutive along W, ROWS along H), so each input pixel under the block
// is loaded once and reused from registers for every output that needs it
// ((ROWS - 1) * STRIDE + 3 input rows instead of 3 * ROWS). Channel groups are
// fastest across invocations: a subgroup reads and writes contiguous memory.
// VEC (1, 2, 4 or 8) must divide c, ROWS * PIX * VEC <= 32, STRIDE equals the
// push constant's stride; all are chosen in model/vk_stage_depthwise.cpp.
// Grid-stride loop: any n, h, w, c.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "abi.h"
#include "types.glsl"
#include "chan_io.glsl"

layout(local_size_x_id = EFFNET_SC_WG_SIZE) in;
layout(constant_id = EFFNET_SC_WG_SIZE) const uint WG_SIZE = 256;
layout(constant_id = EFFNET_SC_ACT) const uint ACT = EFFNET_ACT_RELU6;
layout(constant_id = EFFNET_SC_VEC) const uint VEC = 1;        // 1, 2, 4 or 8
layout(constant_id = EFFNET_SC_PIX) const uint PIX = 1;        // 1..32
layout(constant_id = EFFNET_SC_STRIDE) const uint STRIDE = 1;  // 1 or 2 (any >= 1)
layout(constant_id = EFFNET_SC_ROWS) const uint ROWS = 1;      // ROWS * PIX * VEC <= 32

layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer WBuf { float w_data[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer WBuf4 { vec4 w_x4[]; };
layout(std430, binding = EFFNET_BIND_BIAS) readonly buffer BiasBuf { float bias_data[]; };
layout(push_constant) uniform Push { EFFNET_CONV_PUSH_FIELDS } pc;

const uint NCOL = (PIX - 1) * STRIDE + 3;   // input columns under PIX output pixels
const uint NROW = (ROWS - 1) * STRIDE + 3;  // input rows under ROWS output rows

void main() {
  const uint c_n = pc.cout;
  const uint groups = c_n / VEC;                 // channel groups per pixel
  const uint tiles = (pc.wo + PIX - 1) / PIX;    // PIX-pixel tiles per output row
  const uint bands = (pc.ho + ROWS - 1) / ROWS;  // ROWS-row bands per image
  const uint total = pc.n * bands * tiles * groups;
  for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += gl_NumWorkGroups.x * WG_SIZE) {
    const uint c0 = (idx % groups) * VEC;
    uint t = idx / groups;
    const uint ox0 = (t % tiles) * PIX;
    t /= tiles;
    const uint oy0 = (t % bands) * ROWS;
    const uint img = t / bands;

    // The VEC channels' weights of one tap: w[tap][c0 .. c0 + VEC), one vec4
    // per 4 channels (c0 % 4 == 0 and c % 4 == 0 when VEC >= 4). wt[v * 9 + tap].
    float wt[9 * 8];
    [[unroll]] for (uint tap = 0; tap < 9; ++tap) {
      if (VEC % 4 == 0) {
        [[unroll]] for (uint q = 0; q < VEC / 4; ++q) {
          const vec4 a = w_x4[(tap * c_n + c0) / 4 + q];
          [[unroll]] for (uint j = 0; j < 4; ++j) wt[(4 * q + j) * 9 + tap] = a[j];
        }
      } else {
        [[unroll]] for (uint v = 0; v < VEC; ++v) wt[v * 9 + tap] = w_data[tap * c_n + c0 + v];
      }
    }
    float acc[32];  // [r][p][v]
    [[unroll]] for (uint v = 0; v < VEC; ++v) {
      const float b = bias_data[c0 + v];
      [[unroll]] for (uint q = 0; q < ROWS * PIX; ++q) acc[q * VEC + v] = b;
    }

    const int ix0 = int(ox0 * STRIDE) - 1;
    const int iy0 = int(oy0 * STRIDE) - 1;
    [[unroll]] for (uint i = 0; i < NROW; ++i) {
      const int iy = iy0 + int(i);
      if (iy < 0 || iy >= int(pc.h)) continue;
      const uint row = (img * pc.h + uint(iy)) * pc.w;
      [[unroll]] for (uint j = 0; j < NCOL; ++j) {
        const int ix = ix0 + int(j);
        float x[8];
        if (ix >= 0 && ix < int(pc.w)) {
          load_chans((row + uint(ix)) * c_n + c0, VEC, x);
        } else {
          [[unroll]] for (uint v = 0; v < 8; ++v) x[v] = 0.0;
        }
        [[unroll]] for (uint r = 0; r < ROWS; ++r) {
          const int ky = int(i) - int(r * STRIDE);
          if (ky < 0 || ky > 2) continue;
          [[unroll]] for (uint p = 0; p < PIX; ++p) {
            const int kx = int(j) - int(p * STRIDE);
            if (kx < 0 || kx > 2) continue;
            [[unroll]] for (uint v = 0; v < VEC; ++v)
              acc[(r * PIX + p) * VEC + v] =
                  fma(x[v], wt[v * 9 + uint(ky) * 3 + uint(kx)], acc[(r * PIX + p) * VEC + v]);
          }
        }
      }
    }

    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      if (oy0 + r >= pc.ho) break;
      const uint out_row = (img * pc.ho + oy0 + r) * pc.wo;
      [[unroll]] for (uint p = 0; p < PIX; ++p) {
        if (ox0 + p >= pc.wo) break;
        float o[8];
        [[unroll]] for (uint v = 0; v < 8; ++v) o[v] = 0.0;
        [[unroll]] for (uint v = 0; v < VEC; ++v) o[v] = apply_act(acc[(r * PIX + p) * VEC + v], ACT);
        store_chans((out_row + ox0 + p) * c_n + c0, VEC, o);
      }
    }
  }
}
