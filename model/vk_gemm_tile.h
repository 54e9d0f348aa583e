// GEMM tiles of the Vulkan plan (gemm.comp): the cooperative-matrix shape and
// tile chosen for a layer, and the check that a tile fits the device. Used by
// choose_variant (model/vk_variant.cpp) only: every tile decision is made there.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/vk_variant.h"
#include "vk_runtime/device_info.h"

namespace effnet {

// Workgroups a GEMM tile rule aims for: enough to fill a large GPU (an H200
// has 132 SMs) about twice (the COOPMAT and COOPMAT2 rules).
inline constexpr uint32_t kGemmTargetGroups = 256;

// The GEMM of one layer as choose_variant sees it: `rows` rows per tile range
// (M, or the pixels of one image for the head + pool), `images` ranges (1, or
// the batch for the head + pool), N columns, K depth.
struct GemmShape {
  uint32_t rows = 0, images = 1, n = 0, k = 0;
  bool head_pool = false;
  bool fp16_out = false;  // C stored as fp16 (the fp16 C stage applies)
};

// SCALAR tile: 16x16 invocations, each owning up to 4x4 outputs; smaller tiles
// for small M or N so little work is padding.
GemmTile scalar_tile(const GemmShape& g);

// The shape of `shapes` ({m, n, k}) with the least padding of rows, N and K
// (padded volume / real volume); ties go to the larger shape (fewer
// instructions). `shapes` must not be empty.
std::array<uint32_t, 3> least_waste_shape(const std::vector<std::array<uint32_t, 3>>& shapes,
                                          const GemmShape& g);

// COOPMAT tile for cooperative-matrix shape `s` (rules in vk_gemm_tile.cpp).
// `epilogue`: that one where it applies instead of the rule's choice.
GemmTile coopmat_tile(const std::array<uint32_t, 3>& s, const GemmShape& g, const vk::DeviceInfo& d,
                      std::optional<GemmEpilogue> epilogue = std::nullopt);

// The COOPMAT tiles of shape `s` (one K slice; the fp16 C stage where it
// applies, as in coopmat_tile, else the fp32 one) that fit `d`
// for GEMM `g` (none for the head + pool): bm 32..256 (16 too for M <= 64),
// bn = N rounded up to s[1] when at most 128 else 64, 128, 256; bk = K
// rounded up when at most 64 else 32 and 64; 4 or 8 subgroups with at most
// 128 accumulator registers per invocation; 1 or 2 shared stages (2 only
// where K takes more than one step). What `effnet-bench gemm --sweep` times
// against the rule of coopmat_tile (with the rule's tile stored directly too),
// followed by coopmat2_tile_candidates where the device has_coopmat2.
std::vector<GemmTile> coopmat_tile_candidates(const std::array<uint32_t, 3>& s, const GemmShape& g,
                                              const vk::DeviceInfo& d);

// COOPMAT2 tile (workgroup scope, GemmTile::coopmat2) of GEMM `g` (not the
// head + pool) on `d` (has_coopmat2). Rule (vk_gemm_tile.cpp): bn = N rounded
// up to 16 when N <= 128, else 128; bk = K rounded up to 16 when K <= 32, else
// 32; bm = 128, halved (not below 32) while the grid has fewer than
// kTargetGroups workgroups, and 16 for M <= 16 (the FC at small batch); 256
// invocations for a 128 x 128 tile or larger, else 128; each dimension then
// rounded up to the granularity of the device's flexible-dimension entry for
// that workgroup size (the other size where it has none).
GemmTile coopmat2_tile(const GemmShape& g, const vk::DeviceInfo& d);

// The COOPMAT2 tiles effnet-bench gemm --sweep times (none without
// has_coopmat2 or for the head + pool): bm in 64, 128, 256 (16 and 32 too for
// M <= 64), bn = N rounded up to 16 when at most 128 else 64, 128, 256, bk = K
// rounded up to 16 when at most 32 else 32 and 64, 128 or 256 invocations;
// only those check_gemm_tile accepts.
std::vector<GemmTile> coopmat2_tile_candidates(const GemmShape& g, const vk::DeviceInfo& d);

// HEAD_POOL: images one workgroup of tile t pools (EFFNET_SC_POOL_IMAGES):
// bm / pixels where an image's pixels fit one M tile, else 1 (the workgroup
// loops over that image's M tiles).
uint32_t pool_images(const GemmTile& t, uint32_t pixels);

// Throws DeviceError (naming `layer`) when `t` is malformed or does not fit the
// device: invocations, shared memory, a cooperative-matrix shape it lacks;
// COOPMAT2: a device without has_coopmat2, the head + pool, invocations not a
// power-of-two multiple of the subgroup size or over
// coopmat2_max_workgroup_size, a dimension over coopmat2_max_dimension or not
// a multiple of the granularity of a flexible-dimension entry (f16 x f16 ->
// f32, workgroup scope) for that many invocations.
void check_gemm_tile(const GemmTile& t, bool head_pool, const vk::DeviceInfo& d, const std::string& layer);
// The COOPMAT2 part of check_gemm_tile (vk_gemm_tile_coopmat2.cpp); `what`
// starts the message ("layer mbconv3.0: GEMM tile ...").
void check_coopmat2_tile(const GemmTile& t, bool head_pool, const vk::DeviceInfo& d, const std::string& what);

}  // namespace effnet
