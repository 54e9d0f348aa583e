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

int fp16_storage_bytes(LayerKind k, TensorRole r) {
  switch (r) {
    case TensorRole::Input:
      return k == LayerKind::StemConv3x3 ? 4 : 2;
    case TensorRole::Weight:
      return k == LayerKind::StemConv3x3 || k == LayerKind::Depthwise3x3 ? 4 : 2;
    case TensorRole::Output:
      return k == LayerKind::Linear ? 4 : 2;
  }
  return 4;
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

void validate_layer(const Layer& l) {
  const auto fail = [&](const std::string& msg) {
    throw ShapeError("layer " + l.name + " (" + kind_name(l.kind) + "): " + msg);
  };
  if (l.cin < 1 || l.cout < 1) fail("cin and cout must be >= 1");
  if (l.stride < 1) fail("stride must be >= 1");
  int64_t want = int64_t(l.cout) * l.cin;
  if (l.kind == LayerKind::StemConv3x3) want *= 9;
  if (l.kind == LayerKind::Depthwise3x3) {
    if (l.cin != l.cout) fail("depthwise needs cin == cout");
    want = int64_t(l.cout) * 9;
  }
  if (int64_t(l.weight.size()) != want)
    fail("weight has " + std::to_string(l.weight.size()) + " values, expected " + std::to_string(want));
  if (int64_t(l.bias.size()) != l.cout)
    fail("bias has " + std::to_string(l.bias.size()) + " values, expected " + std::to_string(l.cout));
}

}  // namespace effnet
