// COOPMAT2 GEMM tiles (workgroup-scope cooperative matrices,
// shaders/gemm_coopmat2.glsl): the rule, the sweep candidates and the device
// check. Declared in model/vk_gemm_tile.h.
#include <algorithm>
#include <optional>

#include "model/vk_gemm_tile.h"
#include "vk_runtime/errors.h"

namespace effnet {
namespace {

uint32_t round_up(uint32_t a, uint32_t b) { return (a + b - 1) / b * b; }
uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

// Granularity assumed where the device lists no flexible-dimension entry (the
// check then rejects the tile with the reason).
constexpr uint32_t kDefaultGranularity = 16;

// The device's f16 x f16 -> f32 workgroup-scope flexible-dimension entry for
// `invocations`, or nullopt.
std::optional<vk::CoopMatFlexShape> flex_entry(const vk::DeviceInfo& d, uint32_t invocations) {
  for (const vk::CoopMatFlexShape& f : d.coopmat2_flexible)
    if (f.a_type == "f16" && f.b_type == "f16" && f.c_type == "f32" && f.result_type == "f32" &&
        f.scope == "workgroup" && f.workgroup_invocations == invocations && f.m_granularity > 0 &&
        f.n_granularity > 0 && f.k_granularity > 0)
      return f;
  return std::nullopt;
}

GemmTile base_tile(const vk::DeviceInfo& d, uint32_t invocations) {
  GemmTile t;
  t.coopmat2 = true;
  t.cm_m = t.cm_n = t.cm_k = 0;
  t.tm = t.tn = 1;
  t.subgroup = d.subgroup_size ? d.subgroup_size : 32;
  t.warps_m = std::max(1u, invocations / t.subgroup);
  t.warps_n = t.warps_k = 1;
  t.cm2_shared = d.coopmat2_reserved_shared;
  return t;
}

bool power_of_two(uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

}  // namespace

GemmTile coopmat2_tile(const GemmShape& g, const vk::DeviceInfo& d) {
  const uint32_t rows16 = round_up(g.rows, 16);
  uint32_t bm = 128;
  const uint32_t bn = g.n <= 128 ? round_up(g.n, 16) : 128;
  const uint32_t bk = g.k <= 32 ? round_up(g.k, 16) : 32;
  auto grid = [&](uint32_t m) { return ceil_div(g.rows, m) * ceil_div(g.n, bn) * g.images; };
  while (bm > 32 && (rows16 <= bm / 2 || grid(bm) < kGemmTargetGroups)) bm /= 2;
  if (rows16 <= 16) bm = 16;
  uint32_t inv = bm >= 128 && bn >= 128 ? 256 : 128;
  if (!flex_entry(d, inv) && flex_entry(d, inv == 256 ? 128 : 256)) inv = inv == 256 ? 128 : 256;
  GemmTile t = base_tile(d, inv);
  const auto f = flex_entry(d, inv);
  t.bm = round_up(bm, f ? f->m_granularity : kDefaultGranularity);
  t.bn = round_up(bn, f ? f->n_granularity : kDefaultGranularity);
  t.bk = round_up(bk, f ? f->k_granularity : kDefaultGranularity);
  return t;
}

std::vector<GemmTile> coopmat2_tile_candidates(const GemmShape& g, const vk::DeviceInfo& d) {
  std::vector<GemmTile> v;
  if (!d.has_coopmat2 || g.head_pool) return v;
  const uint32_t rows16 = round_up(g.rows, 16), n16 = round_up(g.n, 16), k16 = round_up(g.k, 16);
  std::vector<uint32_t> bms = {64, 128, 256}, bns, bks;
  if (rows16 <= 64) bms.insert(bms.begin(), {16, 32});
  if (n16 <= 128)
    bns = {n16};
  else
    bns = {64, 128, 256};
  if (k16 <= 32)
    bks = {k16};
  else
    bks = {32, 64};
  for (uint32_t bm : bms)
    for (uint32_t bn : bns)
      for (uint32_t bk : bks)
        for (uint32_t inv : {128u, 256u}) {
          if (bm > std::max(rows16, 16u)) continue;  // a tile of more padding than rows
          GemmTile t = base_tile(d, inv);
          t.bm = bm, t.bn = bn, t.bk = bk;
          try {
            check_gemm_tile(t, false, d, "candidate");
          } catch (const vk::DeviceError&) {
            continue;
          }
          v.push_back(t);
        }
  return v;
}

void check_coopmat2_tile(const GemmTile& t, bool head_pool, const vk::DeviceInfo& d,
                         const std::string& what) {
  if (!d.has_coopmat2)
    throw vk::DeviceError(
        what + ": " + d.name +
        " lacks VK_NV_cooperative_matrix2 with workgroup scope, flexible dimensions, tensor "
        "addressing and per-element operations");
  if (head_pool) throw vk::DeviceError(what + ": the head + pool has no COOPMAT2 variant");
  const uint32_t inv = t.invocations();
  if (t.warps_n != 1 || t.warps_k != 1 || t.subgroup != d.subgroup_size || inv % t.subgroup ||
      !power_of_two(inv / t.subgroup))
    throw vk::DeviceError(what + " is not valid (a power-of-two count of whole " +
                          std::to_string(d.subgroup_size) + "-invocation subgroups along M only)");
  if (inv > d.coopmat2_max_workgroup_size)
    throw vk::DeviceError(what + " needs " + std::to_string(inv) + " invocations; " + d.name + " allows " +
                          std::to_string(d.coopmat2_max_workgroup_size) + " with workgroup-scope matrices");
  if (d.coopmat2_max_dimension && std::max({t.bm, t.bn, t.bk}) > d.coopmat2_max_dimension)
    throw vk::DeviceError(what + ": " + d.name + " allows matrix dimensions up to " +
                          std::to_string(d.coopmat2_max_dimension));
  const auto f = flex_entry(d, inv);
  if (!f || t.bm % f->m_granularity || t.bn % f->n_granularity || t.bk % f->k_granularity)
    throw vk::DeviceError(what + ": " + d.name +
                          (f ? " needs multiples of " + f->str()
                             : " lists no f16 x f16 -> f32 workgroup-scope matrix for " +
                                   std::to_string(inv) + " invocations"));
}

}  // namespace effnet
