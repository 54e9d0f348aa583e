// Tiled GEMM with fused bias + activation: the 1x1 convolution, the FC layer,
// and (with -DHEAD_POOL) the head 1x1 convolution fused with the global
// average pool.
//
//   C[M, N] = act(A[M, K] * B[N, K]^T + bias[N])
//   A: activations, row-major [M = images*H*W][K = cin] (NHWC), storage type SFP
//   B: weight [N = cout][K = cin], storage type SFP
//   C: row-major [M][N], SFP; fp32 with -DOUT_F32 (logits)
//   HEAD_POOL: C[image][n] = mean over the image's `pixels` rows of act(...)
//
// Variants (defines): FP16 (fp16 storage, fp32 accumulation), OUT_F32, HEAD_POOL,
// DW_A (A is the depthwise 3x3 of the input, computed while staging: gemm_dw_a.glsl),
// COOPMAT (with FP16: GL_KHR_cooperative_matrix, fp16 operands, fp32
// accumulators), COOPMAT2 (with FP16, not HEAD_POOL or DW_A:
// GL_NV_cooperative_matrix2, one workgroup-scope matrix per tile). The staging
// and inner product come from gemm_load.glsl + gemm_scalar.glsl (SCALAR,
// portable) or gemm_coopmat_load.glsl + gemm_coopmat.glsl (COOPMAT); both
// provide the same acc_* interface, so the tiling, bounds handling and the
// epilogue below are shared. COOPMAT2 (gemm_coopmat2.glsl) computes and stores
// the whole tile with tensor-addressed loads and stores; it shares the
// buffers, push constants, grid and activation (types.glsl apply_act).
//
// Workgroups: x = N tile; y (+ z * gl_NumWorkGroups.y) = M tile, or the group
// of POOL_IMAGES images for HEAD_POOL. Every bound (M, N, K, pixels) is checked: no multiple of the
// tile is required.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#ifdef COOPMAT
#ifndef FP16
#error COOPMAT needs FP16 (fp16 operands)
#endif
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#endif
#ifdef COOPMAT2
#if !defined(FP16) || defined(COOPMAT) || defined(HEAD_POOL) || defined(DW_A)
#error COOPMAT2 needs FP16 and excludes COOPMAT, HEAD_POOL and DW_A
#endif
#extension GL_KHR_cooperative_matrix : require
#extension GL_NV_cooperative_matrix2 : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_int32 : require
#endif
#include "abi.h"
#include "gemm_layout.h"
#include "types.glsl"

layout(local_size_x_id = EFFNET_SC_WG_SIZE) in;
layout(constant_id = EFFNET_SC_WG_SIZE) const uint WG_SIZE = 256;
layout(constant_id = EFFNET_SC_BM) const uint BM = 64;
layout(constant_id = EFFNET_SC_BN) const uint BN = 64;
layout(constant_id = EFFNET_SC_BK) const uint BK = 16;
layout(constant_id = EFFNET_SC_TM) const uint TM = 4;
layout(constant_id = EFFNET_SC_TN) const uint TN = 4;
layout(constant_id = EFFNET_SC_ACT) const uint ACT = EFFNET_ACT_NONE;

#ifdef OUT_F32
#define CFP float
#else
#define CFP SFP
#endif

layout(std430, binding = EFFNET_BIND_IN) readonly buffer ABuf { SFP a_data[]; };
layout(std430, binding = EFFNET_BIND_WEIGHT) readonly buffer BBuf { SFP b_data[]; };
layout(std430, binding = EFFNET_BIND_BIAS) readonly buffer BiasBuf { float bias_data[]; };
layout(std430, binding = EFFNET_BIND_OUT) writeonly buffer CBuf { CFP c_data[]; };
layout(push_constant) uniform Push { EFFNET_GEMM_PUSH_FIELDS } pc;

#if defined(COOPMAT2)
#include "gemm_coopmat2.glsl"
#else
#ifdef COOPMAT
#include "gemm_coopmat_load.glsl"
#include "gemm_coopmat.glsl"
#else
#include "gemm_load.glsl"
#include "gemm_scalar.glsl"
#endif
#include "gemm_epilogue.glsl"

// Accumulates the tile at rows [m0, m_end) x columns [n0, n0 + BN) over all of K.
// fetch_tiles reads the next step's tiles from global memory (COOPMAT: into
// registers, so the loads overlap this step's products; SCALAR: nothing),
// stage_tiles puts the current step's tiles into shared memory.
// COOPMAT with STAGES == 2: double-buffered, step s reads buffer s % 2 while
// the fetched step s + 1 is staged into the other; one barrier per step.
void gemm_tile(uint m0, uint m_end, uint n0) {
  acc_init(n0);
  fetch_tiles(m0, m_end, n0, 0);
#ifdef COOPMAT
  if (STAGES == 2) {
    barrier();  // earlier readers of S (a previous tile's epilogue) are done
    stage_tiles_at(0);
    barrier();
    uint buf = 0;
    for (uint k0 = 0; k0 < pc.K; k0 += BK) {
      const bool more = k0 + BK < pc.K;  // uniform
      if (more) fetch_tiles(m0, m_end, n0, k0 + BK);
      acc_step_at(buf * AB_VEC4);
      if (more) stage_tiles_at((buf ^ 1u) * AB_VEC4);
      barrier();  // this step's reads of buffer buf and writes of the other are done
      buf ^= 1u;
    }
    acc_finish();
    return;
  }
#endif
  for (uint k0 = 0; k0 < pc.K; k0 += BK) {
    barrier();  // the previous step's reads of the shared tiles are done
    stage_tiles(m0, m_end, n0, k0);
    barrier();
    if (k0 + BK < pc.K) fetch_tiles(m0, m_end, n0, k0 + BK);
    acc_step();
  }
  acc_finish();
}

#endif  // !COOPMAT2

void main() {
  const uint n0 = gl_WorkGroupID.x * BN;
#ifdef HEAD_POOL
  const uint images = pc.M / pc.pixels;
  const uint image0 = gl_WorkGroupID.y * POOL_IMAGES;
  const uint m_begin = image0 * pc.pixels, m_end = min(image0 + POOL_IMAGES, images) * pc.pixels;
  pool_init();
  for (uint m0 = m_begin; m0 < m_end; m0 += BM) {
    gemm_tile(m0, m_end, n0);
    pool_accumulate(m0, m_end, n0);
  }
  pool_store(image0, n0);
#else
  const uint m_tile = gl_WorkGroupID.z * gl_NumWorkGroups.y + gl_WorkGroupID.y;
  const uint m0 = m_tile * BM;
  if (m0 >= pc.M) return;  // uniform over the workgroup
#ifdef COOPMAT2
  gemm_tile_coopmat2(m0, n0);
#else
  gemm_tile(m0, pc.M, n0);
#ifdef COOPMAT
  if (EPILOGUE == EFFNET_GEMM_EPI_DIRECT) {
    acc_store_direct(m0, n0);
    return;
  }
#if defined(FP16) && !defined(OUT_F32)
  if (EPILOGUE == EFFNET_GEMM_EPI_STAGE_F16) {
    store_tile_f16(m0, n0);
    return;
  }
#endif
#endif
  store_tile(m0, n0);
#endif  // COOPMAT2
#endif  // HEAD_POOL
}
