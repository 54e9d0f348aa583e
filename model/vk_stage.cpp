#include "model/vk_stage.h"

namespace effnet {

const char* stage_kind_name(StageKind k) {
  switch (k) {
    case StageKind::MBConv:
      return "mbconv";
    case StageKind::ExpandDw:
      return "expand_dw";
    case StageKind::DwProject:
      return "dw_project";
    case StageKind::Layer:
      break;
  }
  return "layer";
}

const std::string& Stage::shader() const { return mbconv ? mbconv->shader : layer->shader; }
bool Stage::coopmat() const { return mbconv ? mbconv->coopmat : layer->coopmat; }
double Stage::flops() const { return layer_flops; }
uint32_t Stage::dispatches() const { return mbconv && mbconv->partial_bytes() > 0 ? 2 : 1; }
std::string Stage::describe() const {
  if (mbconv) return mbconv->describe();
  if (dw) return layer->describe() + ", A = " + dw->layer + " depthwise computed in the GEMM (dw_project)";
  return layer->describe();
}

}  // namespace effnet
