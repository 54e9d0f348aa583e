// The per-layer decision of the Vulkan plan, made once when the plan is built:
// which shader variant, which tile sizes and workgroup size, which dispatch
// grid. Weight packing, pipeline creation, recording and the report all read
// this one object (no repeated path conditions).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "model/network.h"
#include "vk_runtime/device_info.h"

namespace effnet {

enum class Precision {
  FP32,  // fp32 storage and arithmetic
  FP16,  // fp16 storage of activations and weights, fp32 accumulation (biases and logits fp32)
};
const char* precision_name(Precision p);  // "fp32" | "fp16"
// "fp32" | "fp16"; throws UsageError otherwise.
Precision parse_precision(const std::string& s);

// Tile of the GEMM-shaped shaders (gemm.comp). SCALAR: each invocation owns
// tm x tn outputs, so the workgroup has (bm / tm) * (bn / tn) invocations.
struct GemmTile {
  uint32_t bm = 64, bn = 64, bk = 16, tm = 4, tn = 4;
  uint32_t invocations() const { return (bm / tm) * (bn / tn); }
  // Shared memory the variant uses, bytes (head_pool adds its reduction buffer).
  uint32_t shared_bytes(bool head_pool) const { return 4 * (bk * bm + bk * bn + (head_pool ? bm * bn : 0)); }
  std::string str() const;  // "64x64x16 (4x4 per invocation)"
};

struct LayerVariant {
  std::string layer;  // state_dict prefix: "conv1", "mbconv3.0", "fc"
  LayerKind kind = LayerKind::Pointwise;
  Act act = Act::None;
  std::string shader;  // embedded variant name, e.g. "gemm_fp16", "depthwise_fp32"
  Precision precision = Precision::FP16;
  bool coopmat = false;                         // always false for now (SCALAR variants only)
  ActShape in, out;                             // NHWC; stem `in` describes the NCHW input as {n, h, w, c}
  bool gemm = false;                            // Pointwise, HeadPool, Linear
  GemmTile tile;                                // valid when gemm
  uint32_t gemm_m = 0, gemm_n = 0, gemm_k = 0;  // when gemm (HeadPool: m = n * h * w)
  uint32_t wg_size = 256;                       // invocations per workgroup
  std::array<uint32_t, 3> groups{1, 1, 1};
  double flops = 0;  // multiply-adds * 2 of this layer

  // "mbconv3.0 pointwise gemm_fp16 tile 64x64x16 (4x4 per invocation) 256 inv, 25x3x1 groups"
  std::string describe() const;
};

// Decides the variant of `layer` on input `in` (NHWC; for the stem, the NCHW
// input as {n, h, w, c}). `force_tile` overrides the tile of GEMM-shaped layers
// (tests). Throws ShapeError when the layer's weights do not match its kind and
// channels or the tensors are too large for 32-bit indexing, DeviceError when
// a (forced) tile does not fit the device (invocations, shared memory) or the
// grid exceeds maxComputeWorkGroupCount.
LayerVariant choose_variant(const Layer& layer, const ActShape& in, Precision precision,
                            const vk::DeviceInfo& device,
                            const std::optional<GemmTile>& force_tile = std::nullopt);

}  // namespace effnet
