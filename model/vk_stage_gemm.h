// The GEMM-shaped layer kinds (pointwise, head_pool, linear: gemm.comp) share
// their tile choice, specialization constants and push constants here; each
// kind's file (model/vk_stage_<kind>.cpp) says its GEMM shape, shader
// variant and grid.
#pragma once
#include "model/vk_gemm_tile.h"
#include "model/vk_stage_code.h"

namespace effnet {

// Sets v.gemm and gemm_m/n/k: M = the input's pixels (every image), N = cout, K = cin.
void set_gemm_dims(LayerVariant& v, const Layer& l);

// Fills v.tile (choice's forced tile or shape, else COOPMAT2 for fp16
// Pointwise / Linear with choice.allow_coopmat2 on a device with has_coopmat2,
// else COOPMAT in fp16 where allowed and the device has f16 shapes, else
// SCALAR), v.coopmat and v.wg_size for the GEMM `g` of layer l. Throws
// DeviceError when a forced shape is not the device's, the tile does not fit,
// a cooperative-matrix tile is asked in fp32, or a COOPMAT2 tile for another kind.
void choose_gemm_tile(LayerVariant& v, const Layer& l, const GemmShape& g, const vk::DeviceInfo& d,
                      const GemmChoice& choice);

// Grid of a GEMM over M tiles: x = N tiles, y * z >= M tiles (y capped at the
// device's limit). Throws DeviceError when the grid exceeds maxComputeWorkGroupCount.
std::array<uint32_t, 3> gemm_row_groups(const LayerVariant& v, const vk::DeviceInfo& d);
// Throws DeviceError when v.groups exceeds maxComputeWorkGroupCount.
void check_gemm_groups(const LayerVariant& v, const vk::DeviceInfo& d);

// The dispatch of a GEMM variant: its tile as specialization constants,
// GemmPush {M, N, K, pixels = in.h * in.w}, the subgroup size a COOPMAT tile assumes.
DispatchSpec gemm_dispatch(const LayerVariant& v, const StageBuffers& b);

}  // namespace effnet
