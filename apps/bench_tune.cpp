// effnet-bench tune (roofline issue, deliverable 5): times the candidate
// variants of every layer at the batch sizes asked for (model/vk_tune.h) and
// writes the device's tuning table (model/vk_tuning.h) where the next plans
// find it: beside the pipeline cache, or --out. Then, unless --no-check, the
// whole network at each batch with the new table and with the rules, replays
// interleaved, so the gain is measured in the same run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/exit_codes.h"
#include "model/errors.h"
#include "model/vk_plan.h"
#include "model/vk_tune.h"
#include "model/weights.h"

namespace effnet::app {
namespace {

// Whole-network GPU time (median ms) with `tuning` and with the rules, the two
// plans replayed in turn after a warm-up.
std::pair<double, double> check_network(vk::Context& ctx, const Network& net, const TuneCliOptions& o,
                                        int batch, Precision p, const std::string& table) {
  VkPlanOptions a = plan_options(o, batch, p), b = a;
  a.tuning = table;
  b.tuning = "off";
  VkPlan tuned(ctx, net, a), rules(ctx, net, b);
  const Tensor x = random_tensor(tuned.input_shape(), o.seed + 5);
  tuned.run(x);
  rules.run(x);
  const auto t0 = std::chrono::steady_clock::now();
  while (ms_since(t0) < 100.0) tuned.replay(), rules.replay();
  std::vector<double> ta, tb;
  for (int i = 0; i < 30; ++i) {
    tuned.replay();
    ta.push_back(tuned.last_timing().total_ms);
    rules.replay();
    tb.push_back(rules.last_timing().total_ms);
  }
  return {stats_of(ta).median, stats_of(tb).median};
}

}  // namespace

int run_tune(const TuneCliOptions& o) {
  const Precision p = parse_precision(o.precision);
  TuneOptions t;
  t.batches = parse_int_list(o.batches, "--batch", 1, 4096);
  t.height = t.width = o.size;
  t.precision = p;
  t.allow_coopmat = !o.no_coopmat;
  t.fuse = !o.no_fuse;
  t.allow_coopmat2 = o.coopmat2;
  t.max_candidates = o.max_candidates;
  t.rounds = std::max(3, o.iters);
  if (!o.layers.empty()) {
    size_t a = 0;
    while (a <= o.layers.size()) {
      const size_t b = std::min(o.layers.find(',', a), o.layers.size());
      if (b > a) t.layers.push_back(o.layers.substr(a, b - a));
      a = b + 1;
    }
  }
  t.tool = "effnet-bench tune --batch " + o.batches + " --precision " + o.precision + " --size " +
           std::to_string(o.size) + (o.layers.empty() ? "" : " --layer " + o.layers);
  Progress progress;
  t.progress = [&](const std::string& what, int done, int total) {
    progress.begin("tune " + what);
    progress.tick(done, total);
  };
  const Network net = random_network(o.seed, kDefaultClasses);
  for (const std::string& name : t.layers)
    if (std::none_of(net.layers.begin(), net.layers.end(), [&](const Layer& l) { return l.name == name; }))
      throw UsageError("--layer " + name +
                       ": no layer of that name (conv1, mbconv1.0 .. mbconv7.6, conv2, fc)");
  if (!o.out.empty()) {  // an unwritable --out fails now, not after the tuning (and leaves no empty file)
    std::error_code ec;
    const bool existed = std::filesystem::exists(o.out, ec);
    if (!std::ofstream(o.out, std::ios::app)) throw FileError("cannot write " + o.out);
    if (!existed) std::filesystem::remove(o.out, ec);
  }
  vk::Context ctx(o.context);
  const std::string path = o.out.empty() ? tuning_table_path(ctx.pipeline_cache_path()) : o.out;
  if (path.empty())
    throw UsageError(
        "no pipeline cache file to put the table beside (EFFNET_PIPELINE_CACHE is off): give --out");

  const TuneResult r = tune_layers(ctx, net, t);
  ctx.save_pipeline_cache();
  std::string why;
  if (!save_tuning_table(path, r.table, &why)) throw FileError(why);

  std::printf("%-10s %5s | %-60.60s %9s | %-60.60s %9s %6s\n", "layer", "batch", "rule", "rule us", "best",
              "best us", "gain");
  nlohmann::json rows = nlohmann::json::array();
  for (const TuneRow& row : r.rows) {
    std::printf("%-10s %5d | %-60.60s %9.2f | %-60.60s %9.2f %5.2fx%s\n", row.layer.c_str(), row.batch,
                row.rule.c_str(), row.rule_ms * 1e3, row.best.c_str(), row.best_ms * 1e3,
                row.rule_ms / row.best_ms, row.tuned ? " tuned" : "");
    rows.push_back({{"layer", row.layer},
                    {"batch", row.batch},
                    {"rule", row.rule},
                    {"rule_ms", row.rule_ms},
                    {"best", row.best},
                    {"best_ms", row.best_ms},
                    {"candidates", row.candidates},
                    {"tuned", row.tuned}});
    nlohmann::json& timed = rows.back()["timed"] = nlohmann::json::array();
    for (const auto& [tile, ms] : row.timed) timed.push_back({{"tile", tile}, {"ms", ms}});
  }
  std::printf("tuned %zu of %zu layer runs in %.1f s (%d single-layer plans built in %.1f s); table: %s\n",
              r.table.layers.size(), r.rows.size(), r.seconds, r.plans, r.build_seconds, path.c_str());
  std::fflush(stdout);

  nlohmann::json checks = nlohmann::json::array();
  if (!o.no_check && t.layers.empty()) {
    for (int b : t.batches) {
      progress.begin("tune: whole network at batch " + std::to_string(b) + " with and without the table");
      const auto [tuned_ms, rules_ms] = check_network(ctx, net, o, b, p, path);
      std::printf("network batch %4d: %.4f ms with the table, %.4f ms with the rules (%.3fx)\n", b, tuned_ms,
                  rules_ms, rules_ms / tuned_ms);
      checks.push_back({{"batch", b}, {"tuned_ms", tuned_ms}, {"rules_ms", rules_ms}});
    }
  }
  if (!o.json.empty())
    write_json(o.json, {{"tool", "effnet-bench tune"},
                        {"device", device_json(ctx.info())},
                        {"options",
                         {{"batches", t.batches},
                          {"precision", o.precision},
                          {"size", o.size},
                          {"rounds", t.rounds},
                          {"coopmat", t.allow_coopmat},
                          {"layers", t.layers}}},
                        {"table", path},
                        {"shader_build", r.table.key.shader_build},
                        {"seconds", r.seconds},
                        {"build_seconds", r.build_seconds},
                        {"max_candidates", t.max_candidates},
                        {"plans", r.plans},
                        {"tuned_layers", r.table.layers.size()},
                        {"rows", rows},
                        {"network", checks}});
  return kExitOk;
}

}  // namespace effnet::app
