// The one table of layer kinds: per kind its name, host layouts, shape rule,
// weight layout and element count, storage bytes per precision, FLOPs and
// minimum bytes. Every backend (CPU reference, Vulkan plan, CUDA reference),
// effnet-bench and the tests read these rules here; none is written twice.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/precision.h"

namespace effnet {

enum class LayerKind {
  StemConv3x3,   // dense 3x3 conv, stride 2, pad 1
  Pointwise,     // 1x1 conv = GEMM
  Depthwise3x3,  // 3x3 depthwise conv, stride 1|2, pad 1, cin == cout
  HeadPool,      // 1x1 conv + act + global average pool
  Linear,        // fully connected
};
inline constexpr size_t kLayerKindCount = 5;

// Host layout of a kind's input or output tensor (cpu_layer, VkPlan on a
// sub-list of layers, cuda_layer): dims in this order.
enum class Layout {
  NCHW,  // [N, C, H, W]
  NHWC,  // [N, H, W, C]
  NC,    // [N, C] (H = W = 1)
};

// How a kind's output H x W follows from its input H x W.
enum class ShapeRule {
  Conv3x3,  // conv3x3_out(H, stride) x conv3x3_out(W, stride) (pad 1)
  Same,     // H x W
  Pooled,   // 1 x 1 (the conv runs on every input pixel, then the mean over H x W)
};

enum class TensorRole { Input, Weight, Output };

struct KindInfo {
  LayerKind kind;
  const char* name;  // kind_name: "stem", "pointwise", "depthwise", "head_pool", "linear"
  Layout in, out;    // host layouts of input and output
  ShapeRule shape;
  int taps;                   // kernel taps per input channel of a filter: 9 (3x3) or 1
  bool dense;                 // a filter sees every input channel (false: depthwise, cin == cout)
  const char* weight_layout;  // memory order of Layer::weight (fp32 on the host)
  // Bytes per element of input, weight and output in fp16 storage (fp32: 4 for
  // all; biases [cout] are fp32 at every precision). fp16 keeps the network
  // input (stem) fp32 NCHW, the stem and depthwise weights fp32 (tiny; rounding
  // them adds ~10% to the end-to-end fp16 error) and the logits (Linear) fp32.
  int fp16_in, fp16_weight, fp16_out;
};

inline constexpr std::array<KindInfo, kLayerKindCount> kLayerKinds = {{
    {LayerKind::StemConv3x3, "stem", Layout::NCHW, Layout::NHWC, ShapeRule::Conv3x3, 9, true,
     "[cout][cin][3][3] (OIHW)", 4, 4, 2},
    {LayerKind::Pointwise, "pointwise", Layout::NHWC, Layout::NHWC, ShapeRule::Same, 1, true, "[cout][cin]",
     2, 2, 2},
    {LayerKind::Depthwise3x3, "depthwise", Layout::NHWC, Layout::NHWC, ShapeRule::Conv3x3, 9, false,
     "[c][3][3]", 2, 4, 2},
    {LayerKind::HeadPool, "head_pool", Layout::NHWC, Layout::NC, ShapeRule::Pooled, 1, true, "[cout][cin]", 2,
     2, 2},
    {LayerKind::Linear, "linear", Layout::NC, Layout::NC, ShapeRule::Pooled, 1, true, "[cout][cin]", 2, 2, 4},
}};

constexpr const KindInfo& kind_info(LayerKind k) { return kLayerKinds[size_t(k)]; }
const char* kind_name(LayerKind k);

// Activation shape between layers.
struct ActShape {
  int n = 0, h = 0, w = 0, c = 0;  // NHWC; NC tensors have h = w = 1
  int64_t numel() const { return int64_t(n) * h * w * c; }
};

// Output shape of kind k with cout channels and `stride` on input `in` (for
// the stem, the NCHW input as {n, h, w, c}). No checks: layer_out_shape
// (network.h) checks the input against a layer first.
ActShape kind_out_shape(LayerKind k, int cout, int stride, const ActShape& in);

// A 1x1 dense kind (taps == 1 && dense: Pointwise, HeadPool, Linear): a GEMM
// [M = pixels, K = cin] x [K, cout] on the GPU backends.
bool kind_is_gemm(LayerKind k);

// Multiply-adds per output element of the conv: cin * taps (dense) or taps
// (depthwise). Also the weights per output channel.
int64_t kind_fan_in(LayerKind k, int cin);
// Elements of Layer::weight: cout * kind_fan_in(k, cin) (layout weight_layout).
int64_t kind_weight_count(LayerKind k, int cin, int cout);
// The weight's PyTorch state_dict shape: [cout, cin, 3, 3], [cout, cin, 1, 1],
// [c, 1, 3, 3] (depthwise), [cout, cin] (Linear).
std::vector<int64_t> kind_torch_weight_shape(LayerKind k, int cin, int cout);

// Bytes per element of role r of kind k at precision p (biases: 4).
int storage_bytes(LayerKind k, TensorRole r, Precision p);

// FLOPs (2 x multiply-adds) of one layer of kind k, cin -> cout, input `in`,
// output `out` (the conv's pixels: the output's, or the input's for Pooled).
double kind_flops(LayerKind k, int cin, int cout, const ActShape& in, const ActShape& out);

// The fewest bytes a layer must move: its input, weights (+ fp32 bias) and
// output once each, in the storage types of storage_bytes.
struct MinBytes {
  double input = 0, weights = 0, output = 0;  // weights include the bias
  double total() const { return input + weights + output; }
};
// Weight and bias bytes of one layer of kind k (cin -> cout) at precision p.
double kind_param_bytes(LayerKind k, int cin, int cout, Precision p);
MinBytes kind_min_bytes(LayerKind k, int cin, int cout, const ActShape& in, const ActShape& out, Precision p);

// Layout helpers: rank, the axis holding C, dims of an ActShape in layout l,
// and the ActShape of dims in layout l. layout_shape throws ShapeError
// "<what>: expected [N, C]" / "<what>: expected rank 4" on a wrong rank.
size_t layout_rank(Layout l);
size_t layout_channel_axis(Layout l);
std::vector<int64_t> layout_dims(Layout l, const ActShape& s);
ActShape layout_shape(Layout l, const std::vector<int64_t>& dims, const std::string& what);

}  // namespace effnet
