// 3x3 depthwise convolution, stride 1 or 2, padding 1, with bias and activation.
//   in  [n][h][w][c]   SFP (NHWC)
//   w   [c][3][3]      fp32 (fp32 in both precisions: tiny, and
//                      fp16 rounding here costs end-to-end accuracy)
//   bias[c]            fp32
//   out [n][ho][wo][c] SFP, ho = (h - 1) / stride + 1
// One invocation per output element, channels fastest, so a workgroup reads and
// writes contiguous channels (coalesced). Grid-stride loop over x: any size.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "abi.h"
#include "types.glsl"

layout(local_size_x_id = EFFNET_SC_WG_SIZE) in;
layout(constant_id = EFFNET_SC_WG_SIZE) const uint WG_SIZE = 256;
layout(constant_id = EFFNET_SC_ACT) const uint ACT = EFFNET_ACT_RELU6;

layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf { SFP in_data[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer WBuf { float w_data[]; };
layout(std430, binding = EFFNET_BIND_BIAS) readonly buffer BiasBuf { float bias_data[]; };
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf { SFP out_data[]; };
layout(push_constant) uniform Push { EFFNET_CONV_PUSH_FIELDS } pc;

void main() {
  const uint total = pc.n * pc.ho * pc.wo * pc.cout;
  const uint c_n = pc.cout;
  for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += gl_NumWorkGroups.x * WG_SIZE) {
    const uint c = idx % c_n;
    uint t = idx / c_n;
    const uint ox = t % pc.wo;
    t /= pc.wo;
    const uint oy = t % pc.ho;
    const uint img = t / pc.ho;
    float s = bias_data[c];
    for (uint ky = 0; ky < 3; ++ky) {
      const int iy = int(oy * pc.stride + ky) - 1;
      if (iy < 0 || iy >= int(pc.h)) continue;
      for (uint kx = 0; kx < 3; ++kx) {
        const int ix = int(ox * pc.stride + kx) - 1;
        if (ix < 0 || ix >= int(pc.w)) continue;
        const uint src = ((img * pc.h + uint(iy)) * pc.w + uint(ix)) * c_n + c;
        s = fma(float(in_data[src]), w_data[c * 9 + ky * 3 + kx], s);
      }
    }
    out_data[idx] = SFP(apply_act(s, ACT));
  }
}
