// DW_A (gemm.comp -DDW_A): the A operand of the GEMM is computed, not loaded:
// A[m][k] = dw_act(dw_bias[k] + sum over the 3x3 taps of w_dw[tap][k] *
// X[img][oy * stride + ky - 1][ox * stride + kx - 1][k]), the depthwise 3x3
// convolution (padding 1: taps outside the input are skipped, i.e. zero) of
// the hidden tensor X [n][in_h][in_w][K] (NHWC, storage type) at output pixel
// m = (img * out_h + oy) * out_w + ox. So the depthwise output of an MBConv
// block goes straight into the project GEMM's shared tiles and never to device
// memory (stage kind dw_project, model/vk_stage_dw_project.cpp). The value is
// rounded to the storage type as the unfused depthwise layer stores it.
//   w_dw    [9][K] fp32, tap-major (tap = ky * 3 + kx), binding DW_WEIGHT
//   dw_bias [K]    fp32, binding DW_BIAS
// Host-checked: K % 8 == 0 (8-channel chunks are 16-byte aligned), M = n * out_h * out_w.
layout(constant_id = EFFNET_SC_DW_ACT) const uint DW_ACT = EFFNET_ACT_RELU6;
layout(std430, binding = EFFNET_BIND_DW_WEIGHT) readonly buffer DwW { float dw_w[]; };
layout(std430, binding = EFFNET_BIND_DW_WEIGHT) readonly buffer DwW4 { vec4 dw_w4[]; };
layout(std430, binding = EFFNET_BIND_DW_BIAS) readonly buffer DwB { float dw_b[]; };
layout(std430, binding = EFFNET_BIND_DW_BIAS) readonly buffer DwB4 { vec4 dw_b4[]; };

// Output pixel m as (image, oy, ox) of the depthwise output.
uvec3 dw_pixel(uint m) {
  const uint out_h = pc.pixels / pc.out_w;
  const uint t = m / pc.out_w;
  return uvec3(t / out_h, t % out_h, m % pc.out_w);
}

#ifdef COOPMAT
// A[m][kk .. kk + 8) as 8 packed halves (kk % 8 == 0, kk < K).
uvec4 dw_chunk(uint m, uint kk) {
  const uvec3 p = dw_pixel(m);
  vec4 lo = dw_b4[kk / 4], hi = dw_b4[kk / 4 + 1];
  [[unroll]] for (uint ky = 0; ky < 3; ++ky) {
    const int iy = int(p.y * pc.stride + ky) - 1;
    if (iy < 0 || iy >= int(pc.in_h)) continue;
    [[unroll]] for (uint kx = 0; kx < 3; ++kx) {
      const int ix = int(p.z * pc.stride + kx) - 1;
      if (ix < 0 || ix >= int(pc.in_w)) continue;
      const uvec4 x = a_vec[(((p.x * pc.in_h + uint(iy)) * pc.in_w + uint(ix)) * pc.K + kk) / 8];
      const uint w = ((ky * 3 + kx) * pc.K + kk) / 4;
      lo = fma(vec4(unpackHalf2x16(x.x), unpackHalf2x16(x.y)), dw_w4[w], lo);
      hi = fma(vec4(unpackHalf2x16(x.z), unpackHalf2x16(x.w)), dw_w4[w + 1], hi);
    }
  }
  // float16_t(x) of each activated value: the rounding of the unfused store.
  return uvec4(packFloat2x16(f16vec2(apply_act(lo.x, DW_ACT), apply_act(lo.y, DW_ACT))),
               packFloat2x16(f16vec2(apply_act(lo.z, DW_ACT), apply_act(lo.w, DW_ACT))),
               packFloat2x16(f16vec2(apply_act(hi.x, DW_ACT), apply_act(hi.y, DW_ACT))),
               packFloat2x16(f16vec2(apply_act(hi.z, DW_ACT), apply_act(hi.w, DW_ACT))));
}
#else
// A[m][k] (k < K), rounded to the storage type.
float dw_value(uint m, uint k) {
  const uvec3 p = dw_pixel(m);
  float acc = dw_b[k];
  for (uint ky = 0; ky < 3; ++ky) {
    const int iy = int(p.y * pc.stride + ky) - 1;
    if (iy < 0 || iy >= int(pc.in_h)) continue;
    for (uint kx = 0; kx < 3; ++kx) {
      const int ix = int(p.z * pc.stride + kx) - 1;
      if (ix < 0 || ix >= int(pc.in_w)) continue;
      const float x = float(a_data[((p.x * pc.in_h + uint(iy)) * pc.in_w + uint(ix)) * pc.K + k]);
      acc = fma(x, dw_w[(ky * 3 + kx) * pc.K + k], acc);
    }
  }
  return float(SFP(apply_act(acc, DW_ACT)));
}
#endif
