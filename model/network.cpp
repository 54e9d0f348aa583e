#include "model/network.h"

#include "model/errors.h"

namespace effnet {

const char* act_name(Act a) {
  switch (a) {
    case Act::None:
      return "none";
    case Act::ReLU:
      return "relu";
    case Act::ReLU6:
      return "relu6";
  }
  return "?";
}

const char* kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::StemConv3x3:
      return "stem_conv3x3";
    case LayerKind::Pointwise:
      return "pointwise";
    case LayerKind::Depthwise3x3:
      return "depthwise3x3";
    case LayerKind::HeadPool:
      return "head_pool";
    case LayerKind::Linear:
      return "linear";
  }
  return "?";
}

ActShape layer_out_shape(const Layer& l, const ActShape& in) {
  if (in.c != l.cin || in.n < 1 || in.h < 1 || in.w < 1) {
    throw ShapeError("layer " + l.name + " (" + kind_name(l.kind) + "): input [n=" + std::to_string(in.n) +
                     ", h=" + std::to_string(in.h) + ", w=" + std::to_string(in.w) +
                     ", c=" + std::to_string(in.c) + "] does not fit cin=" + std::to_string(l.cin));
  }
  switch (l.kind) {
    case LayerKind::StemConv3x3:
    case LayerKind::Depthwise3x3:
      return {in.n, conv3x3_out(in.h, l.stride), conv3x3_out(in.w, l.stride), l.cout};
    case LayerKind::Pointwise:
      return {in.n, in.h, in.w, l.cout};
    case LayerKind::HeadPool:
    case LayerKind::Linear:
      return {in.n, 1, 1, l.cout};
  }
  throw ShapeError("layer " + l.name + ": unknown layer kind");
}

}  // namespace effnet
