// COOPMAT2 tile of gemm.comp (GL_NV_cooperative_matrix2): the whole BM x BN
// tile is one workgroup-scope fp32 accumulator; the driver stages the operands
// through its own reserved shared memory (this include declares none) and
// splits the products among the subgroups.
//   A: tensor layout [M][K] (row-major, stride K), slice rows [m0, +BM), k [k0, +BK)
//   B: tensor layout [N][K] (the weight), slice [n0, +BN) x [k0, +BK), loaded
//      through the transposing view (2, false, 1, 0) as the BK x BN B operand
//   C: tensor layout [M][N] (row-major, stride N), slice [m0, +BM) x [n0, +BN)
// Edges: a tile that crosses M or N, and the last K step when K % BK != 0, use
// layouts with gl_CooperativeMatrixClampModeConstantNV: loads past M, N or K
// read 0 (the clamp value), stores past M or N are dropped. Tiles wholly inside
// use unclamped layouts (no per-element bounds test). Epilogue: bias[n] and
// the activation by coopMatPerElementNV on the fp32 accumulator, conversion to
// CFP (float16_t(x), as the other variants round; float with OUT_F32), one
// coopMatStoreTensorNV.
// Host-checked (model/vk_gemm_tile.cpp): WG_SIZE a power-of-two multiple of
// the subgroup size, at most cooperativeMatrixWorkgroupScopeMaxWorkgroupSize;
// BM, BN, BK multiples of a flexible-dimension granularity the device reports
// for f16 x f16 -> f32 workgroup scope at WG_SIZE invocations, and at most
// cooperativeMatrixFlexibleDimensionsMaxDimension.
#define CM2_A coopmat<float16_t, gl_ScopeWorkgroup, BM, BK, gl_MatrixUseA>
#define CM2_B coopmat<float16_t, gl_ScopeWorkgroup, BK, BN, gl_MatrixUseB>
#define CM2_ACC coopmat<float, gl_ScopeWorkgroup, BM, BN, gl_MatrixUseAccumulator>
#define CM2_OUT coopmat<CFP, gl_ScopeWorkgroup, BM, BN, gl_MatrixUseAccumulator>
#define CM2_CLAMPED tensorLayoutNV<2, gl_CooperativeMatrixClampModeConstantNV>

// Element (r, c) of the tile whose first column is n0: act(v + bias[n0 + c]).
// Columns past N are dropped by the store; their bias is not read.
float cm2_bias_act(const in uint32_t r, const in uint32_t c, const in float v, const in uint32_t n0) {
  const uint n = n0 + c;
  return apply_act(v + (n < pc.N ? bias_data[n] : 0.0), ACT);
}

// C[m0 .. m0 + BM) x [n0 .. n0 + BN) = act(A * B^T + bias), stored below M and N.
void gemm_tile_coopmat2(uint m0, uint n0) {
  tensorLayoutNV<2> a_in = createTensorLayoutNV(2);
  tensorLayoutNV<2> b_in = createTensorLayoutNV(2);
  tensorLayoutNV<2> c_in = createTensorLayoutNV(2);
  CM2_CLAMPED a_edge = createTensorLayoutNV(2, gl_CooperativeMatrixClampModeConstantNV);
  CM2_CLAMPED b_edge = createTensorLayoutNV(2, gl_CooperativeMatrixClampModeConstantNV);
  CM2_CLAMPED c_edge = createTensorLayoutNV(2, gl_CooperativeMatrixClampModeConstantNV);
  a_in = setTensorLayoutDimensionNV(a_in, pc.M, pc.K);
  b_in = setTensorLayoutDimensionNV(b_in, pc.N, pc.K);
  c_in = setTensorLayoutDimensionNV(c_in, pc.M, pc.N);
  a_edge = setTensorLayoutDimensionNV(a_edge, pc.M, pc.K);
  b_edge = setTensorLayoutDimensionNV(b_edge, pc.N, pc.K);
  c_edge = setTensorLayoutDimensionNV(c_edge, pc.M, pc.N);
  tensorViewNV<2, false, 1, 0> transposed = createTensorViewNV(2, false, 1, 0);

  const bool inside = m0 + BM <= pc.M && n0 + BN <= pc.N;  // uniform over the workgroup
  CM2_ACC acc = CM2_ACC(0.0);
  uint k0 = 0;
  if (inside) {
    for (; k0 + BK <= pc.K; k0 += BK) {
      CM2_A a;
      CM2_B b;
      coopMatLoadTensorNV(a, a_data, 0, sliceTensorLayoutNV(a_in, m0, BM, k0, BK));
      coopMatLoadTensorNV(b, b_data, 0, sliceTensorLayoutNV(b_in, n0, BN, k0, BK), transposed);
      acc = coopMatMulAdd(a, b, acc);
    }
  }
  for (; k0 < pc.K; k0 += BK) {  // every step of an edge tile; else the K remainder
    CM2_A a;
    CM2_B b;
    coopMatLoadTensorNV(a, a_data, 0, sliceTensorLayoutNV(a_edge, m0, BM, k0, BK));
    coopMatLoadTensorNV(b, b_data, 0, sliceTensorLayoutNV(b_edge, n0, BN, k0, BK), transposed);
    acc = coopMatMulAdd(a, b, acc);
  }

  coopMatPerElementNV(acc, acc, cm2_bias_act, n0);
  const CM2_OUT c = CM2_OUT(acc);
  if (inside)
    coopMatStoreTensorNV(c, c_data, 0, sliceTensorLayoutNV(c_in, m0, BM, n0, BN));
  else
    coopMatStoreTensorNV(c, c_data, 0, sliceTensorLayoutNV(c_edge, m0, BM, n0, BN));
}
