// COOPMAT main of stem_conv.comp (the stem as a split-fp16 GEMM on cooperative
// matrices; the method, layout and limits are in stem_conv.comp's header).
// Included after the buffers, push constants and u8_value.
#define CM_A coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseA>
#define CM_B coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseB>
#define CM_C coopmat<float, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator>
#define CM_H coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator>

const uint KTAPS = CIN * 9;              // real K
const uint KP = (KTAPS + 15) / 16 * 16;  // K padded to whole 16-deep steps
const uint KS = KP / 16;                 // K steps
const uint KCH = KP / 8;                 // 16-byte chunks (8 halves) per row
const uint LDA = KCH | 1u;               // chunks per shared row, odd
const uint NF = COUT / 16;               // accumulator fragments along N
const uint SLICE = 2 * 16 * LDA;         // one subgroup's A_hi [16][LDA] then A_lo [16][LDA]

shared uvec4 S[SHARED];

// 8 fp32 values as hi = fp16(v) and lo = fp16(v - hi), each packed as one
// 16-byte chunk. v - hi is exact in fp32 (hi is v rounded to 11 bits).
void split8(const float v[8], out uvec4 hi, out uvec4 lo) {
  uint h[4], l[4];
  [[unroll]] for (uint i = 0; i < 4; ++i) {
    const f16vec2 a = f16vec2(float16_t(v[2 * i]), float16_t(v[2 * i + 1]));
    const f16vec2 b = f16vec2(float16_t(v[2 * i] - float(a.x)), float16_t(v[2 * i + 1] - float(a.y)));
    h[i] = packFloat2x16(a);
    l[i] = packFloat2x16(b);
  }
  hi = uvec4(h[0], h[1], h[2], h[3]);
  lo = uvec4(l[0], l[1], l[2], l[3]);
}

// Input value of tap k (< KTAPS) of output pixel (img, oy, ox); 0 outside the
// image (the padding of the network input).
float patch_value(uint img, uint oy, uint ox, uint k) {
  const uint ci = k / 9, t = k % 9;
  const int iy = int(oy * STRIDE + t / 3) - 1, ix = int(ox * STRIDE + t % 3) - 1;
  if (iy < 0 || iy >= int(pc.h) || ix < 0 || ix >= int(pc.w)) return 0.0;
#ifdef INPUT_U8
  return u8_value((((img * pc.h) + uint(iy)) * pc.w + uint(ix)) * CIN + ci, ci);
#else
  return in_data[((img * CIN + ci) * pc.h + uint(iy)) * pc.w + uint(ix)];
#endif
}

void main() {
  // The split weights W[n][k] as B (K x N, column-major: row n holds its K
  // taps), staged once: B_hi [COUT][LDA] then B_lo [COUT][LDA].
  for (uint i = gl_LocalInvocationIndex; i < COUT * KCH; i += WG_SIZE) {
    const uint n = i / KCH, k0 = (i % KCH) * 8;
    float v[8];
    [[unroll]] for (uint j = 0; j < 8; ++j) v[j] = k0 + j < KTAPS ? w_data[n * KTAPS + k0 + j] : 0.0;
    uvec4 hi, lo;
    split8(v, hi, lo);
    S[n * LDA + i % KCH] = hi;
    S[(COUT + n) * LDA + i % KCH] = lo;
  }
#ifdef INPUT_U8
  for (uint i = gl_LocalInvocationIndex; i < 3 * 256; i += WG_SIZE) table_s[i] = table_data[i];
#endif
  barrier();
  CM_B b_hi[KS * NF], b_lo[KS * NF];
  [[unroll]] for (uint s = 0; s < KS; ++s)
    [[unroll]] for (uint j = 0; j < NF; ++j) {
      coopMatLoad(b_hi[s * NF + j], S, j * 16 * LDA + 2 * s, LDA, gl_CooperativeMatrixLayoutColumnMajor);
      coopMatLoad(b_lo[s * NF + j], S, (COUT + j * 16) * LDA + 2 * s, LDA, gl_CooperativeMatrixLayoutColumnMajor);
    }
  barrier();  // every subgroup holds B: the A slices alias it from here on

  const uint sg = gl_SubgroupID, lane = gl_SubgroupInvocationID;
  const uint base = sg * SLICE;
  const uint m_total = pc.n * pc.ho * pc.wo;
  const uint blocks = (m_total + 15) / 16;
  for (uint blk = gl_WorkGroupID.x * SUBGROUPS + sg; blk < blocks; blk += gl_NumWorkGroups.x * SUBGROUPS) {
    subgroupMemoryBarrierShared();
    subgroupBarrier();  // the previous block's reads of the slice are done
    const uint m0 = blk * 16;
    // Gather: item e is chunk e / 16 (taps 8c .. 8c + 7) of pixel m0 + e % 16.
    // Lanes walk consecutive pixels, so each tap's loads are neighbours in a row.
    for (uint e = lane; e < 16 * KCH; e += gl_SubgroupSize) {
      const uint p = e % 16, c = e / 16, m = m0 + p;
      float v[8];
      [[unroll]] for (uint j = 0; j < 8; ++j) v[j] = 0.0;
      if (m < m_total) {
        const uint ox = m % pc.wo, t = m / pc.wo, oy = t % pc.ho, img = t / pc.ho;
        [[unroll]] for (uint j = 0; j < 8; ++j)
          if (c * 8 + j < KTAPS) v[j] = patch_value(img, oy, ox, c * 8 + j);
      }
      uvec4 hi, lo;
      split8(v, hi, lo);
      S[base + p * LDA + c] = hi;
      S[base + (16 + p) * LDA + c] = lo;
    }
    subgroupMemoryBarrierShared();
    subgroupBarrier();

    CM_C acc[NF];
    [[unroll]] for (uint j = 0; j < NF; ++j)  // from the bias: stride 0 repeats bias[16j ..) on every row
      coopMatLoad(acc[j], bias_data, j * 16, 0, gl_CooperativeMatrixLayoutRowMajor);
    [[unroll]] for (uint s = 0; s < KS; ++s) {
      CM_A a_hi, a_lo;
      coopMatLoad(a_hi, S, base + 2 * s, LDA, gl_CooperativeMatrixLayoutRowMajor);
      coopMatLoad(a_lo, S, base + 16 * LDA + 2 * s, LDA, gl_CooperativeMatrixLayoutRowMajor);
      [[unroll]] for (uint j = 0; j < NF; ++j) {  // the small terms first
        acc[j] = coopMatMulAdd(a_lo, b_hi[s * NF + j], acc[j]);
        acc[j] = coopMatMulAdd(a_hi, b_lo[s * NF + j], acc[j]);
        acc[j] = coopMatMulAdd(a_hi, b_hi[s * NF + j], acc[j]);
      }
    }

    [[unroll]] for (uint j = 0; j < NF; ++j) {
      CM_C c = acc[j];
      for (uint e = 0; e < c.length(); ++e) c[e] = apply_act(c[e], ACT);
      if (m0 + 16 <= m_total) {
        CM_H h = CM_H(c);
        coopMatStore(h, out_data, m0 * COUT + j * 16, COUT, gl_CooperativeMatrixLayoutRowMajor);
      } else {  // the last block, past M: through the slice ([16][16] fp32), rows below M
        subgroupBarrier();  // the A loads (and an earlier fragment's reads) are done
        coopMatStore(c, S, base, 4, gl_CooperativeMatrixLayoutRowMajor);
        subgroupMemoryBarrierShared();
        subgroupBarrier();
        for (uint e = lane; e < 256; e += gl_SubgroupSize)
          if (m0 + e / 16 < m_total)
            out_data[(m0 + e / 16) * COUT + j * 16 + e % 16] = SFP(uintBitsToFloat(S[base + e / 4][e % 4]));
      }
    }
  }
}
