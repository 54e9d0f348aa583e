// The shader ABI, named once and shared by GLSL (#include) and C++:
// specialization-constant ids, binding numbers, activation codes and the
// push-constant blocks. Plain preprocessor, valid in both languages.
#ifndef EFFNET_SHADERS_ABI_H
#define EFFNET_SHADERS_ABI_H

// ---- specialization constants (constant_id) ----------------------------------
#define EFFNET_SC_WG_SIZE 0  // uint: local_size_x (invocations per workgroup)
#define EFFNET_SC_BM 1       // uint: GEMM tile rows (M = pixels)
#define EFFNET_SC_BN 2       // uint: GEMM tile columns (N = output channels)
#define EFFNET_SC_BK 3       // uint: GEMM tile depth (K = input channels)
#define EFFNET_SC_TM 4       // uint: rows per invocation (SCALAR)
#define EFFNET_SC_TN 5       // uint: columns per invocation (SCALAR)
#define EFFNET_SC_ACT 6      // uint: EFFNET_ACT_* applied after the bias
// COOPMAT GEMM (gemm_coopmat.glsl): the cooperative-matrix shape and the
// subgroups of a workgroup along M, N and K (WG_SIZE = product * subgroup size).
#define EFFNET_SC_CM_M 7     // uint: rows of one cooperative matrix (A and C)
#define EFFNET_SC_CM_N 8     // uint: columns of one cooperative matrix (B and C)
#define EFFNET_SC_CM_K 9     // uint: depth of one cooperative matrix (A columns, B rows)
#define EFFNET_SC_WARPS_M 10 // uint: subgroups along M
#define EFFNET_SC_WARPS_N 11 // uint: subgroups along N
#define EFFNET_SC_WARPS_K 12 // uint: subgroups splitting each BK step (summed in fixed order)
#define EFFNET_SC_EPILOGUE 26  // uint: EFFNET_GEMM_EPI_* (COOPMAT; HEAD_POOL: not DIRECT)
#define EFFNET_SC_STAGES 27    // uint: shared A/B tile buffers, 1 or 2 (double-buffered: one barrier per K step)
#define EFFNET_SC_POOL_IMAGES 29  // uint: HEAD_POOL images per workgroup (pixels * images <= BM, or 1)
#define EFFNET_SC_DW_ACT 30       // uint: DW_A: EFFNET_ACT_* of the depthwise layer
// Stem and depthwise (stem_conv.comp, depthwise.comp).
#define EFFNET_SC_VEC 13     // uint: channels per invocation (stem: output channels, depthwise: channels)
#define EFFNET_SC_PIX 14     // uint: output pixels per invocation along W
#define EFFNET_SC_ROWS 28    // uint: output rows per invocation (depthwise)
#define EFFNET_SC_STRIDE 15  // uint: convolution stride (depthwise; equals the push constant's)
#define EFFNET_SC_SHARED 16  // uint: vec4 slots of weights staged in shared memory (stem)
// Fused MBConv block (mbconv.comp; also STRIDE, ACT unused). Channel counts are
// the packed row lengths of the block's weights (model/vk_mbconv.cpp).
#define EFFNET_SC_TILE_H 17  // uint: output tile rows (TH)
#define EFFNET_SC_TILE_W 18  // uint: output tile columns (TW)
#define EFFNET_SC_CIN 19     // uint: expand K as packed (COOPMAT: cin rounded up to 16); stem: cin
#define EFFNET_SC_HC 20      // uint: hidden channels per chunk (multiple of 16)
#define EFFNET_SC_HIDDEN 21  // uint: hidden channels as packed (a multiple of HC)
#define EFFNET_SC_COUT 22    // uint: project N as packed (COOPMAT: cout rounded up to 16); stem: cout
#define EFFNET_SC_SPLIT 23   // uint: hidden-channel slices across workgroups (1: no partial sums)
#define EFFNET_SC_SUBGROUPS 24  // uint: subgroups per workgroup (COOPMAT: WG_SIZE / subgroup size)
// Profiling only (effnet-bench, EFFNET_MBCONV_SKIP): steps of mbconv.comp to
// skip, wrong results: 1 expand, 2 depthwise, 4 project, 8 input staging,
// 16 weight staging. 0 in every real plan.
#define EFFNET_SC_SKIP 25

// ---- activations (values of EFFNET_SC_ACT) ------------------------------------
#define EFFNET_ACT_NONE 0
#define EFFNET_ACT_RELU 1
#define EFFNET_ACT_RELU6 2

// ---- GEMM epilogues (values of EFFNET_SC_EPILOGUE, COOPMAT) --------------------
// STAGE_F32: accumulators to an fp32 C stage in shared memory, bias and activation
//   while storing (any WARPS_K, any N).
// The two below start the accumulators at the bias (needs WARPS_K == 1 and
// N % CM_N == 0) and apply the activation on the fragments:
// DIRECT: fragments stored from registers to C (no C stage).
// STAGE_F16: fragments converted to fp16 into a C stage of half the size, then
//   16-byte stores (fp16 output only, not the fp32 logits).
#define EFFNET_GEMM_EPI_STAGE_F32 0
#define EFFNET_GEMM_EPI_DIRECT 1
#define EFFNET_GEMM_EPI_STAGE_F16 2

// ---- bindings (set 0, all storage buffers) -----------------------------------
#define EFFNET_BIND_IN 0      // activations in (stem: fp32 NCHW; others: storage type, NHWC or [N, C])
#define EFFNET_BIND_WEIGHT 1  // weights, layout of model/network.h LayerKind: storage type (GEMMs), fp32 (stem, depthwise)
#define EFFNET_BIND_BIAS 2    // bias [cout], fp32
#define EFFNET_BIND_OUT 3     // activations out (storage type; fp32 for the *_out_f32 GEMM)
#define EFFNET_BINDING_COUNT 4
// Fused MBConv block (mbconv.comp) adds two, so it binds 6: BIND_WEIGHT is the
// expand weight, BIND_BIAS all fp32 vectors of the block (mbconv_layout.h).
#define EFFNET_BIND_WEIGHT2 4  // project weight [cout][hidden] as packed, storage type
#define EFFNET_BIND_PARTIAL 5  // fp32 partial project sums [split][tiles][MP_PAD][COUT] (SPLIT > 1)
#define EFFNET_MBCONV_BINDING_COUNT 6
// The dw_project stage (gemm.comp -DDW_A) adds the depthwise layer's two:
// BIND_WEIGHT / BIND_BIAS are the project layer's.
#define EFFNET_BIND_DW_WEIGHT 4  // depthwise weight, fp32 tap-major [9][hidden]
#define EFFNET_BIND_DW_BIAS 5    // depthwise bias [hidden], fp32
#define EFFNET_DW_PROJECT_BINDING_COUNT 6
// The stem reading uint8 NHWC input (stem_conv.comp -DINPUT_U8) adds one.
#define EFFNET_BIND_INPUT_TABLE 4  // fp32 [3][256]: the network input value of each byte
#define EFFNET_STEM_U8_BINDING_COUNT 5

// ---- push constants -------------------------------------------------------------
// Written as a member list so that GLSL (`uniform Push { ... }`) and C++
// (`struct { ... }`) get the same std430 layout: 32-bit scalars only.
// GEMM: C[M, N] = act(A[M, K] * B[N, K]^T + bias[N]); A row-major (NHWC pixels x
// channels), B = weight [cout][cin], C row-major. head pool: M = images * pixels,
// `pixels` = H*W per image, C = [images, N] (mean over each image's pixels).
// DW_A (dw_project): A is the depthwise 3x3 (stride `stride`) of the hidden
// tensor [n][in_h][in_w][K]; `pixels` = out_h * out_w, out_w its output width
// (the other GEMMs push zeros there).
#define EFFNET_GEMM_PUSH_FIELDS \
  uint M;                       \
  uint N;                       \
  uint K;                       \
  uint pixels;                  \
  uint in_h;                    \
  uint in_w;                    \
  uint out_w;                   \
  uint stride;
// Stem: in [n][cin][h][w] fp32 -> out [n][ho][wo][cout], 3x3 stride 2 pad 1.
// Depthwise: in [n][h][w][c] -> out [n][ho][wo][c] (cin == cout == c), 3x3 pad 1.
#define EFFNET_CONV_PUSH_FIELDS \
  uint n;                       \
  uint h;                       \
  uint w;                       \
  uint cin;                     \
  uint ho;                      \
  uint wo;                      \
  uint cout;                    \
  uint stride;

// Fused MBConv block: in [n][h][w][cin] -> out [n][ho][wo][cout] (NHWC, storage
// type), tiles_x = ceil(wo / TILE_W) output tiles per tile row; cin and cout
// the real channel counts (the spec constants hold the packed ones).
// The reduction of split partial sums (mbconv_reduce.comp) takes the same block.
#define EFFNET_MBCONV_PUSH_FIELDS \
  uint n;                         \
  uint h;                         \
  uint w;                         \
  uint ho;                        \
  uint wo;                        \
  uint cin;                       \
  uint cout;                      \
  uint tiles_x;

#ifdef __cplusplus
#include <cstdint>
namespace effnet::shaders {
using uint = uint32_t;
struct GemmPush {
  EFFNET_GEMM_PUSH_FIELDS
};
struct ConvPush {
  EFFNET_CONV_PUSH_FIELDS
};
struct MBConvPush {
  EFFNET_MBCONV_PUSH_FIELDS
};
}  // namespace effnet::shaders
#endif

#endif  // EFFNET_SHADERS_ABI_H
