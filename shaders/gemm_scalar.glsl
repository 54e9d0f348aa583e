// SCALAR inner product of gemm.comp: each invocation owns TM x TN accumulators
// at rows tr + i * (BM / TM) and columns tc + j * (BN / TN) of the tile (strided,
// so neighbouring invocations touch neighbouring columns). Requires
// WG_SIZE == (BM / TM) * (BN / TN) (checked by the host).
//
// Interface used by gemm.comp and gemm_epilogue.glsl (a COOPMAT include
// provides the same): acc_init, acc_step, acc_finish, ACC_COUNT,
// acc_row(e), acc_col(e), acc_get(e).
const uint ROW_THREADS = BM / TM;
const uint COL_THREADS = BN / TN;
const uint ACC_COUNT = TM * TN;
float acc[TM * TN];

uint acc_row(uint e) { return (gl_LocalInvocationIndex / COL_THREADS) + (e / TN) * ROW_THREADS; }
uint acc_col(uint e) { return (gl_LocalInvocationIndex % COL_THREADS) + (e % TN) * COL_THREADS; }
float acc_get(uint e) { return acc[e]; }

void acc_init() {
  for (uint e = 0; e < ACC_COUNT; ++e) acc[e] = 0.0;
}

void acc_step() {
  const uint tr = gl_LocalInvocationIndex / COL_THREADS, tc = gl_LocalInvocationIndex % COL_THREADS;
  float ra[TM];
  float rb[TN];
  for (uint k = 0; k < BK; ++k) {
    for (uint i = 0; i < TM; ++i) ra[i] = As[k * BM + tr + i * ROW_THREADS];
    for (uint j = 0; j < TN; ++j) rb[j] = Bs[k * BN + tc + j * COL_THREADS];
    for (uint i = 0; i < TM; ++i)
      for (uint j = 0; j < TN; ++j) acc[i * TN + j] = fma(ra[i], rb[j], acc[i * TN + j]);
  }
}

void acc_finish() {}
