#include "model/vk_tune.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include "model/errors.h"
#include "model/tensor.h"
#include "model/vk_gemm_tile.h"
#include "model/vk_plan.h"
#include "vk_runtime/errors.h"

namespace effnet {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Uniform in [-1, 1) from a 64-bit LCG (Knuth's MMIX constants): the tuner's
// inputs, never all zeros.
Tensor random_input(const std::vector<int64_t>& shape, uint64_t seed) {
  std::vector<float> v(size_t(Tensor::numel_of(shape)));
  uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  for (float& f : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    f = float(double(s >> 40) / double(1ull << 23) - 1.0);
  }
  return Tensor(shape, std::move(v));
}

// One variant to time: what the plan options force (nothing: the rule).
struct Candidate {
  std::optional<GemmTile> gemm;
  std::optional<ConvTile> conv;
  std::string str() const { return gemm ? gemm->str() : conv ? "conv " + conv->str() : "rule"; }
};

std::vector<Candidate> gemm_candidates(const LayerVariant& rule, Precision p, const vk::DeviceInfo& d,
                                       bool allow_coopmat2) {
  std::vector<Candidate> v;
  if (rule.tile.coopmat()) {
    const bool fp16_out = storage_bytes(rule.kind, TensorRole::Output, p) == 2;
    const bool head_pool = rule.kind == LayerKind::HeadPool;
    GemmShape g;
    g.rows = head_pool ? uint32_t(rule.in.h * rule.in.w) : rule.gemm_m;
    g.images = head_pool ? uint32_t(rule.in.n) : 1;
    g.n = rule.gemm_n;
    g.k = rule.gemm_k;
    g.head_pool = head_pool;
    g.fp16_out = fp16_out;
    // The rule's tile with the other epilogues (where they may apply), then the tile space.
    if (!head_pool && rule.tile.warps_k == 1 && rule.gemm_n % rule.tile.cm_n == 0)
      for (const GemmEpilogue e : {GemmEpilogue::StageF32, GemmEpilogue::Direct, GemmEpilogue::StageF16}) {
        if (e == rule.tile.epilogue || (e == GemmEpilogue::StageF16 && !fp16_out)) continue;
        GemmTile t = rule.tile;
        t.epilogue = e;
        v.push_back({t, std::nullopt});
      }
    for (const GemmTile& t : coopmat_tile_candidates({rule.tile.cm_m, rule.tile.cm_n, rule.tile.cm_k}, g, d))
      if (!t.coopmat2 || allow_coopmat2) v.push_back({t, std::nullopt});
  } else {
    for (uint32_t bm : {16u, 32u, 64u})
      for (uint32_t bn : {16u, 32u, 64u}) {
        GemmTile t;
        t.bm = bm;
        t.bn = bn;
        t.bk = 16;
        t.tm = bm / 16;
        t.tn = bn / 16;
        v.push_back({t, std::nullopt});
      }
  }
  return v;
}

std::vector<Candidate> conv_candidates(const Layer& l) {
  std::vector<Candidate> v;
  auto add = [&](uint32_t vec, uint32_t pix, uint32_t rows) {
    ConvTile t;
    t.vec = vec;
    t.pix = pix;
    t.rows = rows;
    v.push_back({std::nullopt, t});
  };
  if (l.kind == LayerKind::Depthwise3x3) {
    for (uint32_t vec : {1u, 2u, 4u, 8u}) {
      if (l.cout % vec) continue;
      if (vec == 1 && l.cout % 2 == 0) continue;  // 1 channel only where 2 does not divide C
      for (uint32_t rows : {1u, 2u, 4u, 8u})
        for (uint32_t pix : {1u, 2u, 4u, 8u})
          if (pix * rows * vec <= 32) add(vec, pix, rows);
    }
  } else {  // the stem; its COOPMAT variant is rejected (skipped) in fp32 or without cooperative matrices
    for (uint32_t vec : {4u, 8u, 16u, 32u})
      for (uint32_t pix : {1u, 2u, 4u, 8u, 16u})
        if (pix * vec <= 64) add(vec, pix, 1);
    ConvTile t;
    t.coopmat = true;
    v.push_back({std::nullopt, t});
  }
  return v;
}

double log2_ratio(uint32_t a, uint32_t b) { return std::fabs(std::log2(double(a) / double(b))); }

// How far a candidate is from the rule's choice (0: the same shape): the sum of
// |log2| of the ratios of its dimensions, plus 1 for each other setting.
double distance(const Candidate& c, const LayerVariant& rule) {
  if (c.gemm) {
    const GemmTile &a = *c.gemm, &b = rule.tile;
    return log2_ratio(a.bm, b.bm) + log2_ratio(a.bn, b.bn) + log2_ratio(a.bk, b.bk) +
           log2_ratio(a.invocations(), b.invocations()) + (a.stages != b.stages) +
           (a.epilogue != b.epilogue) + (a.coopmat2 != b.coopmat2);
  }
  // The other variant (COOPMAT vs FMA tiles) nearer than any other tile: always among the timed.
  if (c.conv->coopmat != rule.coopmat) return 0.5;
  return log2_ratio(c.conv->vec, rule.vec) + log2_ratio(c.conv->pix, rule.pix) +
         log2_ratio(c.conv->rows, rule.rows);
}

bool same_choice(const Candidate& c, const LayerVariant& rule) {
  if (c.gemm) return c.gemm->str() == rule.tile.str();
  if (c.conv && (c.conv->coopmat || rule.coopmat)) return c.conv->coopmat == rule.coopmat;
  if (c.conv) return c.conv->vec == rule.vec && c.conv->pix == rule.pix && c.conv->rows == rule.rows;
  return true;
}

std::string rule_str(const LayerVariant& v) {
  if (v.gemm) return v.tile.str();
  ConvTile t;
  t.vec = v.vec;
  t.pix = v.pix;
  t.rows = v.rows;
  t.coopmat = v.coopmat;
  return "conv " + t.str();
}

struct Timed {
  std::unique_ptr<VkPlan> plan;
  std::vector<double> ms;
  double median() {
    std::sort(ms.begin(), ms.end());
    return ms.empty() ? 0 : ms[ms.size() / 2];
  }
};

double replay_ms(VkPlan& p, const vk::DeviceInfo& d) {
  p.replay();
  const PlanTiming t = p.last_timing();
  if (!t.available)
    throw vk::DeviceError(d.name + ": the compute queue has no timestamps (the tuner needs them)");
  return t.total_ms;
}

// Warms the GPU up, then `rounds` rounds that replay every plan of `group` once.
void time_group(std::vector<Timed*>& group, const TuneOptions& o, const vk::DeviceInfo& d) {
  const auto t0 = Clock::now();
  while (ms_since(t0) < o.warmup_ms)
    for (Timed* t : group) t->plan->replay();
  for (int r = 0; r < o.rounds; ++r)
    for (Timed* t : group) t->ms.push_back(replay_ms(*t->plan, d));
}

}  // namespace

TuneResult tune_layers(vk::Context& ctx, const Network& net, const TuneOptions& opt) {
  const auto t_start = Clock::now();
  const vk::DeviceInfo& d = ctx.info();
  if (opt.max_candidates < 0)
    throw ShapeError("tune: max_candidates " + std::to_string(opt.max_candidates) + ": must be >= 0");
  if (opt.rounds < 3) throw ShapeError("tune: rounds " + std::to_string(opt.rounds) + ": must be >= 3");
  if (opt.batches.empty()) throw ShapeError("tune: no batch sizes");
  for (int b : opt.batches)
    if (b < 1) throw ShapeError("tune: batch " + std::to_string(b) + ": must be >= 1");
  if (opt.height < kMinImageSize || opt.width < kMinImageSize)
    throw ShapeError("tune: image size " + std::to_string(opt.height) + "x" + std::to_string(opt.width) +
                     " below the network's minimum " + std::to_string(kMinImageSize));
  for (const std::string& name : opt.layers)
    if (std::none_of(net.layers.begin(), net.layers.end(), [&](const Layer& l) { return l.name == name; }))
      throw ShapeError("tune: no layer '" + name + "' in the network");
  if (!precision_supported(d, opt.precision))
    throw vk::DeviceError(d.name + " lacks fp16 (shaderFloat16 and storageBuffer16BitAccess): tune fp32");

  TuneResult res;
  res.table.key = TuningKey::of(d);
  res.table.tool = opt.tool;
  VkPlanOptions base;
  base.precision = opt.precision;
  base.allow_coopmat = opt.allow_coopmat;
  base.fuse = FusePolicy::Never;
  base.inflight = 1;
  base.tuning = "off";  // the rules and the candidates, never an older table

  int total = 0, done = 0;
  for (size_t b = 0; b < opt.batches.size(); ++b)
    for (const Layer& l : net.layers)
      total += opt.layers.empty() || std::count(opt.layers.begin(), opt.layers.end(), l.name);
  for (int batch : opt.batches) {
    // The layers that run as their own stage at this batch (not inside a
    // fused block): the ones a table entry can change.
    std::vector<std::string> alone;
    {
      VkPlanOptions o = base;
      o.batch = batch;
      o.height = opt.height;
      o.width = opt.width;
      o.fuse = opt.fuse ? FusePolicy::Auto : FusePolicy::Never;
      o.host_io = false;
      const VkPlan whole(ctx, net, o);
      for (const LayerVariant& v : whole.variants()) alone.push_back(v.layer);
    }
    ActShape cur{batch, opt.height, opt.width, kInChannels};
    for (const Layer& l : net.layers) {
      const ActShape in = cur;
      cur = layer_out_shape(l, cur);
      if (!opt.layers.empty() && !std::count(opt.layers.begin(), opt.layers.end(), l.name)) continue;
      if (!std::count(alone.begin(), alone.end(), l.name)) {
        ++done;  // inside a fused block at this batch: the table would not be read
        continue;
      }
      if (opt.progress) opt.progress(l.name + " batch " + std::to_string(batch), done, total);
      ++done;
      const std::vector<int64_t> shape = layout_dims(kind_info(l.kind).in, in);
      // The rule's plan takes the random input from the host; each candidate's
      // plan (no host buffers: cheap to build) copies it on the device.
      VkPlan* rule_plan = nullptr;
      auto build = [&](const Candidate& c) -> std::unique_ptr<VkPlan> {
        VkPlanOptions o = base;
        o.force_gemm_tile = c.gemm;
        if (l.kind == LayerKind::Depthwise3x3) o.depthwise_tile = c.conv;
        if (l.kind == LayerKind::StemConv3x3) o.stem_tile = c.conv;
        o.host_io = !rule_plan;
        const auto t0 = Clock::now();
        auto p = std::make_unique<VkPlan>(ctx, std::vector<Layer>{l}, shape, o);
        res.build_seconds += ms_since(t0) / 1000.0;
        if (rule_plan)
          p->copy_input_from(*rule_plan);
        else
          p->run(random_input(shape, uint64_t(batch) * 1000 + done));
        p->replay();  // the pipeline warm
        ++res.plans;
        return p;
      };
      Timed rule{build({}), {}};
      rule_plan = rule.plan.get();
      const LayerVariant rv = rule.plan->variants().front();
      std::vector<Candidate> cands = kind_is_gemm(l.kind)
                                         ? gemm_candidates(rv, opt.precision, d, opt.allow_coopmat2)
                                         : conv_candidates(l);
      cands.erase(
          std::remove_if(cands.begin(), cands.end(), [&](const Candidate& c) { return same_choice(c, rv); }),
          cands.end());
      // The max_candidates nearest the rule (a local search around it), in a stable order.
      std::stable_sort(cands.begin(), cands.end(), [&](const Candidate& a, const Candidate& b) {
        return distance(a, rv) < distance(b, rv);
      });
      if (opt.max_candidates > 0 && cands.size() > size_t(opt.max_candidates))
        cands.resize(size_t(opt.max_candidates));

      TuneRow row;
      row.layer = l.name;
      row.batch = batch;
      row.rule = rule_str(rv);
      double best_ratio = 1e300;  // the fastest candidate's median / the rule's
      std::optional<Candidate> best;
      // Groups of candidate plans within max_plan_bytes, each timed beside the rule.
      for (size_t next = 0; next < cands.size();) {
        std::vector<std::pair<Candidate, Timed>> group;
        uint64_t bytes = rule.plan->device_buffer_bytes();
        while (next < cands.size() && (group.empty() || bytes < opt.max_plan_bytes)) {
          const Candidate& c = cands[next++];
          try {
            Timed t{build(c), {}};
            bytes += t.plan->device_buffer_bytes();
            group.emplace_back(c, std::move(t));
          } catch (const vk::DeviceError&) {
            // the device or shader rejects this candidate: skipped
          } catch (const ShapeError&) {
          }
        }
        if (group.empty()) break;
        std::vector<Timed*> timed{&rule};
        rule.ms.clear();
        for (auto& [c, t] : group) timed.push_back(&t);
        time_group(timed, opt, d);
        const double rule_median = rule.median();
        row.rule_ms = row.rule_ms == 0 ? rule_median : std::min(row.rule_ms, rule_median);
        for (auto& [c, t] : group) {
          ++row.candidates;
          const double ratio = t.median() / rule_median;
          row.timed.emplace_back(c.str(), ratio);  // scaled to row.rule_ms below
          if (ratio < best_ratio) best_ratio = ratio, best = c;
        }
      }
      if (row.rule_ms == 0) {  // no candidate was timed: the rule alone
        std::vector<Timed*> timed{&rule};
        time_group(timed, opt, d);
        row.rule_ms = rule.median();
      }
      for (auto& [tile, ms] : row.timed) ms *= row.rule_ms;
      row.tuned = best && best_ratio <= 1.0 - opt.min_gain;
      const bool faster = row.tuned || (best && best_ratio < 1.0);
      row.best = faster ? best->str() : row.rule;
      row.best_ms = row.rule_ms * (faster ? best_ratio : 1.0);
      if (row.tuned) {
        TunedLayer e;
        e.layer = l.name;
        e.in = rv.in;
        e.precision = opt.precision;
        e.gemm = best->gemm;
        e.conv = best->conv;
        e.rule = row.rule;
        e.rule_ms = row.rule_ms;
        e.tuned_ms = row.best_ms;
        res.table.put(std::move(e));
      }
      res.rows.push_back(std::move(row));
    }
  }
  res.seconds = ms_since(t_start) / 1000.0;
  return res;
}

}  // namespace effnet
