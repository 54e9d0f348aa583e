// COOPMAT inner product of gemm.comp (GL_KHR_cooperative_matrix): fp16 A and B
// fragments from the shared tiles of gemm_coopmat_load.glsl, fp32 accumulators.
// Every loop over fragments is unrolled (trip counts are specialization
// constants), so the fragment arrays live in registers.
// Subgroup w works on rows [wm * WTM * CM_M, +WTM * CM_M) and columns
// [wn * WTN * CM_N, +WTN * CM_N) of the tile, over the K slice
// [wk * BK / WARPS_K, +BK / WARPS_K) of each step (wm, wn, wk from w).
// acc_finish stores the fragments to the fp32 C stage in shared memory (one
// [BM][LDC] slice per wk); the epilogue reads it back, summing the WARPS_K
// slices in fixed order: acc_stage(r, c) one element, acc_stage8(r, c, v) the 8
// columns from c (c % 8 == 0: two 16-byte reads per slice), acc_get(e) element e
// of invocation i at tile index i + e * WG_SIZE (row-major; HEAD_POOL).
// Host-checked: WG_SIZE == WARPS_M * WARPS_N * WARPS_K * subgroup size;
// BM % (WARPS_M * CM_M) == 0, BN % (WARPS_N * CM_N) == 0,
// BK % (WARPS_K * CM_K) == 0, BK % 8 == 0, (BM * BN) % WG_SIZE == 0.
#define CM_A coopmat<float16_t, gl_ScopeSubgroup, CM_M, CM_K, gl_MatrixUseA>
#define CM_B coopmat<float16_t, gl_ScopeSubgroup, CM_K, CM_N, gl_MatrixUseB>
#define CM_C coopmat<float, gl_ScopeSubgroup, CM_M, CM_N, gl_MatrixUseAccumulator>

const uint WTM = BM / WARPS_M / CM_M;  // fragments per subgroup along M
const uint WTN = BN / WARPS_N / CM_N;  // fragments per subgroup along N
const uint KW = BK / WARPS_K;          // K per subgroup per step
const uint ACC_COUNT = BM * BN / WG_SIZE;
CM_C acc[WTM * WTN];

uint acc_row(uint e) { return (gl_LocalInvocationIndex + e * WG_SIZE) / BN; }
uint acc_col(uint e) { return (gl_LocalInvocationIndex + e * WG_SIZE) % BN; }

float acc_stage(uint r, uint c) {
  const uint at = r * LDC + c;
  float s = 0.0;
  [[unroll]] for (uint w = 0; w < WARPS_K; ++w) {
    const uint f = w * BM * LDC + at;
    s += uintBitsToFloat(S[f / 4][f % 4]);
  }
  return s;
}

// LDC % 4 == 0 (BN is a multiple of CM_N, and CM_N % 4 == 0), so with
// c % 8 == 0 the 8 floats are chunks at / 4 and at / 4 + 1 of every slice.
void acc_stage8(uint r, uint c, out float v[8]) {
  const uint at = (r * LDC + c) / 4;
  vec4 lo = vec4(0.0), hi = vec4(0.0);
  [[unroll]] for (uint w = 0; w < WARPS_K; ++w) {
    const uint f = w * (BM * LDC / 4) + at;
    lo += uintBitsToFloat(S[f]);
    hi += uintBitsToFloat(S[f + 1]);
  }
  v[0] = lo.x; v[1] = lo.y; v[2] = lo.z; v[3] = lo.w;
  v[4] = hi.x; v[5] = hi.y; v[6] = hi.z; v[7] = hi.w;
}

float acc_get(uint e) { return acc_stage(acc_row(e), acc_col(e)); }

void acc_init() {
  [[unroll]] for (uint i = 0; i < WTM * WTN; ++i) acc[i] = CM_C(0.0);
}

void acc_step() {
  const uint w = gl_SubgroupID;
  const uint wm = w % WARPS_M, wn = (w / WARPS_M) % WARPS_N, wk = w / (WARPS_M * WARPS_N);
  const uint row0 = wm * WTM * CM_M, col0 = wn * WTN * CM_N, k0 = wk * KW;
  [[unroll]] for (uint k = 0; k < KW; k += CM_K) {
    CM_B b[WTN];
    [[unroll]] for (uint j = 0; j < WTN; ++j)
      coopMatLoad(b[j], S, A_VEC4 + (col0 + j * CM_N) * LDS + (k0 + k) / 8, LDS, gl_CooperativeMatrixLayoutColumnMajor);
    [[unroll]] for (uint i = 0; i < WTM; ++i) {
      CM_A a;
      coopMatLoad(a, S, (row0 + i * CM_M) * LDS + (k0 + k) / 8, LDS, gl_CooperativeMatrixLayoutRowMajor);
      [[unroll]] for (uint j = 0; j < WTN; ++j) acc[i * WTN + j] = coopMatMulAdd(a, b[j], acc[i * WTN + j]);
    }
  }
}

void acc_finish() {
  barrier();  // every subgroup is done with the A/B tiles: the C stage aliases them
  const uint w = gl_SubgroupID;
  const uint wm = w % WARPS_M, wn = (w / WARPS_M) % WARPS_N, wk = w / (WARPS_M * WARPS_N);
  const uint base = wk * BM * LDC + wm * WTM * CM_M * LDC + wn * WTN * CM_N;
  [[unroll]] for (uint i = 0; i < WTM; ++i)
    [[unroll]] for (uint j = 0; j < WTN; ++j)
      coopMatStore(acc[i * WTN + j], S, (base + i * CM_M * LDC + j * CM_N) / 4, LDC / 4,
                   gl_CooperativeMatrixLayoutRowMajor);
  barrier();
}
