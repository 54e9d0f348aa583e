// The tuning table (model/vk_tuning.h) and the tuner (model/vk_tune.h): the
// JSON round trip; corrupt, truncated, foreign and malformed tables rejected
// whole with a one-line warning; a plan takes a table's tile (shown in
// describe()) and still matches the CPU reference; a tile the device rejects
// falls back to the rule; tune_layers times candidates and writes a table the
// next plan reads.
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>

#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/vk_plan.h"
#include "model/vk_tune.h"
#include "model/vk_tuning.h"
#include "model/weights.h"
#include "shaders/embedded.h"
#include "tests/support/tolerances.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

vk::DeviceInfo fake_device() {
  vk::DeviceInfo d = test::h200_like_device();
  d.vendor_id = 0x10de;
  d.device_id = 0x2335;
  d.driver_version = 0x91278200;
  d.driver = "NVIDIA 580.159.04";
  return d;
}

TuningTable sample_table(const vk::DeviceInfo& d) {
  TuningTable t;
  t.key = TuningKey::of(d);
  t.tool = "test";
  TunedLayer g;
  g.layer = "mbconv2.0";
  g.in = {10, 120, 120, 16};
  g.precision = Precision::FP16;
  GemmTile tile;
  tile.bm = 128, tile.bn = 96, tile.bk = 16, tile.tm = tile.tn = 1;
  tile.cm_m = 16, tile.cm_n = 16, tile.cm_k = 16;
  tile.warps_m = 4, tile.warps_n = 1, tile.warps_k = 1;
  tile.epilogue = GemmEpilogue::StageF16;
  tile.stages = 2;
  g.gemm = tile;
  g.rule = "rule tile";
  g.rule_ms = 0.5;
  g.tuned_ms = 0.25;
  t.put(g);
  TunedLayer c;
  c.layer = "mbconv1.3";
  c.in = {1, 120, 120, 32};
  c.precision = Precision::FP32;
  c.conv = ConvTile::parse("2x4x2");
  c.rule = "conv 4x4x1";
  t.put(c);
  return t;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("effnet-tuning-" + std::to_string(getpid()) + "-" + name))
      .string();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

// The warning of a rejected table: one line, naming the file.
void check_rejected(const TuningLookup& l, const std::string& path) {
  CHECK(!l.table);
  INFO(l.warning);
  CHECK(!l.warning.empty());
  CHECK(l.warning.find('\n') == std::string::npos);
  CHECK(l.warning.find(path) != std::string::npos);
  CHECK(l.describe().find("rules") != std::string::npos);
}

}  // namespace

TEST_CASE("tuning table: JSON round trip, find and put", "[tuning]") {
  const vk::DeviceInfo d = fake_device();
  const TuningTable t = sample_table(d);
  const TuningTable u = parse_tuning_table(tuning_table_json(t));
  CHECK(u.key.device == d.name);
  CHECK(u.key.vendor_id == 0x10de);
  CHECK(u.key.driver_version == 0x91278200u);
  CHECK(u.key.shader_build == shaders::spirv_build_id());
  CHECK(TuningKey::of(d).mismatch(u.key).empty());
  REQUIRE(u.layers.size() == 2);
  const TunedLayer* g = u.find("mbconv2.0", {10, 120, 120, 16}, Precision::FP16);
  REQUIRE(g);
  REQUIRE(g->gemm);
  CHECK(g->gemm->str() == t.layers[0].gemm->str());
  CHECK(g->tuned_ms == 0.25);
  CHECK(!u.find("mbconv2.0", {10, 120, 120, 16}, Precision::FP32));  // precision is part of the key
  CHECK(!u.find("mbconv2.0", {1, 120, 120, 16}, Precision::FP16));   // so is the input shape
  const TunedLayer* c = u.find("mbconv1.3", {1, 120, 120, 32}, Precision::FP32);
  REQUIRE(c);
  REQUIRE(c->conv);
  CHECK(c->conv->str() == "2x4x2");
  TuningTable v = u;
  TunedLayer again = *c;
  again.conv = ConvTile::parse("4x1x1");
  v.put(again);  // replaces, does not add
  CHECK(v.layers.size() == 2);
  CHECK(v.find("mbconv1.3", {1, 120, 120, 32}, Precision::FP32)->conv->str() == "4x1x1");
  CHECK(tuning_table_path("/a/b/10de-2335-91278200.bin") == "/a/b/10de-2335-91278200.tuning.json");
  CHECK(tuning_table_path("").empty());
}

TEST_CASE("tuning table: corrupt, truncated, malformed and foreign tables are rejected whole", "[tuning]") {
  const vk::DeviceInfo d = fake_device();
  const std::string good = tuning_table_json(sample_table(d));
  const std::string path = temp_path("bad.json");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage", "\x01\x02 not json at all"},
      {"empty", ""},
      {"truncated", good.substr(0, good.size() / 2)},
      {"not a table", "{\"format\": \"something else\", \"version\": 1}"},
      {"version", with("\"version\":1", "\"version\":2")},
      {"negative", with("\"bm\":128", "\"bm\":-128")},
      {"zero tile", with("\"bm\":128", "\"bm\":0")},
      {"huge tile", with("\"bm\":128", "\"bm\":100000")},
      {"epilogue", with("\"fp16_stage\"", "\"fp8_stage\"")},
      {"missing field", with("\"bk\":16,", "")},
      {"bad conv", with("\"2x4x2\"", "\"2x0x2\"")},
      {"bad precision", with("\"fp32\"", "\"int8\"")},
      {"bad shape", with("[1,120,120,32]", "[1,120,32]")},
      {"mistyped", with("\"rule_ms\":0.5", "\"rule_ms\":\"fast\"")},
  };
  for (const auto& [name, text] : cases) {
    CAPTURE(name);
    CHECK_THROWS_AS(parse_tuning_table(text), TuningError);
    write_file(path, text);
    check_rejected(load_tuning_table(path, d), path);
  }
  // Foreign: another device, driver or shader build.
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"device", with("\"H200-like\"", "\"RTX 4090\"")},
           {"driver", with(std::to_string(0x91278200u), std::to_string(0x91278300u))},
           {"shader build", with(shaders::spirv_build_id(), "0123456789abcdef")}}) {
    CAPTURE(name);
    CHECK_NOTHROW(parse_tuning_table(text));
    write_file(path, text);
    check_rejected(load_tuning_table(path, d), path);
  }
  // The good table loads; a missing file is no table and no warning.
  write_file(path, good);
  const TuningLookup ok = load_tuning_table(path, d);
  REQUIRE(ok.table);
  CHECK(ok.warning.empty());
  CHECK(ok.describe().find("2 layers") != std::string::npos);
  std::filesystem::remove(path);
  const TuningLookup none = load_tuning_table(path, d);
  CHECK(!none.table);
  CHECK(none.warning.empty());
  // A path given explicitly that does not exist is a warning (the user asked for it).
  check_rejected(find_tuning_table(path, "", d), path);
  CHECK(!find_tuning_table("off", "", d).table);
}

TEST_CASE("tuning table: a plan uses the table's tile, shows it and stays correct", "[tuning][vk]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(3);
  // mbconv1.3 is a depthwise layer; the entry names a tile the rule does not pick.
  const Layer* dw = nullptr;
  for (const Layer& l : net.layers)
    if (l.kind == LayerKind::Depthwise3x3) {
      dw = &l;
      break;
    }
  REQUIRE(dw);
  const std::vector<int64_t> shape = {1, 17, 23, dw->cin};
  const Tensor x = test::random_tensor(shape, 5);
  const Tensor ref = cpu_layer(*dw, x);
  VkPlanOptions rule_opt;
  rule_opt.precision = Precision::FP32;
  rule_opt.tuning = "off";
  VkPlan rule(ctx, std::vector<Layer>{*dw}, shape, rule_opt);
  const LayerVariant& rv = rule.variants().front();
  CHECK(!rv.tuned);
  ConvTile pick;
  pick.vec = rv.vec == 2 ? 4 : 2;
  pick.pix = rv.pix == 2 ? 4 : 2;
  pick.rows = 2;

  TuningTable t;
  t.key = TuningKey::of(ctx.info());
  t.tool = "test";
  TunedLayer e;
  e.layer = dw->name;
  e.in = rv.in;
  e.precision = Precision::FP32;
  e.conv = pick;
  e.rule = "rule";
  t.put(e);
  const std::string path = temp_path("plan.json");
  std::string why;
  REQUIRE(save_tuning_table(path, t, &why));

  VkPlanOptions opt = rule_opt;
  opt.tuning = path;
  VkPlan tuned(ctx, std::vector<Layer>{*dw}, shape, opt);
  INFO(tuned.describe());
  REQUIRE(tuned.tuning().table);
  CHECK(tuned.tuned_stages() == 1);
  const LayerVariant& tv = tuned.variants().front();
  CHECK(tv.tuned);
  CHECK(tv.vec == pick.vec);
  CHECK(tv.pix == pick.pix);
  CHECK(tv.rows == pick.rows);
  CHECK(tuned.describe().find("tuned") != std::string::npos);
  CHECK(tuned.describe().find(path) != std::string::npos);
  tuned.poison_outputs();
  CHECK(test::rel_l2(tuned.run(x), ref) <= test::kTolFp32);
  // A forced tile wins over the table.
  VkPlanOptions forced = opt;
  forced.depthwise_tile = ConvTile::parse("1x1x1");
  VkPlan f(ctx, std::vector<Layer>{*dw}, shape, forced);
  CHECK(!f.variants().front().tuned);
  CHECK(f.variants().front().pix == 1);
  // Another input shape: the rule.
  VkPlan other(ctx, std::vector<Layer>{*dw}, std::vector<int64_t>{2, 17, 23, dw->cin}, opt);
  CHECK(!other.variants().front().tuned);

  // A tile the device rejects (16 channels per invocation: the depthwise shader
  // takes 1, 2, 4 or 8): a warning and the rule, the plan still correct.
  e.conv = ConvTile::parse("16x1x1");
  t.put(e);
  const std::string bad = temp_path("plan-bad.json");
  REQUIRE(save_tuning_table(bad, t, &why));
  opt.tuning = bad;
  VkPlan fallback(ctx, std::vector<Layer>{*dw}, shape, opt);
  CHECK(fallback.tuned_stages() == 0);
  CHECK(!fallback.variants().front().tuned);
  CHECK(fallback.variants().front().vec == rv.vec);
  CHECK(test::rel_l2(fallback.run(x), ref) <= test::kTolFp32);
  // A corrupt table: the rules.
  write_file(bad, "{\"format\": \"effnet-vk tuning table\", \"version\": 1, \"dev");
  VkPlanOptions corrupt = rule_opt;
  corrupt.tuning = bad;
  VkPlan none(ctx, std::vector<Layer>{*dw}, shape, corrupt);
  CHECK(!none.tuning().table);
  CHECK(!none.tuning().warning.empty());
  CHECK(none.describe().find("tuning: rules") != std::string::npos);
  std::filesystem::remove(path);
  std::filesystem::remove(bad);
}

TEST_CASE("tune_layers: times candidates and writes a table the next plan reads", "[tuning][vk]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(4);
  TuneOptions o;
  o.batches = {1};
  o.height = o.width = 32;
  o.precision = Precision::FP32;
  o.layers = {"fc"};
  o.rounds = 3;
  o.warmup_ms = 1;
  o.min_gain = -1e9;  // keep the fastest candidate even when slower: the table then always has the entry
  const TuneResult r = tune_layers(ctx, net, o);
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].layer == "fc");
  CHECK(r.rows[0].candidates >= 1);
  CHECK(r.rows[0].rule_ms > 0);
  CHECK(r.plans == 1 + r.rows[0].candidates);
  REQUIRE(r.table.layers.size() == 1);
  CHECK(TuningKey::of(ctx.info()).mismatch(r.table.key).empty());
  const std::string path = temp_path("tuned.json");
  std::string why;
  REQUIRE(save_tuning_table(path, r.table, &why));
  // The whole network with the table: fc tuned, the logits equal the CPU reference.
  VkPlanOptions opt;
  opt.batch = 1;
  opt.height = opt.width = 32;
  opt.precision = Precision::FP32;
  opt.tuning = path;
  VkPlan plan(ctx, net, opt);
  INFO(plan.describe());
  CHECK(plan.tuned_stages() == 1);
  CHECK(plan.stages().back().layer->tuned);
  const Tensor x = test::random_tensor({1, 3, 32, 32}, 9, 0.0f, 1.0f);
  CHECK(test::rel_l2(plan.run(x), cpu_forward(net, x)) <= test::kTolFp32);
  std::filesystem::remove(path);
  // Bad options.
  TuneOptions bad = o;
  bad.layers = {"nope"};
  CHECK_THROWS_AS(tune_layers(ctx, net, bad), ShapeError);
  bad = o;
  bad.batches = {0};
  CHECK_THROWS_AS(tune_layers(ctx, net, bad), ShapeError);
  bad = o;
  bad.rounds = 1;
  CHECK_THROWS_AS(tune_layers(ctx, net, bad), ShapeError);
}

TEST_CASE("VkPlan without host I/O: no host input; copy_input_from checks shapes", "[tuning][vk]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Layer l = test::random_layer(LayerKind::Pointwise, 24, 40, 1, Act::ReLU6, 3);
  const std::vector<int64_t> shape = {1, 9, 7, 24};
  const Tensor x = test::random_tensor(shape, 4);
  VkPlanOptions o;
  o.precision = Precision::FP32;
  VkPlan a(ctx, std::vector<Layer>{l}, shape, o);
  a.run(x);
  o.host_io = false;
  VkPlan b(ctx, std::vector<Layer>{l}, shape, o);
  CHECK_THROWS_AS(b.run(x), ShapeError);
  CHECK_THROWS_AS(b.submit(x), ShapeError);
  b.copy_input_from(a);
  b.replay();
  VkPlan c(ctx, std::vector<Layer>{l}, std::vector<int64_t>{1, 9, 8, 24}, o);
  CHECK_THROWS_AS(c.copy_input_from(a), ShapeError);
  // b's device input is a's: the same device buffer sizes as a plan with host I/O.
  CHECK(b.device_buffer_bytes() == a.device_buffer_bytes());
}

TEST_CASE("built-in tuning tables parse and name their device", "[tuning]") {
  // data/tuning/*.json, embedded at build time: a table that does not parse
  // would only be a warning at run time, so it fails here.
  for (const BuiltinTuning& b : builtin_tuning_tables()) {
    CAPTURE(b.name);
    TuningTable t;
    REQUIRE_NOTHROW(t = parse_tuning_table(b.text));
    CHECK(!t.key.device.empty());
    CHECK(t.key.shader_build.size() == 16);
    for (const TunedLayer& e : t.layers) CHECK((e.gemm || e.conv));
  }
}
