// A stage of the Vulkan plan: one dispatch (a split fused block adds its
// reduction) covering one or more consecutive layers. The plan's stage list
// is decided once when the plan is built (model/vk_plan.cpp); later fusions
// plug in here as new stage kinds.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "model/vk_mbconv.h"
#include "model/vk_variant.h"

namespace effnet {

enum class StageKind {
  Layer,      // one layer, its own shader (stem, pointwise, depthwise, head_pool, linear)
  MBConv,     // a whole MBConv block (expand, depthwise, project) in mbconv.comp
  ExpandDw,   // a block's expand and depthwise layers in mbconv.comp -DEXPAND_DW
  DwProject,  // a depthwise layer and the pointwise layer after it (gemm.comp -DDW_A)
};
const char* stage_kind_name(StageKind k);  // "layer" | "mbconv" | "expand_dw" | "dw_project"

struct Stage {
  StageKind kind = StageKind::Layer;
  std::string name;                     // the layer's name, or the block's ("mbconv3")
  size_t first = 0, count = 1;          // layers [first, first + count) of the plan
  std::optional<LayerVariant> layer;    // kind == Layer; DwProject: the pointwise layer's (its GEMM)
  std::optional<LayerVariant> dw;       // kind == DwProject: the depthwise layer's (its geometry)
  std::optional<MBConvVariant> mbconv;  // kind == MBConv or ExpandDw (mbconv->project false)
  ActShape in, out;                     // NHWC (stem: the NCHW input as {n, h, w, c})
  double layer_flops = 0;               // the covered layers' kind_flops (model/layer_kind.h), as unfused

  const std::string& shader() const;
  bool coopmat() const;
  double flops() const;         // layer_flops
  uint32_t dispatches() const;  // 1, or 2 for a split fused block (its reduction)
  // One line: the layer variant's, or the fused block's describe().
  std::string describe() const;
};

}  // namespace effnet
