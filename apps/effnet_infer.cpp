// effnet-infer: EfficientNet-B1 (KernelBench L3/23) inference on Vulkan, CPU or CUDA.
//
//   effnet-infer --image photo.jpg                      top-5 on the default Vulkan GPU, fp16
//   effnet-infer --input x.npy --output y.npy --device cpu --precision fp32 --json
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numeric>

#include "apps/context_env.h"
#include "apps/devices.h"
#include "apps/exit_codes.h"
#include "apps/image_list.h"
#include "apps/input.h"
#include "apps/labels.h"
#include "apps/output_guard.h"
#include "apps/progress.h"
#include "apps/run_main.h"
#include "apps/thread_pool.h"
#include "backends/backend.h"
#include "backends/logits_check.h"
#include "model/arch.h"
#include "model/errors.h"
#include "model/npy.h"
#include "model/precision.h"
#include "model/vk_tune.h"
#include "model/weights.h"

using namespace effnet;
using namespace effnet::app;

namespace {

constexpr int kDefaultBatch = 32;  // images per run: ~22 MB of input at 240 x 240
constexpr int kMaxBatch = 4096;    // as effnet-bench's --batch

struct TopK {
  std::vector<std::pair<int, float>> items;  // (class, logit), best first
};

TopK top_k(const Tensor& logits, int64_t row, int k) {
  const int64_t c = logits.dim(1);
  std::vector<int> idx(static_cast<size_t>(c));
  std::iota(idx.begin(), idx.end(), 0);
  const float* r = logits.data.data() + row * c;
  const int kk = int(std::min<int64_t>(k, c));
  std::partial_sort(idx.begin(), idx.begin() + kk, idx.end(), [&](int a, int b) { return r[a] > r[b]; });
  TopK t;
  for (int i = 0; i < kk; ++i) t.items.emplace_back(idx[size_t(i)], r[idx[size_t(i)]]);
  return t;
}

// Writes the bytes to standard output. Throws FileError when it cannot (a closed pipe, a full disk).
void write_stdout(const std::vector<unsigned char>& bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0)
    throw FileError("cannot write the logits to standard output");
}

// Writes (replacing) a text file. Throws FileError naming it when it cannot.
void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!(f << text) || !f.flush()) throw FileError("cannot write " + path);
}

// The classes of one row of `logits` as JSON: [{"class", "logit"[, "label"]}, ...], best first.
nlohmann::json topk_json(const Tensor& logits, int64_t row, int k, const std::vector<std::string>& labels) {
  nlohmann::json out = nlohmann::json::array();
  for (auto [c, v] : top_k(logits, row, k).items) {
    out.push_back({{"class", c}, {"logit", v}});
    if (!labels.empty()) out.back()["label"] = labels[size_t(c)];
  }
  return out;
}

// --jsonl: one JSON object a line, written and flushed chunk by chunk.
class JsonLines {
 public:
  // Opens `path` ("-": standard output; empty: off, nothing written). Throws FileError when it cannot.
  explicit JsonLines(const std::string& path) : path_(path) {
    if (path.empty()) return;
    f_ = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
    if (!f_) throw FileError("--jsonl " + path + ": cannot write");
  }
  JsonLines(const JsonLines&) = delete;
  JsonLines& operator=(const JsonLines&) = delete;
  ~JsonLines() {
    if (f_ && f_ != stdout) std::fclose(f_);
  }
  bool on() const { return f_ != nullptr; }
  void write(const nlohmann::json& line) {
    const std::string text = line.dump() + "\n";
    if (std::fwrite(text.data(), 1, text.size(), f_) != text.size()) fail();
  }
  void flush() {
    if (std::fflush(f_) != 0) fail();
  }

 private:
  [[noreturn]] void fail() const { throw FileError("--jsonl " + path_ + ": cannot write"); }
  std::string path_;
  std::FILE* f_ = nullptr;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1.0 : v[v.size() / 2];
}

// --tune: the first run on a device, driver and shader build without a
// tuning table times the candidate tiles of net's layers at bo's batch, size
// and precision (model/vk_tune.h) and writes the table where the plan looks
// (beside the pipeline cache, or the --tuning file). Progress on stderr.
void tune_if_no_table(const Network& net, const BackendOptions& bo, bool progress) {
  if (bo.tuning == "off") return;
  vk::Context ctx(bo.context);
  if (find_tuning_table(bo.tuning, ctx.pipeline_cache_path(), ctx.info()).table) return;
  const std::string path = bo.tuning == "auto" ? tuning_table_path(ctx.pipeline_cache_path()) : bo.tuning;
  if (path.empty())
    throw UsageError("--tune: no pipeline cache file to put the table beside: give --tuning FILE");
  TuneOptions t;
  t.batches = {bo.batch};
  t.height = bo.height;
  t.width = bo.width;
  t.precision = bo.precision;
  t.allow_coopmat = bo.allow_coopmat;
  t.fuse = bo.fuse;
  t.tool = "effnet-infer --tune (batch " + std::to_string(bo.batch) + ")";
  if (progress)
    t.progress = [](const std::string& what, int done, int total) {
      std::fprintf(stderr, "effnet-infer: tuning %s (%d/%d)\n", what.c_str(), done + 1, total);
    };
  const TuneResult r = tune_layers(ctx, net, t);
  ctx.save_pipeline_cache();
  std::string why;
  if (!save_tuning_table(path, r.table, &why)) throw FileError("--tune: " + why);
  std::fprintf(stderr, "effnet-infer: tuned %zu of %zu layers in %.1f s: %s\n", r.table.layers.size(),
               r.rows.size(), r.seconds, path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  return run_main("effnet-infer", [&]() -> int {
    CLI::App cli{
        "effnet-infer: EfficientNet-B1 (KernelBench level 3, problem 23) inference on Vulkan compute "
        "shaders,\n"
        "with the CPU reference and the CUDA reference as alternative devices. Prints the top-k classes per "
        "image."};
    cli.footer(
        std::string("Without --weights the network uses built-in deterministic weights (--seed): UNTRAINED,\n"
                    "so the classes are not meaningful. A trained checkpoint: "
                    "tests/data/fashion_weights.safetensors\n"
                    "(Fashion-MNIST, 10 classes, --size 64, --labels tests/data/fashion_classes.txt).\n"
                    "Of several images, one that cannot be read or decoded is reported on standard error\n"
                    "(effnet-infer: skipped PATH: REASON) and skipped: no row in --output, listed under "
                    "\"skipped\"\nin --json; the others run, and the exit code is then 3 (one image: exit 3 "
                    "at once).\n"
                    "While a chunk runs on the device, the next one is decoded on the --threads workers:\n"
                    "the time line (host_ms, gpu_ms in --json) times the device runs alone (the decoding\n"
                    "beside them shares the CPU), the rate line (images_per_s, wall_s) the wall clock from\n"
                    "the first decode to the last logits.\n") +
        kExitCodesHelp);
    InputSpec in;
    BackendOptions bo;
    std::string weights, output, json_out, jsonl_out, labels_path, list_path, precision = "fp16";
    uint64_t seed = 0;
    int classes = kDefaultClasses, topk = 5, repeat = 1, batch = kDefaultBatch;
    int threads = ThreadPool::default_workers_beside_caller();
    bool list = false, no_coopmat = false, no_fuse = false;
    bool progress_flag = ::isatty(STDERR_FILENO) != 0;  // the default of --progress / --no-progress
    CLI::Option* o_weights =
        cli.add_option("--weights", weights, "safetensors state_dict of the reference model (PyTorch names)");
    cli.add_option("--seed", seed, "seed of the built-in untrained weights (without --weights)");
    cli.add_option("--classes", classes, "class count of the built-in weights")
        ->check(CLI::Range(1, 1000000));
    cli.add_option("--image", in.images,
                   "image file(s): PNG or JPEG (by content, not name); a directory: the PNG and JPEG files "
                   "directly inside, sorted by name");
    CLI::Option* o_list = cli.add_option("--list", list_path,
                                         "file of image paths, one per line (blank lines and lines starting "
                                         "with # ignored; relative to the list's directory), after --image");
    CLI::Option* o_input = cli.add_option("--input", in.npy, "input batch .npy: [N,3,H,W] float32 NCHW");
    cli.add_option("--size", in.size, "resize images to SIZE x SIZE (default 240)")
        ->check(CLI::Range(kMinImageSize, kMaxImageSize));
    cli.add_option("--batch", batch,
                   "inputs per run: images (or .npy rows) go through the network in chunks of this many, "
                   "decoded chunk by chunk (default " +
                       std::to_string(kDefaultBatch) + ")")
        ->check(CLI::Range(1, kMaxBatch));
    cli.add_option("--threads", threads,
                   "images decoded and resized at once, on a pool of this many threads, overlapping the "
                   "device's run of the previous chunk (default: the hardware threads less one for the "
                   "thread that feeds the device, here " +
                       std::to_string(ThreadPool::default_workers_beside_caller()) + ")")
        ->check(CLI::Range(1, ThreadPool::kMaxThreads));
    cli.add_flag(
        "--no-normalize", [&](int64_t) { in.normalize = false; },
        "images in [0,1] without ImageNet mean/std (KernelBench-style input)");
    CLI::Option* o_output =
        cli.add_option("--output", output,
                       "write the logits [N,classes] float32 to this .npy ('-': standard output, no table); "
                       "a skipped image has no row");
    cli.add_option("--device", bo.device, "vulkan | cpu | cuda (default vulkan)")
        ->check(CLI::IsMember(available_backends()));
    cli.add_option("--precision", precision, "fp16 (default: fp16 storage, fp32 accumulation) | fp32")
        ->check(CLI::IsMember(precision_names()));
    cli.add_option("--gpu", bo.gpu,
                   "GPU index (see --list-devices); default: env EFFNET_GPU, else the first discrete GPU");
    cli.add_flag("--no-coopmat", no_coopmat,
                 "do not use cooperative matrices (also env EFFNET_NO_COOPMAT=1)");
    cli.add_flag("--u8", in.u8,
                 "images resized to 8-bit RGB on the host and sent as bytes (a quarter of float32), "
                 "normalised on the device (Vulkan: in the stem); the inputs differ from the default "
                 "float32 path by the rounding to bytes only (at most 0.0087 after normalisation). "
                 "Images only, not --input");
    bool tune_first = false;
    cli.add_flag("--tune", tune_first,
                 "Vulkan: where no tuning table of this device, driver and shader build is found (--tuning), "
                 "time the candidate tiles of every layer at this batch and size first (seconds to a few "
                 "minutes, once) and write the table beside the pipeline cache (or to the --tuning file)");
    std::string tuning;
    cli.add_option("--tuning", tuning,
                   "tuning table: auto (default: the one beside the pipeline cache, else the built-in one of "
                   "this device, driver and shader build; effnet-bench tune writes it) | off (the rules) | "
                   "FILE (also env EFFNET_TUNING)");
    cli.add_flag("--no-fuse", no_fuse,
                 "run the MBConv blocks layer by layer, not as fused stages (also env EFFNET_NO_FUSE=1)");
    CLI::Option* o_labels = cli.add_option("--labels", labels_path,
                                           "class names, one per line, printed beside the class indices");
    cli.add_option("--topk", topk, "classes to print per image (default 5)")->check(CLI::Range(1, 1000000));
    cli.add_option("--repeat", repeat,
                   "run each chunk this many times, report the median time of a run (default 1); the rate "
                   "counts each image once")
        ->check(CLI::Range(1, 100000));
    CLI::Option* o_json = cli.add_option("--json", json_out,
                                         "print one JSON object instead of the table; --json FILE writes it "
                                         "to FILE and prints the table ('-': standard output)")
                              ->expected(0, 1);
    CLI::Option* o_jsonl =
        cli.add_option(
               "--jsonl", jsonl_out,
               "also write one JSON object per input, a line each, as each chunk finishes: index (the "
               "row in --output), image, topk; a skipped image: image, skipped (the reason). To FILE, "
               "or without FILE / '-' to standard output (no table)")
            ->expected(0, 1);
    cli.add_flag("--progress,!--no-progress", progress_flag,
                 "a progress line on standard error (inputs done / total, inputs per second, every 0.5 s), "
                 "never on standard output; on by default when standard error is a terminal");
    cli.add_flag("--list-devices", list, "list the Vulkan (and CUDA) devices and exit");
    if (const auto code = parse_cli(cli, argc, argv)) return *code;
    const bool json = o_json->count() > 0;
    if (json && json_out.empty()) json_out = "-";
    if (list) {
      print_devices(std::cout, json && json_out == "-");
      return kExitOk;
    }
    refuse_empty_path(o_weights->count() > 0, weights, "--weights",
                      "leave --weights out for the built-in untrained weights");
    refuse_empty_path(o_input->count() > 0, in.npy, "--input", "name an .npy file");
    refuse_empty_path(o_output->count() > 0, output, "--output", "name a file, or - for standard output");
    refuse_empty_path(o_labels->count() > 0, labels_path, "--labels", "name a file of class names");
    refuse_empty_path(o_list->count() > 0, list_path, "--list", "name a file of image paths");
    if (!in.npy.empty() && (!in.images.empty() || !list_path.empty()))
      throw UsageError(
          "give exactly one input source: --image PATH... (and/or --list FILE) or --input X.npy");
    const bool jsonl = o_jsonl->count() > 0;
    if (jsonl && jsonl_out.empty()) jsonl_out = "-";
    std::vector<std::string> to_stdout;  // the options whose data go to standard output
    if (output == "-") to_stdout.push_back("--output -");
    if (json && json_out == "-") to_stdout.push_back("--json -");
    if (jsonl && jsonl_out == "-") to_stdout.push_back("--jsonl -");
    if (to_stdout.size() > 1)
      throw UsageError(to_stdout[0] + " and " + to_stdout[1] +
                       " both name standard output: give one of them a file");
    std::vector<NamedPath> inputs{
        {"--weights", weights}, {"--input", in.npy}, {"--labels", labels_path}, {"--list", list_path}};
    in.images = expand_images(in.images, list_path);
    for (const std::string& image : in.images) inputs.push_back({"--image", image});
    refuse_overwriting_inputs(
        {{"--output", output}, {"--json", json ? json_out : ""}, {"--jsonl", jsonl ? jsonl_out : ""}},
        inputs);
    // stdout carries only the data when the logits or the JSON go there.
    const bool table = to_stdout.empty();

    bo.precision = precision == "fp32" ? Precision::FP32 : Precision::FP16;
    // The environment, read once here (apps/context_env.h).
    bo.allow_coopmat = !no_coopmat && !env_flag("EFFNET_NO_COOPMAT");
    bo.fuse = !no_fuse && !env_flag("EFFNET_NO_FUSE");
    bo.tuning = tuning.empty() ? env_tuning() : tuning;
    if (bo.device == "vulkan") bo.context = context_options_from_env(bo.gpu);

    in.threads = threads;
    bo.input_u8 = in.u8;
    // Images: the decoding workers keep the cores busy, so the input is copied
    // into the staging buffer on this thread (helper threads would wait for a
    // core: docs/PERFORMANCE.md, "Ninth session").
    if (!in.images.empty()) bo.pack_threads = 1;
    bo.normalize = in.normalize;
    InputBatches src(in);
    // The chunk being run. Declared before the backend, which may hold its
    // buffer imported (run_reused): the buffer must outlive the import, on
    // every path out of here (an exception included).
    InputBatches::Chunk chunk_in;
    const Network net = weights.empty() ? random_network(seed, classes) : load_network(weights);
    const std::vector<std::string> labels =
        labels_path.empty() ? std::vector<std::string>{} : load_labels(labels_path, net.classes);
    const int64_t chunk = std::min<int64_t>(src.count(), batch);
    bo.batch = int(chunk);
    bo.height = src.height();
    bo.width = src.width();

    if (tune_first && bo.device == "vulkan") tune_if_no_table(net, bo, progress_flag);
    auto backend = make_backend(net, bo);
    JsonLines lines(jsonl ? jsonl_out : "");
    if (table) {
      std::printf("device:  %s\nvariant: %s\n", backend->device_line().c_str(),
                  backend->variant_line().c_str());
      std::fflush(stdout);
    }
    // The rows in chunks of the plan's batch: memory is one chunk's, whatever the image count.
    std::vector<float> kept;            // logits of the rows classified, in input order
    std::vector<int64_t> kept_index;    // their input index
    std::vector<SkippedImage> skipped;  // images that could not be decoded (several images only)
    std::vector<double> host_ms(size_t(repeat), 0.0), gpu_ms(size_t(repeat), 0.0);
    bool have_gpu_ms = true;  // and false when no chunk ran (every image skipped)
    ProgressLine progress(progress_flag, src.count(), in.images.empty() ? "inputs" : "images");
    // Wall clock from the first decode to the last logits (images_per_s, wall_s).
    const auto wall_start = std::chrono::steady_clock::now();
    auto wall_end = wall_start;
    double wait_input_s = 0;  // blocked in next(): the chunk's decoding not finished
    for (;;) {
      // The last chunk's buffer goes round again (a few buffers in all: run_reused imports them).
      src.release(std::move(chunk_in));
      const auto tw = std::chrono::steady_clock::now();
      const bool more = src.next(chunk, chunk_in);
      wait_input_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - tw).count();
      if (!more) break;
      // Chunks k + 1 .. k + kPrefetchChunks decode on the pool while chunk k runs (memory: those chunks).
      src.prefetch(chunk);
      progress.clear();
      for (const SkippedImage& sk : chunk_in.skipped) {
        std::fprintf(stderr, "effnet-infer: skipped %s: %s\n", sk.path.c_str(), sk.reason.c_str());
        skipped.push_back(sk);
      }
      if (chunk_in.rows.empty()) {
        for (const SkippedImage& sk : chunk_in.skipped)
          if (lines.on()) lines.write({{"image", sk.path}, {"skipped", sk.reason}});
        if (lines.on()) lines.flush();
        progress.update(int64_t(kept_index.size() + skipped.size()));
        continue;
      }
      Tensor y;
      for (int r = 0; r < repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        y = in.u8 ? backend->run_reused(chunk_in.images()) : backend->run_reused(chunk_in.x);
        host_ms[size_t(r)] +=
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        have_gpu_ms = have_gpu_ms && backend->last_gpu_ms() >= 0;
        gpu_ms[size_t(r)] += backend->last_gpu_ms();
      }
      wall_end = std::chrono::steady_clock::now();
      // Free when the logits are finite; otherwise exit 4 naming the first stage that went non-finite
      // (with --u8, from the float32 input the device made of the bytes: built only then).
      const auto row_name = [&](int64_t row) {
        return src.row_name(chunk_in.rows[size_t(std::min<int64_t>(row, int64_t(chunk_in.rows.size()) - 1))]);
      };
      if (!in.u8)
        check_logits_finite(*backend, chunk_in.x, y, row_name);
      else if (!std::all_of(y.data.begin(), y.data.end(), [](float v) { return std::isfinite(v); }))
        check_logits_finite(*backend, images_u8_to_nchw(chunk_in.images(), in.normalize), y, row_name);
      if (lines.on()) {  // the chunk's inputs in their order, the skipped ones among them
        size_t s = 0;
        for (size_t r = 0; r < chunk_in.rows.size(); ++r) {
          for (; s < chunk_in.skipped.size() && chunk_in.skipped[s].index < chunk_in.rows[r]; ++s)
            lines.write({{"image", chunk_in.skipped[s].path}, {"skipped", chunk_in.skipped[s].reason}});
          nlohmann::json l{{"index", int64_t(kept_index.size() + r)}};
          l[in.images.empty() ? "input" : "image"] = src.row_name(chunk_in.rows[r]);
          l["topk"] = topk_json(y, int64_t(r), topk, labels);
          lines.write(l);
        }
        for (; s < chunk_in.skipped.size(); ++s)
          lines.write({{"image", chunk_in.skipped[s].path}, {"skipped", chunk_in.skipped[s].reason}});
        lines.flush();
      }
      kept.insert(kept.end(), y.data.begin(), y.data.begin() + int64_t(chunk_in.rows.size()) * net.classes);
      kept_index.insert(kept_index.end(), chunk_in.rows.begin(), chunk_in.rows.end());
      progress.update(int64_t(kept_index.size() + skipped.size()));
    }
    progress.finish(int64_t(kept_index.size() + skipped.size()));
    const int64_t rows = int64_t(kept_index.size());
    const double wall_s = std::chrono::duration<double>(wall_end - wall_start).count();
    const double images_per_s = rows > 0 && wall_s > 0 ? double(rows) / wall_s : 0.0;
    have_gpu_ms = have_gpu_ms && rows > 0;
    const Tensor logits({rows, int64_t(net.classes)}, std::move(kept));
    if (output == "-")
      write_stdout(npy_bytes(logits));
    else if (!output.empty())
      save_npy(output, logits);

    const std::string weights_desc =
        weights.empty() ? "built-in untrained (seed " + std::to_string(seed) + ")" : weights;
    const std::vector<int64_t> input_shape{rows, kInChannels, src.height(), src.width()};
    if (json) {
      nlohmann::json j;
      j["device"] = backend->device_line();
      j["variant"] = backend->variant_line();
      j["stages"] = backend->variant_json();
      j["precision"] = bo.device == "cpu" ? "fp32" : precision;
      j["weights"] = weights_desc;
      j["input_shape"] = input_shape;
      j["batch"] = chunk;
      j["classes"] = net.classes;
      j["host_ms"] = median(host_ms);
      j["gpu_ms"] = have_gpu_ms ? nlohmann::json(median(gpu_ms)) : nlohmann::json(nullptr);
      j["repeat"] = repeat;
      j["threads"] = threads;
      j["wall_s"] = wall_s;
      j["images_per_s"] = images_per_s;
      // Where the wall clock went: waiting for decoded images, and in run() (host_ms summed).
      j["wait_input_s"] = wait_input_s;
      j["input_format"] = in.u8 ? "u8" : "f32";
      nlohmann::json res = nlohmann::json::array();
      for (int64_t n = 0; n < rows; ++n) {
        nlohmann::json r;
        r["index"] = n;
        if (!in.images.empty()) r["image"] = src.row_name(kept_index[size_t(n)]);
        r["topk"] = topk_json(logits, n, topk, labels);
        res.push_back(r);
      }
      j["results"] = res;
      if (!in.images.empty()) {
        j["skipped"] = nlohmann::json::array();
        for (const SkippedImage& sk : skipped)
          j["skipped"].push_back({{"index", sk.index}, {"image", sk.path}, {"reason", sk.reason}});
      }
      if (!output.empty()) j["output"] = output;
      if (json_out == "-")
        std::cout << j.dump(1) << "\n";
      else
        write_text_file(json_out, j.dump(1) + "\n");
    }
    // Some images skipped: the run finished, but the exit code says not all went through.
    const int done = skipped.empty() ? kExitOk : kExitFile;
    if (!table) return done;
    std::printf("weights: %s (%d classes)\n", weights_desc.c_str(), net.classes);
    for (int64_t n = 0; n < rows; ++n) {
      std::printf("\n[%lld] %s\n", (long long)n, src.row_name(kept_index[size_t(n)]).c_str());
      int rank = 1;
      for (auto [c, v] : top_k(logits, n, topk).items)
        std::printf("  %2d. class %4d  logit %+.5f%s%s\n", rank++, c, v, labels.empty() ? "" : "  ",
                    labels.empty() ? "" : labels[size_t(c)].c_str());
    }
    std::printf("\ntime:    %.3f ms host (submit to logits in host memory)", median(host_ms));
    if (have_gpu_ms) std::printf(", %.3f ms GPU", median(gpu_ms));
    std::printf(", %lld inputs in runs of batch %lld%s\n", (long long)rows, (long long)chunk,
                repeat > 1 ? (", median of " + std::to_string(repeat)).c_str() : "");
    const char* noun = in.images.empty() ? "inputs" : "images";
    std::printf(
        "rate:    %.2f %s/s end to end (%lld %s in %.3f s wall clock, first decode to last logits, "
        "--threads %d)\n",
        images_per_s, noun, (long long)rows, noun, wall_s, threads);
    if (!output.empty()) std::printf("logits:  %s\n", output.c_str());
    if (json) std::printf("json:    %s\n", json_out.c_str());
    if (!skipped.empty())
      std::printf("skipped: %zu of %lld images (not decoded, see standard error; no row in the logits)\n",
                  skipped.size(), (long long)src.count());
    return done;
  });
}
