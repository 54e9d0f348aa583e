// Shared-memory staging of one K step of the GEMM (part of gemm.comp).
// One shared array S (fp32) holds As[k][m] at S[0 ..) and Bs[k][n] at
// S[B_OFF ..) (k-major), zero outside M (m_end), N and K; after the K loop,
// the C stage of gemm_scalar.glsl ([BM][LDC], aliased).
// Sizes and offsets: shaders/gemm_layout.h (shared with the host).
const uint B_OFF = EFFNET_GEMM_SC_B_OFF(BM, BK);
const uint AB_FLOATS = EFFNET_GEMM_SC_AB_FLOATS(BM, BN, BK);
const uint LDC = EFFNET_GEMM_LDC(BN);  // floats per row of the C stage: rows start 16-byte aligned
const uint C_FLOATS = EFFNET_GEMM_C_FLOATS(BM, LDC);
shared float S[AB_FLOATS > C_FLOATS ? AB_FLOATS : C_FLOATS];

#ifdef DW_A
#include "gemm_dw_a.glsl"
#endif

void fetch_tiles(uint m0, uint m_end, uint n0, uint k0) {}  // SCALAR: loads in stage_tiles

void stage_tiles(uint m0, uint m_end, uint n0, uint k0) {
  // Consecutive invocations read consecutive k of one row: coalesced along K.
  for (uint i = gl_LocalInvocationIndex; i < BM * BK; i += WG_SIZE) {
    const uint r = i / BK, k = i % BK;
    const uint m = m0 + r, kk = k0 + k;
#ifdef DW_A
    S[k * BM + r] = (m < m_end && kk < pc.K) ? dw_value(m, kk) : 0.0;
#else
    S[k * BM + r] = (m < m_end && kk < pc.K) ? float(a_data[m * pc.K + kk]) : 0.0;
#endif
  }
  for (uint i = gl_LocalInvocationIndex; i < BN * BK; i += WG_SIZE) {
    const uint c = i / BK, k = i % BK;
    const uint n = n0 + c, kk = k0 + k;
    S[B_OFF + k * BN + c] = (n < pc.N && kk < pc.K) ? float(b_data[n * pc.K + kk]) : 0.0;
  }
}
