// Sums the SPLIT fp32 partial project sums of a split fused MBConv block
// (mbconv.comp, SPLIT > 1) in fixed slice order and stores the block output:
//   part [SPLIT][n][tiles][MP_PAD][COUT] fp32 (slice 0 includes the bias)
//   out  [n][ho][wo][cout] SFP, NHWC
// Deterministic: no atomics, the same order on every run. Grid-stride loop.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "abi.h"
#include "types.glsl"
#include "mbconv_layout.h"

layout(local_size_x_id = EFFNET_SC_WG_SIZE) in;
layout(constant_id = EFFNET_SC_WG_SIZE) const uint WG_SIZE = 256;
layout(constant_id = EFFNET_SC_TILE_H) const uint TH = 8;
layout(constant_id = EFFNET_SC_TILE_W) const uint TW = 8;
layout(constant_id = EFFNET_SC_COUT) const uint COUT = 16;
layout(constant_id = EFFNET_SC_SPLIT) const uint SPLIT = 2;

layout(std430, binding = EFFNET_BIND_IN) readonly buffer PartBuf { float part[]; };
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf { SFP out_data[]; };
layout(push_constant) uniform Push { EFFNET_MBCONV_PUSH_FIELDS } pc;

const uint MP_PAD = EFFNET_ROUND16(TH * TW);

void main() {
  const uint tiles = pc.tiles_x * ((pc.ho + TH - 1) / TH);
  const uint total = pc.n * pc.ho * pc.wo * pc.cout;
  for (uint i = gl_GlobalInvocationID.x; i < total; i += gl_NumWorkGroups.x * WG_SIZE) {
    const uint co = i % pc.cout, pix = i / pc.cout;
    const uint ox = pix % pc.wo, oy = (pix / pc.wo) % pc.ho, img = pix / (pc.wo * pc.ho);
    const uint tile = (oy / TH) * pc.tiles_x + ox / TW, q = (oy % TH) * TW + ox % TW;
    const uint at = (img * tiles + tile) * MP_PAD * COUT + q * COUT + co;
    const uint slice_stride = pc.n * tiles * MP_PAD * COUT;
    float s = 0.0;
    for (uint z = 0; z < SPLIT; ++z) s += part[z * slice_stride + at];
    out_data[i] = SFP(s);
  }
}
