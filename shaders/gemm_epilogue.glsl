// Fused epilogue of gemm.comp: bias + activation on the accumulators, then
// either a store of the tile or (HEAD_POOL) a deterministic mean over the
// image's pixels: each invocation sums its own elements in row order, then one
// fixed-order reduction through shared memory. No atomics.
// Loops over an invocation's elements are unrolled: the arrays stay in registers.
#ifndef HEAD_POOL
// The tile comes from the variant's C stage (acc_stage / acc_stage8), row-major:
// consecutive invocations take consecutive columns, then rows, so a subgroup
// writes contiguous memory.
// With BN % 8 == 0 and N % 8 == 0 (every network GEMM; then n0 % 8 == 0, every
// row starts 16-byte aligned and no 8-column group straddles N) an invocation
// takes 8 consecutive columns: bias as two vec4, one 16-byte store (fp16: 8
// packed halves; fp32: 2 x vec4). Otherwise one element per invocation per store.
#if defined(FP16) && !defined(OUT_F32)
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer CVec { uvec4 c_vec[]; };  // 8 halves
#else
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer CVec { vec4 c_vec[]; };  // 4 floats
#endif
layout(std430, binding = EFFNET_BIND_BIAS) readonly buffer BiasVec { vec4 bias_vec[]; };

const uint GROUPS = (BN + 7) / 8;                                    // 8-column groups per tile row
const uint GROUP_ROUNDS = (BM * GROUPS + WG_SIZE - 1) / WG_SIZE;     // groups per invocation
const uint ELEM_ROUNDS = (BM * BN + WG_SIZE - 1) / WG_SIZE;          // elements per invocation

void store_tile(uint m0, uint n0) {
  if (BN % 8 == 0 && pc.N % 8 == 0) {
    [[unroll]] for (uint q = 0; q < GROUP_ROUNDS; ++q) {
      const uint i = gl_LocalInvocationIndex + q * WG_SIZE;
      const uint r = i / GROUPS, c = (i % GROUPS) * 8;
      const uint m = m0 + r, n = n0 + c;
      if (i < BM * GROUPS && m < pc.M && n < pc.N) {
        float v[8];
        acc_stage8(r, c, v);
        const vec4 b0 = bias_vec[n / 4], b1 = bias_vec[n / 4 + 1];
        v[0] = apply_act(v[0] + b0.x, ACT);
        v[1] = apply_act(v[1] + b0.y, ACT);
        v[2] = apply_act(v[2] + b0.z, ACT);
        v[3] = apply_act(v[3] + b0.w, ACT);
        v[4] = apply_act(v[4] + b1.x, ACT);
        v[5] = apply_act(v[5] + b1.y, ACT);
        v[6] = apply_act(v[6] + b1.z, ACT);
        v[7] = apply_act(v[7] + b1.w, ACT);
        const uint at = m * pc.N + n;  // a multiple of 8
#if defined(FP16) && !defined(OUT_F32)
        // float16_t(x) as in the per-element store: the same rounding.
        c_vec[at / 8] = uvec4(packFloat2x16(f16vec2(v[0], v[1])), packFloat2x16(f16vec2(v[2], v[3])),
                              packFloat2x16(f16vec2(v[4], v[5])), packFloat2x16(f16vec2(v[6], v[7])));
#else
        c_vec[at / 4] = vec4(v[0], v[1], v[2], v[3]);
        c_vec[at / 4 + 1] = vec4(v[4], v[5], v[6], v[7]);
#endif
      }
    }
  } else {
    [[unroll]] for (uint q = 0; q < ELEM_ROUNDS; ++q) {
      const uint i = gl_LocalInvocationIndex + q * WG_SIZE;
      const uint r = i / BN, c = i % BN;
      const uint m = m0 + r, n = n0 + c;
      if (i < BM * BN && m < pc.M && n < pc.N)
        c_data[m * pc.N + n] = CFP(apply_act(acc_stage(r, c) + bias_data[n], ACT));
    }
  }
}
#if defined(COOPMAT) && defined(FP16) && !defined(OUT_F32)
// EPI_STAGE_F16: the fp16 C stage holds the finished values (bias, activation,
// rounding done in acc_finish); 16-byte copies of 8 columns to C. N % 8 == 0
// (host-checked: N % CM_N == 0).
void store_tile_f16(uint m0, uint n0) {
  [[unroll]] for (uint q = 0; q < GROUP_ROUNDS; ++q) {
    const uint i = gl_LocalInvocationIndex + q * WG_SIZE;
    const uint r = i / GROUPS, c = (i % GROUPS) * 8;
    const uint m = m0 + r, n = n0 + c;
    if (i < BM * GROUPS && m < pc.M && n < pc.N) c_vec[(m * pc.N + n) / 8] = S[(r * LDC16 + c) / 8];
  }
}
#endif
#else
float epilogue(uint e, uint n) { return apply_act(acc_get(e) + bias_data[n], ACT); }

float pool_sum[ACC_COUNT];
shared float Ps[EFFNET_GEMM_POOL_FLOATS(BM, BN)];  // [BM][BN]

void pool_init() {
  [[unroll]] for (uint e = 0; e < ACC_COUNT; ++e) pool_sum[e] = 0.0;
}

void pool_accumulate(uint m0, uint m_end, uint n0) {
  [[unroll]] for (uint e = 0; e < ACC_COUNT; ++e) {
    const uint m = m0 + acc_row(e), n = n0 + acc_col(e);
    if (m < m_end && n < pc.N) pool_sum[e] += epilogue(e, n);
  }
}

void pool_store(uint image, uint n0) {
  [[unroll]] for (uint e = 0; e < ACC_COUNT; ++e) Ps[acc_row(e) * BN + acc_col(e)] = pool_sum[e];
  barrier();
  for (uint c = gl_LocalInvocationIndex; c < BN; c += WG_SIZE) {
    const uint n = n0 + c;
    if (n >= pc.N) continue;
    float s = 0.0;
    for (uint r = 0; r < BM; ++r) s += Ps[r * BN + c];
    c_data[image * pc.N + n] = CFP(s / float(pc.pixels));
  }
}
#endif
