// effnet-bench stream: the network from host memory per (batch, precision).
// Four numbers side by side, all from one process and one context:
//   GPU-only     replay() on the input already on the device, timestamps (as net)
//   round trip   one run(): input in host memory -> logits in host memory, wall clock
//   streaming    `inflight` batches in flight through submit() / wait(), images/s
//                over many batches, wall clock
//   copy ceiling a host-visible staging buffer of the input's size copied into
//                device memory (vkCmdCopyBuffer, timestamps): the upload's limit
// and the ratio streaming / min(GPU-only, copy ceiling) of issue 11's "Done when".
// Per host input format (--input): f32, float32 NCHW as the stem reads it, and
// u8, uint8 NHWC images (a quarter of the bytes) normalised on the GPU inside
// the stem (VkPlanOptions::input = InputFormat::U8NHWC).
#include <algorithm>
#include <cstdio>
#include <deque>
#include <type_traits>

#include "apps/bench_ceiling.h"
#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/exit_codes.h"
#include "model/errors.h"
#include "model/layer_kind.h"
#include "model/weights.h"

namespace effnet::app {
namespace {

struct StreamResult {
  Stats gpu, round_trip;
  double stream_s = 0;  // wall clock of the streamed batches
  int stream_batches = 0;
  CopyCeiling copy;
  size_t input_bytes = 0;                           // per batch, as uploaded
  UploadQueue upload_queue = UploadQueue::Compute;  // as the plan resolved it
  double import_ms = 0;                             // import: import_input of every buffer, wall clock
};

// `n` batches through submit() / wait() with plan.inflight() in flight, the
// oldest waited first; returns the seconds from the first submit to the last
// logits. X: Tensor (float32 input), ImagesU8 or HostInput (imported once:
// no host copy at submit).
template <typename X>
double stream(VkPlan& plan, const std::vector<X>& xs, int n) {
  std::deque<Ticket> queued;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    if (int(queued.size()) == plan.inflight()) {
      plan.wait(queued.front());
      queued.pop_front();
    }
    queued.push_back(plan.submit(xs[size_t(i) % xs.size()]));
  }
  for (Ticket t : queued) plan.wait(t);
  return ms_since(t0) * 1e-3;
}

// The batches of one (batch size, input format), `buffers` distinct random ones.
struct Inputs {
  std::vector<Tensor> f32;
  std::vector<std::vector<uint8_t>> bytes;  // u8: owned here
  std::vector<ImagesU8> u8;                 // views of `bytes`
};

UploadQueue parse_upload_queue(const std::string& s) {
  return s == "compute" ? UploadQueue::Compute : s == "transfer" ? UploadQueue::Transfer : UploadQueue::Auto;
}

const char* upload_queue_name(UploadQueue q) {
  return q == UploadQueue::Compute ? "compute" : q == UploadQueue::Transfer ? "transfer" : "auto";
}

// The round trip (one run() at a time) and the streamed batches of `ins`
// (X, or the HostInputs imported from them) into r.
template <typename In>
void time_from_host(VkPlan& plan, const std::vector<In>& ins, const StreamOptions& o, Progress& progress,
                    StreamResult& r) {
  std::vector<double> host;
  for (int i = 0; i < o.iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    plan.run(ins[size_t(i) % ins.size()]);
    host.push_back(ms_since(t0));
    progress.tick(i + 1, o.iters);
  }
  r.round_trip = stats_of(host);
  stream(plan, ins, std::max(o.warmup, plan.inflight()));  // the pipeline filled once, untimed
  r.stream_batches = o.iters;
  r.stream_s = stream(plan, ins, o.iters);
}

template <typename X>
StreamResult measure(vk::Context& ctx, const Network& net, const StreamOptions& o, int batch, Precision p,
                     UploadQueue queue, bool import, const std::vector<X>& xs, size_t input_bytes,
                     Progress& progress) {
  VkPlanOptions po = plan_options(o, batch, p);
  po.inflight = o.inflight;
  po.upload_queue = queue;
  po.wait_spin_us = o.spin_us;
  if constexpr (std::is_same_v<X, ImagesU8>) po.input = InputFormat::U8NHWC;
  VkPlan plan(ctx, net, po);
  StreamResult r;
  r.input_bytes = input_bytes;
  r.upload_queue = plan.upload_queue();
  for (int i = 0; i < o.warmup; ++i) plan.run(xs[size_t(i) % xs.size()]);

  std::vector<double> gpu;
  for (int i = 0; i < o.iters; ++i) {
    plan.replay();
    const PlanTiming t = plan.last_timing();
    if (!t.available) throw std::runtime_error("the compute queue has no timestamps");
    gpu.push_back(t.total_ms);
  }
  r.gpu = stats_of(gpu);
  if (import) {
    std::vector<HostInput> hosts;
    const auto t0 = std::chrono::steady_clock::now();
    for (const X& x : xs) hosts.push_back(plan.import_input(x));
    r.import_ms = ms_since(t0);
    for (int i = 0; i < o.warmup; ++i) plan.run(hosts[size_t(i) % hosts.size()]);
    time_from_host(plan, hosts, o, progress, r);
  } else {
    time_from_host(plan, xs, o, progress, r);
  }
  r.copy = measure_copy_bandwidth(ctx, r.input_bytes, o.warmup, o.iters, vk::MemoryKind::Upload);
  return r;
}

}  // namespace

int run_stream(const StreamOptions& o) {
  const std::vector<int> batches = parse_int_list(o.batches, "--batch", 1, 4096);
  const std::vector<std::string> precisions = parse_precision_list(o.precisions, "--precision");
  const std::vector<std::string> inputs = parse_word_list(o.inputs, "--input", {"f32", "u8"});
  const std::vector<std::string> queues =
      parse_word_list(o.upload_queues, "--upload-queue", {"auto", "compute", "transfer"});
  const std::vector<std::string> host_inputs =
      parse_word_list(o.host_inputs, "--host-input", {"staging", "import"});
  const auto wants = [&](const char* f) {
    return std::find(inputs.begin(), inputs.end(), f) != inputs.end();
  };
  Progress progress;
  const Network net = random_network(o.seed, kDefaultClasses);
  vk::Context ctx(o.context);
  const vk::DeviceInfo& info = ctx.info();
  if (!ctx.has_transfer_queue() && std::find(queues.begin(), queues.end(), "transfer") != queues.end())
    throw UsageError("--upload-queue transfer: " + info.name + " has no transfer-only queue family");
  if (!info.host_import && std::find(host_inputs.begin(), host_inputs.end(), "import") != host_inputs.end())
    throw UsageError("--host-input import: " + info.name + " lacks VK_EXT_external_memory_host");

  nlohmann::json j;
  j["tool"] = "effnet-bench stream";
  j["device"] = device_json(info);
  j["options"] = {{"batches", batches},
                  {"precisions", precisions},
                  {"iters", o.iters},
                  {"warmup", o.warmup},
                  {"inflight", o.inflight},
                  {"buffers", o.buffers},
                  {"size", o.size},
                  {"seed", o.seed},
                  {"coopmat_allowed", !o.no_coopmat},
                  {"inputs", inputs},
                  {"upload_queues", queues},
                  {"spin_us", o.spin_us},
                  {"host_inputs", host_inputs}};
  std::printf("device: %s (%s, Vulkan %s)\n", info.name.c_str(), info.driver.c_str(),
              info.api_version_str.c_str());
  std::printf(
      "GPU: replay() timestamps; round trip: one run(), host input to host logits; stream: %d batches in "
      "flight\n(submit/wait), wall clock over %d batches; copy: host-visible -> device-local "
      "vkCmdCopyBuffer of the input.\n\n",
      o.inflight, o.iters);
  std::printf("%-5s %-4s %-8s %-7s %5s | %9s %10s | %9s %9s | %10s | %9s %10s | %7s\n", "prec", "in",
              "upload", "host", "batch", "GPU ms", "GPU img/s", "trip ms", "trip-GPU", "stream i/s",
              "copy GB/s", "copy img/s", "ratio");
  j["results"] = nlohmann::json::array();
  for (int b : batches) {
    Inputs in;
    for (int i = 0; i < std::max(1, o.buffers); ++i) {
      const uint64_t seed = o.seed + 1000 * uint64_t(b) + uint64_t(i);
      if (wants("f32")) in.f32.push_back(random_tensor({b, 3, o.size, o.size}, seed));
      if (wants("u8")) {
        const Tensor t = random_tensor({b, o.size, o.size, 3}, seed);  // values in (0, 1)
        in.bytes.emplace_back(t.data.size());
        for (size_t k = 0; k < t.data.size(); ++k) in.bytes.back()[k] = uint8_t(t.data[k] * 255.0f);
        in.u8.push_back(ImagesU8{in.bytes.back().data(), b, o.size, o.size});
      }
    }
    for (const std::string& ps : precisions)
      for (const std::string& fmt : inputs)
        for (const std::string& qs : queues)
          for (const std::string& hs : host_inputs) {
            progress.begin("stream " + ps + " " + fmt + " upload " + qs + " " + hs + " batch " +
                           std::to_string(b) + ", " + std::to_string(o.iters) + " runs of each");
            const Precision p = parse_precision(ps);
            const UploadQueue q = parse_upload_queue(qs);
            const bool import = hs == "import";
            const size_t f32_bytes = size_t(b) * 3 * size_t(o.size) * size_t(o.size) *
                                     size_t(storage_bytes(net.layers.front().kind, TensorRole::Input, p));
            const StreamResult r =
                fmt == "u8" ? measure(ctx, net, o, b, p, q, import, in.u8, in.u8.front().bytes(), progress)
                            : measure(ctx, net, o, b, p, q, import, in.f32, f32_bytes, progress);
            const double gpu_ips = b / (r.gpu.median * 1e-3);
            const double stream_ips = double(b) * r.stream_batches / r.stream_s;
            const double copy_ips = r.copy.bytes_per_s() / double(r.input_bytes) * b;
            const double ratio = stream_ips / std::min(gpu_ips, copy_ips);
            const double trip_over_us = (r.round_trip.median - r.gpu.median) * 1e3;
            j["results"].push_back(
                {{"precision", ps},
                 {"input", fmt},
                 {"upload_queue_asked", qs},
                 {"upload_queue", upload_queue_name(r.upload_queue)},
                 {"host_input", hs},
                 {"import_ms", r.import_ms},
                 {"batch", b},
                 {"inflight", o.inflight},
                 {"input_bytes", r.input_bytes},
                 {"gpu", r.gpu.json()},
                 {"gpu_images_per_s", gpu_ips},
                 {"round_trip", r.round_trip.json()},
                 {"round_trip_minus_gpu_us", trip_over_us},
                 {"stream",
                  {{"batches", r.stream_batches}, {"seconds", r.stream_s}, {"images_per_s", stream_ips}}},
                 {"copy_h2d",
                  {{"bytes", r.copy.bytes},
                   {"ms", r.copy.ms.json()},
                   {"bytes_per_s", r.copy.bytes_per_s()},
                   {"images_per_s", copy_ips}}},
                 {"ratio_stream_over_min_gpu_copy", ratio}});
            std::printf(
                "%-5s %-4s %-8s %-7s %5d | %9.3f %10.0f | %9.3f %9.1f | %10.0f | %9.2f %10.0f | %7.3f\n",
                ps.c_str(), fmt.c_str(), upload_queue_name(r.upload_queue), hs.c_str(), b, r.gpu.median,
                gpu_ips, r.round_trip.median, trip_over_us, stream_ips, r.copy.bytes_per_s() * 1e-9, copy_ips,
                ratio);
            std::fflush(stdout);
          }
  }
  std::printf(
      "\ntrip-GPU: round trip minus GPU time, in us. ratio: streaming images/s over the lesser of the "
      "GPU-only and\nthe copy ceiling's images/s (issue 11: >= 0.85 at batch 256 with f32 input; with u8 "
      "input\n"
      ">= 0.90 of GPU-only).\n");
  if (!o.json.empty()) write_json(o.json, j);
  return kExitOk;
}

}  // namespace effnet::app
