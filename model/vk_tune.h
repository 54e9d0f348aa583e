// The per-device tuner (roofline issue, deliverable 5; `effnet-bench tune`):
// times the candidate variants of every layer of a network at the batch sizes
// asked for, each in its own single-layer plan on random (non-zero) data, and
// returns the tuning table (model/vk_tuning.h) of the layers where a candidate
// beat the rule.
//
// Candidates per layer kind (the max_candidates nearest the rule's choice):
//   GEMM kinds, COOPMAT: coopmat_tile_candidates of the rule's cooperative-
//     matrix shape (model/vk_gemm_tile.h) and the rule's tile with the other
//     epilogues that apply; SCALAR: 16..64 x 16..64 tiles (bk 16);
//   Depthwise3x3: 1, 2, 4 or 8 channels (dividing C) x pixel blocks of
//     1..8 pixels along W and 1..8 rows (at most 32 accumulators);
//   stem: 4..32 output channels x 1..16 pixels (at most 64 accumulators),
//     and the COOPMAT variant (ConvTile::coopmat; fp16, nearest of all).
// A candidate the device or shader rejects (DeviceError, ShapeError) is
// skipped. The candidates of a layer and the rule are timed interleaved
// (round r replays every plan once, after a warm-up that keeps the GPU busy),
// so a change of clocks during the rounds affects them alike; a candidate
// replaces the rule only when its median is at least min_gain faster. The
// rule's plan reads the random input from the host; the candidates' plans
// have no host buffers (VkPlanOptions::host_io) and copy it on the device.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "model/network.h"
#include "model/vk_tuning.h"
#include "vk_runtime/context.h"

namespace effnet {

struct TuneOptions {
  std::vector<int> batches = {1, 10, 256};  // each >= 1
  int height = kDefaultImageSize, width = kDefaultImageSize;
  Precision precision = Precision::FP16;
  bool allow_coopmat = true;  // false: tune the SCALAR variants
  // The plan's fusing rule (FusePolicy::Auto; false: Never): layers inside a
  // block fused at a batch are not tuned at that batch (the plan would not
  // read their entries).
  bool fuse = true;
  std::vector<std::string> layers;  // only these layers ("mbconv2.0", ...); empty: all
  bool allow_coopmat2 = false;      // COOPMAT2 tiles among the candidates (measured slower on the H200)
  // The candidates nearest the rule's choice per layer (0: all). Building a
  // plan for a new tile compiles a pipeline (tens of ms on NVIDIA, cached in
  // the pipeline cache after), which is most of the tuner's time.
  int max_candidates = 12;
  int rounds = 15;         // timed replays per candidate, >= 3
  double warmup_ms = 25;   // GPU warm-up before each layer's rounds, wall ms
  double min_gain = 0.03;  // the fraction a candidate must gain over the rule (< 0: tests)
  // Device memory that the candidate plans of one layer may hold at once;
  // more candidates are timed in several groups (the rule in each).
  uint64_t max_plan_bytes = uint64_t(4) << 30;
  std::string tool = "effnet-bench tune";  // TuningTable::tool
  // Called before each layer: (what, layers done, layers in all).
  std::function<void(const std::string&, int, int)> progress;
};

// One layer at one batch, as timed.
struct TuneRow {
  std::string layer;
  int batch = 0;
  std::string rule;  // the rule's tile ("128x64x64 coopmat ...", "conv 4x1x1")
  double rule_ms = 0;
  std::string best;  // the fastest candidate (the rule's when none was faster)
  double best_ms = 0;
  int candidates = 0;  // timed (rejected ones not counted)
  bool tuned = false;  // best replaced the rule (gain >= min_gain)
  // Every timed candidate (its tile string) and its median in ms scaled to the
  // rule's row.rule_ms (median ratio to the rule of its group x rule_ms).
  std::vector<std::pair<std::string, double>> timed;
};

struct TuneResult {
  TuningTable table;  // keyed to ctx's device, driver and this shader build
  std::vector<TuneRow> rows;
  double seconds = 0;        // wall time of the whole tuning
  double build_seconds = 0;  // of it, building the single-layer plans (pipeline compiles included)
  int plans = 0;             // single-layer plans built
};

// Tunes `net`'s layers (all but the ones opt.layers leaves out) at each of
// opt.batches. Throws ShapeError (a batch < 1, rounds < 3, an image size the
// network rejects, a layer name not in net), DeviceError (fp16 on a device
// without it; the queue has no timestamps), VulkanError.
TuneResult tune_layers(vk::Context& ctx, const Network& net, const TuneOptions& opt);

}  // namespace effnet
