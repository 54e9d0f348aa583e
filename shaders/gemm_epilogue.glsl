// Fused epilogue of gemm.comp: bias + activation on the accumulators, then
// either a bounds-checked store of the tile or (HEAD_POOL) a deterministic
// mean over the image's pixels: each invocation sums its own elements in row
// order, then one fixed-order reduction through shared memory. No atomics.
// Loops over an invocation's elements are unrolled: the arrays stay in registers.
float epilogue(uint e, uint n) { return apply_act(acc_get(e) + bias_data[n], ACT); }

#ifndef HEAD_POOL
void store_tile(uint m0, uint n0) {
  [[unroll]] for (uint e = 0; e < ACC_COUNT; ++e) {
    const uint m = m0 + acc_row(e), n = n0 + acc_col(e);
    if (m < pc.M && n < pc.N) c_data[m * pc.N + n] = CFP(epilogue(e, n));
  }
}
#else
float pool_sum[ACC_COUNT];
shared float Ps[BM * BN];

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
