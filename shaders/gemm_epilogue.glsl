// Fused epilogue of gemm.comp: bias + activation on the accumulators, then
// either a store of the tile or (HEAD_POOL) a deterministic mean over each
// image's pixels read back from the C stage (below). No atomics.
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
// HEAD_POOL: a workgroup owns POOL_IMAGES consecutive images (when their
// pixels fit one M tile: POOL_IMAGES = BM / pixels, host-chosen) or one image
// whose pixels take several M tiles (POOL_IMAGES = 1), and a column block.
// After each tile, invocation i sums column c = i % BN of image slot
// j = (i / BN) % POOL_IMAGES over the rows s, s + SPLITS, ... of that image in
// the tile (s = i / (BN * POOL_IMAGES)), reading the finished values (bias and
// activation applied; EPI_STAGE_F16: as rounded to fp16) from the C stage;
// pool_store adds the SPLITS partial sums in order of s. No atomics: the
// result does not depend on scheduling.
layout(constant_id = EFFNET_SC_POOL_IMAGES) const uint POOL_IMAGES = 1;
const uint POOL_PAIRS = BN * POOL_IMAGES;                             // (column, image) pairs
const uint POOL_SPLITS = POOL_PAIRS >= WG_SIZE ? 1 : WG_SIZE / POOL_PAIRS;  // invocations per pair
const uint POOL_ROUNDS = (POOL_PAIRS + WG_SIZE - 1) / WG_SIZE;         // pairs per invocation
float pool_sum[POOL_ROUNDS];
shared float Ps[EFFNET_GEMM_POOL_FLOATS(WG_SIZE)];

// Element (r, c) of the tile, finished: act(sum + bias) as the store would write it.
float pool_value(uint r, uint c, uint n) {
#if defined(COOPMAT) && defined(FP16) && !defined(OUT_F32)
  if (EPILOGUE == EFFNET_GEMM_EPI_STAGE_F16) return stage16(r, c);
#endif
  return apply_act(acc_stage(r, c) + bias_data[n], ACT);
}

void pool_init() {
  [[unroll]] for (uint q = 0; q < POOL_ROUNDS; ++q) pool_sum[q] = 0.0;
}

// The tile holds rows [m0, m0 + BM) of the GEMM, of which [m0, m_end) belong
// to this workgroup's images (image slot j at rows [j * pixels, (j + 1) * pixels)
// of its first tile).
void pool_accumulate(uint m0, uint m_end, uint n0) {
  const uint rows = min(BM, m_end - m0);
  [[unroll]] for (uint q = 0; q < POOL_ROUNDS; ++q) {
    const uint i = gl_LocalInvocationIndex + q * WG_SIZE;
    const uint pair = i % POOL_PAIRS, s = i / POOL_PAIRS;
    const uint c = pair % BN, j = pair / BN, n = n0 + c;
    if (s >= POOL_SPLITS || n >= pc.N) continue;
    const uint hi = min((j + 1) * pc.pixels, rows);
    for (uint r = j * pc.pixels + s; r < hi; r += POOL_SPLITS) pool_sum[q] += pool_value(r, c, n);
  }
}

void pool_store(uint image0, uint n0) {
  const uint images = pc.M / pc.pixels;
  if (POOL_SPLITS > 1) {
    Ps[gl_LocalInvocationIndex] = pool_sum[0];
    barrier();
  }
  [[unroll]] for (uint q = 0; q < POOL_ROUNDS; ++q) {
    const uint i = gl_LocalInvocationIndex + q * WG_SIZE;
    const uint pair = i % POOL_PAIRS, s = i / POOL_PAIRS;
    const uint c = pair % BN, j = pair / BN, n = n0 + c;
    if (s != 0 || n >= pc.N || image0 + j >= images) continue;
    float sum = pool_sum[q];
    for (uint t = 1; t < POOL_SPLITS; ++t) sum += Ps[pair + t * POOL_PAIRS];
    c_data[(image0 + j) * pc.N + n] = CFP(sum / float(pc.pixels));
  }
}
#endif
