// The three modes of effnet-bench and their options (parsed in effnet_bench.cpp).
//   net     whole network per batch and precision, with the CUDA reference beside it
//   layers  per-layer GPU time, FLOPs, bytes and the fraction of the measured ceilings
//   gemm    every GEMM-shaped layer and a 4096^3 square GEMM, beside cuBLAS fp16
//   mbconv  each MBConv block fused with candidate tiles and layer by layer
//   soak    many inferences: host and device memory flat, replays bit-identical
//   stream  from host memory: GPU-only, round trip, streaming with batches in
//           flight, the host-to-device copy ceiling (apps/bench_stream.cpp)
// Each prints a table on stdout, progress on stderr, and writes JSON to --json.
#pragma once
#include <cstdint>
#include <string>

#include "apps/soak_check.h"
#include "model/vk_plan.h"
#include "vk_runtime/context.h"

namespace effnet::app {

struct BenchCommon {
  int gpu = -1;       // Vulkan device index (-1: EFFNET_GPU, else the first discrete GPU)
  int iters = 200;    // timed runs
  int warmup = 20;    // untimed runs before them
  std::string json;   // output file ("" for none)
  uint64_t seed = 0;  // weights of random_network and the random inputs
  int size = 240;     // input H = W
  bool no_coopmat = false;
  bool coopmat2 = false;                  // --coopmat2: VkPlanOptions::allow_coopmat2 (workgroup-scope GEMMs)
  bool no_fuse = false;                   // MBConv blocks layer by layer (net: no fused run)
  std::string fuse = "auto";              // --fuse: auto | always | never (never == --no-fuse)
  std::string fuse_blocks;                // --fuse-blocks mbconv4,mbconv5: exactly these fused (A/B)
  std::string expand_dw = "auto";         // --expand-dw: auto | always | never (expand_dw stages)
  uint32_t mbconv_skip = 0;               // profiling only: EFFNET_MBCONV_SKIP (wrong results)
  bool no_cuda = false;                   // skip the CUDA peers even when present
  std::string gemm_epilogue = "auto";     // --gemm-epilogue: auto | f32 | f16 | direct (COOPMAT GEMMs)
  bool dw_project = false;                // --dw-project: depthwise layers inside the project GEMM
  std::string depthwise_tile, stem_tile;  // --depthwise-tile / --stem-tile VECxPIXxROWS ("" = the rule's)
  std::string tuning = "auto";  // --tuning auto | off | FILE (VkPlanOptions::tuning), env EFFNET_TUNING

  // Filled by main: no_coopmat also by EFFNET_NO_COOPMAT=1; the Vulkan context
  // options of --gpu and the environment (apps/context_env.h).
  vk::ContextOptions context;
};

struct NetOptions : BenchCommon {
  std::string batches = "1,10,64,256";
  std::string precisions = "fp16,fp32";
  int buffers = 4;  // distinct random inputs, used in turn
  bool no_startup = false;
};

struct StreamOptions : BenchCommon {
  std::string batches = "1,10,64,256";
  std::string precisions = "fp16,fp32";
  int inflight = 2;  // VkPlanOptions::inflight of the streamed run
  int buffers = 4;   // distinct random inputs, used in turn
  std::string inputs =
      "f32,u8";  // host input formats: f32 (float32 NCHW), u8 (uint8 NHWC, normalised on the GPU)
  std::string upload_queues = "auto";  // VkPlanOptions::upload_queue: auto, compute, transfer
  int spin_us = -1;                    // VkPlanOptions::wait_spin_us (-1: the plan's default)
  // How the host input reaches the upload: staging (packed into the plan's
  // staging buffer by submit()), import (the bench's buffers imported once,
  // VkPlan::import_input: no host copy), or both.
  std::string host_inputs = "staging";
};

struct LayersOptions : BenchCommon {
  int batch = 10;
  std::string precision = "fp16";
  bool quick = false;  // smoke run: no square GEMM, a small copy for the bandwidth ceiling
};

struct GemmOptions : BenchCommon {
  std::string batches = "10,256";
  bool quick = false;  // smoke run: batch 1 (unless --batch is given), no square GEMM
  bool batches_set = false;
  bool no_square = false;  // skip the 4096^3 GEMM
  // --sweep: no cuBLAS, no square GEMM; every candidate tile of each layer
  // (coopmat_tile_candidates) timed beside the rule's, best first.
  bool sweep = false;
  std::string layers;  // --layer: comma-separated layer names to run (default all)
};

// effnet-bench tune (model/vk_tune.h): iters = timed rounds per candidate.
struct TuneCliOptions : BenchCommon {
  std::string batches = "1,10,256";
  std::string precision = "fp16";
  std::string layers;       // --layer: comma-separated layer names (default all)
  std::string out;          // --out: the table file ("" = beside the pipeline cache)
  bool no_check = false;    // --no-check: skip the whole-network timing with and without the table
  int max_candidates = 12;  // --max-candidates: per layer, nearest the rule (0: all)
};

struct MBConvOptions : BenchCommon {
  std::string batches = "10,256";
  std::string precision = "fp16";
  // --profile: no sweep; each block's tile (the rule's, split forced to 1, or
  // --tile THxTWxHC) runs the clock-instrumented shader and the per-phase
  // cycles are reported (apps/bench_mbconv_profile.cpp). Needs shader clocks.
  bool profile = false;
  std::string tile;  // "6x15x16": output tile rows x columns x hidden chunk ("" for the rule's)
};

struct SoakOptions : BenchCommon {
  int batch = 1;
  std::string precisions = "fp16,fp32";
  int inputs = 4;  // distinct random inputs, rotated; each replay is compared with its first result
  SoakLimits limits;
};

struct AccuracyOptions {
  std::string weights;  // safetensors of a trained network (required)
  std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  std::string labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  std::string reference;    // IDX uint8 [N]: another model's top-1 ("" for none)
  std::string class_names;  // one class name per line ("" for "class <i>")
  std::string device = "vulkan";
  std::string precision = "fp16";
  int size = 64;  // images resized to size x size (the checkpoint's training size)
  int batch = 500;
  int64_t limit = 0;  // first `limit` images (0: all)
  int gpu = -1;
  bool no_coopmat = false, no_fuse = false;
  std::string json;
  vk::ContextOptions context;  // filled by main (apps/context_env.h)
};

// Each returns the exit code; errors are thrown (caught by run_main).
int run_net(const NetOptions& o);
int run_stream(const StreamOptions& o);
int run_layers(const LayersOptions& o);
int run_gemm(const GemmOptions& o);
int run_tune(const TuneCliOptions& o);
int run_mbconv(const MBConvOptions& o);
int run_mbconv_profile(const MBConvOptions& o);
int run_accuracy(const AccuracyOptions& o);
// Exit 1 (kExitInternal: a leak or a non-deterministic replay is a bug) when a soak check fails.
int run_soak(const SoakOptions& o);

// VkPlanOptions of the common options (cooperative matrices off with
// no_coopmat: --no-coopmat or EFFNET_NO_COOPMAT=1; no_fuse: --no-fuse or EFFNET_NO_FUSE=1).
VkPlanOptions plan_options(const BenchCommon& c, int batch, Precision p);

}  // namespace effnet::app
