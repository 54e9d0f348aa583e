// Shared-memory layout of the GEMM (gemm.comp), named once for GLSL and C++
// (GemmTile::shared_bytes, model/vk_gemm_tile.cpp, sizes tiles with it).
// Plain preprocessor on unsigned integers, valid in both languages; the
// arguments are the tile's specialization constants (BM, BN, BK, WARPS_K).
#ifndef EFFNET_SHADERS_GEMM_LAYOUT_H
#define EFFNET_SHADERS_GEMM_LAYOUT_H

// fp32 C stage of the epilogue, [BM][LDC] floats (HEAD_POOL too: the pool
// reads the finished tile from it): rows of LDC = BN + 4 floats start 16-byte
// aligned. The sizes below take the row strides (LDC, LDS) as arguments.
#define EFFNET_GEMM_LDC(bn) ((bn) + 4u)
#define EFFNET_GEMM_C_FLOATS(bm, ldc) ((bm) * (ldc))

// SCALAR (gemm_load.glsl), one fp32 array: As [BK][BM] then Bs [BK][BN]
// (k-major), aliased after the K loop by the C stage.
#define EFFNET_GEMM_SC_B_OFF(bm, bk) ((bk) * (bm))
#define EFFNET_GEMM_SC_AB_FLOATS(bm, bn, bk) ((bk) * ((bm) + (bn)))

// COOPMAT (gemm_coopmat_load.glsl), one uvec4 array: fp16 rows of BK / 8
// 16-byte chunks rounded up to an odd count (rows start in different bank
// groups), A [BM][LDS] then B [BN][LDS]; aliased after the K loop by the C
// stage, one [BM][LDC] fp32 slice per K-splitting subgroup.
#define EFFNET_GEMM_CM_KV(bk) ((bk) / 8u)      // 16-byte chunks per tile row
#define EFFNET_GEMM_CM_LDS(kv) ((kv) | 1u)      // chunks per shared row (odd)
#define EFFNET_GEMM_CM_AB_VEC4(bm, bn, lds) (((bm) + (bn)) * (lds))
#define EFFNET_GEMM_CM_C_VEC4(bm, ldc, warps_k) ((warps_k) * (bm) * (ldc) / 4u)
// With STAGES == 2 the A/B tiles are double-buffered: 2 * AB_VEC4 chunks, the
// second buffer at AB_VEC4.
// EPI_DIRECT (no C stage): fragments that cross M go through one fp32
// [CM_M][CM_N] slice per subgroup, aliasing the A/B tiles.
// EPI_STAGE_F16: an fp16 C stage [BM][LDC16] halves, rows of BN + 8 halves
// (16-byte aligned, an odd count of 16-byte chunks when BN % 16 == 0).
#define EFFNET_GEMM_CM_EDGE_VEC4(subgroups, cm_m, cm_n) ((subgroups) * (cm_m) * (cm_n) / 4u)
#define EFFNET_GEMM_LDC16(bn) ((bn) + 8u)
#define EFFNET_GEMM_CM_C16_VEC4(bm, ldc16) ((bm) * (ldc16) / 8u)

// HEAD_POOL (gemm_epilogue.glsl): the partial sums of the pool, one fp32 per
// invocation, combined in fixed order (beside the C stage, not aliased).
#define EFFNET_GEMM_POOL_FLOATS(wg_size) (wg_size)

#endif  // EFFNET_SHADERS_GEMM_LAYOUT_H
