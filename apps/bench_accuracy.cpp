// effnet-bench accuracy: top-1 accuracy of a trained checkpoint on a labelled
// IDX image set (Debian's dataset-fashion-mnist by default), per class and in
// total, on any backend, and the agreement with another model's predictions
// (PyTorch's, saved by tools/train_fashion.py as IDX).
#include <chrono>
#include <cstdio>

#include "apps/bench_modes.h"
#include "apps/bench_util.h"
#include "apps/exit_codes.h"
#include "apps/labels.h"
#include "backends/backend.h"
#include "model/errors.h"
#include "model/idx.h"
#include "model/weights.h"

namespace effnet::app {
namespace {

int argmax(const float* row, int n) {
  int best = 0;
  for (int c = 1; c < n; ++c)
    if (row[c] > row[best]) best = c;
  return best;
}

}  // namespace

int run_accuracy(const AccuracyOptions& o) {
  const Network net = load_network(o.weights);
  const IdxDataset set = load_idx_dataset(o.images, o.labels, net.classes);
  std::vector<std::string> names;
  if (!o.class_names.empty()) names = load_labels(o.class_names, net.classes);
  for (int c = int(names.size()); c < net.classes; ++c) names.push_back("class " + std::to_string(c));
  const int64_t n = o.limit > 0 ? std::min<int64_t>(o.limit, set.count()) : set.count();
  IdxU8 ref;
  if (!o.reference.empty()) {
    ref = load_idx_u8(o.reference);
    if (ref.shape.size() != 1 || ref.shape[0] < n)
      throw FileError(o.reference + ": reference predictions must be [>= " + std::to_string(n) + "]");
  }
  BackendOptions bo;
  bo.device = o.device;
  bo.precision = parse_precision(o.precision);
  bo.gpu = o.gpu;
  bo.allow_coopmat = !o.no_coopmat;
  bo.fuse = !o.no_fuse;
  bo.batch = int(std::min<int64_t>(o.batch, n));
  bo.height = bo.width = o.size;
  bo.context = o.context;
  const auto backend = make_backend(net, bo);
  std::fprintf(stderr, "effnet-bench: accuracy of %s on %lld images of %s: %s, %s\n", o.weights.c_str(),
               static_cast<long long>(n), o.images.c_str(), backend->device_line().c_str(),
               backend->variant_line().c_str());

  std::vector<int> per_class(size_t(net.classes), 0), per_class_ok(size_t(net.classes), 0);
  std::vector<uint8_t> pred(static_cast<size_t>(n));
  int64_t ok = 0, agree = 0;
  Progress progress;
  progress.begin("accuracy");
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t first = 0; first < n; first += bo.batch) {
    const int64_t m = std::min<int64_t>(bo.batch, n - first);
    Tensor x = idx_batch(set, first, m, o.size);
    if (m < bo.batch) {  // the last batch, padded with zero images (their logits are ignored)
      Tensor padded({bo.batch, 3, o.size, o.size});
      std::copy(x.data.begin(), x.data.end(), padded.data.begin());
      x = std::move(padded);
    }
    const Tensor y = backend->run(x);
    for (int64_t i = 0; i < m; ++i) {
      const int p = argmax(y.data.data() + size_t(i) * size_t(net.classes), net.classes);
      const int label = set.labels.data[size_t(first + i)];
      pred[size_t(first + i)] = uint8_t(p);
      ++per_class[size_t(label)];
      if (p == label) ++per_class_ok[size_t(label)], ++ok;
      if (!ref.data.empty() && p == int(ref.data[size_t(first + i)])) ++agree;
    }
    progress.tick(int((first + m) / bo.batch), int((n + bo.batch - 1) / bo.batch));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::printf("%-16s %7s %7s %9s\n", "class", "images", "correct", "accuracy");
  nlohmann::json classes = nlohmann::json::array();
  for (int c = 0; c < net.classes; ++c) {
    const double acc = per_class[size_t(c)] ? double(per_class_ok[size_t(c)]) / per_class[size_t(c)] : 0.0;
    std::printf("%-16s %7d %7d %8.2f%%\n", names[size_t(c)].c_str(), per_class[size_t(c)],
                per_class_ok[size_t(c)], 100 * acc);
    classes.push_back({{"class", names[size_t(c)]},
                       {"images", per_class[size_t(c)]},
                       {"correct", per_class_ok[size_t(c)]}});
  }
  const double acc = double(ok) / double(n);
  std::printf("\ntop-1 accuracy: %.2f%% (%lld of %lld), %s %s, %.0f images/s end to end\n", 100 * acc,
              static_cast<long long>(ok), static_cast<long long>(n), o.device.c_str(), o.precision.c_str(),
              double(n) / secs);
  nlohmann::json j = {{"tool", "effnet-bench accuracy"},
                      {"weights", o.weights},
                      {"images", o.images},
                      {"count", n},
                      {"device", backend->device_line()},
                      {"variant", backend->variant_line()},
                      {"precision", o.precision},
                      {"size", o.size},
                      {"correct", ok},
                      {"accuracy", acc},
                      {"classes", classes},
                      {"seconds", secs}};
  if (!ref.data.empty()) {
    std::printf("agreement with %s: %.2f%% (%lld of %lld)\n", o.reference.c_str(),
                100.0 * double(agree) / double(n), static_cast<long long>(agree), static_cast<long long>(n));
    j["reference"] = o.reference;
    j["agreement"] = double(agree) / double(n);
    j["agree"] = agree;
    nlohmann::json differ = nlohmann::json::array();
    for (int64_t i = 0; i < n; ++i)
      if (pred[size_t(i)] != ref.data[size_t(i)])
        differ.push_back(
            {{"image", i}, {"ours", int(pred[size_t(i)])}, {"reference", int(ref.data[size_t(i)])}});
    j["disagreements"] = differ;
  }
  if (!o.json.empty()) write_json(o.json, j);
  return kExitOk;
}

}  // namespace effnet::app
