// effnet-bench: benchmarks of effnet-vk on the Vulkan device, with the CUDA
// reference and cuBLAS beside it in the same process when CUDA is present.
//
//   effnet-bench net    --batch 1,10,64,256 --precision fp16,fp32 --json net.json
//   effnet-bench layers --batch 10 --json layers.json
//   effnet-bench gemm   --batch 10,256 --json gemm.json
//   effnet-bench soak   --iters 10000 --json soak.json
//   effnet-bench stream --batch 1,10,64,256 --inflight 2 --json stream.json
//   effnet-bench tune   --batch 1,10,256 (writes the device's tuning table)
#include <CLI/CLI.hpp>
#include <fstream>

#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/context_env.h"
#include "apps/exit_codes.h"
#include "apps/run_main.h"
#include "model/arch.h"
#include "model/errors.h"
#include "model/precision.h"

using namespace effnet;
using namespace effnet::app;

namespace effnet::app {
VkPlanOptions plan_options(const BenchCommon& c, int batch, Precision p) {
  VkPlanOptions o;
  o.batch = batch;
  o.height = o.width = c.size;
  o.precision = p;
  o.allow_coopmat = !c.no_coopmat;
  o.allow_coopmat2 = c.coopmat2;
  o.fuse = c.no_fuse ? FusePolicy::Never : c.fuse == "always" ? FusePolicy::Always : FusePolicy::Auto;
  o.expand_dw = c.expand_dw == "always"  ? FusePolicy::Always
                : c.expand_dw == "never" ? FusePolicy::Never
                                         : FusePolicy::Auto;
  o.mbconv_skip = c.mbconv_skip;
  if (c.gemm_epilogue == "f32") o.gemm_epilogue = GemmEpilogue::StageF32;
  if (c.gemm_epilogue == "f16") o.gemm_epilogue = GemmEpilogue::StageF16;
  if (c.gemm_epilogue == "direct") o.gemm_epilogue = GemmEpilogue::Direct;
  o.fuse_dw_project = c.dw_project;
  if (!c.fuse_blocks.empty())
    o.fuse_blocks =
        parse_word_list(c.fuse_blocks, "--fuse-blocks",
                        {"mbconv1", "mbconv2", "mbconv3", "mbconv4", "mbconv5", "mbconv6", "mbconv7"});
  if (!c.depthwise_tile.empty()) o.depthwise_tile = ConvTile::parse(c.depthwise_tile);
  if (!c.stem_tile.empty()) o.stem_tile = ConvTile::parse(c.stem_tile);
  o.tuning = c.tuning;
  return o;
}
}  // namespace effnet::app

namespace {

void add_common(CLI::App* sub, BenchCommon& c, int iters, int warmup) {
  c.iters = iters;
  c.warmup = warmup;
  sub->add_option("--iters", c.iters, "timed runs (default " + std::to_string(iters) + ")")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--warmup", c.warmup, "untimed runs first (default " + std::to_string(warmup) + ")")
      ->check(CLI::Range(0, 1000000));
  sub->add_option("--json", c.json, "write the results as JSON to this file");
  sub->add_option("--gpu", c.gpu,
                  "Vulkan device index (default: env EFFNET_GPU, else the first discrete GPU)");
  sub->add_option("--seed", c.seed, "seed of the built-in random weights and inputs (default 0)");
  sub->add_option("--size", c.size, "input height = width (default 240)")
      ->check(CLI::Range(kMinImageSize, kMaxImageSize));
  sub->add_flag("--no-coopmat", c.no_coopmat, "no cooperative matrices (also env EFFNET_NO_COOPMAT=1)");
  sub->add_flag(
      "--coopmat2", c.coopmat2,
      "fp16 pointwise and linear GEMMs on workgroup-scope cooperative matrices where the device has "
      "VK_NV_cooperative_matrix2 (COOPMAT2; off by default; for A/B runs)");
  sub->add_flag(
      "--no-fuse", c.no_fuse,
      "MBConv blocks layer by layer, not fused (also env EFFNET_NO_FUSE=1; net then times only that)");
  sub->add_option("--fuse-blocks", c.fuse_blocks,
                  "for A/B runs: fuse exactly these blocks (comma-separated, mbconv1..mbconv7) where a tile "
                  "fits, the others layer by layer (not with --no-fuse)");
  sub->add_option("--fuse", c.fuse,
                  "auto (default: the plan's rule) | always (every block fused where a tile fits) | never "
                  "(as --no-fuse)")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  sub->add_option("--expand-dw", c.expand_dw,
                  "a block's expand and depthwise layers as one expand_dw stage where the block is not "
                  "fused whole: auto (default: the plan's rule) | always (where a tile fits) | never; "
                  "--no-fuse implies never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  sub->add_flag("--no-cuda", c.no_cuda, "skip the CUDA peers even where CUDA is present");
  sub->add_option(
         "--gemm-epilogue", c.gemm_epilogue,
         "COOPMAT GEMM epilogue where it applies: auto (the rule's) | f32 (fp32 C stage) | f16 (fp16 C "
         "stage) | direct (stores from registers); for A/B runs")
      ->check(CLI::IsMember({"auto", "f32", "f16", "direct"}));
  sub->add_flag("--dw-project", c.dw_project,
                "depthwise layers outside fused blocks computed inside the project GEMM after them "
                "(dw_project stage; off by default: measured slower on the H200; for A/B runs)");
  sub->add_option("--depthwise-tile", c.depthwise_tile,
                  "VECxPIXxROWS: channels x output pixels along W x output rows per invocation of every "
                  "depthwise layer instead of the rule's (for sweeps)");
  sub->add_option("--stem-tile", c.stem_tile,
                  "VECxPIX: output channels x output pixels along W per invocation of the stem instead of "
                  "the rule's (for sweeps); coopmat: the split-fp16 cooperative-matrix stem (fp16)");
  sub->add_option("--tuning", c.tuning,
                  "tuning table: auto (default: the one beside the pipeline cache, else the built-in one "
                  "of this device, driver and shader build; effnet-bench tune writes it) | off (the rules) | "
                  "FILE (also env EFFNET_TUNING)");
}

}  // namespace

int main(int argc, char** argv) {
  return run_main("effnet-bench", [&]() -> int {
    CLI::App cli{
        "effnet-bench: benchmarks of effnet-vk (EfficientNet-B1, KernelBench L3/23) on Vulkan, with the "
        "CUDA\n"
        "reference (cuDNN, cuBLAS) timed in the same process when CUDA is present. GPU times come from\n"
        "timestamp queries (a barrier after each); weights and inputs are random, non-zero."};
    cli.footer(std::string("Progress goes to stderr, tables to stdout, results to --json.\n") +
               kExitCodesHelp);
    cli.require_subcommand(1, 1);

    NetOptions net;
    CLI::App* s_net =
        cli.add_subcommand("net", "whole network: GPU and host time, images/s, memory, start-up");
    add_common(s_net, net, 200, 20);
    s_net->add_option("--batch", net.batches, "comma-separated batch sizes (default 1,10,64,256)");
    s_net->add_option("--precision", net.precisions, "fp16, fp32 or fp16,fp32 (default both)");
    s_net->add_option("--buffers", net.buffers, "distinct random inputs used in turn (default 4)")
        ->check(CLI::Range(1, 64));
    s_net->add_flag("--no-startup", net.no_startup, "skip the cold/warm start-up measurement");

    StreamOptions stream;
    CLI::App* s_stream = cli.add_subcommand(
        "stream", "from host memory: GPU-only, round trip, batches in flight, host-to-device copy ceiling");
    add_common(s_stream, stream, 100, 10);
    s_stream->add_option("--batch", stream.batches, "comma-separated batch sizes (default 1,10,64,256)");
    s_stream->add_option("--precision", stream.precisions, "fp16, fp32 or fp16,fp32 (default both)");
    s_stream->add_option("--inflight", stream.inflight, "batches in flight while streaming (default 2)")
        ->check(CLI::Range(1, kMaxInflight));
    s_stream->add_option(
        "--input", stream.inputs,
        "host input formats: f32 (float32 NCHW), u8 (uint8 NHWC images, normalised on the GPU) "
        "or f32,u8 (default)");
    s_stream->add_option("--buffers", stream.buffers, "distinct random inputs used in turn (default 4)")
        ->check(CLI::Range(1, 64));
    s_stream->add_option("--upload-queue", stream.upload_queues,
                         "queue of the input upload: auto (transfer queue for inputs of 1 MiB or more where "
                         "the device has one), compute, transfer, or a comma-separated list (default auto)");
    s_stream->add_option("--host-input", stream.host_inputs,
                         "how the input reaches the upload: staging (copied into the plan's staging "
                         "buffer at each submit), import (the host buffers imported once with "
                         "VK_EXT_external_memory_host: no host copy) or staging,import (default staging)");
    s_stream
        ->add_option("--spin-us", stream.spin_us,
                     "wait() polls the GPU for up to this many microseconds before blocking (default -1: " +
                         std::to_string(kDefaultWaitSpinUs) + " on a GPU, 0 on a CPU device)")
        ->check(CLI::Range(-1, 1000000));

    LayersOptions layers;
    CLI::App* s_layers =
        cli.add_subcommand("layers", "per-layer GPU time, FLOPs, bytes, fraction of the measured ceilings");
    add_common(s_layers, layers, 200, 20);
    s_layers->add_option("--batch", layers.batch, "batch size (default 10)")->check(CLI::Range(1, 4096));
    s_layers->add_option("--precision", layers.precision, "fp16 (default) | fp32")
        ->check(CLI::IsMember(precision_names()));
    s_layers->add_flag("--quick", layers.quick, "smoke run: no 4096^3 GEMM ceiling, a 16 MiB copy");

    GemmOptions gemm;
    CLI::App* s_gemm =
        cli.add_subcommand("gemm", "every GEMM-shaped layer and a 4096^3 GEMM, fp16, beside cuBLAS");
    add_common(s_gemm, gemm, 100, 10);
    s_gemm->add_option("--batch", gemm.batches, "comma-separated batch sizes (default 10,256)");
    s_gemm->add_flag("--quick", gemm.quick, "smoke run: batch 1 (unless --batch), no 4096^3 GEMM");
    s_gemm->add_flag("--no-square", gemm.no_square, "skip the 4096^3 GEMM");
    s_gemm->add_flag("--sweep", gemm.sweep,
                     "time every candidate COOPMAT tile (direct C store) of each layer beside the rule's "
                     "(no cuBLAS, no square GEMM)");
    s_gemm->add_option("--layer", gemm.layers,
                       "comma-separated layer names to run, e.g. mbconv5.6,fc (default all)");

    TuneCliOptions tune;
    CLI::App* s_tune = cli.add_subcommand(
        "tune",
        "time the candidate tiles of every layer, write the device's tuning table (the plans use it)");
    add_common(s_tune, tune, 15, 0);
    s_tune->add_option("--batch", tune.batches, "comma-separated batch sizes (default 1,10,256)");
    s_tune->add_option("--precision", tune.precision, "fp16 (default) | fp32")
        ->check(CLI::IsMember(precision_names()));
    s_tune->add_option("--layer", tune.layers, "comma-separated layer names to tune (default all)");
    s_tune->add_option("--out", tune.out,
                       "the table file (default: beside the pipeline cache, <cache dir>/<vendor>-<device>-"
                       "<driver>.tuning.json, where the next plans find it)");
    s_tune
        ->add_option(
            "--max-candidates", tune.max_candidates,
            "candidates per layer, the nearest the rule's tile (default 12; 0: all, minutes on a new "
            "device: each new tile compiles a pipeline)")
        ->check(CLI::Range(0, 100000));
    s_tune->add_flag("--no-check", tune.no_check,
                     "skip timing the whole network with the new table and with the rules");

    MBConvOptions mb;
    CLI::App* s_mb = cli.add_subcommand(
        "mbconv",
        "each MBConv block: fused (with --expand-dw always: as an expand_dw stage and the project) with a "
        "grid of candidate tiles, and layer by layer, GPU time");
    add_common(s_mb, mb, 20, 3);
    s_mb->add_option("--batch", mb.batches, "comma-separated batch sizes (default 10,256)");
    s_mb->add_option("--precision", mb.precision, "fp16 (default) | fp32")
        ->check(CLI::IsMember(precision_names()));
    s_mb->add_flag("--profile", mb.profile,
                   "no sweep: per-phase SM cycles of each block's fused tile (shader clocks, COOPMAT)");
    s_mb->add_option("--tile", mb.tile,
                     "with --profile: THxTWxHC[xWG] instead of the rule's tile, e.g. 6x15x16 or 6x15x16x512");

    SoakOptions soak;
    CLI::App* s_soak = cli.add_subcommand(
        "soak", "many inferences: host and device memory stay flat, replays of an input are bit-identical");
    add_common(s_soak, soak, 10000, 20);
    s_soak->add_option("--batch", soak.batch, "batch size (default 1)")->check(CLI::Range(1, 4096));
    s_soak->add_option("--precision", soak.precisions, "fp16, fp32 or fp16,fp32 (default both)");
    s_soak->add_option("--inputs", soak.inputs, "distinct random inputs rotated (default 4)")
        ->check(CLI::Range(1, 64));
    s_soak
        ->add_option("--host-tolerance-mib", soak.limits.host_growth_mib,
                     "host RSS may grow by this much from start to end (default 8)")
        ->check(CLI::Range(0.0, 1e6));
    s_soak
        ->add_option("--device-tolerance-mib", soak.limits.device_growth_mib,
                     "device memory may grow by this much (default 0)")
        ->check(CLI::Range(0.0, 1e6));

    AccuracyOptions acc;
    CLI::App* s_acc = cli.add_subcommand(
        "accuracy", "top-1 accuracy of a trained checkpoint on a labelled IDX image set (Fashion-MNIST)");
    s_acc->add_option("--weights", acc.weights, "safetensors of the trained network")->required();
    s_acc->add_option("--images", acc.images,
                      "IDX images [N,H,W] (gray) or [N,H,W,3], .gz or plain (default: " + acc.images + ")");
    s_acc->add_option("--labels", acc.labels, "IDX labels [N] (default: " + acc.labels + ")");
    s_acc->add_option("--reference", acc.reference,
                      "IDX uint8 [N]: another model's top-1, for the agreement");
    s_acc->add_option("--class-names", acc.class_names, "class names, one per line");
    s_acc->add_option("--device", acc.device, "vulkan (default) | cpu | cuda")
        ->check(CLI::IsMember({"vulkan", "cpu", "cuda"}));
    s_acc->add_option("--precision", acc.precision, "fp16 (default) | fp32")
        ->check(CLI::IsMember(precision_names()));
    s_acc->add_option("--size", acc.size, "resize images to SIZE x SIZE (default 64)")
        ->check(CLI::Range(kMinImageSize, kMaxImageSize));
    s_acc->add_option("--batch", acc.batch, "images per run (default 500)")->check(CLI::Range(1, 4096));
    s_acc->add_option("--limit", acc.limit, "only the first N images (default all)")
        ->check(CLI::Range(0, 1 << 30));
    s_acc->add_option("--gpu", acc.gpu, "Vulkan/CUDA device index");
    s_acc->add_flag("--no-coopmat", acc.no_coopmat, "no cooperative matrices");
    s_acc->add_flag("--no-fuse", acc.no_fuse, "MBConv blocks layer by layer");
    s_acc->add_option("--json", acc.json, "write the results as JSON to this file");

    if (const auto code = parse_cli(cli, argc, argv)) return *code;
    if (s_acc->parsed()) {
      acc.no_coopmat = acc.no_coopmat || env_flag("EFFNET_NO_COOPMAT");
      acc.no_fuse = acc.no_fuse || env_flag("EFFNET_NO_FUSE");
      acc.context = context_options_from_env(acc.gpu);
      if (!acc.json.empty() && !std::ofstream(acc.json, std::ios::app))
        throw FileError("cannot write " + acc.json);
      return run_accuracy(acc);
    }
    // The environment, read once here (apps/context_env.h).
    BenchCommon& common = s_net->parsed()      ? static_cast<BenchCommon&>(net)
                          : s_stream->parsed() ? static_cast<BenchCommon&>(stream)
                          : s_layers->parsed() ? static_cast<BenchCommon&>(layers)
                          : s_mb->parsed()     ? static_cast<BenchCommon&>(mb)
                          : s_soak->parsed()   ? static_cast<BenchCommon&>(soak)
                          : s_tune->parsed()   ? static_cast<BenchCommon&>(tune)
                                               : static_cast<BenchCommon&>(gemm);
    common.no_coopmat = common.no_coopmat || env_flag("EFFNET_NO_COOPMAT");
    common.no_fuse = common.no_fuse || common.fuse == "never" || env_flag("EFFNET_NO_FUSE");
    // Profiling only: steps of the fused block to skip (shaders/abi.h EFFNET_SC_SKIP).
    if (const char* skip = std::getenv("EFFNET_MBCONV_SKIP")) common.mbconv_skip = uint32_t(std::atoi(skip));
    common.context = context_options_from_env(common.gpu);
    if (cli.get_subcommands().front()->count("--tuning") == 0) common.tuning = env_tuning();
    (void)plan_options(common, 1, Precision::FP16);  // a bad --fuse-blocks, --stem-tile, ... fails now
    // An unwritable --json fails now, not after minutes of timing.
    for (const std::string* path :
         {&net.json, &stream.json, &layers.json, &gemm.json, &mb.json, &soak.json, &tune.json})
      if (!path->empty() && !std::ofstream(*path, std::ios::app)) throw FileError("cannot write " + *path);
    if (s_net->parsed()) return run_net(net);
    if (s_stream->parsed()) return run_stream(stream);
    if (s_layers->parsed()) return run_layers(layers);
    if (s_mb->parsed()) {
      mb.context.shader_clock = mb.profile;
      return mb.profile ? run_mbconv_profile(mb) : run_mbconv(mb);
    }
    if (s_soak->parsed()) return run_soak(soak);
    if (s_tune->parsed()) return run_tune(tune);
    gemm.batches_set = s_gemm->count("--batch") > 0;
    return run_gemm(gemm);
  });
}
