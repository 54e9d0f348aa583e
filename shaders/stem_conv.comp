// Stem: dense 3x3 convolution, stride pc.stride (2), padding 1, with bias and
// activation; reads the user's NCHW fp32 input and writes NHWC.
//   in  [n][cin][h][w]    fp32 (NCHW)
//   w   [cout][cin][3][3] fp32 (OIHW) (fp32 in both precisions: tiny, and
//                      fp16 rounding here costs end-to-end accuracy)
//   bias[cout]            fp32
//   out [n][ho][wo][cout] SFP (NHWC)
// One invocation per output element, output channels fastest (coalesced store).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "abi.h"
#include "types.glsl"

layout(local_size_x_id = EFFNET_SC_WG_SIZE) in;
layout(constant_id = EFFNET_SC_WG_SIZE) const uint WG_SIZE = 256;
layout(constant_id = EFFNET_SC_ACT) const uint ACT = EFFNET_ACT_RELU;

layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf { float in_data[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer WBuf { float w_data[]; };
layout(std430, binding = EFFNET_BIND_BIAS) readonly buffer BiasBuf { float bias_data[]; };
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf { SFP out_data[]; };
layout(push_constant) uniform Push { EFFNET_CONV_PUSH_FIELDS } pc;

void main() {
  const uint total = pc.n * pc.ho * pc.wo * pc.cout;
  for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += gl_NumWorkGroups.x * WG_SIZE) {
    const uint co = idx % pc.cout;
    uint t = idx / pc.cout;
    const uint ox = t % pc.wo;
    t /= pc.wo;
    const uint oy = t % pc.ho;
    const uint img = t / pc.ho;
    float s = bias_data[co];
    for (uint ci = 0; ci < pc.cin; ++ci) {
      for (uint ky = 0; ky < 3; ++ky) {
        const int iy = int(oy * pc.stride + ky) - 1;
        if (iy < 0 || iy >= int(pc.h)) continue;
        for (uint kx = 0; kx < 3; ++kx) {
          const int ix = int(ox * pc.stride + kx) - 1;
          if (ix < 0 || ix >= int(pc.w)) continue;
          const float x = in_data[((img * pc.cin + ci) * pc.h + uint(iy)) * pc.w + uint(ix)];
          s = fma(x, w_data[((co * pc.cin + ci) * 3 + ky) * 3 + kx], s);
        }
      }
    }
    out_data[idx] = SFP(apply_act(s, ACT));
  }
}
