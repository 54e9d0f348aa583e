// Shared-memory staging of one K step of the GEMM (part of gemm.comp).
// As[k][m] and Bs[k][n] (k-major, fp32), zero outside M (m_end), N and K.
shared float As[BK * BM];
shared float Bs[BK * BN];

void fetch_tiles(uint m0, uint m_end, uint n0, uint k0) {}  // SCALAR: loads in stage_tiles

void stage_tiles(uint m0, uint m_end, uint n0, uint k0) {
  // Consecutive invocations read consecutive k of one row: coalesced along K.
  for (uint i = gl_LocalInvocationIndex; i < BM * BK; i += WG_SIZE) {
    const uint r = i / BK, k = i % BK;
    const uint m = m0 + r, kk = k0 + k;
    As[k * BM + r] = (m < m_end && kk < pc.K) ? float(a_data[m * pc.K + kk]) : 0.0;
  }
  for (uint i = gl_LocalInvocationIndex; i < BN * BK; i += WG_SIZE) {
    const uint c = i / BK, k = i % BK;
    const uint n = n0 + c, kk = k0 + k;
    Bs[k * BN + c] = (n < pc.N && kk < pc.K) ? float(b_data[n * pc.K + kk]) : 0.0;
  }
}
