// SCALAR inner product of gemm.comp: each invocation owns TM x TN accumulators
// at rows tr + i * (BM / TM) and columns tc + j * (BN / TN) of the tile (strided,
// so neighbouring invocations touch neighbouring columns). Requires
// WG_SIZE == (BM / TM) * (BN / TN) (checked by the host).
//
// Interface used by gemm.comp and gemm_epilogue.glsl (a COOPMAT include
// provides the same): acc_init, acc_step, acc_finish and, after acc_finish,
// the whole tile from the C stage: acc_stage(r, c) and acc_stage8(r, c, v)
// (8 columns from c, c % 8 == 0).
const uint ROW_THREADS = BM / TM;
const uint COL_THREADS = BN / TN;
const uint ACC_COUNT = TM * TN;
float acc[TM * TN];

uint acc_row(uint e) { return (gl_LocalInvocationIndex / COL_THREADS) + (e / TN) * ROW_THREADS; }
uint acc_col(uint e) { return (gl_LocalInvocationIndex % COL_THREADS) + (e % TN) * COL_THREADS; }

void acc_init(uint n0) {  // n0 unused (COOPMAT's EPI_DIRECT / EPI_STAGE_F16 start at the bias)
  for (uint e = 0; e < ACC_COUNT; ++e) acc[e] = 0.0;
}

void acc_step() {
  const uint tr = gl_LocalInvocationIndex / COL_THREADS, tc = gl_LocalInvocationIndex % COL_THREADS;
  float ra[TM];
  float rb[TN];
  for (uint k = 0; k < BK; ++k) {
    for (uint i = 0; i < TM; ++i) ra[i] = S[k * BM + tr + i * ROW_THREADS];
    for (uint j = 0; j < TN; ++j) rb[j] = S[B_OFF + k * BN + tc + j * COL_THREADS];
    for (uint i = 0; i < TM; ++i)
      for (uint j = 0; j < TN; ++j) acc[i * TN + j] = fma(ra[i], rb[j], acc[i * TN + j]);
  }
}

// The accumulators to the C stage, so the epilogue can store whole rows.
void acc_finish() {
  barrier();  // every invocation is done with the A/B tiles: the C stage aliases them
  for (uint e = 0; e < ACC_COUNT; ++e) S[acc_row(e) * LDC + acc_col(e)] = acc[e];
  barrier();
}

float acc_stage(uint r, uint c) { return S[r * LDC + c]; }

void acc_stage8(uint r, uint c, out float v[8]) {
  const uint at = r * LDC + c;
  for (uint j = 0; j < 8; ++j) v[j] = S[at + j];
}
