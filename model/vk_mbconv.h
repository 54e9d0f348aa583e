// The fused MBConv stages (shaders/mbconv.comp): whether a block's three layers
// (1x1 expand + ReLU6, 3x3 depthwise + ReLU6, 1x1 project) run as one
// dispatch (stage kind mbconv), or its first two as one (stage kind
// expand_dw: the expanded tensor stays on chip, the depthwise output goes to
// device memory and the project runs as its own GEMM), with which tile,
// hidden-channel chunk and split, decided once at plan time; and the packing
// of the block's weights for that decision.
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

// Tile of the fused block: TH x TW output pixels per workgroup, HC hidden
// channels per chunk (16, 32 or 64), the hidden channels split across
// `split` workgroups (1: none; > 1: fp32 partial sums added by mbconv_reduce).
struct MBConvTile {
  uint32_t th = 8, tw = 8, hc = 16, split = 1;
  uint32_t wg = 256;        // invocations per workgroup (at most the device's limit)
  std::string str() const;  // "8x8 px, chunk 32, split 1" (", 128 inv" when wg != 256)
};

enum class FusePolicy {
  Auto,    // fuse a block where fusing measured faster (mbconv_worth_fusing)
  Always,  // fuse every block a tile fits (tests, benchmarks)
  Never,   // layer by layer
};
const char* fuse_policy_name(FusePolicy f);  // "auto" | "always" | "never"

struct MBConvChoice {
  bool allow_coopmat = true;        // the COOPMAT variant where the device has 16x16x16 f16 matrices
  std::optional<MBConvTile> force;  // test-only: this tile (DeviceError when it does not fit)
  FusePolicy policy = FusePolicy::Always;
  // For A/B runs (effnet-bench --fuse-blocks): when not empty, exactly these
  // blocks ("mbconv4") are fused where a tile fits, whatever the policy
  // (except Never), the others run layer by layer.
  std::vector<std::string> only;
  // The expand_dw stage where the whole block is not fused: Auto where it
  // measured faster (expand_dw_worth), Always where a tile fits (tests,
  // benchmarks), Never. choose_expand_dw reads it; the plan passes Never
  // with policy Never (layer by layer means every layer on its own).
  FusePolicy expand_dw = FusePolicy::Auto;
};

struct MBConvVariant {
  std::string block;  // "mbconv3" (the layers' state_dict prefix)
  std::string
      shader;  // mbconv_shader(): "mbconv_[ed_]coopmat_fp16" | "mbconv_[ed_]fp16" | "mbconv_[ed_]fp32"
  Precision precision = Precision::FP16;
  bool coopmat = false;
  // true: the whole block (stage kind mbconv); false: expand and depthwise
  // only (expand_dw, mbconv.comp -DEXPAND_DW): out is the depthwise output
  // [n][ho][wo][hidden], cout == hidden, no project weights.
  bool project = true;
  ActShape in, out;  // NHWC stage input and output
  int cin = 0, hidden = 0, cout = 0, stride = 1;
  MBConvTile tile;
  // Packed row lengths (spec constants): cin_pack = K of the expand weight
  // (COOPMAT: cin rounded up to 16), hidden_pad (a multiple of hc * split),
  // cout_pack (COOPMAT: cout rounded up to 16). Padding is zero weights.
  uint32_t cin_pack = 0, hidden_pad = 0, cout_pack = 0;
  uint32_t tiles_x = 0, tiles_y = 0;  // output tiles per image along W and H
  uint32_t wg_size = 256, subgroups = 1;
  uint32_t shared_bytes = 0;
  std::array<uint32_t, 3> groups{1, 1, 1};  // {tiles_x * tiles_y, n, split}
  double flops = 0;                         // the covered layers' kind_flops (model/layer_kind.h), as unfused
  double executed_flops = 0;                // with the halo recompute and padding
  // Bytes of the fp32 partial sums (split > 1), else 0.
  uint64_t partial_bytes() const;
  // "mbconv3 fused mbconv_coopmat_fp16 8x8 px, chunk 32, split 1, 256 inv, 64x10x1 groups, ..."
  // (expand_dw: "mbconv3.0+mbconv3.3 expand_dw mbconv_ed_coopmat_fp16 ...")
  std::string describe() const;
  // The layers the stage covers: 3 (the block) or 2 (expand_dw).
  size_t layer_count() const { return project ? 3 : 2; }
};

// True when layers[i..i+2] are an MBConv block the fused shader computes:
// Pointwise (ReLU6) -> Depthwise3x3 (ReLU6) -> Pointwise (no activation) with
// chaining channel counts.
bool is_mbconv_block(const std::vector<Layer>& layers, size_t i);

// Whether fusing the block (variant v, its tile chosen) measured faster than
// running it layer by layer, by the rule of model/vk_mbconv.cpp (H200,
// docs/PERFORMANCE.md): the COOPMAT variant at batch 1 only (one dispatch
// instead of three); at batch 10 and more the fused kernel (one workgroup per
// SM, latency-bound) loses to the layers. The SCALAR variant is never chosen
// by the rule (slower on lavapipe, unmeasured elsewhere).
bool mbconv_worth_fusing(const MBConvVariant& v);

// The fused variant of the block layers[i..i+2] on input `in` (NHWC), or
// nullopt when choice.policy is Never, no tile fits the device (shared memory,
// registers, grid), or (Auto) fusing is not worth it: the block then runs layer
// by layer. Throws DeviceError when choice.force does not fit.
std::optional<MBConvVariant> choose_mbconv(const std::vector<Layer>& layers, size_t i, const ActShape& in,
                                           Precision precision, const vk::DeviceInfo& device,
                                           const MBConvChoice& choice = {});

// Whether the expand_dw stage (variant v, project false, its tile chosen)
// measured faster than the expand and depthwise layers apart, by the rule of
// model/vk_mbconv.cpp (H200, docs/PERFORMANCE.md): never so far (opt-in
// through expand_dw Always).
bool expand_dw_worth(const MBConvVariant& v);

// The expand_dw variant of the block layers[i..i+2] (its expand and depthwise
// layers; the project stays a layer) on input `in` (NHWC), or nullopt when
// choice.expand_dw is Never, no tile fits (the budget: a third of the shared
// memory, so that three workgroups share an NVIDIA SM's 48 KB), or (Auto) it is
// not worth it. Throws DeviceError when choice.force does not fit.
std::optional<MBConvVariant> choose_expand_dw(const std::vector<Layer>& layers, size_t i, const ActShape& in,
                                              Precision precision, const vk::DeviceInfo& device,
                                              const MBConvChoice& choice = {});

// The block's weights as the shader reads them (shaders/mbconv.comp):
// expand [hidden_pad][cin_pack] and project [cout_pack][hidden_pad] in the
// storage type (fp16 bits or fp32 bytes), the fp32 vectors of mbconv_layout.h.
// expand_dw (v.project false): no project weight (empty), project bias 0.
struct MBConvWeights {
  std::vector<uint8_t> expand, vectors, project;
};
MBConvWeights pack_mbconv(const Layer& expand, const Layer& depthwise, const Layer& project,
                          const MBConvVariant& v);

}  // namespace effnet
