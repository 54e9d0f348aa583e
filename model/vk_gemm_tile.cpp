#include "model/vk_gemm_tile.h"

#include <algorithm>
#include <optional>

#include "shaders/gemm_layout.h"
#include "vk_runtime/errors.h"

namespace effnet {
namespace {

uint32_t round_up(uint32_t a, uint32_t b) { return (a + b - 1) / b * b; }
uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

// Workgroups a tile's shared memory should leave room for on one SM.
constexpr uint32_t kResidentGroups = 3;
// Accumulator registers per invocation a subgroup may hold (fp32 words).
constexpr uint32_t kMaxAccRegs = 64;

uint32_t groups(const GemmTile& t, const GemmShape& g) {
  // The head: one workgroup per column block and group of pool_images images.
  if (g.head_pool) return ceil_div(g.n, t.bn) * ceil_div(g.images, pool_images(t, g.rows));
  return ceil_div(g.rows, t.bm) * ceil_div(g.n, t.bn) * g.images;
}

// Splits the tile's fragments among subgroups: at least 4 subgroups where the
// fragments allow, more (up to 8) while one holds over kMaxAccRegs accumulators.
void split_warps(GemmTile& t) {
  const uint32_t fm = t.bm / t.cm_m, fn = t.bn / t.cm_n;
  t.warps_m = t.warps_n = 1;
  auto split = [&] {
    const uint32_t pm = fm / t.warps_m, pn = fn / t.warps_n;
    if (pm % 2 == 0 && (pm >= pn || pn % 2)) return t.warps_m *= 2, true;
    if (pn % 2 == 0) return t.warps_n *= 2, true;
    return false;
  };
  auto regs = [&] { return (fm / t.warps_m) * (fn / t.warps_n) * t.cm_m * t.cm_n / t.subgroup; };
  while (t.warps_m * t.warps_n * t.warps_k < 4 && split()) {
  }
  while (regs() > kMaxAccRegs && t.warps_m * t.warps_n * t.warps_k < 8 && split()) {
  }
}

// The rule's epilogue (the fp16 C stage where it applies) or `want` where it
// applies; the fp32 C stage otherwise. t.warps_k must be final.
GemmEpilogue pick_epilogue(const GemmTile& t, const GemmShape& g, std::optional<GemmEpilogue> want) {
  const bool bias_init = t.warps_k == 1 && g.n % t.cm_n == 0;
  const GemmEpilogue e = want.value_or(GemmEpilogue::StageF16);
  if (e == GemmEpilogue::Direct) return bias_init && !g.head_pool ? e : GemmEpilogue::StageF32;
  if (e == GemmEpilogue::StageF16) return bias_init && g.fp16_out ? e : GemmEpilogue::StageF32;
  return e;
}

}  // namespace

uint32_t pool_images(const GemmTile& t, uint32_t pixels) {
  return pixels > 0 && pixels <= t.bm ? t.bm / pixels : 1;
}

uint32_t GemmTile::shared_bytes(bool head_pool) const {
  // The shaders' own sizes (shaders/gemm_layout.h): the A/B tiles aliased by
  // the C stage of the epilogue, plus the pool's partial sums.
  if (coopmat2) return cm2_shared;  // the driver's; gemm_coopmat2.glsl declares none (and no head + pool)
  const uint32_t pool = head_pool ? 4 * EFFNET_GEMM_POOL_FLOATS(invocations()) : 0;
  const uint32_t ldc = EFFNET_GEMM_LDC(bn);
  if (!coopmat())
    return 4 * std::max(EFFNET_GEMM_SC_AB_FLOATS(bm, bn, bk), EFFNET_GEMM_C_FLOATS(bm, ldc)) + pool;
  const uint32_t lds = EFFNET_GEMM_CM_LDS(EFFNET_GEMM_CM_KV(bk));
  const uint32_t c = epilogue == GemmEpilogue::Direct
                         ? EFFNET_GEMM_CM_EDGE_VEC4(warps_m * warps_n * warps_k, cm_m, cm_n)
                     : epilogue == GemmEpilogue::StageF16 ? EFFNET_GEMM_CM_C16_VEC4(bm, EFFNET_GEMM_LDC16(bn))
                                                          : EFFNET_GEMM_CM_C_VEC4(bm, ldc, warps_k);
  return 16 * std::max(stages * EFFNET_GEMM_CM_AB_VEC4(bm, bn, lds), c) + pool;
}

std::string GemmTile::str() const {
  const std::string b = std::to_string(bm) + "x" + std::to_string(bn) + "x" + std::to_string(bk);
  if (coopmat2) return b + " coopmat2, " + std::to_string(invocations()) + " invocations";
  if (!coopmat()) return b + " (" + std::to_string(tm) + "x" + std::to_string(tn) + " per invocation)";
  return b + " coopmat " + std::to_string(cm_m) + "x" + std::to_string(cm_n) + "x" + std::to_string(cm_k) +
         ", " + std::to_string(warps_m) + "x" + std::to_string(warps_n) + "x" + std::to_string(warps_k) +
         " subgroups" + (stages == 2 ? ", 2 stages" : "") +
         (epilogue == GemmEpilogue::Direct     ? ", direct C"
          : epilogue == GemmEpilogue::StageF16 ? ", fp16 C stage"
                                               : "");
}

std::vector<std::array<uint32_t, 3>> gemm_coopmat_shapes(const vk::DeviceInfo& d) {
  std::vector<std::array<uint32_t, 3>> v;
  if (!d.has_coopmat) return v;
  for (const auto& s : d.coopmat_shapes)
    if (s.a_type == "f16" && s.b_type == "f16" && s.c_type == "f32" && s.result_type == "f32" &&
        s.scope == "subgroup" && s.m > 0 && s.n % 4 == 0 && s.n > 0 && s.k % 8 == 0 && s.k > 0 &&
        std::find(v.begin(), v.end(), std::array<uint32_t, 3>{s.m, s.n, s.k}) == v.end())
      v.push_back({s.m, s.n, s.k});
  return v;
}

GemmTile scalar_tile(const GemmShape& g) {
  GemmTile t;
  t.bm = g.rows <= 16 ? 16 : g.rows <= 32 ? 32 : 64;
  t.bn = g.n <= 16 ? 16 : g.n <= 32 ? 32 : 64;
  t.tm = t.bm / 16;
  t.tn = t.bn / 16;
  t.bk = 16;
  return t;
}

std::array<uint32_t, 3> least_waste_shape(const std::vector<std::array<uint32_t, 3>>& shapes,
                                          const GemmShape& g) {
  std::array<uint32_t, 3> best = shapes.front();
  double best_waste = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const auto& s = shapes[i];
    const double w = double(round_up(g.rows, s[0])) / g.rows * double(round_up(g.n, s[1])) / g.n *
                     double(round_up(g.k, s[2])) / g.k;
    const uint64_t vol = uint64_t(s[0]) * s[1] * s[2], best_vol = uint64_t(best[0]) * best[1] * best[2];
    if (i == 0 || w < best_waste - 1e-12 || (w < best_waste + 1e-12 && vol > best_vol)) {
      best = s;
      best_waste = w;
    }
  }
  return best;
}

// Rules:
//  - few rows (<= 32, the FC): one fragment row and column per workgroup (many
//    workgroups along N), 4 subgroups splitting K steps of up to 256;
//  - otherwise: the whole N in one tile when it is <= 128 (A read once), else
//    64; BK = K up to 64 (one step for the expand layers), else 64; BM from 128
//    down to 16 until the grid has kGemmTargetGroups workgroups and the tile fits
//    shared memory, then BN halved while the grid is still short;
//  - subgroups: split_warps, then deep K (>= 128) split among subgroups while
//    fewer than 4 (not with the fp16 C stage, which needs one K slice);
//  - epilogue: the fp16 C stage (half the shared memory, so the tile above
//    grows) where it applies (fp16 output, N % cm_n == 0) and the fp32 rule
//    keeps one K slice; then deep and wide layers take 128x128x64 on 8
//    subgroups, shallow-wide ones (64 < K <= 128) 64x128x32 or 64x64x32
//    on 8 and medium-narrow ones (64 < K < 192, N <= 128) 128xNx32 on 8 or
//    64xNx32 on 4, where it fits and the grid stays full; else the fp32 rule's tile. One shared stage. The
//    direct C store measured slower on the H200 for most network GEMMs (1.25x on the whole network at batch
//    256; docs/PERFORMANCE.md "fp16 C stage"): it and the double-buffered K loop are candidates of
//    coopmat_tile_candidates only.
namespace {

// The tile rule (see coopmat_tile) for epilogue `e` (which must apply).
GemmTile rule_tile(const std::array<uint32_t, 3>& s, const GemmShape& g, const vk::DeviceInfo& d,
                   GemmEpilogue e) {
  GemmTile t;
  t.cm_m = s[0];
  t.cm_n = s[1];
  t.cm_k = s[2];
  t.tm = t.tn = 1;
  t.subgroup = d.subgroup_size ? d.subgroup_size : 32;
  t.epilogue = e;
  const uint32_t n_pad = round_up(g.n, t.cm_n);
  if (g.rows <= 32 && !g.head_pool) {
    t.bm = round_up(g.rows, t.cm_m);
    t.bn = t.cm_n;
    t.warps_k = e == GemmEpilogue::StageF32 && g.k >= 256 ? 4 : 1;
    const uint32_t step = t.warps_k * t.cm_k;
    t.bk = std::min(round_up(g.k, step), round_up(256, step));
    split_warps(t);
    return t;
  }
  // Deep and wide (K >= 192, N > 128: mbconv6.6, 7.0, 7.6 at batch 256) with
  // a C stage that fits beside it: 128x128x64 on 8 subgroups, when the grid
  // stays full (measured 1.5-1.9x over 128x64x64 on 4, `effnet-bench gemm
  // --sweep`, docs/PERFORMANCE.md "fp16 C stage").
  if (e == GemmEpilogue::StageF16 && g.k >= 192 && n_pad > 128) {
    GemmTile w = t;
    w.bm = w.bn = 128;
    w.bk = round_up(64, t.cm_k);
    w.warps_m = 2, w.warps_n = 4, w.warps_k = 1;
    if (w.bm % (2 * w.cm_m) == 0 && w.bn % (4 * w.cm_n) == 0 &&
        w.shared_bytes(false) <= d.max_shared_memory && groups(w, g) >= kGemmTargetGroups)
      return w;
  }
  // Shallow and wide (64 < K <= 128, N > 128: mbconv5.0 and 6.0): 64 x 128 x 32
  // on 8 subgroups, 64 x 64 x 32 where 128 columns would leave the grid short
  // (the sweep: 1.4-2.8x over 32x64x64 on 4 at batch 10 and 256), if the grid
  // is full.
  if (e == GemmEpilogue::StageF16 && g.k > 64 && g.k <= 128 && n_pad > 128 && !g.head_pool) {
    GemmTile w = t;
    w.bm = 64;
    w.bn = 128;
    w.bk = round_up(32, t.cm_k);
    w.warps_m = 2, w.warps_n = 4, w.warps_k = 1;
    if (groups(w, g) < kGemmTargetGroups) w.bn = 64;
    if (w.bm % (2 * w.cm_m) == 0 && w.bn % (4 * w.cm_n) == 0 &&
        w.shared_bytes(false) <= d.max_shared_memory && groups(w, g) >= kGemmTargetGroups)
      return w;
  }
  // Medium depth and narrow (64 < K < 192, N <= 128: the project layers
  // mbconv2.6 and 3.6): K steps of 32, 128 rows on 8 subgroups, 64 on 4 where
  // 128 would leave the grid short (the sweep: 1.2-1.8x over 64-128 x N x 64
  // on 4 at batch 10 and 256), within a third of the shared memory.
  if (e == GemmEpilogue::StageF16 && g.k > 64 && g.k < 192 && n_pad <= 128 && !g.head_pool) {
    GemmTile w = t;
    w.bm = 128;
    w.bn = n_pad;
    w.bk = round_up(32, t.cm_k);
    w.warps_m = 8, w.warps_n = 1, w.warps_k = 1;
    if (groups(w, g) < kGemmTargetGroups) w.bm = 64, w.warps_m = 4;
    if (w.bm % (w.warps_m * w.cm_m) == 0 && w.shared_bytes(false) <= d.max_shared_memory / kResidentGroups &&
        groups(w, g) >= kGemmTargetGroups)
      return w;
  }
  t.bn = n_pad <= 128 ? n_pad : 64;
  t.bk = g.k <= 64 ? round_up(g.k, t.cm_k) : round_up(64, t.cm_k);
  t.bm = std::max(t.cm_m, std::min(round_up(128, t.cm_m), g.head_pool ? round_up(g.rows, t.cm_m) : ~0u));
  // Resident workgroups of one SM share what a workgroup may use (the NVIDIA
  // driver gives an SM 48 KB in all, measured on the H200 with per-workgroup
  // clocks: docs/PERFORMANCE.md "48 KB of shared memory per SM"). A shallow
  // GEMM (K <= 128: the expand layers, which stream A once) is latency-bound
  // with one workgroup per SM, so its tile takes at most a third of the limit
  // (three resident); a deep one keeps its large tile (measured at a third for K = 240
  // and 480 with N = 80 and 112: 1.4x and 5x slower).
  const uint32_t budget = g.k <= 128 ? d.max_shared_memory / kResidentGroups : d.max_shared_memory;
  auto fits = [&] { return t.shared_bytes(g.head_pool) <= budget; };
  while (t.bm / 2 >= t.cm_m && (t.bm / 2) % t.cm_m == 0 &&
         (!fits() || (!g.head_pool && groups(t, g) < kGemmTargetGroups)))
    t.bm /= 2;
  while (groups(t, g) < kGemmTargetGroups && t.bn >= 64 && (t.bn / t.cm_n) % 2 == 0) t.bn /= 2;
  while (!fits() && t.bn >= 32 && (t.bn / t.cm_n) % 2 == 0) t.bn /= 2;
  split_warps(t);
  while (e == GemmEpilogue::StageF32 && t.warps_m * t.warps_n * t.warps_k < 4 && g.k >= 128 &&
         t.bk % (2 * t.warps_k * t.cm_k) == 0) {
    t.warps_k *= 2;  // each K slice has its own C stage: undo when that no longer fits
    if (!fits()) {
      t.warps_k /= 2;
      break;
    }
  }
  return t;
}

}  // namespace

GemmTile coopmat_tile(const std::array<uint32_t, 3>& s, const GemmShape& g, const vk::DeviceInfo& d,
                      std::optional<GemmEpilogue> epilogue) {
  const GemmTile f32 = rule_tile(s, g, d, GemmEpilogue::StageF32);
  if (epilogue) {
    const GemmEpilogue e = pick_epilogue(f32, g, *epilogue);
    return e == GemmEpilogue::StageF32 ? f32 : rule_tile(s, g, d, e);
  }
  // The fp16 C stage where it applies and the fp32 rule does not split K
  // across subgroups (those layers, deep K on few rows, measured 1.1-1.9x
  // slower on one K slice at batch 10).
  if (f32.warps_k > 1 || pick_epilogue(f32, g, GemmEpilogue::StageF16) == GemmEpilogue::StageF32) return f32;
  return rule_tile(s, g, d, GemmEpilogue::StageF16);
}

namespace {

// Subgroups along M and N for `warps` subgroups on a bm x bn tile of shape s:
// the split whose per-subgroup block is closest to square, or nullopt.
std::optional<std::array<uint32_t, 2>> square_split(uint32_t bm, uint32_t bn,
                                                    const std::array<uint32_t, 3>& s, uint32_t warps) {
  const uint32_t fm = bm / s[0], fn = bn / s[1];
  std::optional<std::array<uint32_t, 2>> best;
  uint32_t best_cost = ~0u;
  for (uint32_t wm = 1; wm <= warps; wm *= 2) {
    const uint32_t wn = warps / wm;
    if (fm % wm || fn % wn) continue;
    const uint32_t pm = fm / wm, pn = fn / wn, cost = pm > pn ? pm - pn : pn - pm;
    if (cost < best_cost) best_cost = cost, best = std::array<uint32_t, 2>{wm, wn};
  }
  return best;
}

}  // namespace

std::vector<GemmTile> coopmat_tile_candidates(const std::array<uint32_t, 3>& s, const GemmShape& g,
                                              const vk::DeviceInfo& d) {
  std::vector<GemmTile> v;
  if (g.head_pool) return v;
  const uint32_t rows_pad = round_up(g.rows, s[0]), n_pad = round_up(g.n, s[1]), k_pad = round_up(g.k, s[2]);
  std::vector<uint32_t> bms = {32, 64, 128, 256}, bns, bks;
  if (rows_pad <= 64) bms.insert(bms.begin(), 16);
  if (n_pad <= 128)
    bns = {n_pad};
  else
    bns = {64, 128, 256};
  if (k_pad <= 64)
    bks = {round_up(k_pad, 8)};
  else  // 16 as well: vk_cooperative_matrix_perf's step for fp16 x fp16 -> fp32 (small tiles, more resident)
    bks = {round_up(16, s[2]), round_up(32, s[2]), round_up(64, s[2])};
  for (uint32_t bm : bms)
    for (uint32_t bn : bns)
      for (uint32_t bk : bks)
        for (uint32_t warps : {4u, 8u})
          for (uint32_t stages : {1u, 2u}) {
            if (bm % s[0] || bm > std::max(rows_pad, s[0]) || bn % s[1] || bk % s[2] || bk % 8) continue;
            if (stages == 2 && bk >= k_pad) continue;  // one K step: nothing to double-buffer
            const auto split = square_split(bm, bn, s, warps);
            if (!split) continue;
            GemmTile t;
            t.bm = bm, t.bn = bn, t.bk = bk, t.tm = t.tn = 1;
            t.cm_m = s[0], t.cm_n = s[1], t.cm_k = s[2];
            t.warps_m = (*split)[0], t.warps_n = (*split)[1], t.warps_k = 1;
            t.subgroup = d.subgroup_size ? d.subgroup_size : 32;
            t.stages = stages;
            if (g.fp16_out && g.n % s[1] == 0) t.epilogue = GemmEpilogue::StageF16;
            const uint32_t acc_regs =
                (bm / s[0] / t.warps_m) * (bn / s[1] / t.warps_n) * s[0] * s[1] / t.subgroup;
            if (acc_regs > 128 || (t.bm * t.bn) % t.invocations() ||
                t.invocations() > d.max_workgroup_invocations || t.shared_bytes(false) > d.max_shared_memory)
              continue;
            v.push_back(t);
          }
  for (const GemmTile& t : coopmat2_tile_candidates(g, d)) v.push_back(t);
  return v;
}

void check_gemm_tile(const GemmTile& t, bool head_pool, const vk::DeviceInfo& d, const std::string& layer) {
  const std::string what = "layer " + layer + ": GEMM tile " + t.str();
  if (t.bm == 0 || t.bn == 0 || t.bk == 0 || t.tm == 0 || t.tn == 0 || t.bm % t.tm || t.bn % t.tn)
    throw vk::DeviceError(what + " is not valid (bm % tm and bn % tn must be 0)");
  if (t.coopmat2) check_coopmat2_tile(t, head_pool, d, what);
  if (t.coopmat() && !t.coopmat2) {
    const auto shapes = gemm_coopmat_shapes(d);
    if (std::find(shapes.begin(), shapes.end(), std::array<uint32_t, 3>{t.cm_m, t.cm_n, t.cm_k}) ==
        shapes.end())
      throw vk::DeviceError(what + ": " + d.name + " has no f16 cooperative matrix of that shape");
    if (t.warps_m == 0 || t.warps_n == 0 || t.warps_k == 0 || t.subgroup == 0 ||
        t.bm % (t.warps_m * t.cm_m) || t.bn % (t.warps_n * t.cm_n) || t.bk % (t.warps_k * t.cm_k) ||
        t.bk % 8 || (t.bm * t.bn) % t.invocations())
      throw vk::DeviceError(what + " is not valid (bm, bn, bk must split into subgroups of whole " +
                            "fragments, bk % 8 == 0, bm * bn a multiple of the invocations)");
    if (t.stages != 1 && t.stages != 2) throw vk::DeviceError(what + " is not valid (1 or 2 shared stages)");
    if (t.epilogue != GemmEpilogue::StageF32 &&
        (t.warps_k != 1 || (head_pool && t.epilogue == GemmEpilogue::Direct)))
      throw vk::DeviceError(what +
                            " is not valid (a direct C store or fp16 C stage needs warps_k == 1; the head + "
                            "pool reads a C stage)");
    if (t.subgroup != d.subgroup_size)
      throw vk::DeviceError(what + " assumes subgroups of " + std::to_string(t.subgroup) + "; " + d.name +
                            " has " + std::to_string(d.subgroup_size));
  }
  if (t.invocations() > d.max_workgroup_invocations || t.invocations() > d.max_workgroup_size[0])
    throw vk::DeviceError(what + " needs " + std::to_string(t.invocations()) + " invocations; " + d.name +
                          " allows " + std::to_string(d.max_workgroup_invocations));
  if (t.shared_bytes(head_pool) > d.max_shared_memory)
    throw vk::DeviceError(what + " needs " + std::to_string(t.shared_bytes(head_pool)) +
                          " B of shared memory; " + d.name + " has " + std::to_string(d.max_shared_memory));
}

}  // namespace effnet
