#include "model/layer_kind.h"

#include "model/arch.h"
#include "model/errors.h"

namespace effnet {

static_assert(
    [] {
      for (size_t i = 0; i < kLayerKinds.size(); ++i)
        if (size_t(kLayerKinds[i].kind) != i) return false;
      return true;
    }(),
    "kLayerKinds must be in LayerKind order");

const char* kind_name(LayerKind k) { return size_t(k) < kLayerKinds.size() ? kind_info(k).name : "?"; }

ActShape kind_out_shape(LayerKind k, int cout, int stride, const ActShape& in) {
  switch (kind_info(k).shape) {
    case ShapeRule::Conv3x3:
      return {in.n, conv3x3_out(in.h, stride), conv3x3_out(in.w, stride), cout};
    case ShapeRule::Same:
      return {in.n, in.h, in.w, cout};
    case ShapeRule::Pooled:
      return {in.n, 1, 1, cout};
  }
  return {};
}

bool kind_is_gemm(LayerKind k) { return kind_info(k).taps == 1 && kind_info(k).dense; }

int64_t kind_fan_in(LayerKind k, int cin) {
  const KindInfo& i = kind_info(k);
  return int64_t(i.taps) * (i.dense ? cin : 1);
}

int64_t kind_weight_count(LayerKind k, int cin, int cout) { return int64_t(cout) * kind_fan_in(k, cin); }

std::vector<int64_t> kind_torch_weight_shape(LayerKind k, int cin, int cout) {
  const KindInfo& i = kind_info(k);
  if (i.in == Layout::NC) return {cout, cin};
  const int64_t side = i.taps == 9 ? 3 : 1;
  return {cout, i.dense ? cin : 1, side, side};
}

int storage_bytes(LayerKind k, TensorRole r, Precision p) {
  if (p == Precision::FP32) return 4;
  const KindInfo& i = kind_info(k);
  switch (r) {
    case TensorRole::Input:
      return i.fp16_in;
    case TensorRole::Weight:
      return i.fp16_weight;
    case TensorRole::Output:
      return i.fp16_out;
  }
  return 4;
}

double kind_flops(LayerKind k, int cin, int cout, const ActShape& in, const ActShape& out) {
  const ActShape& px = kind_info(k).shape == ShapeRule::Pooled ? in : out;
  const double pixels = double(px.n) * px.h * px.w;
  return 2.0 * double(kind_fan_in(k, cin)) * cout * pixels;
}

double kind_param_bytes(LayerKind k, int cin, int cout, Precision p) {
  return double(kind_weight_count(k, cin, cout)) * storage_bytes(k, TensorRole::Weight, p) + double(cout) * 4;
}

MinBytes kind_min_bytes(LayerKind k, int cin, int cout, const ActShape& in, const ActShape& out,
                        Precision p) {
  MinBytes b;
  b.input = double(in.numel()) * storage_bytes(k, TensorRole::Input, p);
  b.weights = kind_param_bytes(k, cin, cout, p);
  b.output = double(out.numel()) * storage_bytes(k, TensorRole::Output, p);
  return b;
}

size_t layout_rank(Layout l) { return l == Layout::NC ? 2 : 4; }

size_t layout_channel_axis(Layout l) { return l == Layout::NHWC ? 3 : 1; }

std::vector<int64_t> layout_dims(Layout l, const ActShape& s) {
  switch (l) {
    case Layout::NCHW:
      return {s.n, s.c, s.h, s.w};
    case Layout::NHWC:
      return {s.n, s.h, s.w, s.c};
    case Layout::NC:
      return {s.n, s.c};
  }
  return {};
}

ActShape layout_shape(Layout l, const std::vector<int64_t>& d, const std::string& what) {
  if (d.size() != layout_rank(l))
    throw ShapeError(what + (l == Layout::NC ? ": expected [N, C]" : ": expected rank 4"));
  switch (l) {
    case Layout::NCHW:
      return {int(d[0]), int(d[2]), int(d[3]), int(d[1])};
    case Layout::NHWC:
      return {int(d[0]), int(d[1]), int(d[2]), int(d[3])};
    case Layout::NC:
      return {int(d[0]), 1, 1, int(d[1])};
  }
  return {};
}

}  // namespace effnet
