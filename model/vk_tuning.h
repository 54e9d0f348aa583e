// The per-device tuning table (roofline issue, deliverable 5): for each layer
// of a plan at one input shape and precision, the variant measured fastest on
// one device, driver and shader build — a GEMM tile (Pointwise, HeadPool,
// Linear) or an invocation tile (Depthwise3x3, the stem). Written by
// tune_layers (model/vk_tune.h, `effnet-bench tune`); read by VkPlan
// (VkPlanOptions::tuning), which uses an entry instead of the rule of
// model/vk_gemm_tile.cpp and the stage files, and the rule for every layer the
// table does not name.
//
// A table is trusted only for the device (vendor id, device id, name), driver
// version and shader build (shaders::spirv_build_id(): a hash of every embedded
// SPIR-V module) it was measured on, and only when it parses completely: any
// other table is rejected whole with a one-line warning and the rules are
// used (never a partly read table).
//
// File format (JSON, one object):
//   {"format": "effnet-vk tuning table", "version": 1,
//    "device": {"name", "vendor_id", "device_id", "driver_version", "driver"},
//    "shader_build": "<16 hex digits>", "tool": "...",
//    "layers": [{"layer": "mbconv2.0", "in": [n, h, w, c], "precision": "fp16",
//                "gemm": {every GemmTile field: bm, bn, bk, tm, tn, cm_m, cm_n, cm_k,
//                         warps_m, warps_n, warps_k, subgroup, epilogue
//                         ("fp32_stage" | "direct" | "fp16_stage"), stages,
//                         coopmat2, cm2_shared} | "conv": "VECxPIXxROWS",
//                "rule": "<rule's variant>", "rule_ms": x, "tuned_ms": y}, ...]}
// "in" is the layer's input shape as choose_variant takes it (NHWC; the stem's
// NCHW input as {n, h, w, c}).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/layer_kind.h"
#include "model/precision.h"
#include "model/vk_variant.h"
#include "vk_runtime/device_info.h"

namespace effnet {

// The version this build writes and reads (another version is rejected).
constexpr int kTuningVersion = 1;
// The largest tuning file read, bytes (a larger one is rejected as corrupt).
constexpr size_t kMaxTuningFileBytes = size_t(4) << 20;

// What a table was measured on.
struct TuningKey {
  std::string device;  // DeviceInfo::name
  uint32_t vendor_id = 0, device_id = 0, driver_version = 0;
  std::string driver;        // DeviceInfo::driver (informational: driver_version is compared)
  std::string shader_build;  // shaders::spirv_build_id()
  // The key of `d` with this build's shaders.
  static TuningKey of(const vk::DeviceInfo& d);
  // "" when `other` (a table's key) may be used where this key holds, else
  // why not: "made on <device> with driver ..., this is ...".
  std::string mismatch(const TuningKey& table) const;
};

// The tuned variant of one layer at one input shape and precision.
struct TunedLayer {
  std::string layer;  // state_dict prefix: "conv1", "mbconv2.0", "fc"
  ActShape in;        // the layer's input as choose_variant takes it
  Precision precision = Precision::FP16;
  std::optional<GemmTile> gemm;      // GEMM kinds
  std::optional<ConvTile> conv;      // Depthwise3x3 and the stem
  std::string rule;                  // the rule's variant it replaced (informational)
  double rule_ms = 0, tuned_ms = 0;  // median GPU times measured (informational)
  // "gemm 128x64x64 coopmat ..." | "conv 4x2x1"
  std::string choice() const;
};

struct TuningTable {
  TuningKey key;
  std::string tool;  // what wrote it ("effnet-bench tune ...")
  std::vector<TunedLayer> layers;
  // The entry of `layer` on input `in` in precision p, or nullptr.
  const TunedLayer* find(const std::string& layer, const ActShape& in, Precision p) const;
  // Adds e, replacing an entry with the same layer, input and precision.
  void put(TunedLayer e);
};

// Why a tuning file is not used (corrupt, truncated, wrong version or fields).
struct TuningError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The JSON text of t (the format above; stable key order, one entry a line).
std::string tuning_table_json(const TuningTable& t);
// Parses a whole table; throws TuningError naming the first problem (not
// JSON, truncated, another format or version, a missing or mistyped field, a
// tile that is malformed: zero or oversized dimensions, an unknown epilogue).
TuningTable parse_tuning_table(const std::string& text);

// Writes t to `path` (parent folders made; a temporary file renamed over it,
// so a reader never sees half a table). False and *why on failure.
bool save_tuning_table(const std::string& path, const TuningTable& t, std::string* why);

// A table found for a device, or why none is used.
struct TuningLookup {
  std::shared_ptr<const TuningTable> table;  // null: the rules everywhere
  std::string source;                        // the file, "built-in <name>" or "" (none)
  std::string warning;                       // one line when a table was found and rejected, else ""
  // "tuning table <source> (<n> layers)" | "tuning: rules (<why>)"
  std::string describe() const;
};

// Reads `path` for device `d`: no file gives no table and no warning; a
// corrupt, truncated or foreign file gives no table and a one-line warning.
TuningLookup load_tuning_table(const std::string& path, const vk::DeviceInfo& d);

// The table a plan on `d` uses for VkPlanOptions::tuning `spec`:
//   "off"    none;
//   "auto"   the file tuning_table_path(pipeline_cache_file) when that
//            exists, else the table built into this binary for d's device and
//            driver (data/tuning/), else none;
//   a path   that file (a missing one is a warning).
// Tables are read once per process and path (later plans share them), and
// each warning is printed once to stderr ("effnet-vk: warning: tuning: ...").
TuningLookup find_tuning_table(const std::string& spec, const std::string& pipeline_cache_file,
                               const vk::DeviceInfo& d);

// Prints "effnet-vk: warning: tuning: <msg>" to stderr, once per process and message.
void tuning_warning(const std::string& msg);

// The tuning file beside a pipeline cache file ("dir/x.bin" -> "dir/x.tuning.json");
// "" for "".
std::string tuning_table_path(const std::string& pipeline_cache_file);

// The built-in tables (data/tuning/*.json embedded at build time): {name, text}.
struct BuiltinTuning {
  const char* name;
  const char* text;
};
std::vector<BuiltinTuning> builtin_tuning_tables();

}  // namespace effnet
