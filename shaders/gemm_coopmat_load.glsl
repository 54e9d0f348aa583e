// COOPMAT shared-memory staging of one K step of gemm.comp: fp16 tiles moved
// in 16-byte chunks (8 halves along K). One shared array S of uvec4 holds
//   A tile: row-major [BM][LDS] chunks at S[0 ..)           (row m, chunks of k)
//   B tile: [BN][LDS] chunks at S[A_VEC4 ..)                 (column-major K x N)
// and, after the K loop, the fp32 C stage of gemm_coopmat.glsl (aliased; with
// EPI_DIRECT only the per-subgroup slices for fragments that cross M).
// The global loads of step k + 1 are issued into registers before the
// products of step k (fetch_tiles / stage_tiles).
// LDS = BK / 8 rounded up to odd: rows start in different bank groups, so the
// cooperative-matrix loads are free of bank conflicts. Zero outside M (m_end),
// N and K. When K % 8 != 0 the chunks are gathered element by element.
layout(constant_id = EFFNET_SC_CM_M) const uint CM_M = 16;
layout(constant_id = EFFNET_SC_CM_N) const uint CM_N = 16;
layout(constant_id = EFFNET_SC_CM_K) const uint CM_K = 16;
layout(constant_id = EFFNET_SC_WARPS_M) const uint WARPS_M = 2;
layout(constant_id = EFFNET_SC_WARPS_N) const uint WARPS_N = 2;
layout(constant_id = EFFNET_SC_WARPS_K) const uint WARPS_K = 1;
layout(constant_id = EFFNET_SC_EPILOGUE) const uint EPILOGUE = EFFNET_GEMM_EPI_STAGE_F32;
layout(constant_id = EFFNET_SC_STAGES) const uint STAGES = 1;

// The same buffers as a_data / b_data, seen as 16-byte chunks.
layout(std430, binding = EFFNET_BIND_IN) readonly buffer AVec { uvec4 a_vec[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer BVec { uvec4 b_vec[]; };

// Sizes: shaders/gemm_layout.h (shared with the host).
const uint KV = EFFNET_GEMM_CM_KV(BK);      // chunks per tile row
const uint LDS = EFFNET_GEMM_CM_LDS(KV);    // chunks per shared row (odd)
const uint A_VEC4 = BM * LDS;               // A tile, in chunks
const uint AB_VEC4 = EFFNET_GEMM_CM_AB_VEC4(BM, BN, LDS);
const uint LDC = EFFNET_GEMM_LDC(BN);       // floats per row of the C stage
const uint LDC16 = EFFNET_GEMM_LDC16(BN);  // halves per row of the fp16 C stage
const uint C_VEC4 = EPILOGUE == EFFNET_GEMM_EPI_DIRECT ? EFFNET_GEMM_CM_EDGE_VEC4(WARPS_M * WARPS_N * WARPS_K, CM_M, CM_N)
                    : EPILOGUE == EFFNET_GEMM_EPI_STAGE_F16 ? EFFNET_GEMM_CM_C16_VEC4(BM, LDC16)
                                                            : EFFNET_GEMM_CM_C_VEC4(BM, LDC, WARPS_K);
shared uvec4 S[STAGES * AB_VEC4 > C_VEC4 ? STAGES * AB_VEC4 : C_VEC4];

// 8 halves of row `row` of a [rows][K] fp16 matrix from k = kk (kk < K, kk % 8 == 0).
#define EFFNET_CHUNK(vec_buf, buf, row, kk)                                                  \
  (pc.K % 8 == 0 ? vec_buf[((row) * pc.K + (kk)) / 8] : gather_chunk_##buf(row, kk))

#define EFFNET_GATHER(buf)                                                                   \
  uvec4 gather_chunk_##buf(uint row, uint kk) {                                              \
    uint w[4];                                                                               \
    for (uint i = 0; i < 4; ++i) {                                                           \
      const uint k = kk + 2 * i;                                                             \
      const float16_t lo = k < pc.K ? buf[row * pc.K + k] : float16_t(0);                    \
      const float16_t hi = k + 1 < pc.K ? buf[row * pc.K + k + 1] : float16_t(0);            \
      w[i] = packFloat2x16(f16vec2(lo, hi));                                                 \
    }                                                                                        \
    return uvec4(w[0], w[1], w[2], w[3]);                                                    \
  }
EFFNET_GATHER(a_data)
EFFNET_GATHER(b_data)
#ifdef DW_A
#include "gemm_dw_a.glsl"
#endif

// Chunks per invocation per step (the last round may be partial).
const uint A_ROUNDS = (BM * KV + WG_SIZE - 1) / WG_SIZE;
const uint B_ROUNDS = (BN * KV + WG_SIZE - 1) / WG_SIZE;
uvec4 a_next[A_ROUNDS];
uvec4 b_next[B_ROUNDS];

// Next step's chunks into registers. Consecutive invocations read consecutive
// chunks of a row, then the next row: a tile with BK >= K is one contiguous
// block of A.
void fetch_tiles(uint m0, uint m_end, uint n0, uint k0) {
  [[unroll]] for (uint q = 0; q < A_ROUNDS; ++q) {
    const uint i = gl_LocalInvocationIndex + q * WG_SIZE;
    const uint r = i / KV, m = m0 + r, kk = k0 + (i % KV) * 8;
    a_next[q] = uvec4(0);
#ifdef DW_A
    if (i < BM * KV && m < m_end && kk < pc.K) a_next[q] = dw_chunk(m, kk);
#else
    if (i < BM * KV && m < m_end && kk < pc.K) a_next[q] = EFFNET_CHUNK(a_vec, a_data, m, kk);
#endif
  }
  [[unroll]] for (uint q = 0; q < B_ROUNDS; ++q) {
    const uint i = gl_LocalInvocationIndex + q * WG_SIZE;
    const uint r = i / KV, n = n0 + r, kk = k0 + (i % KV) * 8;
    b_next[q] = uvec4(0);
    if (i < BN * KV && n < pc.N && kk < pc.K) b_next[q] = EFFNET_CHUNK(b_vec, b_data, n, kk);
  }
}

// The fetched chunks into the shared tiles of the buffer at `base` (0, or
// AB_VEC4 for the second buffer with STAGES == 2).
void stage_tiles_at(uint base) {
  [[unroll]] for (uint q = 0; q < A_ROUNDS; ++q) {
    const uint i = gl_LocalInvocationIndex + q * WG_SIZE;
    if (i < BM * KV) S[base + (i / KV) * LDS + i % KV] = a_next[q];
  }
  [[unroll]] for (uint q = 0; q < B_ROUNDS; ++q) {
    const uint i = gl_LocalInvocationIndex + q * WG_SIZE;
    if (i < BN * KV) S[base + A_VEC4 + (i / KV) * LDS + i % KV] = b_next[q];
  }
}

void stage_tiles(uint m0, uint m_end, uint n0, uint k0) { stage_tiles_at(0); }
