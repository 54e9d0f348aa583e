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
// columns from c (c % 8 == 0: two 16-byte reads per slice). With
// EPI_STAGE_F16, acc_finish leaves the finished fp16 tile instead (stage16(r, c)).
// Host-checked: WG_SIZE == WARPS_M * WARPS_N * WARPS_K * subgroup size;
// BM % (WARPS_M * CM_M) == 0, BN % (WARPS_N * CM_N) == 0,
// BK % (WARPS_K * CM_K) == 0, BK % 8 == 0, (BM * BN) % WG_SIZE == 0.
#define CM_A coopmat<float16_t, gl_ScopeSubgroup, CM_M, CM_K, gl_MatrixUseA>
#define CM_B coopmat<float16_t, gl_ScopeSubgroup, CM_K, CM_N, gl_MatrixUseB>
#define CM_C coopmat<float, gl_ScopeSubgroup, CM_M, CM_N, gl_MatrixUseAccumulator>

const uint WTM = BM / WARPS_M / CM_M;  // fragments per subgroup along M
const uint WTN = BN / WARPS_N / CM_N;  // fragments per subgroup along N
const uint KW = BK / WARPS_K;          // K per subgroup per step
CM_C acc[WTM * WTN];

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

#if defined(FP16) && !defined(OUT_F32)
// EPI_STAGE_F16: element (r, c) of the finished fp16 C stage ([BM][LDC16] halves in S).
float stage16(uint r, uint c) {
  const uint h = r * LDC16 + c;
  const vec2 pair = unpackHalf2x16(S[h / 8][(h % 8) / 2]);
  return h % 2 == 0 ? pair.x : pair.y;
}
#endif

// EPI_DIRECT and EPI_STAGE_F16: each accumulator starts at the bias of its
// columns (a row-major load of stride 0 repeats bias[col .. col + CM_N) on
// every row), so after the K loop it holds A * B^T + bias and the activation
// is position-independent. Fragments at or past N (a tile wider than N) start
// at 0 and are not stored.
void acc_init(uint n0) {
  const uint wn = (gl_SubgroupID / WARPS_M) % WARPS_N;
  [[unroll]] for (uint j = 0; j < WTN; ++j) {
    const uint col = n0 + (wn * WTN + j) * CM_N;
    CM_C init = CM_C(0.0);
    if (EPILOGUE != EFFNET_GEMM_EPI_STAGE_F32 && col < pc.N)
      coopMatLoad(init, bias_data, col, 0, gl_CooperativeMatrixLayoutRowMajor);
    [[unroll]] for (uint i = 0; i < WTM; ++i) acc[i * WTN + j] = init;
  }
}

// One K step on the shared tiles of the buffer at `base` (see stage_tiles_at).
void acc_step_at(uint base) {
  const uint w = gl_SubgroupID;
  const uint wm = w % WARPS_M, wn = (w / WARPS_M) % WARPS_N, wk = w / (WARPS_M * WARPS_N);
  const uint row0 = wm * WTM * CM_M, col0 = wn * WTN * CM_N, k0 = wk * KW;
  [[unroll]] for (uint k = 0; k < KW; k += CM_K) {
    CM_B b[WTN];
    [[unroll]] for (uint j = 0; j < WTN; ++j)
      coopMatLoad(b[j], S, base + A_VEC4 + (col0 + j * CM_N) * LDS + (k0 + k) / 8, LDS,
                  gl_CooperativeMatrixLayoutColumnMajor);
    [[unroll]] for (uint i = 0; i < WTM; ++i) {
      CM_A a;
      coopMatLoad(a, S, base + (row0 + i * CM_M) * LDS + (k0 + k) / 8, LDS, gl_CooperativeMatrixLayoutRowMajor);
      [[unroll]] for (uint j = 0; j < WTN; ++j) acc[i * WTN + j] = coopMatMulAdd(a, b[j], acc[i * WTN + j]);
    }
  }
}

void acc_step() { acc_step_at(0); }

void acc_finish() {
  if (EPILOGUE == EFFNET_GEMM_EPI_DIRECT) return;  // acc_store_direct stores from the registers
#if defined(FP16) && !defined(OUT_F32)
  if (EPILOGUE == EFFNET_GEMM_EPI_STAGE_F16) {
    // Activation on the fragments (the bias is in), fp16 (float16_t(x), the
    // rounding of the fp32 C stage's store), into the fp16 C stage.
    barrier();  // every subgroup is done with the A/B tiles: the C stage aliases them
    const uint w = gl_SubgroupID;
    const uint wm = w % WARPS_M, wn = (w / WARPS_M) % WARPS_N;
    [[unroll]] for (uint i = 0; i < WTM; ++i)
      [[unroll]] for (uint j = 0; j < WTN; ++j) {
        CM_C c = acc[i * WTN + j];
        for (uint e = 0; e < c.length(); ++e) c[e] = apply_act(c[e], ACT);
        const coopmat<float16_t, gl_ScopeSubgroup, CM_M, CM_N, gl_MatrixUseAccumulator> h =
            coopmat<float16_t, gl_ScopeSubgroup, CM_M, CM_N, gl_MatrixUseAccumulator>(c);
        const uint r = (wm * WTM + i) * CM_M, col = (wn * WTN + j) * CM_N;
        coopMatStore(h, S, (r * LDC16 + col) / 8, LDC16 / 8, gl_CooperativeMatrixLayoutRowMajor);
      }
    barrier();
    return;
  }
#endif
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

#ifndef HEAD_POOL
// EPI_DIRECT epilogue: the activation on every element (the bias is already in),
// then each fragment stored from registers, row-major with stride N, converted
// to the storage type (float16_t(x): the rounding of the C-stage store). A
// fragment that crosses M goes through the subgroup's fp32 slice of S and is
// stored element by element below M. Needs N % CM_N == 0 (host-checked), so a
// fragment is either wholly inside N or wholly past it.
#if defined(FP16) && !defined(OUT_F32)
#define CM_STORE coopmat<float16_t, gl_ScopeSubgroup, CM_M, CM_N, gl_MatrixUseAccumulator>
#else
#define CM_STORE CM_C
#endif
void acc_store_direct(uint m0, uint n0) {
  barrier();  // every subgroup is done with the A/B tiles: the edge slices alias them
  const uint w = gl_SubgroupID;
  const uint wm = w % WARPS_M, wn = (w / WARPS_M) % WARPS_N;
  const uint slice = w * (CM_M * CM_N / 4);
  [[unroll]] for (uint i = 0; i < WTM; ++i) {
    const uint row = m0 + (wm * WTM + i) * CM_M;
    [[unroll]] for (uint j = 0; j < WTN; ++j) {
      const uint col = n0 + (wn * WTN + j) * CM_N;
      CM_C c = acc[i * WTN + j];
      for (uint e = 0; e < c.length(); ++e) c[e] = apply_act(c[e], ACT);
      if (row >= pc.M || col >= pc.N) continue;  // uniform over the subgroup
      if (row + CM_M <= pc.M) {
        CM_STORE h = CM_STORE(c);
        coopMatStore(h, c_data, row * pc.N + col, pc.N, gl_CooperativeMatrixLayoutRowMajor);
      } else {
        coopMatStore(c, S, slice, CM_N / 4, gl_CooperativeMatrixLayoutRowMajor);
        subgroupMemoryBarrierShared();
        subgroupBarrier();
        for (uint e = gl_SubgroupInvocationID; e < CM_M * CM_N; e += gl_SubgroupSize) {
          const uint r = e / CM_N, cc = e % CM_N;
          if (row + r < pc.M) c_data[(row + r) * pc.N + col + cc] = CFP(uintBitsToFloat(S[slice + e / 4][e % 4]));
        }
        subgroupBarrier();  // the slice is read before the next fragment overwrites it
      }
    }
  }
}
#endif
