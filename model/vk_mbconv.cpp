#include "model/vk_mbconv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "model/vk_stage_code.h"
#include "model/vk_variant.h"
#include "shaders/mbconv_layout.h"
#include "vk_runtime/errors.h"

namespace effnet {
namespace {

uint32_t ceil_div(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }
uint32_t round_up(uint32_t a, uint32_t b) { return (a + b - 1) / b * b; }

// Workgroups that keep a large GPU busy (an H200 has 132 SMs, an RTX 4090 128;
// a fused workgroup of 256 invocations leaves room for about two per SM).
constexpr uint64_t kTargetGroups = 256;
// Register budget of the COOPMAT project accumulators per subgroup (16x16 fp32
// blocks, 8 words each per invocation at subgroup size 32).
constexpr uint32_t kMaxProjectBlocks = 10;
constexpr uint32_t kWgSize = 256;
// COOPMAT: 512 invocations (16 subgroups). The NVIDIA driver gives an SM 48 KB
// of shared memory in all, so a fused tile of 36-48 KB runs one workgroup per
// SM; 16 subgroups instead of 8 share its phases (H200, per-workgroup clocks,
// batch 256: mbconv1 12x15 1343 -> 1072 us, mbconv2 6x15 1337 -> 1228 us;
// 1024 invocations: no better).
constexpr uint32_t kCoopmatWgSize = 512;
// expand_dw: 128 invocations, several small workgroups per SM.
constexpr uint32_t kEdWgSize = 128;
// Cost of one chunk of one workgroup beyond its multiply-adds (barriers,
// weight fetches), in multiply-add equivalents: a rough rule, measured on the
// H200 to favour fewer, larger chunks; the tuning issue replaces it.
constexpr double kChunkCost = 4096;

struct Geometry {
  uint32_t pin, mp, pin_rows, mp_rows;
};

Geometry geometry(const MBConvTile& t, uint32_t stride, bool coopmat) {
  Geometry g;
  g.pin = EFFNET_MBCONV_IN_DIM(t.th, stride) * EFFNET_MBCONV_IN_DIM(t.tw, stride);
  g.mp = t.th * t.tw;
  g.pin_rows = coopmat ? EFFNET_ROUND16(g.pin) : g.pin;
  g.mp_rows = coopmat ? EFFNET_ROUND16(g.mp) : g.mp;
  return g;
}

// Fills the tile-dependent fields of v; returns "" when the tile fits the
// device, else why not.
std::string apply_tile(MBConvVariant& v, const MBConvTile& t, const vk::DeviceInfo& d) {
  v.tile = t;
  if (t.th < 1 || t.tw < 1 || t.split < 1 || t.wg < 1) return "empty tile";
  if (t.hc != 16 && t.hc != 32 && t.hc != 64) return "chunk must be 16, 32 or 64";
  const Geometry g = geometry(t, uint32_t(v.stride), v.coopmat);
  v.hidden_pad = round_up(uint32_t(v.hidden), t.hc * t.split);
  v.tiles_x = ceil_div(uint32_t(v.out.w), t.tw);
  v.tiles_y = ceil_div(uint32_t(v.out.h), t.th);
  v.wg_size = std::min(t.wg, d.max_workgroup_invocations);
  if (v.coopmat && !v.project) {
    if (d.subgroup_size == 0 || v.wg_size % d.subgroup_size != 0) return "subgroup size";
    v.subgroups = v.wg_size / d.subgroup_size;
    v.shared_bytes = 16 * EFFNET_MBCONV_CM_ED_VEC4(g.pin_rows, v.cin_pack, t.hc);
  } else if (!v.project) {
    v.subgroups = 1;
    v.shared_bytes = 4 * g.pin * t.hc;
  } else if (v.coopmat) {
    if (d.subgroup_size == 0 || v.wg_size % d.subgroup_size != 0) return "subgroup size";
    v.subgroups = v.wg_size / d.subgroup_size;
    const uint32_t main = EFFNET_MBCONV_CM_MAIN_VEC4(g.pin_rows, g.mp_rows, v.cin_pack, t.hc);
    const uint32_t out = EFFNET_MBCONV_CM_OUT_VEC4(g.mp_rows, v.cout_pack);
    v.shared_bytes = 16 * std::max(main, out);
    const uint32_t blocks = (g.mp_rows / 16) * (v.cout_pack / 16);
    if (ceil_div(blocks, v.subgroups) * 16 * 16 / d.subgroup_size > kMaxProjectBlocks * 8)
      return "project accumulators exceed the register budget";
  } else {
    v.subgroups = 1;
    v.shared_bytes = 4 * EFFNET_MBCONV_SC_FLOATS(g.pin, g.mp, t.hc, v.cout_pack);
  }
  if (v.shared_bytes > d.max_shared_memory)
    return std::to_string(v.shared_bytes) +
           " B of shared memory (device: " + std::to_string(d.max_shared_memory) + ")";
  const uint64_t tiles = uint64_t(v.tiles_x) * v.tiles_y;
  v.groups = {uint32_t(tiles), uint32_t(v.in.n), t.split};
  const auto& mg = d.max_workgroup_count;
  if (tiles > mg[0] || uint64_t(v.in.n) > mg[1] || t.split > mg[2])
    return "grid exceeds maxComputeWorkGroupCount";
  const double wgs = double(tiles) * v.in.n;
  v.executed_flops = 2.0 * wgs *
                     (double(g.pin_rows) * v.cin_pack * v.hidden_pad + 9.0 * g.mp * v.hidden_pad +
                      (v.project ? double(g.mp_rows) * v.hidden_pad * v.cout_pack : 0.0));
  // fp32 partial sums: indexed in 32 bits by the shaders.
  if (t.split > 1 && double(t.split) * wgs * EFFNET_ROUND16(g.mp) * v.cout_pack >= 4294967296.0)
    return "partial sums too large for 32-bit indexing";
  return "";
}

// Estimated time of a tile in multiply-add units: waves of kTargetGroups
// workgroups times one workgroup's work, plus the reduction of a split.
double estimate(const MBConvVariant& v, double target_groups) {
  const double groups = double(v.groups[0]) * v.groups[1] * v.groups[2];
  const double chunks = double(v.hidden_pad) / v.tile.hc / v.tile.split;
  const double per_group = v.executed_flops / 2.0 / groups + chunks * kChunkCost;
  double t = std::ceil(groups / target_groups) * per_group;
  if (v.tile.split > 1 && v.project) t += 8 * kChunkCost + double(v.partial_bytes()) / 4.0 / target_groups;
  return t;
}

}  // namespace

std::string MBConvTile::str() const {
  return std::to_string(th) + "x" + std::to_string(tw) + " px, chunk " + std::to_string(hc) + ", split " +
         std::to_string(split) + (wg != kWgSize ? ", " + std::to_string(wg) + " inv" : "");
}

uint64_t MBConvVariant::partial_bytes() const {
  if (tile.split <= 1 || !project) return 0;  // expand_dw slices store disjoint channels
  return uint64_t(tile.split) * groups[0] * groups[1] * EFFNET_ROUND16(tile.th * tile.tw) * cout_pack * 4;
}

std::string MBConvVariant::describe() const {
  std::ostringstream o;
  if (project)
    o << block << " fused ";
  else
    o << block << ".0+" << block << ".3 expand_dw ";
  // The tile's size, chunk and split, then the workgroup this plan runs (the
  // tile's wg clamped to the device), once.
  o << shader << " " << tile.th << "x" << tile.tw << " px, chunk " << tile.hc << ", split " << tile.split
    << ", " << wg_size << " inv, " << groups[0] << "x" << groups[1] << "x" << groups[2] << " groups, "
    << shared_bytes << " B shared, executes " << int(100.0 * executed_flops / flops + 0.5)
    << "% of the FLOPs";
  return o.str();
}

const char* fuse_policy_name(FusePolicy f) {
  return f == FusePolicy::Auto ? "auto" : f == FusePolicy::Always ? "always" : "never";
}

bool mbconv_worth_fusing(const MBConvVariant& v) {
  // Batch 1 is dispatch-bound: one dispatch instead of three. At batch 10 and
  // 64 fusing mbconv2 and mbconv3 won (0.374 vs 0.376 ms, 1.314 vs 1.357 ms)
  // until the expand GEMMs kept three workgroups per SM (model/vk_gemm_tile.cpp):
  // since then layer by layer is faster there (0.330 vs 0.344 ms, 1.156 vs
  // 1.221 ms; H200, docs/PERFORMANCE.md "48 KB of shared memory per SM").
  return v.coopmat && v.in.n == 1;
}

bool is_mbconv_block(const std::vector<Layer>& l, size_t i) {
  if (i + 2 >= l.size()) return false;
  const Layer &e = l[i], &d = l[i + 1], &p = l[i + 2];
  return e.kind == LayerKind::Pointwise && e.act == Act::ReLU6 && d.kind == LayerKind::Depthwise3x3 &&
         d.act == Act::ReLU6 && p.kind == LayerKind::Pointwise && p.act == Act::None && d.cin == e.cout &&
         d.cout == d.cin && p.cin == d.cout;
}

namespace {

// The tile-independent fields of the block layers[i..i+2]'s variant (project
// false: its expand_dw stage), or nullopt when 32-bit indexing cannot reach
// its tensors.
std::optional<MBConvVariant> init_variant(const std::vector<Layer>& layers, size_t i, const ActShape& in,
                                          Precision precision, const vk::DeviceInfo& device,
                                          bool allow_coopmat, bool project) {
  const Layer &e = layers[i], &d = layers[i + 1], &p = layers[i + 2];
  for (const Layer* l : {&e, &d, &p}) validate_layer(*l);
  MBConvVariant v;
  v.block = e.name.substr(0, e.name.find('.'));
  v.precision = precision;
  v.project = project;
  v.in = in;
  v.out = layer_out_shape(d, layer_out_shape(e, in));
  if (project) v.out = layer_out_shape(p, v.out);
  v.cin = e.cin;
  v.hidden = e.cout;
  v.cout = project ? p.cout : e.cout;
  v.stride = d.stride;
  const bool fp16 = precision == Precision::FP16;
  const auto shapes = gemm_coopmat_shapes(device);
  v.coopmat = fp16 && allow_coopmat && v.cin % 8 == 0 && v.cout % 8 == 0 &&
              std::find(shapes.begin(), shapes.end(), std::array<uint32_t, 3>{16, 16, 16}) != shapes.end();
  v.shader = mbconv_shader(precision, v.coopmat, project);
  v.cin_pack = v.coopmat ? EFFNET_ROUND16(uint32_t(v.cin)) : uint32_t(v.cin);
  // expand_dw: COUT only sizes the (unused) project part of the vectors.
  v.cout_pack = !project ? 16u : v.coopmat ? EFFNET_ROUND16(uint32_t(v.cout)) : uint32_t(v.cout);
  // The covered layers' FLOPs as the kind table counts them (Stage::flops sums the same).
  ActShape x = in;
  for (size_t j = i; j < i + v.layer_count(); ++j) {
    const ActShape y = layer_out_shape(layers[j], x);
    v.flops += kind_flops(layers[j].kind, layers[j].cin, layers[j].cout, x, y);
    x = y;
  }
  constexpr uint64_t kMaxIndex = uint64_t(1) << 32;
  if (uint64_t(in.numel()) >= kMaxIndex || uint64_t(v.out.numel()) >= kMaxIndex) return std::nullopt;
  return v;
}

// v with the forced tile t (MBConvChoice::force) applied; DeviceError naming
// `stage` when it does not fit the device.
MBConvVariant forced(MBConvVariant v, const MBConvTile& t, const vk::DeviceInfo& d,
                     const std::string& stage) {
  const std::string why = apply_tile(v, t, d);
  if (!why.empty())
    throw vk::DeviceError(stage + ": forced tile " + t.str() + " does not fit " + d.name + ": " + why);
  return v;
}

}  // namespace

std::optional<MBConvVariant> choose_mbconv(const std::vector<Layer>& layers, size_t i, const ActShape& in,
                                           Precision precision, const vk::DeviceInfo& device,
                                           const MBConvChoice& choice) {
  if (choice.policy == FusePolicy::Never || !is_mbconv_block(layers, i)) return std::nullopt;
  std::optional<MBConvVariant> init =
      init_variant(layers, i, in, precision, device, choice.allow_coopmat, true);
  if (!init) return std::nullopt;
  MBConvVariant v = std::move(*init);
  // An explicit list (effnet-bench --fuse-blocks): exactly its blocks, forced tile or not.
  if (!choice.only.empty() && std::find(choice.only.begin(), choice.only.end(), v.block) == choice.only.end())
    return std::nullopt;

  if (choice.force) return forced(v, *choice.force, device, "block " + v.block);
  // A CPU driver runs a few workgroups at a time (one per core).
  const double target = device.vk_type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 4.0 : double(kTargetGroups);
  std::optional<MBConvVariant> best;
  double best_t = 0;
  const uint32_t chunks_max = ceil_div(uint32_t(v.hidden), 16);
  // Tiles no larger than the output (a larger one is only padding).
  for (uint32_t th = 1; th <= uint32_t(std::min(16, v.out.h)); ++th)
    for (uint32_t tw = 1; tw <= uint32_t(std::min(16, v.out.w)); ++tw) {
      for (uint32_t hc : {16u, 32u, 64u})
        for (uint32_t split = 1; split <= 64 && split * hc <= round_up(uint32_t(v.hidden), hc); split *= 2) {
          if (split > chunks_max) break;
          MBConvVariant c = v;
          if (!apply_tile(c, {th, tw, hc, split, v.coopmat ? kCoopmatWgSize : kWgSize}, device).empty())
            continue;
          const double t = estimate(c, target);
          if (!best || t < best_t) best = c, best_t = t;
        }
    }
  if (best && !choice.only.empty()) return best;
  if (best && choice.policy == FusePolicy::Auto && !mbconv_worth_fusing(*best)) return std::nullopt;
  return best;
}

bool expand_dw_worth(const MBConvVariant& v) {
  // Measured slower than the two layers apart on every block at batch 10 and
  // 256 (H200, docs/PERFORMANCE.md "Thirteenth session": whole network 0.457
  // vs 0.305 ms at batch 10, 6.216 vs 2.879 ms at 256; the best swept tile of
  // each block 1.3-2.2x slower than its layers): opt-in only until a faster
  // kernel exists.
  (void)v;
  return false;
}

std::optional<MBConvVariant> choose_expand_dw(const std::vector<Layer>& layers, size_t i, const ActShape& in,
                                              Precision precision, const vk::DeviceInfo& device,
                                              const MBConvChoice& choice) {
  if (choice.expand_dw == FusePolicy::Never || !is_mbconv_block(layers, i)) return std::nullopt;
  std::optional<MBConvVariant> init =
      init_variant(layers, i, in, precision, device, choice.allow_coopmat, false);
  if (!init) return std::nullopt;
  MBConvVariant v = std::move(*init);
  if (v.hidden % 8 != 0) return std::nullopt;  // 8-channel stores of the depthwise output
  if (choice.force) return forced(v, *choice.force, device, "block " + v.block + " (expand_dw)");
  // A third of the shared memory per workgroup: the NVIDIA driver gives an SM
  // 48 KB in all (docs/PERFORMANCE.md "48 KB of shared memory per SM"), so
  // three workgroups hide each other's barriers.
  const uint32_t budget = device.max_shared_memory / 3;
  const bool cpu = device.vk_type == VK_PHYSICAL_DEVICE_TYPE_CPU;
  const double target = cpu ? 4.0 : 3.0 * double(kTargetGroups);
  std::optional<MBConvVariant> best;
  double best_t = 0;
  for (uint32_t th = 1; th <= uint32_t(std::min(16, v.out.h)); ++th)
    for (uint32_t tw = 1; tw <= uint32_t(std::min(16, v.out.w)); ++tw)
      for (uint32_t hc : {16u, 32u})
        for (uint32_t split = 1; split <= 64 && split * hc <= round_up(uint32_t(v.hidden), hc); split *= 2) {
          MBConvVariant c = v;
          if (!apply_tile(c, {th, tw, hc, split, kEdWgSize}, device).empty() || c.shared_bytes > budget)
            continue;
          const double t = estimate(c, target);
          if (!best || t < best_t) best = c, best_t = t;
        }
  if (best && choice.expand_dw == FusePolicy::Auto && !expand_dw_worth(*best)) return std::nullopt;
  return best;
}

// The fused shader reads the depthwise weights as fp32 (mbconv_layout.h), as
// the kind table stores them at every precision.
static_assert(kind_info(LayerKind::Depthwise3x3).fp16_weight == 4);

MBConvWeights pack_mbconv(const Layer& e, const Layer& d, const Layer& p, const MBConvVariant& v) {
  // The expand and project weights in the kind table's storage type, as layer
  // by layer; the depthwise weights and every bias fp32 in the vectors buffer.
  const int eb = storage_bytes(e.kind, TensorRole::Weight, v.precision);
  const int pb = storage_bytes(p.kind, TensorRole::Weight, v.precision);
  MBConvWeights w;
  w.expand.assign(size_t(v.hidden_pad) * v.cin_pack * size_t(eb), 0);
  for (int c = 0; c < v.hidden; ++c)
    pack_storage(e.weight.data() + size_t(c) * v.cin, size_t(v.cin), eb,
                 w.expand.data() + size_t(c) * v.cin_pack * size_t(eb));
  if (v.project) {
    w.project.assign(size_t(v.cout_pack) * v.hidden_pad * size_t(pb), 0);
    for (int o = 0; o < v.cout; ++o)
      pack_storage(p.weight.data() + size_t(o) * v.hidden, size_t(v.hidden), pb,
                   w.project.data() + size_t(o) * v.hidden_pad * size_t(pb));
  }
  const uint32_t H = v.hidden_pad;
  std::vector<float> f(EFFNET_MBCONV_VEC_FLOATS(H, v.cout_pack), 0.0f);
  for (uint32_t r = 0; r < 16; ++r) {
    for (int c = 0; c < v.hidden; ++c) f[EFFNET_MBCONV_BE_OFF(H) + r * H + c] = e.bias[size_t(c)];
    if (v.project)
      for (int o = 0; o < v.cout; ++o) f[EFFNET_MBCONV_BP_OFF(H) + r * v.cout_pack + o] = p.bias[size_t(o)];
  }
  for (int c = 0; c < v.hidden; ++c) {
    for (int t = 0; t < 9; ++t) f[EFFNET_MBCONV_DW_OFF(H) + size_t(t) * H + c] = d.weight[size_t(c) * 9 + t];
    f[EFFNET_MBCONV_DB_OFF(H) + c] = d.bias[size_t(c)];
  }
  w.vectors.resize(f.size() * 4);
  std::memcpy(w.vectors.data(), f.data(), w.vectors.size());
  return w;
}

}  // namespace effnet
