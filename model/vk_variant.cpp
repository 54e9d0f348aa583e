#include "model/vk_variant.h"

#include <cstdio>
#include <sstream>

#include "model/errors.h"
#include "model/vk_stage_code.h"

namespace effnet {

std::string ConvTile::str() const {
  if (coopmat) return "coopmat";
  return std::to_string(vec) + "x" + std::to_string(pix) + "x" + std::to_string(rows);
}

ConvTile ConvTile::parse(const std::string& s) {
  ConvTile t;
  if (s == "coopmat") {
    t.coopmat = true;
    return t;
  }
  unsigned a = 0, b = 0, c = 1;
  char x1 = 0, x2 = 0, extra = 0;
  const int n = std::sscanf(s.c_str(), "%u%c%u%c%u%c", &a, &x1, &b, &x2, &c, &extra);
  if (!((n == 3 && x1 == 'x') || (n == 5 && x1 == 'x' && x2 == 'x')) || a == 0 || b == 0 || c == 0 ||
      a > 64 || b > 64 || c > 64)
    throw ShapeError("invocation tile '" + s +
                     "': expected VECxPIX or VECxPIXxROWS (positive, at most 64) or coopmat");
  t.vec = a;
  t.pix = b;
  t.rows = c;
  return t;
}

bool precision_supported(const vk::DeviceInfo& d, Precision p) {
  return p == Precision::FP32 || (d.fp16_arithmetic && d.storage16);
}

std::string LayerVariant::describe() const {
  std::ostringstream o;
  o << layer << " " << kind_name(kind) << " " << shader;
  if (gemm) o << " tile " << tile.str();
  if (!gemm && coopmat) o << " split-fp16 GEMM on 16x16x16 cooperative matrices, 16 px per subgroup,";
  if (!gemm && !coopmat) o << " " << vec << " ch x " << rows << "x" << pix << " px per invocation,";
  if (input_u8) o << " uint8 NHWC input,";
  if (tuned) o << " tuned,";
  o << " " << wg_size << " inv, " << groups[0] << "x" << groups[1] << "x" << groups[2] << " groups";
  return o.str();
}

LayerVariant choose_variant(const Layer& layer, const ActShape& in, Precision precision,
                            const vk::DeviceInfo& device, const GemmChoice& choice) {
  validate_layer(layer);

  LayerVariant v;
  v.layer = layer.name;
  v.kind = layer.kind;
  v.act = layer.act;
  v.precision = precision;
  v.in = in;
  v.out = layer_out_shape(layer, in);
  constexpr uint64_t kMaxIndex = uint64_t(1) << 32;
  if (uint64_t(in.numel()) >= kMaxIndex || uint64_t(v.out.numel()) >= kMaxIndex ||
      layer.weight.size() >= kMaxIndex)
    throw ShapeError("layer " + layer.name + ": tensors too large for 32-bit indexing (" +
                     std::to_string(in.numel()) + " input elements)");

  // The kind's own decision (model/vk_stage_<kind>.cpp).
  layer_stage_code(layer.kind).choose(v, layer, device, choice);
  v.flops = kind_flops(layer.kind, layer.cin, layer.cout, v.in, v.out);
  return v;
}

}  // namespace effnet
