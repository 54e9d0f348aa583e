// The per-layer decision of the Vulkan plan, made once when the plan is built:
// which shader variant, which tile sizes and workgroup size, which dispatch
// grid. Weight packing, pipeline creation, recording and the report all read
// this one object (no repeated path conditions).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/network.h"
#include "model/precision.h"
#include "vk_runtime/device_info.h"

namespace effnet {

enum class GemmEpilogue : uint32_t { StageF32 = 0, Direct = 1, StageF16 = 2 };  // = EFFNET_GEMM_EPI_*

// Tile of the GEMM-shaped shaders (gemm.comp).
// SCALAR (cm_m == 0): each invocation owns tm x tn outputs, so the workgroup
// has (bm / tm) * (bn / tn) invocations.
// COOPMAT (cm_m != 0): cooperative matrices of cm_m x cm_n x cm_k (f16 x f16 ->
// f32, subgroup scope); warps_m x warps_n subgroups split the tile, warps_k
// subgroups split each bk step (their sums added in fixed order); the workgroup
// has warps_m * warps_n * warps_k * subgroup invocations; tm, tn are unused.
// COOPMAT2 (coopmat2): one workgroup-scope bm x bn fp32 accumulator, K steps of
// bk (shaders/gemm_coopmat2.glsl, VK_NV_cooperative_matrix2); the driver
// splits the tile among the warps_m subgroups of the workgroup (warps_n =
// warps_k = 1, invocations = warps_m * subgroup); cm_m, cm_n, cm_k are 0 (no
// subgroup-scope shape), epilogue and stages unused; cm2_shared is the shared
// memory the driver reserves for it (DeviceInfo::coopmat2_reserved_shared).
struct GemmTile {
  uint32_t bm = 64, bn = 64, bk = 16, tm = 4, tn = 4;
  uint32_t cm_m = 0, cm_n = 0, cm_k = 0;
  uint32_t warps_m = 1, warps_n = 1, warps_k = 1;
  uint32_t subgroup = 32;  // invocations per subgroup (COOPMAT)
  // COOPMAT only (shaders/abi.h EFFNET_GEMM_EPI_*): StageF32 the fp32 C stage
  // (any tile); Direct stores fragments from registers (no C stage); StageF16
  // an fp16 C stage of half the size (fp16 output). The last two start the
  // accumulators at the bias: warps_k == 1, N % cm_n == 0, no head + pool.
  GemmEpilogue epilogue = GemmEpilogue::StageF32;
  uint32_t stages = 1;  // COOPMAT: shared A/B buffers (2: double-buffered K loop)
  bool coopmat2 = false;
  uint32_t cm2_shared = 0;  // COOPMAT2: bytes of shared memory the driver reserves (shared_bytes)
  // Cooperative matrices of either kind (COOPMAT or COOPMAT2).
  bool coopmat() const { return cm_m != 0 || coopmat2; }
  uint32_t invocations() const {
    return coopmat() ? warps_m * warps_n * warps_k * subgroup : (bm / tm) * (bn / tn);
  }
  // Shared memory the variant uses, bytes (head_pool adds its reduction buffer;
  // COOPMAT2: cm2_shared, the shader declares none).
  uint32_t shared_bytes(bool head_pool) const;
  // "64x64x16 (4x4 per invocation)" | "128x64x64 coopmat 16x16x16, 2x2x1 subgroups[, 2 stages][, direct C |
  // fp16 C stage]" | "128x128x32 coopmat2, 256 invocations"
  std::string str() const;
};

// How choose_variant picks GEMM tiles (VkPlanOptions fills it).
// The work of one invocation of the stem and depthwise shaders: `vec` channels
// of a `rows` x `pix` block of output pixels (rows along H, depthwise only;
// pix along W). Written and parsed as "VECxPIXxROWS" (effnet-bench
// --depthwise-tile / --stem-tile). coopmat (stem only, fp16 on a device with
// 16x16x16 f16 cooperative matrices): the stem as a split-fp16 GEMM on
// cooperative matrices (shaders/stem_coopmat.glsl) instead of FMA
// invocation tiles, written "coopmat"; vec, pix and rows are then unused.
struct ConvTile {
  uint32_t vec = 4, pix = 4, rows = 1;
  bool coopmat = false;
  std::string str() const;
  // "4x4x2" (or "4x4": rows 1), or "coopmat". Throws ShapeError on anything
  // else or a zero.
  static ConvTile parse(const std::string& s);
};

// How choose_variant decides: the rules, or forced choices (tests, benchmarks).
struct GemmChoice {
  bool allow_coopmat = true;           // use cooperative matrices where the device has f16 ones
  std::optional<GemmTile> force_tile;  // test-only: this tile (SCALAR or COOPMAT) for every GEMM
  std::optional<std::array<uint32_t, 3>> force_coopmat_shape;  // test-only: this M x N x K shape
  std::optional<GemmEpilogue> epilogue;  // instead of the rule's, where it applies (benchmarks)
  // Instead of the rule's invocation tile of every depthwise / stem layer
  // (benchmarks, tests); DeviceError when it breaks a shader limit (see the stage files).
  std::optional<ConvTile> depthwise_tile, stem_tile;
  // The stem reads the plan's uint8 NHWC input (VkPlanOptions::input,
  // shaders/stem_conv.comp -DINPUT_U8) instead of fp32 NCHW.
  bool stem_input_u8 = false;
  // fp16 Pointwise and Linear layers take a COOPMAT2 tile (coopmat2_tile) where
  // the device has_coopmat2 and allow_coopmat; opt-in until measured.
  bool allow_coopmat2 = false;
};

// Whether `device` runs the shaders of precision p: fp16 storage and
// arithmetic need shaderFloat16 and storageBuffer16BitAccess; fp32 runs anywhere.
bool precision_supported(const vk::DeviceInfo& device, Precision p);

// The f16 x f16 -> f32 subgroup-scope cooperative-matrix shapes of `device`
// that gemm.comp can use (cm_k a multiple of 8), as {m, n, k}.
std::vector<std::array<uint32_t, 3>> gemm_coopmat_shapes(const vk::DeviceInfo& device);

struct LayerVariant {
  std::string layer;  // state_dict prefix: "conv1", "mbconv3.0", "fc"
  LayerKind kind = LayerKind::Pointwise;
  Act act = Act::None;
  std::string shader;  // embedded variant name, e.g. "gemm_fp16", "depthwise_fp32"
  Precision precision = Precision::FP16;
  bool coopmat = false;                         // a COOPMAT or COOPMAT2 variant (tile.coopmat())
  ActShape in, out;                             // NHWC; stem `in` describes the NCHW input as {n, h, w, c}
  bool gemm = false;                            // Pointwise, HeadPool, Linear
  GemmTile tile;                                // valid when gemm
  uint32_t gemm_m = 0, gemm_n = 0, gemm_k = 0;  // when gemm (HeadPool: m = n * h * w)
  uint32_t wg_size = 256;                       // invocations per workgroup
  // Stem and depthwise: channels per invocation (depthwise: 4, 2 or 1, dividing
  // C; stem: output channels, a multiple of 4), output pixels per invocation
  // along W and output rows per invocation (depthwise), vec4 slots of weights
  // in shared memory (stem).
  uint32_t vec = 1, pix = 1, rows = 1, shared_vec4 = 0;
  // Stem COOPMAT (ConvTile::coopmat): subgroups per workgroup and the subgroup
  // size they assume (required of the pipeline); 0 otherwise.
  uint32_t subgroups = 0, subgroup_size = 0;
  bool input_u8 = false;  // stem: reads uint8 NHWC (GemmChoice::stem_input_u8); params weight, bias, table
  std::array<uint32_t, 3> groups{1, 1, 1};
  double flops = 0;    // multiply-adds * 2 of this layer
  bool tuned = false;  // the tile came from the plan's tuning table (model/vk_tuning.h), not the rule

  // "mbconv3.0 pointwise gemm_fp16 tile 64x64x16 (4x4 per invocation) 256 inv, 25x3x1 groups"
  std::string describe() const;
};

// Decides the variant of `layer` on input `in` (NHWC; for the stem, the NCHW
// input as {n, h, w, c}). GEMM-shaped layers in fp16 use cooperative matrices
// when choice.allow_coopmat and the device has f16 ones: the shape with the
// least padding of M, N, K, then the tile (see vk_variant.cpp); Pointwise and
// Linear take a workgroup-scope COOPMAT2 tile instead with choice.allow_coopmat2
// on a device with has_coopmat2. `choice` can
// force a tile or a cooperative-matrix shape (tests). Throws ShapeError when
// the layer's weights do not match its kind and channels or the tensors are too
// large for 32-bit indexing, DeviceError when a (forced) tile or shape does not
// fit the device (invocations, shared memory, reported shapes) or the grid
// exceeds maxComputeWorkGroupCount.
LayerVariant choose_variant(const Layer& layer, const ActShape& in, Precision precision,
                            const vk::DeviceInfo& device, const GemmChoice& choice = {});

}  // namespace effnet
