#include "model/vk_tuning.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "model/errors.h"
#include "shaders/embedded.h"

namespace effnet {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "effnet-vk tuning table";
// Tile dimensions above this are corrupt (no shader uses more).
constexpr uint32_t kMaxTileDim = 4096;

const char* epilogue_name(GemmEpilogue e) {
  return e == GemmEpilogue::Direct ? "direct" : e == GemmEpilogue::StageF16 ? "fp16_stage" : "fp32_stage";
}

GemmEpilogue parse_epilogue(const std::string& s) {
  if (s == "fp32_stage") return GemmEpilogue::StageF32;
  if (s == "direct") return GemmEpilogue::Direct;
  if (s == "fp16_stage") return GemmEpilogue::StageF16;
  throw TuningError("unknown GEMM epilogue '" + s + "'");
}

const json& field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw TuningError(where + ": no \"" + key + "\"");
  return j[key];
}

uint32_t u32(const json& j, const char* key, const std::string& where, uint32_t max = ~0u) {
  const json& v = field(j, key, where);
  if (!v.is_number_unsigned() || v.get<uint64_t>() > max)
    throw TuningError(where + ": \"" + key + "\" is not an integer in 0.." + std::to_string(max));
  return v.get<uint32_t>();
}

std::string str(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  if (!v.is_string()) throw TuningError(where + ": \"" + key + "\" is not a string");
  return v.get<std::string>();
}

double num(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  if (!v.is_number()) throw TuningError(where + ": \"" + key + "\" is not a number");
  return v.get<double>();
}

json gemm_json(const GemmTile& t) {
  return json{{"bm", t.bm},
              {"bn", t.bn},
              {"bk", t.bk},
              {"tm", t.tm},
              {"tn", t.tn},
              {"cm_m", t.cm_m},
              {"cm_n", t.cm_n},
              {"cm_k", t.cm_k},
              {"warps_m", t.warps_m},
              {"warps_n", t.warps_n},
              {"warps_k", t.warps_k},
              {"subgroup", t.subgroup},
              {"epilogue", epilogue_name(t.epilogue)},
              {"stages", t.stages},
              {"coopmat2", t.coopmat2},
              {"cm2_shared", t.cm2_shared}};
}

GemmTile parse_gemm(const json& j, const std::string& where) {
  GemmTile t;
  t.bm = u32(j, "bm", where, kMaxTileDim);
  t.bn = u32(j, "bn", where, kMaxTileDim);
  t.bk = u32(j, "bk", where, kMaxTileDim);
  t.tm = u32(j, "tm", where, 64);
  t.tn = u32(j, "tn", where, 64);
  t.cm_m = u32(j, "cm_m", where, 256);
  t.cm_n = u32(j, "cm_n", where, 256);
  t.cm_k = u32(j, "cm_k", where, 256);
  t.warps_m = u32(j, "warps_m", where, 64);
  t.warps_n = u32(j, "warps_n", where, 64);
  t.warps_k = u32(j, "warps_k", where, 64);
  t.subgroup = u32(j, "subgroup", where, 128);
  t.epilogue = parse_epilogue(str(j, "epilogue", where));
  t.stages = u32(j, "stages", where, 2);
  const json& cm2 = field(j, "coopmat2", where);
  if (!cm2.is_boolean()) throw TuningError(where + ": \"coopmat2\" is not true or false");
  t.coopmat2 = cm2.get<bool>();
  t.cm2_shared = u32(j, "cm2_shared", where, 1u << 20);
  if (t.bm == 0 || t.bn == 0 || t.bk == 0 || t.tm == 0 || t.tn == 0 || t.warps_m == 0 || t.warps_n == 0 ||
      t.warps_k == 0 || t.subgroup == 0 || t.stages == 0 || t.bm % t.tm || t.bn % t.tn ||
      (t.cm_m == 0) != (t.cm_n == 0) || (t.cm_m == 0) != (t.cm_k == 0))
    throw TuningError(where + ": malformed GEMM tile " + t.str());
  return t;
}

// Process-wide: tables read (per path or built-in name) and warnings printed.
struct Registry {
  std::mutex mu;
  std::map<std::string, TuningLookup> files;  // keyed by path + device key
  std::set<std::string> warned;
};
Registry& registry() {
  static Registry r;
  return r;
}

void warn_once(const std::string& msg) {
  if (msg.empty()) return;
  Registry& r = registry();
  if (r.warned.insert(msg).second) std::cerr << "effnet-vk: warning: tuning: " << msg << "\n";
}

std::string device_str(const TuningKey& k) {
  char ids[48];
  std::snprintf(ids, sizeof ids, "%04x:%04x, driver %08x", k.vendor_id, k.device_id, k.driver_version);
  return k.device + " (" + ids + ")";
}

TuningLookup lookup_text(const std::string& text, const std::string& source, const vk::DeviceInfo& d) {
  TuningLookup r;
  r.source = source;
  try {
    auto t = std::make_shared<TuningTable>(parse_tuning_table(text));
    const std::string why = TuningKey::of(d).mismatch(t->key);
    if (!why.empty()) {
      r.warning = "ignoring " + source + ": " + why + "; using the rules (run effnet-bench tune)";
      return r;
    }
    r.table = std::move(t);
  } catch (const TuningError& e) {
    r.warning = "ignoring " + source + " (" + e.what() + "); using the rules";
  }
  return r;
}

}  // namespace

TuningKey TuningKey::of(const vk::DeviceInfo& d) {
  TuningKey k;
  k.device = d.name;
  k.vendor_id = d.vendor_id;
  k.device_id = d.device_id;
  k.driver_version = d.driver_version;
  k.driver = d.driver;
  k.shader_build = shaders::spirv_build_id();
  return k;
}

void tuning_warning(const std::string& msg) {
  std::lock_guard<std::mutex> lock(registry().mu);
  warn_once(msg);
}

std::string TuningKey::mismatch(const TuningKey& t) const {
  if (t.vendor_id != vendor_id || t.device_id != device_id || t.device != device ||
      t.driver_version != driver_version)
    return "made on " + device_str(t) + ", this is " + device_str(*this);
  if (t.shader_build != shader_build)
    return "made with shader build " + t.shader_build + ", this binary has " + shader_build;
  return "";
}

std::string TunedLayer::choice() const {
  if (gemm) return "gemm " + gemm->str();
  if (conv) return "conv " + conv->str();
  return "none";
}

namespace {
// An entry's key: layer, input shape and precision.
bool same_key(const TunedLayer& e, const std::string& layer, const ActShape& in, Precision p) {
  return e.layer == layer && e.precision == p && e.in.n == in.n && e.in.h == in.h && e.in.w == in.w &&
         e.in.c == in.c;
}
}  // namespace

const TunedLayer* TuningTable::find(const std::string& layer, const ActShape& in, Precision p) const {
  for (const TunedLayer& e : layers)
    if (same_key(e, layer, in, p)) return &e;
  return nullptr;
}

void TuningTable::put(TunedLayer e) {
  for (TunedLayer& x : layers)
    if (same_key(x, e.layer, e.in, e.precision)) {
      x = std::move(e);
      return;
    }
  layers.push_back(std::move(e));
}

std::string tuning_table_json(const TuningTable& t) {
  json head{{"format", kFormat},
            {"version", kTuningVersion},
            {"device",
             {{"name", t.key.device},
              {"vendor_id", t.key.vendor_id},
              {"device_id", t.key.device_id},
              {"driver_version", t.key.driver_version},
              {"driver", t.key.driver}}},
            {"shader_build", t.key.shader_build},
            {"tool", t.tool}};
  // One entry a line, so a shipped table diffs well.
  std::string s = head.dump();
  s.pop_back();  // the closing brace
  s += ",\"layers\":[\n";
  for (size_t i = 0; i < t.layers.size(); ++i) {
    const TunedLayer& e = t.layers[i];
    json j{{"layer", e.layer},
           {"in", {e.in.n, e.in.h, e.in.w, e.in.c}},
           {"precision", precision_name(e.precision)},
           {"rule", e.rule},
           {"rule_ms", e.rule_ms},
           {"tuned_ms", e.tuned_ms}};
    if (e.gemm) j["gemm"] = gemm_json(*e.gemm);
    if (e.conv) j["conv"] = e.conv->str();
    s += j.dump() + (i + 1 < t.layers.size() ? ",\n" : "\n");
  }
  return s + "]}\n";
}

TuningTable parse_tuning_table(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw TuningError(std::string("not JSON or truncated: ") + e.what());
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != kFormat)
    throw TuningError(std::string("not an effnet-vk tuning table (no \"format\": \"") + kFormat + "\")");
  const uint32_t version = u32(j, "version", "table");
  if (version != kTuningVersion)
    throw TuningError("version " + std::to_string(version) + ", this build reads " +
                      std::to_string(kTuningVersion));
  TuningTable t;
  const json& dev = field(j, "device", "table");
  t.key.device = str(dev, "name", "device");
  t.key.vendor_id = u32(dev, "vendor_id", "device");
  t.key.device_id = u32(dev, "device_id", "device");
  t.key.driver_version = u32(dev, "driver_version", "device");
  t.key.driver = str(dev, "driver", "device");
  t.key.shader_build = str(j, "shader_build", "table");
  t.tool = str(j, "tool", "table");
  const json& layers = field(j, "layers", "table");
  if (!layers.is_array()) throw TuningError("table: \"layers\" is not an array");
  for (size_t i = 0; i < layers.size(); ++i) {
    const json& l = layers[i];
    const std::string where = "layers[" + std::to_string(i) + "]";
    TunedLayer e;
    e.layer = str(l, "layer", where);
    const json& in = field(l, "in", where);
    if (!in.is_array() || in.size() != 4) throw TuningError(where + ": \"in\" is not [n, h, w, c]");
    int dims[4];
    for (size_t k = 0; k < 4; ++k) {
      if (!in[k].is_number_unsigned() || in[k].get<uint64_t>() == 0 || in[k].get<uint64_t>() > (1u << 24))
        throw TuningError(where + ": \"in\" has a dimension that is not in 1.." + std::to_string(1u << 24));
      dims[k] = in[k].get<int>();
    }
    e.in = {dims[0], dims[1], dims[2], dims[3]};
    try {
      e.precision = parse_precision(str(l, "precision", where));
    } catch (const Error& err) {
      throw TuningError(where + ": " + err.what());
    }
    e.rule = str(l, "rule", where);
    e.rule_ms = num(l, "rule_ms", where);
    e.tuned_ms = num(l, "tuned_ms", where);
    if (l.contains("gemm")) e.gemm = parse_gemm(l["gemm"], where + ".gemm");
    if (l.contains("conv")) {
      try {
        e.conv = ConvTile::parse(str(l, "conv", where));
      } catch (const Error& err) {
        throw TuningError(where + ": " + err.what());
      }
    }
    if (e.gemm.has_value() == e.conv.has_value())
      throw TuningError(where + ": needs exactly one of \"gemm\" and \"conv\"");
    t.layers.push_back(std::move(e));
  }
  return t;
}

bool save_tuning_table(const std::string& path, const TuningTable& t, std::string* why) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << tuning_table_json(t);
    f.flush();
    if (!f) {
      if (why) *why = "cannot write " + tmp;
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, p, ec);
  if (ec) {
    if (why) *why = "cannot rename " + tmp + " to " + path + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  // Plans built after this read the new table: find_tuning_table keys its cache by the file's time.
  return true;
}

std::string TuningLookup::describe() const {
  if (table) return "tuning table " + source + " (" + std::to_string(table->layers.size()) + " layers)";
  if (!warning.empty()) return "tuning: rules (" + source + " rejected)";
  return "tuning: rules (no table)";
}

TuningLookup load_tuning_table(const std::string& path, const vk::DeviceInfo& d) {
  std::error_code ec;
  TuningLookup r;
  r.source = path;
  if (!std::filesystem::exists(path, ec)) return r;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxTuningFileBytes) {
    r.warning = "ignoring " + path + " (" + (ec ? ec.message() : "larger than 4 MB") + "); using the rules";
    return r;
  }
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  if (!f) {
    r.warning = "ignoring " + path + " (cannot read it); using the rules";
    return r;
  }
  return lookup_text(s.str(), path, d);
}

std::string tuning_table_path(const std::string& pipeline_cache_file) {
  if (pipeline_cache_file.empty()) return "";
  std::filesystem::path p(pipeline_cache_file);
  p.replace_extension(".tuning.json");
  return p.string();
}

TuningLookup find_tuning_table(const std::string& spec, const std::string& pipeline_cache_file,
                               const vk::DeviceInfo& d) {
  if (spec == "off") return {};
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  const TuningKey key = TuningKey::of(d);
  std::string id = "|";
  id += device_str(key);
  id += "|";
  id += key.shader_build;
  auto cached = [&](const std::string& path, bool missing_warns) -> TuningLookup {
    // Keyed by the file's size and time too: a file rewritten since is read again.
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    const auto time = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
    const std::string k =
        path + "|" + std::to_string(ec ? 0 : size) + "|" + std::to_string(ec ? 0 : time) + id;
    auto it = reg.files.find(k);
    if (it == reg.files.end()) {
      TuningLookup l = load_tuning_table(path, d);
      if (missing_warns && !l.table && l.warning.empty())
        l.warning = "no tuning table " + path + "; using the rules";
      it = reg.files.emplace(k, std::move(l)).first;
    }
    warn_once(it->second.warning);
    return it->second;
  };
  if (spec != "auto") return cached(spec, true);
  const std::string beside = tuning_table_path(pipeline_cache_file);
  if (!beside.empty()) {
    TuningLookup l = cached(beside, false);
    if (l.table || !l.warning.empty()) return l;
  }
  // The built-in tables of this device (by name and ids): the one of this
  // driver and shader build, else a warning that the one(s) found do not fit.
  auto it = reg.files.find("builtin" + id);
  if (it == reg.files.end()) {
    TuningLookup found;
    for (const BuiltinTuning& b : builtin_tuning_tables()) {
      TuningLookup l = lookup_text(b.text, std::string("built-in ") + b.name, d);
      if (l.table) {
        found = std::move(l);
        break;
      }
      // Only a table of this device is worth a warning (another driver or build).
      try {
        const TuningTable t = parse_tuning_table(b.text);
        if (t.key.device == key.device && t.key.vendor_id == key.vendor_id &&
            t.key.device_id == key.device_id)
          found = std::move(l);
      } catch (const TuningError&) {
        found = std::move(l);  // a corrupt built-in table is a build error worth seeing
      }
    }
    it = reg.files.emplace("builtin" + id, std::move(found)).first;
  }
  warn_once(it->second.warning);
  return it->second;
}

}  // namespace effnet
