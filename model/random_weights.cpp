// Built-in deterministic weights (weights.h: random_state_dict, random_network).
#include <cmath>

#include "model/conv_table.h"
#include "model/cpu_reference.h"
#include "model/errors.h"
#include "model/weights.h"

namespace effnet {
namespace {

// splitmix64 (Steele, Lea, Flood 2014): the same stream on every platform.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi) from the top 53 bits.
  double uniform(double lo, double hi) { return lo + (hi - lo) * (double(next() >> 11) * 0x1.0p-53); }

 private:
  uint64_t s_;
};

Tensor uniform_tensor(SplitMix64& rng, std::vector<int64_t> shape, double lo, double hi) {
  Tensor t(std::move(shape));
  for (float& v : t.data) v = float(rng.uniform(lo, hi));
  return t;
}

// Calibration input [2, 3, 64, 64] NCHW: image 0 like torch.rand in [0, 1), image 1
// like an ImageNet-normalised photo in [-2, 2).
Tensor calibration_input(SplitMix64& rng) {
  Tensor x({2, kInChannels, 64, 64});
  const size_t half = x.data.size() / 2;
  for (size_t i = 0; i < x.data.size(); ++i)
    x.data[i] = float(i < half ? rng.uniform(0, 1) : rng.uniform(-2, 2));
  return x;
}

// Per-channel mean and variance over all but the last (channel) axis of an NHWC tensor, in float64.
void channel_stats(const Tensor& y, std::vector<double>& mean, std::vector<double>& var) {
  const size_t c = size_t(y.shape.back());
  const size_t count = y.data.size() / c;
  mean.assign(c, 0.0);
  var.assign(c, 0.0);
  for (size_t i = 0; i < y.data.size(); ++i) mean[i % c] += y.data[i];
  for (double& m : mean) m /= double(count);
  for (size_t i = 0; i < y.data.size(); ++i) {
    const double d = y.data[i] - mean[i % c];
    var[i % c] += d * d;
  }
  for (double& v : var) v /= double(count);
}

}  // namespace

std::map<std::string, Tensor> random_state_dict(uint64_t seed, int classes) {
  if (classes < 1)
    throw ShapeError("random_state_dict: classes must be >= 1, got " + std::to_string(classes));
  SplitMix64 rng(seed);
  std::map<std::string, Tensor> sd;
  Tensor x = calibration_input(rng);  // the activation entering the current conv
  for (const ConvEntry& e : conv_table()) {
    const double bound = 1.0 / std::sqrt(double(e.fan_in()));
    Tensor w = uniform_tensor(rng, e.weight_shape, -bound, bound);
    Tensor gamma = uniform_tensor(rng, {e.cout}, 0.5, 1.5);
    Tensor beta = uniform_tensor(rng, {e.cout}, -0.2, 0.2);

    // The conv alone (no BN, no activation; the head before its pool) on the calibration activation.
    Layer raw;
    raw.name = e.conv;
    raw.kind = e.kind == LayerKind::HeadPool ? LayerKind::Pointwise : e.kind;
    raw.cin = e.cin;
    raw.cout = e.cout;
    raw.stride = e.stride;
    raw.weight = w.data;
    raw.bias.assign(size_t(e.cout), 0.0f);
    std::vector<double> m, v;
    channel_stats(cpu_layer(raw, x), m, v);

    Tensor mean({e.cout}), var({e.cout});
    for (size_t c = 0; c < size_t(e.cout); ++c) {
      const double sd_c = std::sqrt(v[c]);
      mean.data[c] = float(m[c] + rng.uniform(-0.2, 0.2) * sd_c);
      var.data[c] = float(v[c] * rng.uniform(0.7, 1.3));
    }
    if (e.kind != LayerKind::HeadPool) {
      x = cpu_layer(fold_conv_bn(e, w.data, gamma.data, beta.data, mean.data, var.data), x);
    }
    sd[e.conv + ".weight"] = std::move(w);
    sd[e.bn + ".weight"] = std::move(gamma);
    sd[e.bn + ".bias"] = std::move(beta);
    sd[e.bn + ".running_mean"] = std::move(mean);
    sd[e.bn + ".running_var"] = std::move(var);
  }
  const double fc_bound = 1.0 / std::sqrt(double(kHeadChannels));
  sd["fc.weight"] = uniform_tensor(rng, {classes, kHeadChannels}, -fc_bound, fc_bound);
  sd["fc.bias"] = uniform_tensor(rng, {classes}, -fc_bound, fc_bound);
  return sd;
}

Network random_network(uint64_t seed, int classes) {
  StateDict sd;
  for (auto& [name, t] : random_state_dict(seed, classes)) sd[name] = StoredTensor{DType::F32, std::move(t)};
  return fold_state_dict(sd);
}

}  // namespace effnet
