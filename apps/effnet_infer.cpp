// effnet-infer: EfficientNet-B1 (KernelBench L3/23) inference on Vulkan, CPU or CUDA.
//
//   effnet-infer --image photo.jpg                      top-5 on the default Vulkan GPU, fp16
//   effnet-infer --input x.npy --output y.npy --device cpu --precision fp32 --json
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>

#include "apps/context_env.h"
#include "apps/devices.h"
#include "apps/exit_codes.h"
#include "apps/input.h"
#include "apps/labels.h"
#include "apps/run_main.h"
#include "backends/backend.h"
#include "backends/logits_check.h"
#include "model/errors.h"
#include "model/npy.h"
#include "model/weights.h"

using namespace effnet;
using namespace effnet::app;

namespace {

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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1.0 : v[v.size() / 2];
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
                    "(Fashion-MNIST, 10 classes, --size 64, --labels tests/data/fashion_classes.txt).\n") +
        kExitCodesHelp);
    InputSpec in;
    BackendOptions bo;
    std::string weights, output, labels_path, precision = "fp16";
    uint64_t seed = 0;
    int classes = kDefaultClasses, topk = 5, repeat = 1;
    bool json = false, list = false, no_coopmat = false, no_fuse = false;
    cli.add_option("--weights", weights, "safetensors state_dict of the reference model (PyTorch names)");
    cli.add_option("--seed", seed, "seed of the built-in untrained weights (without --weights)");
    cli.add_option("--classes", classes, "class count of the built-in weights")
        ->check(CLI::Range(1, 1000000));
    cli.add_option("--image", in.images, "image file(s): PNG or JPEG (by content, not name)");
    cli.add_option("--input", in.npy, "input batch .npy: [N,3,H,W] float32 NCHW");
    cli.add_option("--size", in.size, "resize images to SIZE x SIZE (default 240)");
    cli.add_flag(
        "--no-normalize", [&](int64_t) { in.normalize = false; },
        "images in [0,1] without ImageNet mean/std (KernelBench-style input)");
    cli.add_option("--output", output, "write the logits [N,classes] float32 to this .npy");
    cli.add_option("--device", bo.device, "vulkan | cpu | cuda (default vulkan)")
        ->check(CLI::IsMember(available_backends()));
    cli.add_option("--precision", precision, "fp16 (default: fp16 storage, fp32 accumulation) | fp32")
        ->check(CLI::IsMember({"fp16", "fp32"}));
    cli.add_option("--gpu", bo.gpu,
                   "GPU index (see --list-devices); default: env EFFNET_GPU, else the first discrete GPU");
    cli.add_flag("--no-coopmat", no_coopmat,
                 "do not use cooperative matrices (also env EFFNET_NO_COOPMAT=1)");
    cli.add_flag("--no-fuse", no_fuse,
                 "run the MBConv blocks layer by layer, not as fused stages (also env EFFNET_NO_FUSE=1)");
    cli.add_option("--labels", labels_path, "class names, one per line, printed beside the class indices");
    cli.add_option("--topk", topk, "classes to print per image (default 5)")->check(CLI::Range(1, 1000000));
    cli.add_option("--repeat", repeat, "run the batch this many times, report the median time (default 1)")
        ->check(CLI::Range(1, 100000));
    cli.add_flag("--json", json, "print one JSON object instead of the table");
    cli.add_flag("--list-devices", list, "list the Vulkan (and CUDA) devices and exit");
    if (const auto code = parse_cli(cli, argc, argv)) return *code;
    if (list) {
      print_devices(std::cout, json);
      return kExitOk;
    }
    bo.precision = precision == "fp32" ? Precision::FP32 : Precision::FP16;
    // The environment, read once here (apps/context_env.h).
    bo.allow_coopmat = !no_coopmat && !env_flag("EFFNET_NO_COOPMAT");
    bo.fuse = !no_fuse && !env_flag("EFFNET_NO_FUSE");
    if (bo.device == "vulkan") bo.context = context_options_from_env(bo.gpu);

    Tensor x = load_input(in);
    Network net = weights.empty() ? random_network(seed, classes) : load_network(weights);
    const std::vector<std::string> labels =
        labels_path.empty() ? std::vector<std::string>{} : load_labels(labels_path, net.classes);
    bo.batch = int(x.dim(0));
    bo.height = int(x.dim(2));
    bo.width = int(x.dim(3));

    auto backend = make_backend(net, bo);
    if (!json) {
      std::printf("device:  %s\nvariant: %s\n", backend->device_line().c_str(),
                  backend->variant_line().c_str());
      std::fflush(stdout);
    }
    Tensor logits;
    std::vector<double> host_ms, gpu_ms;
    for (int i = 0; i < repeat; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      logits = backend->run(x);
      auto t1 = std::chrono::steady_clock::now();
      host_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      if (backend->last_gpu_ms() >= 0) gpu_ms.push_back(backend->last_gpu_ms());
    }
    // Free when the logits are finite; otherwise exit 4 naming the first stage that went non-finite.
    check_logits_finite(*backend, x, logits, [&](int64_t row) {
      return in.images.empty() ? in.npy + " row " + std::to_string(row) : in.images[size_t(row)];
    });
    if (!output.empty()) save_npy(output, logits);

    const std::string weights_desc =
        weights.empty() ? "built-in untrained (seed " + std::to_string(seed) + ")" : weights;
    if (json) {
      nlohmann::json j;
      j["device"] = backend->device_line();
      j["variant"] = backend->variant_line();
      j["stages"] = backend->variant_json();
      j["precision"] = bo.device == "cpu" ? "fp32" : precision;
      j["weights"] = weights_desc;
      j["input_shape"] = x.shape;
      j["classes"] = net.classes;
      j["host_ms"] = median(host_ms);
      j["gpu_ms"] = gpu_ms.empty() ? nlohmann::json(nullptr) : nlohmann::json(median(gpu_ms));
      j["repeat"] = repeat;
      nlohmann::json res = nlohmann::json::array();
      for (int64_t n = 0; n < x.dim(0); ++n) {
        nlohmann::json r;
        r["index"] = n;
        if (!in.images.empty()) r["image"] = in.images[size_t(n)];
        for (auto [c, v] : top_k(logits, n, topk).items) {
          r["topk"].push_back({{"class", c}, {"logit", v}});
          if (!labels.empty()) r["topk"].back()["label"] = labels[size_t(c)];
        }
        res.push_back(r);
      }
      j["results"] = res;
      if (!output.empty()) j["output"] = output;
      std::cout << j.dump(1) << "\n";
      return kExitOk;
    }
    std::printf("weights: %s (%d classes)\n", weights_desc.c_str(), net.classes);
    for (int64_t n = 0; n < x.dim(0); ++n) {
      std::printf("\n[%lld] %s\n", (long long)n,
                  in.images.empty() ? in.npy.c_str() : in.images[size_t(n)].c_str());
      int rank = 1;
      for (auto [c, v] : top_k(logits, n, topk).items)
        std::printf("  %2d. class %4d  logit %+.5f%s%s\n", rank++, c, v, labels.empty() ? "" : "  ",
                    labels.empty() ? "" : labels[size_t(c)].c_str());
    }
    std::printf("\ntime:    %.3f ms host (submit to logits in host memory)", median(host_ms));
    if (!gpu_ms.empty()) std::printf(", %.3f ms GPU", median(gpu_ms));
    std::printf(", batch %lld%s\n", (long long)x.dim(0),
                repeat > 1 ? (", median of " + std::to_string(repeat)).c_str() : "");
    if (!output.empty()) std::printf("logits:  %s\n", output.c_str());
    return kExitOk;
  });
}
