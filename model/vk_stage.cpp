#include "model/vk_stage.h"

namespace effnet {

const char* stage_kind_name(StageKind k) {
  return k == StageKind::MBConv ? "mbconv" : k == StageKind::DwProject ? "dw_project" : "layer";
}

const std::string& Stage::shader() const { return mbconv ? mbconv->shader : layer->shader; }
bool Stage::coopmat() const { return mbconv ? mbconv->coopmat : layer->coopmat; }
double Stage::flops() const { return layer_flops; }
uint32_t Stage::dispatches() const { return mbconv && mbconv->tile.split > 1 ? 2 : 1; }
std::string Stage::describe() const {
  if (mbconv) return mbconv->describe();
  if (dw) return layer->describe() + ", A = " + dw->layer + " depthwise computed in the GEMM (dw_project)";
  return layer->describe();
}

}  // namespace effnet
