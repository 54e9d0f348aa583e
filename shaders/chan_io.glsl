// Vector access to runs of NHWC channels for the stem and depthwise shaders.
// Include after abi.h and types.glsl. Declares the output buffer `out_data`
// (SFP) at EFFNET_BIND_OUT with 32/64/128-bit aliases, and, unless NO_NHWC_IN
// is defined, the same for the input `in_data` at EFFNET_BIND_IN.
//   load_chans(e, n, v):  v[0..n) = in[e .. e+n), n in {1, 2, 4, 8}
//   store_chans(e, n, v): out[e .. e+n) = v[0..n), n in {1, 2, 4, 8}
// The element offset e must be a multiple of n (n * storage bytes aligned);
// fp32 splits n = 8 into two 128-bit loads or stores. n is a (specialization)
// constant at every call, so only one branch survives in the pipeline.

layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf { SFP out_data[]; };
#ifdef FP16
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf2 { uint out_x2[]; };
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf4 { uvec2 out_x4[]; };
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf8 { uvec4 out_x8[]; };
#else
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf2 { vec2 out_x2[]; };
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer OutBuf4 { vec4 out_x4[]; };
#endif

#ifndef NO_NHWC_IN
layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf { SFP in_data[]; };
#ifdef FP16
layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf2 { uint in_x2[]; };
layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf4 { uvec2 in_x4[]; };
layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf8 { uvec4 in_x8[]; };
#else
layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf2 { vec2 in_x2[]; };
layout(std430, binding = EFFNET_BIND_IN) readonly buffer InBuf4 { vec4 in_x4[]; };
#endif

void load_chans(uint e, uint n, out float v[8]) {
  for (uint i = 0; i < 8; ++i) v[i] = 0.0;
#ifdef FP16
  if (n == 8) {
    const uvec4 u = in_x8[e >> 3];
    const vec2 a = unpackHalf2x16(u.x), b = unpackHalf2x16(u.y);
    const vec2 c = unpackHalf2x16(u.z), d = unpackHalf2x16(u.w);
    v[0] = a.x; v[1] = a.y; v[2] = b.x; v[3] = b.y;
    v[4] = c.x; v[5] = c.y; v[6] = d.x; v[7] = d.y;
  } else if (n == 4) {
    const uvec2 u = in_x4[e >> 2];
    const vec2 a = unpackHalf2x16(u.x), b = unpackHalf2x16(u.y);
    v[0] = a.x; v[1] = a.y; v[2] = b.x; v[3] = b.y;
  } else if (n == 2) {
    const vec2 a = unpackHalf2x16(in_x2[e >> 1]);
    v[0] = a.x; v[1] = a.y;
  }
#else
  if (n == 8 || n == 4) {
    const vec4 a = in_x4[e >> 2];
    v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w;
    if (n == 8) {
      const vec4 b = in_x4[(e >> 2) + 1];
      v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
    }
  } else if (n == 2) {
    const vec2 a = in_x2[e >> 1];
    v[0] = a.x; v[1] = a.y;
  }
#endif
  else {
    v[0] = float(in_data[e]);
  }
}
#endif  // NO_NHWC_IN

void store_chans(uint e, uint n, float v[8]) {
#ifdef FP16
  if (n == 8) {
    out_x8[e >> 3] = uvec4(packHalf2x16(vec2(v[0], v[1])), packHalf2x16(vec2(v[2], v[3])),
                           packHalf2x16(vec2(v[4], v[5])), packHalf2x16(vec2(v[6], v[7])));
  } else if (n == 4) {
    out_x4[e >> 2] = uvec2(packHalf2x16(vec2(v[0], v[1])), packHalf2x16(vec2(v[2], v[3])));
  } else if (n == 2) {
    out_x2[e >> 1] = packHalf2x16(vec2(v[0], v[1]));
  }
#else
  if (n == 8 || n == 4) {
    out_x4[e >> 2] = vec4(v[0], v[1], v[2], v[3]);
    if (n == 8) out_x4[(e >> 2) + 1] = vec4(v[4], v[5], v[6], v[7]);
  } else if (n == 2) {
    out_x2[e >> 1] = vec2(v[0], v[1]);
  }
#endif
  else {
    out_data[e] = SFP(v[0]);
  }
}
