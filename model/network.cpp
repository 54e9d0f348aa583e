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

ActShape layer_out_shape(const Layer& l, const ActShape& in) {
  if (in.c != l.cin || in.n < 1 || in.h < 1 || in.w < 1) {
    throw ShapeError("layer " + l.name + " (" + kind_name(l.kind) + "): input [n=" + std::to_string(in.n) +
                     ", h=" + std::to_string(in.h) + ", w=" + std::to_string(in.w) +
                     ", c=" + std::to_string(in.c) + "] does not fit cin=" + std::to_string(l.cin));
  }
  return kind_out_shape(l.kind, l.cout, l.stride, in);
}

void validate_layer(const Layer& l) {
  const auto fail = [&](const std::string& msg) {
    throw ShapeError("layer " + l.name + " (" + kind_name(l.kind) + "): " + msg);
  };
  if (l.cin < 1 || l.cout < 1) fail("cin and cout must be >= 1");
  if (l.stride < 1) fail("stride must be >= 1");
  if (!kind_info(l.kind).dense && l.cin != l.cout) fail("depthwise needs cin == cout");
  const int64_t want = kind_weight_count(l.kind, l.cin, l.cout);
  if (int64_t(l.weight.size()) != want)
    fail("weight has " + std::to_string(l.weight.size()) + " values, expected " + std::to_string(want));
  if (int64_t(l.bias.size()) != l.cout)
    fail("bias has " + std::to_string(l.bias.size()) + " values, expected " + std::to_string(l.cout));
}

}  // namespace effnet
